"""Turn a parsed raw file into the project's labelled table, and describe it in a data card.

A labelled table holds the feature columns (numbers, or strings for the
categorical ones), ``label`` (the original class label, as text) and
``target`` (1 for the minority class, 0 otherwise); Shuttle also keeps
``split`` (its own train/test files).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pandas as pd

from smotified_gan.core.data.readers import RawData, to_numeric_column
from smotified_gan.core.names import LABEL, REPEAT, RESERVED, ROW_KEY, SPLIT, TARGET  # noqa: F401 - re-exported

logger = logging.getLogger(__name__)

CARD_COLUMNS = ["dataset", "source", "rows", "features", "minority_rows", "minority_pct", "sha256", "status", "notes"]


# SMOTE's default neighbourhood (the paper's k); the first phase needs k + 1 rows of a class
DEFAULT_K_NEIGHBORS = 5


def minority_floor(k_neighbors: int = DEFAULT_K_NEIGHBORS) -> int:
    """The fewest rows of a class SMOTE-style over-sampling can work with: the row and its k neighbours."""
    return int(k_neighbors) + 1


class DataValidationError(ValueError):
    """A dataset's content breaks what its definition in ``conf/`` promises."""


def minority_mask(labels: pd.Series, rule: Mapping[str, Any], dataset: str, column: str) -> pd.Series:
    """Which rows belong to the minority class, by the dataset's ``minority`` rule.

    ``{labels: [...]}`` lists minority labels (compared as text); ``{max: v}``
    marks rows whose numeric label is at most ``v`` (Abalone: rings <= 7).
    """
    if "labels" in rule:
        wanted = {str(value).strip() for value in rule["labels"]}
        return labels.astype("str").str.strip().isin(wanted)
    if "max" in rule:
        numeric = to_numeric_column(labels, column=column, source=dataset)
        return numeric <= rule["max"]
    raise DataValidationError(f"dataset '{dataset}': minority rule must have 'labels' or 'max', got {dict(rule)}")


def check_other_labels(labels: pd.Series, minority: pd.Series, spec: Mapping[str, Any], where: str) -> None:
    """Every label is accounted for: minority (``minority``), majority (``majority.labels``, or every other label
    with ``other: majority``), or an error naming each unaccounted label and its count.

    Without either, a table may hold one label beside the minority labels (a
    binary table); a second one is an error: a third class silently taken for
    the majority changes what the model learns. A ``max`` rule accounts for every
    label (numbers above it are the majority).
    """
    if "max" in spec["minority"]:
        return
    text = labels.astype("str").str.strip()
    others = text[~minority].value_counts().sort_index().sort_values(ascending=False, kind="stable")
    listed = {str(v).strip() for v in ((spec.get("majority") or {}).get("labels") or [])}
    if spec.get("other") == "majority":
        logger.info("%s: labels taken as majority (other: majority): %s", where,
                    ", ".join(f"'{label}' ({count} rows)" for label, count in others.items()))
        return
    unaccounted = others[~others.index.isin(listed)] if listed else (others if len(others) > 1 else others.iloc[:0])
    if len(unaccounted):
        raise DataValidationError(
            f"{where}: label(s) outside the minority rule {list(spec['minority']['labels'])} and not said to be "
            f"majority: " + ", ".join(f"'{label}' ({count} rows)" for label, count in unaccounted.items())
            + ". Say which labels are the majority (majority: {labels: [...]}; any other label is then an error), "
            "or take every other label as majority (other: majority)")


def build_labelled_table(frame: pd.DataFrame, spec: Mapping[str, Any], dataset: str,
                         origin: str = "") -> pd.DataFrame:
    """Validate a raw frame against its spec and return the labelled table."""
    where = f"dataset '{dataset}'" + (f" ({origin})" if origin else "")
    label_column = spec["label_column"]
    if label_column not in frame.columns:
        raise DataValidationError(
            f"{where}: target column '{label_column}' not found; columns are {list(map(str, frame.columns))}"
        )
    frame = frame.drop(columns=[c for c in spec.get("drop_columns", []) if c in frame.columns])
    split_column = spec.get("split_column")
    table = _feature_table(frame, [c for c in frame.columns if c not in (label_column, split_column)],
                           _categorical(spec, frame, label_column, split_column), where)
    labels = frame[label_column].reset_index(drop=True)
    if labels.isna().any():
        raise DataValidationError(f"{where}: target column '{label_column}' has {int(labels.isna().sum())} missing value(s)")
    table[LABEL] = labels.astype("str").str.strip()
    minority = minority_mask(labels, spec["minority"], where, label_column)
    check_other_labels(labels, minority, spec, where)
    table[TARGET] = minority.astype("int8")
    if split_column:
        table[SPLIT] = frame[split_column].reset_index(drop=True).astype("str")
    check_classes(table, spec, where)
    return table


