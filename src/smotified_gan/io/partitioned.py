"""Batches larger than memory: read as Dask DataFrames part by part, and predictions written whole or not at all."""

from __future__ import annotations

import glob
import logging
import os
import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import Any

from kedro.io import AbstractDataset, AbstractVersionedDataset, DatasetError, Version

from smotified_gan.core.progress import Progress

logger = logging.getLogger(__name__)

# the column every partition of a loaded batch carries: the file its rows came from (categorical: one code a row)
SOURCE_COLUMN = "__source_file__"
FORMATS = ("parquet", "csv")


class PartitionedBatchDataset(AbstractDataset[None, Any]):
    """A batch as a Dask DataFrame: ``path`` is a folder of ``.parquet`` or ``.csv`` files, one file, or a glob.

    One partition per Parquet file (so keep files of a few hundred thousand to a few million rows), and one per
    ``blocksize`` of a CSV file (dask's ``read_csv``). Every row carries its file in ``SOURCE_COLUMN``, so that a
    partition that breaks the model's input contract is named by file. Read-only: a batch is an input.
    """

    def __init__(self, path: str, file_format: str = "parquet", blocksize: str = "64MB",
                 load_args: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None) -> None:
        if file_format not in FORMATS:
            raise DatasetError(f"{path}: file_format must be one of {FORMATS}, got {file_format!r}")
        self._path, self._format, self._blocksize = str(path), file_format, blocksize
        self._load_args = dict(load_args or {})
        self.metadata = metadata

    def files(self) -> list[str]:
        """The batch's files, in name order; an error naming the path when there are none."""
        path = Path(self._path)
        found = (sorted(str(f) for f in path.iterdir() if f.suffix == f".{self._format}") if path.is_dir()
                 else sorted(glob.glob(self._path)))
        if not found:
            raise DatasetError(f"the batch {self._path} holds no .{self._format} file")
        return found

    def load(self):
        import dask.dataframe as dd

        files = self.files()
        if self._format == "csv":
            return dd.read_csv(files, blocksize=self._blocksize, include_path_column=SOURCE_COLUMN, **self._load_args)
        return dd.from_map(_read_parquet_file, files, load_args=self._load_args, label="read-batch",
                           enforce_metadata=False)

    def save(self, data) -> None:
        raise DatasetError(f"{self._path} is a batch to score: read-only")

    def _exists(self) -> bool:
        try:
            return bool(self.files())
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {"path": self._path, "file_format": self._format, "blocksize": self._blocksize}


def computed(tasks: list, what: str, unit: str) -> list:
    """The results of Dask ``tasks`` (delayed), in order, with a progress line every 20 s on a distributed cluster
    (``core.progress``); on Dask's local scheduler when there is no cluster."""
    import dask

    try:
        from dask.distributed import as_completed, get_client

        client = get_client()
    except (ImportError, ValueError):
        return list(dask.compute(*tasks))
    futures = client.compute(tasks)
    progress = Progress(what, len(futures), unit, logger)
    for done, _ in enumerate(as_completed(futures), start=1):
        progress.update(done)
    return client.gather(futures)


def _write_part(part, path: Path) -> int:
    part.to_parquet(path, index=False)
    return len(part)


def _read_parquet_file(path: str, load_args: dict[str, Any]):
    import numpy as np
    import pandas as pd

    frame = pd.read_parquet(path, **load_args)
    frame[SOURCE_COLUMN] = pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), categories=[path])
    return frame


class PartitionedPredictionsDataset(AbstractVersionedDataset[Any, Any]):
    """Predictions of a partitioned batch, a folder of Parquet files per version, written whole or not at all.

    ``save`` writes every partition into a hidden folder beside the target and renames it into place once all are
    written (a rename within one filesystem is atomic): a run that fails part-way leaves no version behind, and
    nothing is ever overwritten (``versioned: true``, as the pandas path's predictions). ``load``: the latest
    (or the given) version as a Dask DataFrame.
    """

    def __init__(self, filepath: str, version: Version | None = None, metadata: dict[str, Any] | None = None) -> None:
        super().__init__(filepath=PurePosixPath(filepath), version=version, exists_function=os.path.exists,
                         glob_function=glob.glob)
        self.metadata = metadata

    def load(self):
        import dask.dataframe as dd

        return dd.read_parquet(str(self._get_load_path()))

    def save(self, data) -> None:
        import dask

        target = Path(str(self._get_save_path()))
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.partial-{uuid.uuid4().hex[:8]}"
        staging.mkdir()
        try:
            writes = [dask.delayed(_write_part)(part, staging / f"part.{number:05d}.parquet")
                      for number, part in enumerate(data.to_delayed())]
            computed(writes, "Scoring and writing the predictions", "partitions")
            os.rename(staging, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _exists(self) -> bool:
        try:
            return Path(str(self._get_load_path())).exists()
        except DatasetError:
            return False

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "version": self._version}
