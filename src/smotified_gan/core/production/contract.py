"""The raw input contract of a production model: a pandera schema of the training rows, and their distribution.

What ``retrain`` records (``InputContract.from_training_rows``) and what
``scoring`` holds every batch to, before any prediction:

- **hard checks**, always errors: the columns (none missing, none extra), each
  column's type as in training (integers stay integers: a float column of
  whole numbers is accepted, 2.5 in an integer column is not), no missing and
  no infinite value, and at least one row;
- **soft checks**, counted per column and flagged per row, an error only when
  the configured policy says ``fail``: numbers outside the training range,
  categories never seen in training;
- **drift**: the population stability index (PSI) of each column against the
  training rows (numbers in the training deciles, categories by level, unseen
  categories in a bucket of their own).

The schema is pandera's (``DataFrameSchema``, saved as pandera's own JSON
inside the contract); the checks' names say which are soft.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

KINDS = {"int64": "integer", "float64": "float"}  # anything else: category
SOFT_CHECKS = {"in_range": "out_of_range", "isin": "unseen_category"}
# a proportion of 0 in either distribution makes the PSI infinite; the usual floor
_PSI_FLOOR = 1e-4
# PSI bins are pooled until each expects this many of a batch's rows (the chi-square rule of thumb)
MIN_EXPECTED = 5.0


class BatchValidationError(ValueError):
    """A batch breaks the model's input contract; the message names the file, the columns and the first rows."""


def _pandera():
    with warnings.catch_warnings():  # pandera warns on import about the top-level module it no longer prefers
        warnings.simplefilter("ignore")
        import pandera.pandas as pa
    return pa


@dataclass
class Assessment:
    """What the soft checks and the drift figures found in one (conformed) batch."""

    report: pd.DataFrame          # one row per column: kind, rows, out_of_range_rows, below_min, above_max, unseen ...
    flags: pd.Series              # per batch row: "" or "out_of_range:age,income;unseen_category:region"

    @property
    def flagged_rows(self) -> int:
        return int((self.flags != "").sum())


