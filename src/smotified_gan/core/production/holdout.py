"""Holdout membership as a function of the row, so a held-out row stays held out as the table grows.

A row's key is a digest of its key column (``key_column``) or, without one,
of all its feature values: each value with its column's name, columns sorted
by name, so re-exporting a table with its columns in another order keeps
every key. Values are written canonically, so that two reads of one file
agree: integers exactly (ids beyond 2**53 included); a float rounded to
float32 first, then written as the integer it is when whole (``3`` and ``3.0``
are one value) and by its float32 bits otherwise, so that a column read as
float32 or as float64 gives the same key for every value (721111.98 is
721112.0 in float32: both reads write ``721112``); text as text. One limit: a
whole number above 2**24 that float32 cannot hold (16,777,217) is written as
its float32 neighbour when the column is read as floats, and exactly when read
as integers: keep such columns integers in every export (or key by an id).
The digest, salted with ``seed``, maps to a number in [0, 1); rows below
``test_size`` are the holdout. Identical rows always fall on the
same side, so the holdout never holds a copy of a training row.

``KEY_RECIPE`` names this recipe; it is stored with every model (``recipe``),
and a retrain whose recipe or key settings differ from the champion's stops
before training (``pipelines.retrain.nodes.check_lineage``): its keys could not
be compared with the rows the champion trained on.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import pandas as pd

from smotified_gan.core.data.tables import ROW_KEY, TARGET, DataValidationError, feature_columns
from smotified_gan.core.progress import Progress

KEY_RECIPE = ("v3: column names sorted, canonical values (integers exact, floats rounded to float32 first, whole ones "
              "as integers), blake2b-64")
# rows keyed at a time (progress is said between them)
KEY_CHUNK = 250_000
logger = logging.getLogger(__name__)
# float32 values this large are whole and written as integers below it (int64 holds them)
_WHOLE_AS_INTEGER = 2.0**62


def canonical_values(values: pd.Series) -> pd.Series:
    """Each value as the text its key reads (module docstring)."""
    if pd.api.types.is_bool_dtype(values):
        return values.map(lambda v: "true" if v else "false")
    if pd.api.types.is_integer_dtype(values):
        return pd.Series(values.to_numpy().astype(str), index=values.index, dtype=object)
    if pd.api.types.is_float_dtype(values):
        # float32 first, then "whole?": a float64 read and a float32 read of one file round to the same float32
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan).astype(np.float32)
        finite = np.isfinite(numbers)
        whole = finite & (numbers == np.floor(np.where(finite, numbers, 0))) & (np.abs(numbers) < _WHOLE_AS_INTEGER)
        text = np.where(whole, np.where(whole, numbers, 0).astype(np.int64).astype(str),
                        np.char.add("f", np.char.zfill(np.char.mod("%x", numbers.view(np.uint32)), 8)))
        text = np.where(np.isnan(numbers), "nan", text)
        return pd.Series(text.astype(object), index=values.index)
    return values.map(lambda v: str(v) if not isinstance(v, float) or not np.isnan(v) else "nan").astype(object)


def key_columns(table: pd.DataFrame, key_column: str | None = None) -> list[str]:
    """The columns a key reads: ``key_column``, or every feature column (``label``/``target``/... excluded), by name."""
    columns = [key_column] if key_column else sorted(map(str, feature_columns(table)))
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataValidationError(f"holdout key column(s) {missing} not in the table; columns are {list(table.columns)}")
    return columns


def row_keys(table: pd.DataFrame, key_column: str | None = None) -> np.ndarray:
    """A uint64 digest per row of its ``key_columns`` (names and canonical values), ``KEY_CHUNK`` rows at a time,
    saying how far it is every 20 s (10M rows of five columns: about 80 s on one core)."""
    columns = key_columns(table, key_column)
    progress = Progress("Holdout keys", len(table), "rows", logger)
    keys = np.empty(len(table), dtype=np.uint64)
    for start in range(0, len(table), KEY_CHUNK):
        part = table.iloc[start:start + KEY_CHUNK]
        text = pd.Series("", index=part.index, dtype=object)
        for column in columns:
            text = text + column + "\x1e" + canonical_values(part[column]) + "\x1f"
        keys[start:start + len(part)] = np.fromiter(
            (int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little") for t in text),
            dtype=np.uint64, count=len(text))
        progress.update(start + len(part))
    return keys


def in_holdout(keys: np.ndarray, test_size: float, seed: int) -> np.ndarray:
    """True for the rows whose salted key falls below ``test_size``: about that share of the rows."""
    salt = np.uint64(int.from_bytes(hashlib.blake2b(str(seed).encode(), digest_size=8).digest(), "little"))
    mixed = mix64(keys.astype(np.uint64) ^ salt)
    return (mixed >> np.uint64(11)).astype(np.float64) / float(2**53) < test_size


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def split_by_key(table: pd.DataFrame, test_size: float, seed: int, dataset: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training rows and holdout rows of a table with a ``row_key`` column, membership by ``in_holdout``; an error
    naming the dataset when the holdout holds no minority row or either side lacks a class."""
    held = in_holdout(table[ROW_KEY].to_numpy(dtype=np.uint64), test_size, seed)
    train, holdout = table[~held].reset_index(drop=True), table[held].reset_index(drop=True)
    for name, part in (("training", train), ("holdout", holdout)):
        if part[TARGET].nunique() < 2:
            raise DataValidationError(
                f"dataset '{dataset}': the {name} rows ({len(part)}) hold {int(part[TARGET].sum())} minority row(s): "
                f"with retrain.holdout.test_size={test_size} the table is too small for a holdout with both classes "
                "on both sides; raise test_size or add rows")
    return train, holdout


