"""Ids and keys as exact values: a prediction is attached to its row's id, never to a rounded or blank one.

A batch's id column (``scoring.id_column``) and the holdout's key column
(``retrain.holdout.key_column``) are read exactly (``io.TableFileDataset``
reads integers as integers, blanks and all). What is left to refuse:

- a **blank** id or key: no row can be told by it (an error, with the count
  and the first rows);
- a **floating-point** column (a parquet file written with float ids, say):
  whole values below 2**53 are taken as the integers they are; a fractional
  value is not an id, and a value at or beyond 2**53 may already be rounded
  (2**53 + 1 reads as 2**53): both are errors naming the rows;
- **duplicate** ids in a batch: the predictions could not be told apart by
  them (``duplicates``; the scoring policy ``scoring.checks.duplicate_id``
  decides whether that fails the batch).

Rows are named 0-based, the header excluded, as the input contract names them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# the largest magnitude below which every integer has an exact float64
EXACT_FLOAT_INTEGERS = 2.0**53


def _first_rows(values: pd.Series, max_rows: int) -> str:
    shown = ", ".join(f"row {index}: {value!r}" if not pd.isna(value) else f"row {index}"
                      for index, value in values.head(max_rows).items())
    return f"first {shown}" + (", ..." if len(values) > max_rows else "")


def exact_ids(values: pd.Series, what: str, error: type[Exception] = ValueError, max_rows: int = 5,
              consequence: str = "nothing was written") -> pd.Series:
    """``values`` as exact ids: ``int64`` (``uint64`` beyond 2**63 - 1) for numbers, stripped text for text.

    ``what`` names the column and file in the error (``"new_rows.csv: id column 'customer_id'"``); every problem
    is said at once, with its count and first rows, as an ``error`` ending with ``consequence``.
    """
    values = values.reset_index(drop=True)
    text = pd.api.types.is_string_dtype(values) or values.dtype == object
    stripped = values.astype("str").str.strip().where(values.notna()) if text else values
    blank = stripped.isna() | (stripped == "") if text else values.isna()
    problems = []
    if blank.any():
        problems.append(f"{int(blank.sum())} blank value(s) ({_first_rows(values[blank], max_rows)})")
    if text:
        ids = stripped
    elif pd.api.types.is_float_dtype(values):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(numbers)
        fractional = finite & (numbers != np.floor(np.where(finite, numbers, 0)))
        inexact = finite & ~fractional & (np.abs(numbers) >= EXACT_FLOAT_INTEGERS)
        infinite = ~finite & ~blank.to_numpy()
        if fractional.any() or infinite.any():
            bad = fractional | infinite
            problems.append(f"{int(bad.sum())} value(s) that are not whole numbers ({_first_rows(values[bad], max_rows)})")
        if inexact.any():
            problems.append(f"{int(inexact.sum())} value(s) at or beyond 2**53 stored as floating point, which cannot "
                            f"hold them exactly ({_first_rows(values[inexact], max_rows)}): write the column as "
                            "integers or text")
        ids = values
        if not problems:
            ids = values.astype("int64")
    elif pd.api.types.is_integer_dtype(values):
        ids = values if blank.any() else values.astype("uint64" if str(values.dtype) == "UInt64" else "int64")
    else:  # true/false or another type: as text
        ids = values.astype("str")
    if problems:
        raise error(f"{what}: " + "; ".join(problems) + f". An id must name exactly one row: {consequence}")
    return ids


def duplicates(ids: pd.Series, max_rows: int = 5) -> tuple[int, str]:
    """How many rows repeat an id seen earlier in the batch, and the first of them (``""`` when none)."""
    repeated = ids.duplicated(keep="first")
    if not repeated.any():
        return 0, ""
    return int(repeated.sum()), _first_rows(ids[repeated], max_rows)


__all__ = ["EXACT_FLOAT_INTEGERS", "duplicates", "exact_ids"]
