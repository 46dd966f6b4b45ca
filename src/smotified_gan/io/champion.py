"""The registered production model that holds the ``champion`` alias, as a catalog dataset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kedro.io import AbstractDataset, DatasetError

# where retrain keeps what travels with the model: the input contract is one of the
# model's own artifacts; the keys of the rows it trained on are an artifact of its run
CONTRACT = "production.input_contract"
TRAINING_ROWS_ARTIFACT = "training_rows/training_rows.parquet"
# MLflow signature types -> the contract's column kinds (champions registered before contracts)
_SIGNATURE_KINDS = {"long": "integer", "integer": "integer", "double": "float", "float": "float"}


@dataclass
class ChampionModel:
    """A registered model version and its loaded MLflow pyfunc."""

    name: str
    version: int
    run_id: str
    model: Any  # mlflow.pyfunc.PyFuncModel

    def predict(self, rows):
        return self.model.predict(rows)

    def input_schema(self):
        return self.model.metadata.get_input_schema()

    def contract(self):
        """The model's ``InputContract``, or None for a model registered before contracts existed."""
        from smotified_gan.production.contract import InputContract

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

    def training_row_keys(self):
        """The row keys (uint64) of every row the model trained or was validated on; None if not recorded."""
        import mlflow
        import pandas as pd
        from mlflow.exceptions import MlflowException

        try:
            path = mlflow.artifacts.download_artifacts(run_id=self.run_id, artifact_path=TRAINING_ROWS_ARTIFACT)
        except (MlflowException, OSError):
            return None
        return pd.read_parquet(path)["row_key"].to_numpy()


def load_model_version(name: str, version) -> ChampionModel:
    """A registered version (an MLflow ``ModelVersion``) with its pyfunc loaded."""
    import mlflow

    model = mlflow.pyfunc.load_model(f"models:/{name}/{version.version}")
    return ChampionModel(name=name, version=int(version.version), run_id=version.run_id, model=model)


class ChampionModelDataset(AbstractDataset[None, "ChampionModel | None"]):
    """``models:/<model_name>@<alias>`` from the MLflow registry of the run (read-only).

    With ``required: false`` (retraining, which may be the first) a registry
    without that alias loads as ``None``; otherwise it is an error that says to
    run ``retrain`` first.
    """

    def __init__(self, model_name: str, alias: str = "champion", required: bool = True,
                 metadata: dict[str, Any] | None = None) -> None:
        self._name, self._alias, self._required = model_name, alias, required
        self.metadata = metadata

    def load(self) -> ChampionModel | None:
        import mlflow
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException

        try:
            version = MlflowClient().get_model_version_by_alias(self._name, self._alias)
        except MlflowException as error:
            if self._required:
                raise DatasetError(
                    f"no model '{self._name}' with the alias '{self._alias}' in the MLflow registry at "
                    f"{mlflow.get_registry_uri()}: run `kedro run --pipelines retrain --env prod` first "
                    f"({error.message if hasattr(error, 'message') else error})"
                ) from error
            return None
        return load_model_version(self._name, version)

    def save(self, data) -> None:
        raise DatasetError(f"models:/{self._name}@{self._alias} is read-only: `retrain` registers new versions")

    def _describe(self) -> dict[str, Any]:
        return {"model_name": self._name, "alias": self._alias, "required": self._required}
