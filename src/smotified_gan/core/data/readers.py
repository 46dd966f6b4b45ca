"""Parsers for the raw file formats of the benchmark datasets.

Every error names the file (and, where it applies, the line and column) so a
user can find the bad byte without a debugger.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

import pandas as pd


class DataFormatError(ValueError):
    """A raw file does not have the format its catalog entry declares."""


@dataclass(frozen=True)
class RawData:
    """A parsed raw file (or files) together with where it came from."""

    frame: pd.DataFrame
    origin: str
    sha256: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: RawData | pd.DataFrame, origin: str) -> RawData:
        """What a raw catalog entry loaded, as ``RawData``: a project raw source's as it is, a plain DataFrame (a
        user's own file through ``pandas.CSVDataset``) with ``origin`` (or the frame's ``source`` attribute)."""
        return raw if isinstance(raw, RawData) else cls(frame=raw, origin=raw.attrs.get("source", origin))

    def sha256_text(self) -> str:
        """The checksums as one string: the bare hash for one file, ``part=hash;...`` for several."""
        if len(self.sha256) == 1:
            return next(iter(self.sha256.values()))
        return ";".join(f"{part}={digest}" for part, digest in self.sha256.items())


_KEEL_ATTRIBUTE = re.compile(r"@attribute\s+('[^']+'|\S+?)\s*(\{|real|integer|numeric|string)", re.IGNORECASE)


def parse_keel(text: str, source: str) -> pd.DataFrame:
    """Parse a KEEL ``.dat`` file: ``@attribute`` header lines, then ``@data`` rows.

    Every data row is kept (the authors' reader took the first one as a header).
    Numeric attributes are converted to numbers; nominal ones stay strings.
    """
    names: list[str] = []
    numeric: list[bool] = []
    rows: list[list[str]] = []
    in_data = False
    for line_no, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("%"):
            continue
        if not in_data:
            lowered = line.lower()
            if lowered.startswith("@attribute"):
                match = _KEEL_ATTRIBUTE.match(line)
                if match is None:
                    raise DataFormatError(f"{source}: line {line_no}: cannot read attribute declaration {line!r}")
                names.append(match.group(1).strip("'"))
                numeric.append(match.group(2).lower() in {"real", "integer", "numeric"})
            elif lowered.startswith("@data"):
                in_data = True
            continue
        fields = [value.strip() for value in line.split(",")]
        if len(fields) != len(names):
            raise DataFormatError(
                f"{source}: line {line_no}: expected {len(names)} comma-separated values "
                f"(one per @attribute), found {len(fields)}: {line[:80]!r}"
            )
        rows.append(fields)
    if not names:
        raise DataFormatError(f"{source}: no @attribute lines: not a KEEL .dat file")
    if not in_data:
        raise DataFormatError(f"{source}: no @data line: not a KEEL .dat file")
    if not rows:
        raise DataFormatError(f"{source}: the @data section is empty")
    frame = pd.DataFrame(rows, columns=names, dtype="str")
    for name, is_numeric in zip(names, numeric):
        if is_numeric:
            frame[name] = to_numeric_column(frame[name], column=name, source=source)
    return frame


def to_numeric_column(values: pd.Series, column: str, source: str) -> pd.Series:
    """Convert a column to numbers; junk (text where a number belongs) is an error naming the row."""
    converted = pd.to_numeric(values, errors="coerce")
    junk = converted.isna() & values.notna() & (values.astype("str").str.strip().str.lower() != "nan")
    if junk.any():
        first = junk.idxmax()
        raise DataFormatError(
            f"{source}: column '{column}' must be numeric but row {first} holds {values[first]!r} "
            f"({int(junk.sum())} non-numeric value(s) in that column)"
        )
    return converted


def parse_table(content: bytes, source: str, file_format: str, columns: list[str] | None = None,
                load_args: dict | None = None) -> pd.DataFrame:
    """Parse raw bytes as ``keel``, ``csv`` or ``whitespace``-separated text.

    ``columns`` names the columns of a file without a header row. Columns pandas
    calls ``Unnamed: N`` (a saved DataFrame index) are dropped.
    """
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{source}: not UTF-8 text ({exc}); is it still compressed or corrupt?") from exc
    if file_format == "keel":
        return parse_keel(text, source)
    if file_format not in {"csv", "whitespace"}:
        raise DataFormatError(f"{source}: unknown file_format {file_format!r} (use keel, csv or whitespace)")
    args = {"sep": r"\s+" if file_format == "whitespace" else ",", **(load_args or {})}
    if columns is not None:
        args.setdefault("header", None)
        args["names"] = columns
    try:
        frame = pd.read_csv(io.StringIO(text), skipinitialspace=True, **args)
    except (pd.errors.ParserError, ValueError) as exc:
        raise DataFormatError(f"{source}: malformed {file_format} data: {exc}") from exc
    if columns is not None:
        _check_row_widths(text, source, file_format, len(columns), args)
    frame = frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed:")])
    if frame.empty:
        raise DataFormatError(f"{source}: no data rows")
    return frame


def _check_row_widths(text: str, source: str, file_format: str, width: int, args: dict) -> None:
    """pandas pads short rows with NaN when names are given: report them instead."""
    skip = args.get("skiprows") or 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line_no <= skip or not line.strip():
            continue
        fields = line.split() if file_format == "whitespace" else line.split(",")
        if len(fields) != width:
            raise DataFormatError(
                f"{source}: line {line_no}: expected {width} values, found {len(fields)}: {line[:80]!r}"
            )