def recipe(table: pd.DataFrame, key_column: str | None, test_size: float, seed: int) -> dict:
    """What the keys and the holdout were made with: stored with the model, compared at the next retrain."""
    columns = [key_column] if key_column else sorted(map(str, feature_columns(table)))  # a key may be a dropped column
    return {"recipe": KEY_RECIPE, "key_column": key_column, "key_columns": columns,
            "test_size": float(test_size), "seed": int(seed)}


def recipe_differences(champion: dict, now: dict) -> list[str]:
    """What makes keys or membership made ``now`` incomparable with the champion's: one phrase per difference
    (``test_size`` may change: the rows the champion trained on are then left out of the comparison; the key
    columns change only with the table's columns, which the schema check names)."""
    found = []
    if champion.get("recipe") != now["recipe"]:
        found.append(f"holdout keys were made by recipe {champion.get('recipe') or 'v1 (values in column order)'!r}, "
                     f"now by {now['recipe']!r}")
    for key in ("key_column", "seed"):
        if champion.get(key) != now[key]:
            found.append(f"retrain.holdout.{key} was {champion.get(key)!r}, is now {now[key]!r}")
    return found  # the key columns follow the schema, whose changes check_lineage names itself


def rows_digest(keys: np.ndarray) -> str:
    """One digest of a set of rows (order does not matter): what a model trained on."""
    return hashlib.sha256(np.sort(keys.astype(np.uint64)).tobytes()).hexdigest()[:32]


def lineage_differences(table: pd.DataFrame, champion_kinds: dict[str, str], champion_recipe: dict, holdout
                        ) -> tuple[pd.DataFrame, list[str], dict]:
    """How a production table and its holdout settings (``holdout``: key column, test size, seed) differ from a
    champion's columns and holdout recipe: the table with columns converted where only their export changed
    (``contract.as_kinds``: "86.0" where the champion saw 86), the differences in words (none: the same lineage), and
    the table's recipe now."""
    from smotified_gan.core.production.contract import as_kinds, column_kind, schema_differences

    table, why = as_kinds(table, champion_kinds)
    kinds = {column: column_kind(table[column]) for column in feature_columns(table)}
    differences = [next((w for c, w in why.items() if d.startswith(f"'{c}' was ")), d)
                   for d in schema_differences(champion_kinds, kinds)]
    now = recipe(table, holdout.key_column, holdout.test_size, holdout.seed)
    return table, differences + recipe_differences(champion_recipe, now), now


def keyed_table(raw: pd.DataFrame, table: pd.DataFrame, key_column: str | None, where: str, origin: str = ""
                ) -> pd.DataFrame:
    """The table with its feature columns in name order and each row's holdout key (``row_key``).

    Name order: a table re-exported with its columns in another order trains
    the same model (and its input contract, hence every batch, is in that order).
    The key is a digest of ``key_column``, read exactly from the ``raw`` rows (so it
    may be a column the model never sees, e.g. one in ``drop_columns``), or without
    one of the row's feature values. Ingestion keeps every raw row, in order, so the
    two line up. ``where`` names the table in errors (``origin``: the file, for a key that cannot be read).
    """
    from smotified_gan.core.production.ids import exact_ids

    if key_column and key_column not in raw.columns:
        raise DataValidationError(f"{where}: retrain.holdout.key_column '{key_column}' is not a column of the "
                                  f"production table; its columns are {list(map(str, raw.columns))}")
    if len(raw) != len(table):
        raise ValueError(f"{where}: {len(raw)} raw rows but {len(table)} ingested rows")
    if key_column:  # exact, before any split: a blank or rounded key would merge rows into one key
        named = f"{where} ({origin})" if origin else where
        key = exact_ids(raw[key_column], f"{named}: retrain.holdout.key_column '{key_column}'", DataValidationError,
                        consequence="the holdout cannot be split by it; nothing was trained")
        keys = row_keys(pd.DataFrame({key_column: key}), key_column)
    else:
        keys = row_keys(table)
    features = sorted(map(str, feature_columns(table)))
    return table[features + [c for c in table.columns if c not in features]].assign(**{ROW_KEY: keys})
