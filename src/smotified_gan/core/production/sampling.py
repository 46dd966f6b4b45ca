"""Training rows beyond what the model can use: every minority row kept, a sample of the majority rows.

The practice of large rare-event models (He et al. 2014, "Practical lessons
from predicting clicks on ads at Facebook": keep every positive, sample the
negatives, correct the probability): a table of ``n`` training rows above
``max_rows`` keeps each majority row with probability ``w``, so that about
``max_rows`` rows remain. The model then sees the minority class ``1 / w``
times as often as it is; its calibrated score is corrected back
(``calibration.Calibration.prior_corrected``) and its threshold chosen with
each majority row counted ``1 / w`` times (``calibration.calibrate``).

Which majority rows are kept is a function of the row's holdout key salted
with ``seed`` (not of the row's position): a table re-exported in another
order keeps the same rows, and a table that grew keeps most of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smotified_gan.core.data.tables import ROW_KEY, TARGET
from smotified_gan.core.production.holdout import mix64

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class MajoritySample:
    """What sampling did: the training rows and minority rows before, the majority rows kept of how many."""

    rows: int
    minority: int
    majority_kept: int
    majority: int

    @property
    def rate(self) -> float:
        """The share of majority rows kept (1.0: all): what the calibrated score is corrected for."""
        return self.majority_kept / self.majority if self.majority else 1.0

    def describe(self) -> str:
        if self.rate == 1.0:
            return f"all {self.rows:,} training rows ({self.minority:,} minority)"
        return (f"every one of the {self.minority:,} minority rows and {self.majority_kept:,} of the "
                f"{self.majority:,} majority rows (rate {self.rate:.4g}; the calibrated score is corrected for it)")


def uniform_of_keys(keys: np.ndarray, seed: int) -> np.ndarray:
    """A number in [0, 1) per row key, uniform over keys and independent across seeds (``holdout.mix64``, splitmix64's
    finaliser, of the key plus the seed times the golden ratio)."""
    with np.errstate(over="ignore"):
        z = mix64(np.asarray(keys, dtype=np.uint64) + np.uint64(seed % 2**64) * _GOLDEN)
    return (z >> np.uint64(11)).astype(np.float64) / 2.0**53


def sample_majority(table: pd.DataFrame, max_rows: int | None, seed: int) -> tuple[pd.DataFrame, MajoritySample]:
    """``table`` (with ``target`` and ``row_key``) when it holds at most ``max_rows`` rows (or ``max_rows`` is
    None); else every minority row and the majority rows whose key falls below the rate that leaves about
    ``max_rows`` rows (never fewer majority rows than minority rows), in their order. With what was done."""
    y = table[TARGET].to_numpy().astype(bool)
    minority, majority = int(y.sum()), int((~y).sum())
    if max_rows is None or len(table) <= max_rows or majority == 0:
        return table, MajoritySample(len(table), minority, majority, majority)
    rate = min(1.0, max(max_rows - minority, minority) / majority)
    keep = y | (uniform_of_keys(table[ROW_KEY].to_numpy(dtype=np.uint64), seed) < rate)
    sample = MajoritySample(len(table), minority, int(keep.sum()) - minority, majority)
    return table[keep].reset_index(drop=True), sample
