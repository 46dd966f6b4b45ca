"""Scores that mean what they say: a calibration fitted on validation rows, and a decision threshold chosen there.

The paper's network outputs an unbounded number (a linear unit trained with
mean absolute error); ``Calibration`` maps it to a probability of the minority
class, fitted on rows the classifier did not train on:

- ``platt``: a logistic regression on the score (two numbers; steady on the
  few minority rows a validation split of an imbalanced table holds);
- ``isotonic``: a monotone step function (no shape assumed; needs more rows).

The threshold on that probability is the one that maximises the chosen
metric on the same rows. Plain numbers only: a calibration pickles and
travels inside the registered model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CALIBRATIONS = ("platt", "isotonic")
THRESHOLD_METRICS = ("f1", "precision", "recall", "balanced_accuracy", "g_mean")


@dataclass(frozen=True)
class Calibration:
    """Raw score -> probability of the minority class, and the probability above which a row is called minority."""

    method: str
    x: tuple[float, ...]          # platt: (slope, intercept); isotonic: the step function's knots
    y: tuple[float, ...]          # isotonic: the probabilities at the knots
    threshold: float = 0.5

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=np.float64)
        if self.method == "platt":
            slope, intercept = self.x
            return 1.0 / (1.0 + np.exp(-np.clip(slope * scores + intercept, -500, 500)))
        return np.interp(scores, self.x, self.y)

    def predict(self, scores: np.ndarray) -> np.ndarray:
        return (self.probabilities(scores) > self.threshold).astype(np.int64)


def fit_calibration(scores: np.ndarray, y: np.ndarray, method: str = "platt") -> Calibration:
    """A calibration of ``scores`` against the 0/1 labels ``y`` (threshold 0.5 until ``with_threshold``)."""
    if method not in CALIBRATIONS:
        raise ValueError(f"calibration must be one of {CALIBRATIONS}, got {method!r}")
    scores, y = np.asarray(scores, dtype=np.float64).ravel(), np.asarray(y).astype(int).ravel()
    if len(np.unique(y)) < 2:
        raise ValueError(f"calibration needs validation rows of both classes, got {int(y.sum())} minority of {len(y)}")
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        fitted = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(scores, y)
        return Calibration("isotonic", tuple(map(float, fitted.X_thresholds_)), tuple(map(float, fitted.y_thresholds_)))
    from sklearn.linear_model import LogisticRegression

    spread = float(np.std(scores)) or 1.0  # fitted on standardised scores, then mapped back
    centre = float(np.mean(scores))
    model = LogisticRegression(C=1e4, max_iter=1000).fit(((scores - centre) / spread)[:, None], y)
    slope = float(model.coef_[0, 0]) / spread
    return Calibration("platt", (slope, float(model.intercept_[0]) - slope * centre), ())


def metric_at(y: np.ndarray, predicted: np.ndarray, metric: str) -> float:
    """A counting metric of 0/1 predictions (precision, recall and F1 are 0 where undefined)."""
    y, predicted = np.asarray(y).astype(bool), np.asarray(predicted).astype(bool)
    return float(counting_metric(*_counts(y, predicted[None]), metric)[0])


def _counts(y: np.ndarray, predicted: np.ndarray) -> tuple[np.ndarray, ...]:
    """tp, fp, fn, tn per row of ``predicted`` (candidates, rows)."""
    tp = (predicted & y).sum(axis=1)
    fp = (predicted & ~y).sum(axis=1)
    fn = (~predicted & y).sum(axis=1)
    tn = (~predicted & ~y).sum(axis=1)
    return tp, fp, fn, tn


def counting_metric(tp, fp, fn, tn, metric: str) -> np.ndarray:
    """A metric from confusion counts (arrays of the same shape)."""
    tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn, tn))
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        specificity = np.where(tn + fp > 0, tn / (tn + fp), 0.0)
        values = {
            "f1": lambda: np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0),
            "precision": lambda: np.where(tp + fp > 0, tp / (tp + fp), 0.0),
            "recall": lambda: recall,
            "balanced_accuracy": lambda: (recall + specificity) / 2,
            "g_mean": lambda: np.sqrt(recall * specificity),
        }
    if metric not in values:
        raise ValueError(f"a threshold is chosen for one of {THRESHOLD_METRICS}, got {metric!r}")
    with np.errstate(divide="ignore", invalid="ignore"):
        return values[metric]()


def best_threshold(probabilities: np.ndarray, y: np.ndarray, metric: str = "f1") -> tuple[float, float]:
    """The threshold (midway between two observed probabilities) that maximises ``metric``, and that maximum.

    Ties go to the highest threshold (fewer rows called minority for the same score).
    """
    p, y = np.asarray(probabilities, dtype=np.float64), np.asarray(y).astype(bool)
    levels = np.unique(p)
    candidates = np.r_[levels[0] - 1e-9, (levels[:-1] + levels[1:]) / 2, levels[-1]]
    values = counting_metric(*_counts(y, p[None, :] > candidates[:, None]), metric)
    best = np.flatnonzero(values == values.max())[-1]
    return float(candidates[best]), float(values[best])


def calibrate(scores: np.ndarray, y: np.ndarray, method: str = "platt", metric: str = "f1"
              ) -> tuple[Calibration, float]:
    """A calibration fitted on (``scores``, ``y``) with its best ``metric`` threshold, and the metric there."""
    calibration = fit_calibration(scores, y, method)
    threshold, value = best_threshold(calibration.probabilities(scores), y, metric)
    return Calibration(calibration.method, calibration.x, calibration.y, threshold), value


@dataclass
class CalibratedClassifier:
    """One trained run and its calibration: what a registered production model scores with.

    ``scores`` are probabilities of the minority class; a row is called
    minority when its probability is above ``threshold`` (chosen on the
    validation rows). Same interface as the experiment's stacked classifiers
    (``feature_names``, ``scores``, ``predict``), so the same scoring node runs both.
    """

    classifier: object            # smotified_gan.classifier.TrainedClassifiers holding one run
    calibration: Calibration

    @property
    def feature_names(self) -> list[str]:
        return self.classifier.feature_names

    @property
    def threshold(self) -> float:
        return self.calibration.threshold

    def scores(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        return self.calibration.probabilities(self.classifier.scores(X, runs))

    def predict(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        return (self.scores(X, runs) > self.threshold).astype(np.int8)
