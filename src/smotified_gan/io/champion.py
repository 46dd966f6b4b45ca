"""The registered production model that holds the ``champion`` alias, as a catalog dataset."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from smotified_gan.core.names import ROW_KEY

logger = logging.getLogger(__name__)
# where retrain keeps what travels with the model: the input contract is one of the
# model's own artifacts; the keys of the rows it trained on are an artifact of its run
CONTRACT = "production.input_contract"
TRAINING_ROWS_ARTIFACT = "training_rows/training_rows.parquet"
# the keys of the holdout rows its run was judged on: rows that arrive later are "fresh" for it
HOLDOUT_ROWS_ARTIFACT = "holdout_rows/holdout_rows.parquet"
# the version tag that counts the looks made at a champion (production.decision: alpha-spending over its reign)
LOOKS_SPENT = "looks_spent"
# the one command that moves on from a champion that cannot be loaded
MOVE_ON = "kedro run --pipelines retrain --env prod"
# MLflow signature types -> the contract's column kinds (champions registered before contracts)
_SIGNATURE_KINDS = {"long": "integer", "integer": "integer", "double": "float", "float": "float"}


class ChampionUnreadable(RuntimeError):
    """A champion's record (its model, or the keys of the rows it trained on) cannot be read: never silently skipped."""


@dataclass
class ChampionModel:
    """A registered model version and its loaded MLflow pyfunc."""

    name: str
    version: int
    run_id: str
    model: Any  # mlflow.pyfunc.PyFuncModel
    tags: dict[str, str] = field(default_factory=dict)
    _training_keys: Any = field(default=None, repr=False)
    _holdout_keys: Any = field(default=None, repr=False)

    def predict(self, rows):
        return self.model.predict(rows)

    def input_schema(self):
        return self.model.metadata.get_input_schema()

    def contract(self):
        """The model's ``InputContract``, or None for a model registered before contracts existed."""
        from smotified_gan.core.production.contract import InputContract

        catalog = getattr(self.model.unwrap_python_model(), "loaded_catalog", None)
        if catalog is None or CONTRACT not in catalog:
            return None
        return InputContract.from_dict(catalog.load(CONTRACT))

    def column_kinds(self) -> dict[str, str]:
        """Column -> integer / float / category: from the contract, or from the MLflow signature."""
        contract = self.contract()
        if contract is not None:
            return contract.kinds()
        return {spec.name: _SIGNATURE_KINDS.get(spec.type.name, "category") for spec in self.input_schema().inputs}

    def holdout_recipe(self) -> dict:
        """How its holdout keys were made (``production.holdout.recipe``); ``{}`` for a model from before recipes."""
        contract = self.contract()
        return dict((contract.meta.get("holdout") or {}) if contract is not None else {})

    def training_row_keys(self):
        """The row keys (uint64) of every row the model trained on; ``ChampionUnreadable`` naming the version and
        the artifact when they cannot be read (the check that no holdout row was trained on cannot be skipped)."""
        if self._training_keys is None:
            import mlflow
            import pandas as pd

            where = f"runs:/{self.run_id}/{TRAINING_ROWS_ARTIFACT}"
            try:
                path = mlflow.artifacts.download_artifacts(run_id=self.run_id, artifact_path=TRAINING_ROWS_ARTIFACT)
                self._training_keys = pd.read_parquet(path)[ROW_KEY].to_numpy(dtype="uint64")
            except Exception as error:  # noqa: BLE001 - any failure: named, never a silent None
                raise ChampionUnreadable(
                    f"the keys of the rows {self.name} v{self.version} trained on cannot be read from {where} "
                    f"({type(error).__name__}: {error}); without them no holdout row can be checked against its "
                    f"training rows. Start a new lineage: `{MOVE_ON} --params "
                    "retrain.decision.on_lineage_change=new_lineage`") from error
        return self._training_keys

    def looks_spent(self) -> int:
        """The looks already made at this champion (``production.decision``): 0 for a version that has had none."""
        return int(self.tags.get(LOOKS_SPENT, 0) or 0)

    def holdout_row_keys(self):
        """The keys (uint64) of the holdout rows its own run was judged on, or None for a version registered before
        they were kept (every holdout row then counts as arrived after its crown)."""
        if self._holdout_keys is None:
            import mlflow
            import pandas as pd

            try:
                path = mlflow.artifacts.download_artifacts(run_id=self.run_id, artifact_path=HOLDOUT_ROWS_ARTIFACT)
            except Exception:  # noqa: BLE001 - absent: a version from before these records
                return None
            self._holdout_keys = pd.read_parquet(path)[ROW_KEY].to_numpy(dtype="uint64")
        return self._holdout_keys