def _categorical(spec: Mapping[str, Any], frame: pd.DataFrame, label_column: str, split_column: str | None) -> list:
    categorical = list(spec.get("categorical", []))
    if categorical == ["*"]:
        return [c for c in frame.columns if c not in (label_column, split_column)]
    return categorical


def _feature_table(frame: pd.DataFrame, features: list, categorical: list, where: str) -> pd.DataFrame:
    """The feature columns: categorical ones as stripped text, the others as numbers (integers stay integers)."""
    missing = [c for c in categorical if c not in features]
    if missing:
        raise DataValidationError(f"{where}: categorical column(s) {missing} not found")
    clash = [c for c in features if c in RESERVED]
    if clash:
        raise DataValidationError(f"{where}: feature column(s) {clash} clash with the reserved names {RESERVED}")
    if not features:
        raise DataValidationError(f"{where}: no feature columns")
    columns = {}
    for column in features:
        values = frame[column].reset_index(drop=True)
        if column in categorical:
            values = values.astype("str").str.strip()
            nan_rows = values.isna() | (values == "nan")
        else:
            values = to_numeric_column(values, column=str(column), source=where)
            # integers stay integers (a production model's input contract records each raw column's type)
            nan_rows = values.isna()
            values = values.astype("int64" if pd.api.types.is_integer_dtype(values) and not nan_rows.any() else "float64")
        if nan_rows.any():
            raise DataValidationError(
                f"{where}: column '{column}' has {int(nan_rows.sum())} missing value(s) (first at row "
                f"{int(nan_rows.idxmax())}); this project does not impute: clean or drop them first"
            )
        columns[str(column)] = values
    return pd.DataFrame(columns, index=range(len(frame)))  # built at once: a column at a time fragments a wide table


def check_classes(table: pd.DataFrame, spec: Mapping[str, Any], where: str) -> None:
    minority = int(table[TARGET].sum())
    if minority == 0 or minority == len(table):
        raise DataValidationError(
            f"{where}: only one class after applying the minority rule {dict(spec['minority'])} "
            f"({minority} minority rows of {len(table)}); check 'minority' in conf/"
        )
    floor = int(spec.get("min_minority_rows", minority_floor()))
    if minority < floor:
        raise DataValidationError(
            f"{where}: {minority} minority rows, fewer than the {floor} SMOTE needs (k_neighbors + 1)"
        )
    expected = spec.get("expected") or {}
    observed = {"rows": len(table), "features": feature_count(table), "minority_rows": minority}
    wrong = {key: (value, observed[key]) for key, value in expected.items() if value is not None and observed[key] != value}
    if wrong:
        details = ", ".join(f"{key}: expected {want}, found {got}" for key, (want, got) in wrong.items())
        raise DataValidationError(f"{where}: structure check failed ({details}); the file is not the expected version")


def split_repeats(table: pd.DataFrame) -> list[tuple[int, pd.DataFrame]]:
    """The rows of each repeat, without the ``repeat`` column; a table without one is repeat 0."""
    if REPEAT not in table.columns:
        return [(0, table)]
    return [(int(r), rows.drop(columns=REPEAT).reset_index(drop=True)) for r, rows in table.groupby(REPEAT, sort=True)]


def feature_columns(table: pd.DataFrame) -> list[str]:
    """Every column but ``label``, ``target``, ``split`` and ``repeat``."""
    return [c for c in table.columns if c not in RESERVED]


def feature_count(table: pd.DataFrame) -> int:
    return len(feature_columns(table))


def data_card(dataset: str, source: str, table: pd.DataFrame | None = None, sha256: str = "",
              status: str = "ok", notes: str = "") -> dict[str, Any]:
    """One row of ``data_cards.csv``: what the dataset is and whether it ran."""
    if table is None:
        rows = features = minority = None
        pct = None
    else:
        rows, features, minority = len(table), feature_count(table), int(table[TARGET].sum())
        pct = round(100.0 * minority / rows, 3)
    return {
        "dataset": dataset, "source": source, "rows": rows, "features": features,
        "minority_rows": minority, "minority_pct": pct, "sha256": sha256, "status": status, "notes": notes,
    }


def ingest_dataset(raw: RawData | pd.DataFrame, spec: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Labelled table and data card of one raw source.

    ``raw`` is what a project raw source loads (with its origin and checksums)
    or a plain DataFrame (a user's own CSV or parquet file through
    ``pandas.CSVDataset`` / ``pandas.ParquetDataset``).
    """
    name = spec["id"]
    raw = RawData.of(raw, spec["source"])
    table = build_labelled_table(raw.frame, spec, dataset=name, origin=raw.origin)
    return table, data_card(name, spec["source"], table, sha256=raw.sha256_text(), notes=spec.get("notes", ""))
