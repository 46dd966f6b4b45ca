"""MLflow run tags as a catalog dataset: a node's ``{tag: value}`` output is set on the active run."""

from __future__ import annotations

from typing import Any

from kedro.io import AbstractDataset, DatasetError


class MlflowTagsDataset(AbstractDataset[dict, None]):
    """Tags of the active MLflow run (kedro-mlflow's run), write-only.

    Example catalog entry::

        data_tags:
          type: smotified_gan.io.MlflowTagsDataset

    Without an active run (MLflow tracking off) the tags are dropped.
    """

    def __init__(self, metadata: dict[str, Any] | None = None) -> None:
        self.metadata = metadata

    def save(self, data: dict) -> None:
        import mlflow

        if not isinstance(data, dict):
            raise DatasetError(f"MLflow tags must be a dict of tag -> value, got {type(data).__name__}")
        if mlflow.active_run() is not None:
            mlflow.set_tags({str(key): str(value)[:5000] for key, value in data.items()})

    def load(self) -> None:
        raise DatasetError("MLflow tags are write-only here: read them from the run in MLflow")

    def _describe(self) -> dict[str, Any]:
        return {}