@dataclass
class InputContract:
    """A pandera schema of the raw training rows, plus their distribution for drift."""

    schema: Any                                    # pandera.pandas.DataFrameSchema
    reference: dict[str, dict[str, list]]          # column -> {"edges" | "categories": [...], "proportions": [...]}
    meta: dict[str, Any] = field(default_factory=dict)

    # -- building and storing ---------------------------------------------------------------------

    @classmethod
    def from_training_rows(cls, rows: pd.DataFrame, bins: int = 10, meta: dict[str, Any] | None = None) -> InputContract:
        """The contract of ``rows`` (raw features, as ingestion types them: int64, float64 or text)."""
        pa = _pandera()
        if rows.empty:
            raise ValueError("no training rows to build an input contract from")
        columns, reference = {}, {}
        for name in rows.columns:
            values = rows[name]
            kind = column_kind(values)
            if kind == "category":
                levels = sorted(values.astype("str").unique().tolist())
                columns[name] = pa.Column(str, [pa.Check.isin(levels)], nullable=False)
                reference[name] = {"categories": levels, "proportions": _category_shares(values, levels)[:-1]}
            else:
                checks = [] if kind == "integer" else [pa.Check.gt(-np.inf), pa.Check.lt(np.inf)]
                low, high = values.min(), values.max()
                low, high = (int(low), int(high)) if kind == "integer" else (float(low), float(high))
                checks.append(pa.Check.in_range(low, high))
                columns[name] = pa.Column("int64" if kind == "integer" else "float64", checks, nullable=False)
                edges = _decile_edges(values.to_numpy(dtype="float64"), bins)
                reference[name] = {"edges": edges, "proportions": _bin_shares(values, edges)}
        schema = pa.DataFrameSchema(columns, strict=True, ordered=False, name="raw input")
        return cls(schema, reference, dict(meta or {}))

    def to_dict(self) -> dict[str, Any]:
        return {"pandera_schema": json.loads(self.schema.to_json()), "reference": self.reference, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InputContract:
        pa = _pandera()
        schema = pa.DataFrameSchema.from_json(json.dumps(data["pandera_schema"]))
        return cls(schema, data["reference"], dict(data.get("meta") or {}))

    # -- what it says -----------------------------------------------------------------------------

    @property
    def columns(self) -> list[str]:
        return list(self.schema.columns)

    def kinds(self) -> dict[str, str]:
        """Column -> ``integer``, ``float`` or ``category``, in training order."""
        return {name: KINDS.get(str(column.dtype), "category") for name, column in self.schema.columns.items()}

    def ranges(self) -> dict[str, tuple[float, float]]:
        return {name: (check.statistics["min_value"], check.statistics["max_value"])
                for name, column in self.schema.columns.items() for check in column.checks if check.name == "in_range"}

    def categories(self) -> dict[str, list[str]]:
        return {name: list(check.statistics["allowed_values"])
                for name, column in self.schema.columns.items() for check in column.checks if check.name == "isin"}

    def digest(self) -> str:
        """A short digest of the columns and their kinds: same schema, same digest."""
        return hashlib.sha256(json.dumps(self.kinds()).encode()).hexdigest()[:16]

    # -- checking a batch ---------------------------------------------------------------------------

    def conform(self, batch: pd.DataFrame, source: str, id_column: str | None = None,
                max_rows: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The batch's model input (columns in training order, training types) and the soft checks' failure cases.

        Raises ``BatchValidationError`` naming ``source`` with every hard
        failure at once: each failing column with its first ``max_rows``
        failing rows (0-based, header excluded). ``assess`` turns the soft
        failure cases into counts, row flags and drift figures.
        """
        pa = _pandera()
        if len(batch) == 0:
            raise BatchValidationError(f"{source} holds no rows (a header-only or empty file): nothing to score")
        # the id column, and the columns the training table's definition dropped, are not model input
        set_aside = [c for c in [id_column, *self.meta.get("dropped_columns", [])] if c and c in batch.columns]
        rows = batch.drop(columns=set_aside)
        coerced, unconverted = self._coerce(rows)
        failures = pd.DataFrame(columns=["column", "check", "failure_case", "index"])
        try:
            self.schema.validate(coerced, lazy=True)
        except pa.errors.SchemaErrors as error:
            failures = error.failure_cases
        soft = failures["check"].astype("str").str.split("(").str[0].isin(list(SOFT_CHECKS))
        problems = [f"column '{column}': {problem}" for column, problem in unconverted.items()]
        problems += _describe_hard_failures(failures[~soft], set(unconverted), max_rows)
        if problems:
            raise BatchValidationError(
                f"{source} does not match the model's input contract; nothing was scored:\n- " + "\n- ".join(problems)
                + f"\nExpected columns: {self.columns}")
        return coerced[self.columns], failures[soft]

    def _coerce(self, rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
        """Lossless type conversions toward the contract; per column, what could not be converted (by row)."""
        coerced, problems = rows.copy(), {}
        for name, kind in self.kinds().items():
            if name in rows.columns:
                coerced[name], problem = _coerce_column(rows[name], kind)
                if problem:
                    problems[name] = problem
        return coerced, problems

    def assess(self, rows: pd.DataFrame, soft: pd.DataFrame) -> Assessment:
        """Per column: rows outside the training range, unseen categories, PSI; per row: the soft checks it failed."""
        return Assessment(report=self.report(self.tally(rows)), flags=row_flags(soft, rows.index))

    def tally(self, rows: pd.DataFrame) -> Tally:
        """What the checks and the drift figures need of ``rows`` (conformed), as counts: the tallies of a batch's
        parts add up to the whole batch's (``Tally.__add__``), so a batch scored part by part gets the same report."""
        kinds, ranges, categories = self.kinds(), self.ranges(), self.categories()
        columns = {}
        for name, kind in kinds.items():
            values = rows[name]
            if kind == "category":
                unseen = ~values.isin(categories[name])
                columns[name] = {"unseen_category_rows": int(unseen.sum()),
                                 "unseen_values": sorted(map(str, values[unseen].unique()))[:UNSEEN_SHOWN],
                                 "counts": _category_counts(values, self.reference[name]["categories"])}
            else:
                low, high = ranges[name]
                below, above = int((values < low).sum()), int((values > high).sum())
                columns[name] = {"out_of_range_rows": int(((values < low) | (values > high)).sum()),
                                 "below_min": below, "above_max": above,
                                 "counts": _bin_counts(values, self.reference[name]["edges"])}
        return Tally(len(rows), columns)

    def report(self, tally: Tally) -> pd.DataFrame:
        """One row per column (kind, rows, out_of_range_rows, below_min, above_max, training_min, training_max,
        unseen_category_rows, unseen_values, psi) from a batch's ``tally``."""
        kinds, ranges = self.kinds(), self.ranges()
        records = []
        for name, kind in kinds.items():
            counts = tally.columns[name]
            record = {"column": name, "kind": kind, "rows": tally.rows}
            if kind == "category":
                record.update(unseen_category_rows=counts["unseen_category_rows"],
                              unseen_values=", ".join(counts["unseen_values"]))
            else:
                record.update(out_of_range_rows=counts["out_of_range_rows"], below_min=counts["below_min"],
                              above_max=counts["above_max"], training_min=ranges[name][0], training_max=ranges[name][1])
            record["psi"] = stability_of_counts(counts["counts"], self.reference[name])
            records.append(record)
        report = pd.DataFrame(records)
        for column in ("out_of_range_rows", "below_min", "above_max", "unseen_category_rows"):
            report[column] = report[column].fillna(0).astype("int64") if column in report else 0
        for column in ("training_min", "training_max"):
            if column not in report:
                report[column] = np.nan
        report["unseen_values"] = report["unseen_values"].fillna("") if "unseen_values" in report else ""
        return report


UNSEEN_SHOWN = 10  # unseen categories named per column in a report


@dataclass
class Tally:
    """A batch's (or a part's) counts per column: ``rows``; per column the soft checks' counts, the first
    ``UNSEEN_SHOWN`` unseen categories in sorted order, and ``counts``: rows per drift bin (numbers: the training
    deciles; categories: each training level, then unseen ones). Parts add up: ``sum(parts, Tally.empty())``."""

    rows: int
    columns: dict[str, dict[str, Any]]

    @classmethod
    def empty(cls) -> Tally:
        return cls(0, {})

    def __add__(self, other: Tally) -> Tally:
        if not self.columns:
            return other
        if not other.columns:
            return self
        merged = {}
        for name, mine in self.columns.items():
            theirs = other.columns[name]
            merged[name] = {key: (sorted(set(value) | set(theirs[key]))[:UNSEEN_SHOWN] if key == "unseen_values"
                                  else np.asarray(value) + np.asarray(theirs[key]) if key == "counts"
                                  else value + theirs[key]) for key, value in mine.items()}
        return Tally(self.rows + other.rows, merged)


def schema_differences(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """How columns of kinds ``after`` differ from ``before`` (column -> kind): one phrase per difference."""
    found = []
    gone = [c for c in before if c not in after]
    new = [c for c in after if c not in before]
    if gone:
        found.append(f"columns the champion was trained on are gone: {gone}")
    if new:
        found.append(f"new columns: {new}")
    return found + [f"'{c}' was {before[c]}, is now {after[c]}" for c in before if c in after and before[c] != after[c]]


def as_kinds(table: pd.DataFrame, kinds: dict[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """``table`` with each column of another numeric kind than ``kinds`` says converted where nothing is lost: a float
    column whose values are all whole to integers (an export that writes ``86`` as ``86.0``), an integer column to
    floats. For a column that cannot be (a fractional value where integers were trained on), why: its first such
    row. Other columns as they are."""
    converted, why = {}, {}
    for column, kind in kinds.items():
        if column not in table.columns or column_kind(table[column]) == kind:
            continue
        values, now = table[column], column_kind(table[column])
        if (kind, now) == ("float", "integer"):
            converted[column] = values.astype("float64")
        elif (kind, now) == ("integer", "float"):
            numbers = values.to_numpy(dtype="float64")
            whole = np.isfinite(numbers) & (numbers == np.floor(np.where(np.isfinite(numbers), numbers, 0)))
            if whole.all():
                converted[column] = values.astype("int64")
            else:
                first = int(np.flatnonzero(~whole)[0])
                why[column] = (f"'{column}' was integer, is now float: {int((~whole).sum())} value(s) are not whole "
                               f"numbers (first row {first}: {float(numbers[first])!r})")
    return (table.assign(**converted) if converted else table), why


def column_kind(values: pd.Series) -> str:
    """``integer`` for integer dtypes, ``float`` for other numbers, ``category`` for text and the rest."""
    if pd.api.types.is_bool_dtype(values):
        return "category"
    if pd.api.types.is_integer_dtype(values):
        return "integer"
    if pd.api.types.is_numeric_dtype(values):
        return "float"
    return "category"


def _coerce_column(values: pd.Series, kind: str) -> tuple[pd.Series, str]:
    """``values`` converted toward ``kind`` where no information is lost, and a phrase for what could not be."""
    missing = values.isna()
    if kind == "category":
        return values.where(missing, values.astype("str").str.strip()).astype(object).where(~missing, None), ""
    numbers = values
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        numbers = pd.to_numeric(values.astype("str").str.strip(), errors="coerce").where(~missing)
        junk = numbers.isna() & ~missing
        if junk.any():
            return values, f"{int(junk.sum())} value(s) are not numbers ({_first_rows(values[junk])})"
    if pd.api.types.is_integer_dtype(numbers) and numbers.isna().any():  # a nullable integer column with a blank
        numbers = numbers.astype("float64")
    if kind == "float":
        return numbers.astype("float64"), ""
    if pd.api.types.is_integer_dtype(numbers):
        return numbers.astype("int64"), ""
    finite = np.isfinite(numbers.to_numpy(dtype="float64"))
    fractional = finite & (numbers.to_numpy(dtype="float64") % 1 != 0)
    if fractional.any():
        return numbers, (f"{int(fractional.sum())} value(s) are not whole numbers, but the model was trained on "
                         f"integers ({_first_rows(numbers[fractional])})")
    if finite.all():
        return numbers.astype("int64"), ""
    return numbers, ""  # missing or infinite values: pandera reports them


def _first_rows(values: pd.Series, max_rows: int = 5) -> str:
    shown = ", ".join(f"row {index}: {value!r}" for index, value in values.head(max_rows).items())
    return f"first {shown}" if len(values) <= max_rows else f"first {shown}, ..."


_HARD_MESSAGES = {
    "not_nullable": "missing value(s)",
    "less_than": "infinite value(s)",
    "greater_than": "infinite value(s)",
}


def _describe_hard_failures(failures: pd.DataFrame, already: set[str], max_rows: int) -> list[str]:
    """pandera's failure cases as one phrase per column and problem (columns in ``already`` are reported)."""
    problems = []
    checks = failures["check"].astype("str")
    missing = failures.loc[checks == "column_in_dataframe", "failure_case"].astype("str").tolist()
    extra = failures.loc[checks == "column_in_schema", "failure_case"].astype("str").tolist()
    if missing:
        problems.append(f"missing column(s) {missing}")
    if extra:
        problems.append(f"extra column(s) {extra} the model was not trained on")
    for column, group in failures[~checks.isin(["column_in_dataframe", "column_in_schema"])].groupby("column", sort=False):
        if column in already:
            continue
        check = group["check"].astype("str")
        dtype = check.str.startswith("dtype")
        if dtype.any():
            problems.append(f"column '{column}' should hold {check[dtype].iloc[0][7:-2]} values as in training but holds "
                            f"{group.loc[dtype, 'failure_case'].iloc[0]}")
        phrases = check[~dtype].str.split("(").str[0].map(lambda name: _HARD_MESSAGES.get(name, f"fails {name}"))
        for what, cases in group[~dtype].groupby(phrases, sort=False):
            rows = cases.dropna(subset=["index"]).drop_duplicates("index").sort_values("index")
            shown = ", ".join(f"row {int(r.index)}: {r.failure_case!r}" for r in rows.head(max_rows).itertuples())
            problems.append(f"column '{column}': {len(rows)} {what} (first {shown}{', ...' if len(rows) > max_rows else ''})")
    return problems


def row_flags(soft: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Per row, the soft checks it failed: ``out_of_range:age,income;unseen_category:region``."""
    flags = pd.Series("", index=index, dtype=object)
    if soft.empty:
        return flags
    kind = soft["check"].astype("str").str.split("(").str[0].map(SOFT_CHECKS)
    parts = (soft.assign(kind=kind).dropna(subset=["index"]).groupby(["index", "kind"], sort=True)["column"]
             .agg(lambda c: ",".join(dict.fromkeys(map(str, c)))))
    joined = (parts.index.get_level_values("kind") + ":" + parts.to_numpy()).to_series(
        index=parts.index.get_level_values("index")).groupby(level=0).agg(";".join)
    flags.loc[joined.index.astype(index.dtype)] = joined.to_numpy()
    return flags


# -- drift --------------------------------------------------------------------------------------------

def _decile_edges(values: np.ndarray, bins: int) -> list[float]:
    """Inner bin edges at the training quantiles (duplicates dropped): bins of about equal training mass."""
    inner = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
    return [float(edge) for edge in inner]


def _bin_counts(values: pd.Series, edges: list[float]) -> np.ndarray:
    """Rows per bin between ``edges`` (numbers)."""
    return np.bincount(np.searchsorted(edges, values.to_numpy(dtype="float64"), side="right"), minlength=len(edges) + 1)


def _bin_shares(values: pd.Series, edges: list[float]) -> list[float]:
    counts = _bin_counts(values, edges)
    return (counts / max(counts.sum(), 1)).tolist()


def _category_counts(values: pd.Series, levels: list[str]) -> np.ndarray:
    """Rows of each level, then of everything else (unseen levels) last."""
    text = values.astype("str")
    counts = [int((text == level).sum()) for level in levels]
    counts.append(len(text) - sum(counts))
    return np.asarray(counts)


def _category_shares(values: pd.Series, levels: list[str]) -> list[float]:
    """Shares of each level, then of everything else (unseen levels) last."""
    return (_category_counts(values, levels) / max(len(values), 1)).tolist()


def population_stability(values: pd.Series, reference: dict[str, list], min_expected: float = MIN_EXPECTED) -> float:
    """PSI = sum over bins of (batch - training) * ln(batch / training); 0.1-0.25 a shift, above 0.25 a large one.

    Bins are pooled first so that each expects at least ``min_expected`` of the
    batch's rows: rare categories (and unseen ones, which unseen-category counts
    report on their own) into one bin, numeric bins with their neighbours. Ten
    categories at 1.5% each in a 100-row batch expect 1.5 rows apiece, and their
    sampling noise alone gave PSI >= 0.25 in 45% of batches without drift.
    """
    counts = (_bin_counts(values, reference["edges"]) if "edges" in reference
              else _category_counts(values, reference["categories"]))
    return stability_of_counts(counts, reference, min_expected)


def stability_of_counts(counts: np.ndarray, reference: dict[str, list], min_expected: float = MIN_EXPECTED) -> float:
    """``population_stability`` from the batch's rows per bin (``InputContract.tally``'s ``counts``)."""
    counts = np.asarray(counts, dtype="float64")
    n = counts.sum()
    batch = counts / max(n, 1)
    if "edges" in reference:
        expected = np.asarray(reference["proportions"], dtype="float64")
        groups = _adjacent_groups(expected * n, min_expected)
    else:
        expected = np.asarray([*reference["proportions"], 0.0], dtype="float64")
        groups = _rare_pooled(expected * n, min_expected)
    batch = np.bincount(groups, weights=batch)
    expected = np.bincount(groups, weights=expected)
    batch, expected = np.maximum(batch, _PSI_FLOOR), np.maximum(expected, _PSI_FLOOR)
    return float(np.sum((batch - expected) * np.log(batch / expected)))


def _adjacent_groups(expected: np.ndarray, min_expected: float) -> np.ndarray:
    """Each numeric bin's group: neighbours merged left to right until a group expects ``min_expected`` rows (a
    short last group joins the one before)."""
    groups, group, filled = np.zeros(len(expected), dtype=int), 0, 0.0
    for i, count in enumerate(expected):
        if filled >= min_expected:
            group, filled = group + 1, 0.0
        groups[i], filled = group, filled + count
    if filled < min_expected and group > 0:
        groups[groups == group] = group - 1
    return groups


def _rare_pooled(expected: np.ndarray, min_expected: float) -> np.ndarray:
    """Each category's group: its own when it expects ``min_expected`` rows, else one shared group of the rare ones
    (the last entry, unseen categories, is always rare); a rare group that expects too few joins the smallest other."""
    common = expected >= min_expected
    common[-1] = False
    groups = np.where(common, np.cumsum(common) - 1, common.sum())
    if common.any() and expected[~common].sum() < min_expected:
        smallest = int(np.argmin(np.where(common, expected, np.inf)))
        groups[~common] = groups[smallest]
    return groups
