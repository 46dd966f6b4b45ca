"""The one metric engine: confusion counts -> every counting metric, scores -> the ranking metrics.

Every place that scores a classifier reads its metrics here: the experiment's
runs (``metrics.runs_metrics``), the thresholds and calibration
(``production.calibration``), the champion decision and its permutation tests
(``production.decision``). The minority class is the positive class.

One answer where a metric is undefined, everywhere:

- ``precision`` is 0 when no row is called minority (the model made no
  minority call and earns nothing: scikit-learn's ``zero_division=0``);
- ``recall`` is NaN when there is no minority row, ``specificity`` NaN when
  there is no majority row (a rate of a class that is absent);
- ``f1`` = 2 tp / (2 tp + fp + fn), NaN only when that denominator is 0 (no
  minority row and none called);
- ``balanced_accuracy`` and ``g_mean`` are NaN when recall or specificity is;
- ``pr_auc`` (average precision) and ``roc_auc`` are NaN with one class.

Everything is vectorised: counts and scores may carry leading axes (runs,
thresholds, permutations), the rows are the last axis.
"""

from __future__ import annotations

import numpy as np

COUNTING_METRICS = ("f1", "precision", "recall", "specificity", "balanced_accuracy", "g_mean", "accuracy")
RANKING_METRICS = ("pr_auc", "roc_auc")
METRICS = COUNTING_METRICS + RANKING_METRICS
# the one list of metric names; the subsets each rule allows, with why:
# a threshold may be chosen for these (accuracy and specificity would call no row minority)
THRESHOLD_METRICS = tuple(m for m in COUNTING_METRICS if m not in ("specificity", "accuracy"))
# a champion is decided on these: recall and precision alone are left out, since calling every row minority (or one
# row) maximises them, and a decision must be able to tell a model from no skill
DECISION_METRICS = tuple(m for m in METRICS if m not in ("precision", "recall", "specificity", "accuracy"))


def confusion_counts(y: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, ...]:
    """tp, fp, fn, tn of 0/1 ``predicted`` (rows last; leading axes kept) against the 0/1 labels ``y``."""
    y = np.asarray(y).astype(bool)
    predicted = np.asarray(predicted).astype(bool)
    tp = (predicted & y).sum(axis=-1)
    fp = (predicted & ~y).sum(axis=-1)
    positives, negatives = int(y.sum()), int((~y).sum())
    return tp, fp, positives - tp, negatives - fp


def counting_metric(tp, fp, fn, tn, metric: str) -> np.ndarray:
    """``metric`` from confusion counts (arrays of one shape), NaN where it is undefined (module docstring)."""
    if metric not in COUNTING_METRICS:
        raise ValueError(f"a counting metric is one of {COUNTING_METRICS}, got {metric!r}")
    tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn, tn))
    with np.errstate(divide="ignore", invalid="ignore"):
        if metric == "f1":
            return _ratio(2 * tp, 2 * tp + fp + fn)
        if metric == "precision":
            return np.where(tp + fp > 0, tp / np.maximum(tp + fp, 1), 0.0)
        if metric == "accuracy":
            return _ratio(tp + tn, tp + fp + fn + tn)
        recall, specificity = _ratio(tp, tp + fn), _ratio(tn, tn + fp)
        if metric == "recall":
            return recall
        if metric == "specificity":
            return specificity
        if metric == "balanced_accuracy":
            return (recall + specificity) / 2
        return np.sqrt(recall * specificity)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1), np.nan)


def ranking_metric(y: np.ndarray, scores: np.ndarray, metric: str) -> np.ndarray:
    """``pr_auc`` (average precision, scikit-learn's definition, ties as one threshold) or ``roc_auc`` of
    ``scores`` (rows last; leading axes kept) against the 0/1 labels ``y``; NaN with one class."""
    if metric not in RANKING_METRICS:
        raise ValueError(f"a ranking metric is one of {RANKING_METRICS}, got {metric!r}")
    y = np.asarray(y).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    positives = int(y.sum())
    shape = scores.shape[:-1]
    if positives == 0 or positives == len(y):
        return np.full(shape, np.nan) if shape else np.float64(np.nan)
    flat = scores.reshape(-1, scores.shape[-1])
    values = _roc_auc(y, flat, positives) if metric == "roc_auc" else _average_precision(y, flat, positives)
    return values.reshape(shape) if shape else values[0]


def _roc_auc(y: np.ndarray, scores: np.ndarray, positives: int) -> np.ndarray:
    """Mann-Whitney: the positives' mean rank (ties averaged) against the negatives'."""
    from scipy.stats import rankdata

    ranks = rankdata(scores, axis=-1)
    negatives = len(y) - positives
    return (ranks[:, y].sum(axis=-1) - positives * (positives + 1) / 2) / (positives * negatives)


def _average_precision(y: np.ndarray, scores: np.ndarray, positives: int) -> np.ndarray:
    """sum over distinct thresholds of (recall step) x precision there, as ``sklearn.metrics.average_precision_score``."""
    order = np.argsort(-scores, axis=-1, kind="stable")
    ordered = np.take_along_axis(scores, order, axis=-1)
    hits = y[order]
    tp = np.cumsum(hits, axis=-1)
    # the last row of each run of equal scores closes a threshold
    closes = np.ones_like(ordered, dtype=bool)
    closes[:, :-1] = ordered[:, :-1] != ordered[:, 1:]
    at_close = np.where(closes, tp, 0)
    before = np.zeros_like(at_close)
    before[:, 1:] = np.maximum.accumulate(at_close, axis=-1)[:, :-1]
    called = np.arange(1, scores.shape[-1] + 1)
    return np.where(closes, (tp - before) / positives * tp / called, 0.0).sum(axis=-1)


def metric_value(y: np.ndarray, scores: np.ndarray | None, predicted: np.ndarray | None, metric: str) -> float:
    """One metric of one model's output on labelled rows: from its 0/1 calls or, for a ranking metric, its scores."""
    if metric in RANKING_METRICS:
        return float(ranking_metric(y, scores, metric))
    return float(counting_metric(*confusion_counts(y, predicted), metric))


__all__ = ["COUNTING_METRICS", "METRICS", "RANKING_METRICS", "confusion_counts", "counting_metric", "metric_value",
           "ranking_metric"]
