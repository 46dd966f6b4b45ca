"""The registered production model that holds the ``champion`` alias, as a catalog dataset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kedro.io import AbstractDataset, DatasetError


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
        model = mlflow.pyfunc.load_model(f"models:/{self._name}/{version.version}")
        return ChampionModel(name=self._name, version=int(version.version), run_id=version.run_id, model=model)

    def save(self, data) -> None:
        raise DatasetError(f"models:/{self._name}@{self._alias} is read-only: `retrain` registers new versions")

    def _describe(self) -> dict[str, Any]:
        return {"model_name": self._name, "alias": self._alias, "required": self._required}
