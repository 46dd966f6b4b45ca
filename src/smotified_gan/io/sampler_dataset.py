"""A Kedro dataset for fitted samplers, over the samplers' own ``save_sampler``/``load_sampler``.

One format for a fitted sampler wherever it goes (the experiment's
``data/05_model_input``, MLflow artifacts, production): the torch file that
``save_sampler`` writes, weights only, read back without unpickling code.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from kedro.io import AbstractDataset, DatasetError


class SamplerDataset(AbstractDataset[Any, Any]):
    """Fitted samplers in the samplers' own format: one, or a list of them (one per repeat; empty without augmentation).

    Example catalog entry::

        "{dataset}.{method}.sampler":
          type: smotified_gan.io.SamplerDataset
          filepath: data/05_model_input/{dataset}/{method}/sampler.pt
    """

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        self._filepath = PurePosixPath(filepath)
        self.metadata = metadata

    def load(self):
        from smotified_gan.core.samplers import load_sampler  # torch only when a sampler is read

        path = Path(self._filepath)
        if not path.is_file():
            raise DatasetError(f"no fitted sampler at {path}: run the oversampling pipeline first")
        return load_sampler(path)

    def save(self, data) -> None:
        """A fitted sampler, or a list of them (one per repeat of an experiment cell) in one file."""
        from smotified_gan.core.samplers import save_sampler

        try:
            save_sampler(data, Path(self._filepath))
        except TypeError as error:
            raise DatasetError(f"{self._filepath}: {error}") from error

    def _exists(self) -> bool:
        return Path(self._filepath).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}
