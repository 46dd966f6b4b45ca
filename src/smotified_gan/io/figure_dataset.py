"""A Kedro dataset that writes a Matplotlib figure as an image file, importing nothing of Matplotlib until it does.

``kedro_datasets.matplotlib.MatplotlibDataset`` imports ``matplotlib.pyplot``
when its module loads, and kedro-mlflow builds every catalog entry when a
session starts: every ``kedro run``, even ``--pipelines ingestion``, paid
about 0.3 s for pyplot (``bench/startup_time.py``). This one writes with
``Figure.savefig``, which needs no pyplot, then closes the figure in pyplot
(as MatplotlibDataset does) when pyplot made it, so long-lived processes do not
keep every figure.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.io import AbstractDataset, DatasetError


class FigureDataset(AbstractDataset[Any, bytes]):
    """One Matplotlib ``Figure``, saved with ``savefig(filepath, **save_args)``; loads the image file's bytes.

    Example catalog entry::

        figure4_f1:
          type: smotified_gan.io.FigureDataset
          filepath: data/08_reporting/figure4_f1.png
          save_args: {dpi: 120}
    """

    def __init__(self, filepath: str, save_args: dict[str, Any] | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        self._filepath = PurePosixPath(filepath)
        self._save_args = dict(save_args or {})
        self.metadata = metadata

    def save(self, data) -> None:
        if not hasattr(data, "savefig"):
            raise DatasetError(f"{self._filepath}: expected a matplotlib Figure, got {type(data).__name__}")
        path = Path(self._filepath)
        path.parent.mkdir(parents=True, exist_ok=True)
        data.savefig(path, **self._save_args)
        pyplot = sys.modules.get("matplotlib.pyplot")  # loaded by whoever drew the figure, if anyone
        if pyplot is not None:
            pyplot.close(data)

    def load(self) -> bytes:
        path = Path(self._filepath)
        if not path.is_file():
            raise DatasetError(f"no figure at {path}: run the reporting pipeline first")
        return path.read_bytes()

    def _exists(self) -> bool:
        return Path(self._filepath).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "save_args": self._save_args}