@dataclass
class BrokenChampion:
    """A version that holds the alias but cannot be loaded (its artifacts are gone): named, so that retrain can
    move on from it and scoring can say what to do."""

    name: str
    version: int
    run_id: str
    reason: str


def load_model_version(name: str, version) -> ChampionModel:
    """A registered version (an MLflow ``ModelVersion``) with its pyfunc loaded."""
    import mlflow

    model = mlflow.pyfunc.load_model(f"models:/{name}/{version.version}")
    return ChampionModel(name=name, version=int(version.version), run_id=version.run_id, model=model,
                         tags=dict(version.tags or {}))


class ChampionModelDataset(AbstractDataset[None, "ChampionModel | BrokenChampion | None"]):
    """``models:/<model_name>@<alias>`` from the MLflow registry of the run (read-only), pinned for the run.

    The first load resolves the alias; later loads in the same run return the
    same version, so the nodes of one run (``check_batch`` and ``score_batch``)
    never see two champions even if another job moves the alias meanwhile.

    With ``required: false`` (retraining, which may be the first) a registry
    without that alias loads as ``None``, and a champion whose artifacts cannot
    be loaded as a ``BrokenChampion`` (retrain judges its model on its own and
    may crown it). With ``required: true`` (scoring) either is an error that
    names the version and what to run.
    """

    def __init__(self, model_name: str, alias: str = "champion", required: bool = True,
                 metadata: dict[str, Any] | None = None) -> None:
        self._name, self._alias, self._required = model_name, alias, required
        self.metadata = metadata
        self._pinned: ChampionModel | BrokenChampion | None = None
        self._resolved = False

    def load(self) -> ChampionModel | BrokenChampion | None:
        if not self._resolved:
            self._pinned, self._resolved = self._resolve(), True
        return self._pinned

    def _resolve(self) -> ChampionModel | BrokenChampion | None:
        import mlflow
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        try:
            version = MlflowClient().get_model_version_by_alias(self._name, self._alias)
        except MlflowException as error:
            if self._required:
                raise DatasetError(
                    f"no model '{self._name}' with the alias '{self._alias}' in the MLflow registry at "
                    f"{mlflow.get_registry_uri()}: run `{MOVE_ON}` first "
                    f"({error.message if hasattr(error, 'message') else error})"
                ) from error
            return None
        try:
            champion = load_model_version(self._name, version)
        except Exception as error:  # noqa: BLE001 - a missing or unreadable artifact, whatever MLflow raises
            reason = (f"{self._name} v{version.version} holds the '{self._alias}' alias but cannot be loaded from "
                      f"{version.source} ({type(error).__name__}: {error or 'no detail'})")
            if self._required:
                raise DatasetError(f"{reason}. Move on with `{MOVE_ON}`: it judges its new model on its own and "
                                   "moves the alias to it if it beats no skill") from error
            logger.warning("%s: this retrain judges its model on its own, as a new lineage", reason)
            return BrokenChampion(self._name, int(version.version), version.run_id, reason)
        logger.info("Champion: %s v%d (pinned for this run)", self._name, champion.version)
        return champion

    def _exists(self) -> bool:
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        try:
            MlflowClient().get_model_version_by_alias(self._name, self._alias)
        except MlflowException:
            return False
        return True

    def save(self, data) -> None:
        raise DatasetError(f"models:/{self._name}@{self._alias} is read-only: `retrain` registers new versions")

    def _describe(self) -> dict[str, Any]:
        return {"model_name": self._name, "alias": self._alias, "required": self._required}
