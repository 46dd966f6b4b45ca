"""Training on a sample of the majority rows: every minority row kept, the calibrated score corrected back to the
unsampled rows (He et al. 2014), the threshold chosen as on all rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smotified_gan.core.production.calibration import best_threshold, calibrate, metric_at
from smotified_gan.core.production.sampling import sample_majority, uniform_of_keys


def _keyed(rows: int, minority_share: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=rows), "target": (rng.random(rows) < minority_share).astype(int),
                         "row_key": rng.integers(0, 2**63, rows, dtype=np.uint64) * np.uint64(2) + np.uint64(1)})


def test_every_minority_row_is_kept_and_about_max_rows_remain():
    table = _keyed(100_000, 0.05)
    sample, done = sample_majority(table, 20_000, seed=11)
    minority = int(table["target"].sum())
    assert int(sample["target"].sum()) == minority == done.minority
    assert abs(len(sample) - 20_000) < 600  # binomial: sd about 125 rows
    assert done.majority_kept == len(sample) - minority and done.rate == pytest.approx(done.majority_kept / done.majority)
    assert done.rate == pytest.approx((20_000 - minority) / (100_000 - minority), rel=0.04)
    # the kept rows are a function of the row's key, not of its position; another seed keeps other rows
    shuffled, _ = sample_majority(table.sample(frac=1.0, random_state=5).reset_index(drop=True), 20_000, seed=11)
    assert set(shuffled["row_key"]) == set(sample["row_key"])
    other, _ = sample_majority(table, 20_000, seed=12)
    assert len(set(other["row_key"]) & set(sample["row_key"])) < minority + 0.3 * done.majority_kept


def test_a_table_within_max_rows_or_without_a_limit_is_kept_whole():
    table = _keyed(5_000, 0.1)
    for limit in (5_000, None):
        kept, done = sample_majority(table, limit, seed=0)
        assert kept is table and done.rate == 1.0 and "all 5,000 training rows" in done.describe()
    # minority rows above half of max_rows: as many majority rows as minority rows, never fewer
    kept, done = sample_majority(_keyed(10_000, 0.4), 1_000, seed=0)
    assert abs(done.majority_kept - done.minority) < 0.1 * done.minority


def test_keys_map_to_uniform_numbers():
    u = uniform_of_keys(np.arange(200_000, dtype=np.uint64), seed=3)  # consecutive keys: the hardest case
    assert u.min() >= 0 and u.max() < 1
    counts = np.histogram(u, bins=20, range=(0, 1))[0]
    assert counts.min() > 9_500 and counts.max() < 10_500
    assert abs(np.corrcoef(u, uniform_of_keys(np.arange(200_000, dtype=np.uint64), seed=4))[0, 1]) < 0.01


def test_a_majority_weight_counts_each_majority_row_that_many_times():
    rng = np.random.default_rng(2)
    y, p = (rng.random(3000) < 0.2).astype(int), rng.random(3000)
    repeated = np.r_[np.flatnonzero(y == 1), np.repeat(np.flatnonzero(y == 0), 4)]
    for metric in ("f1", "precision", "accuracy"):
        assert metric_at(y, p > 0.6, metric, 4.0) == pytest.approx(metric_at(y[repeated], p[repeated] > 0.6, metric))
    assert best_threshold(p, y, "f1", 4.0) == pytest.approx(best_threshold(p[repeated], y[repeated], "f1"))


@pytest.mark.parametrize(("method", "transform"), [("platt", lambda x: 0.5 * x + 1.0), ("isotonic", np.tanh)])
def test_prior_corrected_scores_are_calibrated_on_unsampled_held_out_rows(method, transform):
    """400,000 rows, about 4.7% minority, a score that ranks them (Platt's case: linear in the true log-odds;
    isotonic's: not). The calibration is fitted on half of them with 10% of their majority rows; on the other half,
    all rows: in 10 bins of the predicted probability the expected calibration error is below 0.005 and no bin is
    off by more than 0.02, and F1 at the threshold chosen with the majority rows weighted is within 0.005 of the
    best threshold's on those rows. Without the correction the same fit is off by 0.15 and loses 0.13 F1."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=400_000)
    y = (rng.random(len(x)) < 1 / (1 + np.exp(-(2 * x - 4.5)))).astype(int)
    score, fit = transform(x), np.arange(len(x)) < len(x) // 2
    keep = fit & ((y == 1) | (rng.random(len(x)) < 0.1))
    rate = (keep & (y == 0)).sum() / (fit & (y == 0)).sum()

    def judged(majority_rate):
        calibration, claimed = calibrate(score[keep], y[keep], method, "f1", majority_rate)
        p, truth = calibration.probabilities(score[~fit]), y[~fit]
        bins = np.minimum(np.searchsorted(np.quantile(p, np.linspace(0, 1, 11)[1:-1]), p, side="right"), 9)
        gaps = np.array([abs(p[bins == b].mean() - truth[bins == b].mean()) for b in range(10)])
        ece = float(sum(gaps[b] * np.mean(bins == b) for b in range(10)))
        f1 = metric_at(truth, p > calibration.threshold, "f1")
        return calibration, ece, gaps.max(), f1, best_threshold(p, truth, "f1")[1], claimed

    calibration, ece, worst, f1, best, claimed = judged(rate)
    assert calibration.majority_rate == pytest.approx(rate)
    assert ece < 0.005 and worst < 0.02, (ece, worst)
    assert f1 > best - 0.005 and claimed == pytest.approx(f1, abs=0.02), (f1, best, claimed)
    _, ece_raw, _, f1_raw, _, _ = judged(1.0)
    assert ece_raw > 0.1 and f1_raw < best - 0.05, (ece_raw, f1_raw)
