"""Holdout membership as a function of the row, so a held-out row stays held out as the table grows.

A row's key is a digest of its key column (``key_column``) or, without one,
of its raw feature values (numbers as float64, text as text: ``3`` and
``3.0`` are the same value, so a column that turns from integer to float does
not move rows). The digest, salted with ``seed``, maps to a number in [0, 1);
rows below ``test_size`` are the holdout. Identical feature rows always fall
on the same side, so the holdout never holds a copy of a training row.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from smotified_gan.data.tables import TARGET, DataValidationError, feature_columns


def row_keys(table: pd.DataFrame, key_column: str | None = None) -> np.ndarray:
    """A uint64 digest per row: of ``key_column``, or of every feature column (``label``/``target`` excluded)."""
    columns = [key_column] if key_column else feature_columns(table)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataValidationError(f"holdout key column(s) {missing} not in the table; columns are {list(table.columns)}")
    text = pd.Series("", index=table.index, dtype=object)
    for column in columns:
        values = table[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            values = values.astype("float64").map(repr)
        text = text + "\x1f" + values.astype("str")
    return np.fromiter((int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little") for t in text),
                       dtype=np.uint64, count=len(text))


def in_holdout(keys: np.ndarray, test_size: float, seed: int) -> np.ndarray:
    """True for the rows whose salted key falls below ``test_size``: about that share of the rows."""
    salt = np.uint64(int.from_bytes(hashlib.blake2b(str(seed).encode(), digest_size=8).digest(), "little"))
    mixed = _mix(keys.astype(np.uint64) ^ salt)
    return (mixed >> np.uint64(11)).astype(np.float64) / float(2**53) < test_size


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves every output bit."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def split_by_key(table: pd.DataFrame, test_size: float, seed: int, key_column: str | None = None,
                 dataset: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training rows and holdout rows, membership by ``in_holdout(row_keys(...))``; each split keeps both classes."""
    held = in_holdout(row_keys(table, key_column), test_size, seed)
    train, holdout = table[~held].reset_index(drop=True), table[held].reset_index(drop=True)
    for name, part in (("training", train), ("holdout", holdout)):
        if part[TARGET].nunique() < 2:
            raise DataValidationError(
                f"dataset '{dataset}': the {name} split holds {int(part[TARGET].sum())} minority row(s) of {len(part)}: "
                f"with test_size={test_size} the table is too small for a hash holdout with both classes on both sides")
    return train, holdout


def rows_digest(keys: np.ndarray) -> str:
    """One digest of a set of rows (order does not matter): what a model trained on."""
    return hashlib.sha256(np.sort(keys.astype(np.uint64)).tobytes()).hexdigest()[:32]
