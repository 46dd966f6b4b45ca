"""Scores that mean what they say: a calibration and a decision threshold fitted on rows the model never saw.

The paper's network outputs an unbounded number (a linear unit trained with
mean absolute error); ``Calibration`` maps it to a probability of the minority
class, fitted on rows the classifier did not train on:

- ``platt``: a logistic regression on the score (two numbers; steady on the
  few minority rows an imbalanced table holds);
- ``isotonic``: a monotone step function (no shape assumed; needs more rows).

The threshold on that probability is the one that maximises the chosen
metric on the same rows.

A model trained on a sample of the majority rows (``retrain.sampling``: every
minority row kept, majority rows at rate ``w``) sees the minority class ``1 / w``
times as often as it is: its calibration, fitted on those rows, is corrected to
the unsampled rows (``Calibration.prior_corrected``: odds times ``w``, He et al.
2014), and its threshold is chosen with each majority row counted ``1 / w``
times (``majority_weight``), as the unsampled rows would count it. ``cross_fitted_calibration`` gets those rows by
cross-fitting: every training row is scored by a model fitted (over-sampler
included) on the other folds, so the calibration and the threshold see every
training row's minority cases, none of them scored by a model that trained on
it; the model then deployed is fitted on all the rows. Production retraining
and the benchmark's tuned thresholds call this one function. Plain numbers
only: a calibration pickles and travels inside the registered model.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from smotified_gan.core.confusion import THRESHOLD_METRICS, confusion_counts, counting_metric

CALIBRATIONS = ("platt", "isotonic")
# how the deployed threshold is chosen (``decide_threshold``): tuned on out-of-fold scores, or 0.5 unless shown better
THRESHOLD_RULES = ("shown", "tuned")
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Calibration:
    """Raw score -> probability of the minority class, and the probability above which a row is called minority."""

    method: str
    x: tuple[float, ...]          # platt: (slope, intercept); isotonic: the step function's knots
    y: tuple[float, ...]          # isotonic: the probabilities at the knots
    threshold: float = 0.5
    # the share of majority rows the model was fitted on (1: all), already corrected for (``prior_corrected``)
    majority_rate: float = 1.0

    def prior_corrected(self, majority_rate: float) -> Calibration:
        """This calibration (fitted on rows whose majority rows were kept at ``majority_rate``, every minority row
        kept) as a probability on the unsampled rows: the odds times the rate, ``q = p / (p + (1 - p) / w)``
        (He et al. 2014). Platt: the intercept moves by ``log w``; isotonic: each step's probability moves."""
        if not 0 < majority_rate <= 1:
            raise ValueError(f"a majority sampling rate is in (0, 1], got {majority_rate}")
        if majority_rate == 1.0:
            return self
        if self.method == "platt":
            slope, intercept = self.x
            return replace(self, x=(slope, intercept + math.log(majority_rate)),
                           majority_rate=self.majority_rate * majority_rate)
        p = np.asarray(self.y, dtype=np.float64)
        q = majority_rate * p / (majority_rate * p + 1.0 - p)
        return replace(self, y=tuple(map(float, q)), majority_rate=self.majority_rate * majority_rate)

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


def metric_at(y: np.ndarray, predicted: np.ndarray, metric: str, majority_weight: float = 1.0) -> float:
    """A counting metric of 0/1 predictions (``smotified_gan.core.confusion``: one answer where it is undefined),
    each majority row counted ``majority_weight`` times (``1 / w`` on rows whose majority rows were sampled at
    rate ``w``)."""
    tp, fp, fn, tn = confusion_counts(y, predicted)
    return float(counting_metric(tp, fp * majority_weight, fn, tn * majority_weight, metric))


def best_threshold(probabilities: np.ndarray, y: np.ndarray, metric: str = "f1", majority_weight: float = 1.0
                   ) -> tuple[float, float]:
    """The threshold (midway between two observed probabilities) that maximises ``metric``, and that maximum;
    each majority row counted ``majority_weight`` times (``metric_at``).

    Ties go to the highest threshold (fewer rows called minority for the same score).
    """
    if metric not in THRESHOLD_METRICS:
        raise ValueError(f"a threshold is chosen for one of {THRESHOLD_METRICS}, got {metric!r}")
    p, y = np.asarray(probabilities, dtype=np.float64), np.asarray(y).astype(bool)
    levels = np.unique(p)
    candidates = np.r_[levels[0] - 1e-9, (levels[:-1] + levels[1:]) / 2, levels[-1]]
    values = _metric_at_thresholds(p, y, candidates, metric, majority_weight)
    best = np.flatnonzero(values == np.nanmax(values))[-1]
    return float(candidates[best]), float(values[best])


def _metric_at_thresholds(p: np.ndarray, y: np.ndarray, thresholds: np.ndarray, metric: str,
                          majority_weight: float = 1.0) -> np.ndarray:
    """``metric`` when rows with ``p`` above each threshold are called minority: one sort, not rows x thresholds."""
    minority, majority = np.sort(p[y]), np.sort(p[~y])
    tp = len(minority) - np.searchsorted(minority, thresholds, side="right")
    fp = len(majority) - np.searchsorted(majority, thresholds, side="right")
    return counting_metric(tp, fp * majority_weight, len(minority) - tp, (len(majority) - fp) * majority_weight, metric)


def calibrate(scores: np.ndarray, y: np.ndarray, method: str = "platt", metric: str = "f1",
              majority_rate: float = 1.0) -> tuple[Calibration, float]:
    """A calibration fitted on (``scores``, ``y``) with its best ``metric`` threshold, and the metric there; on rows
    whose majority rows were kept at ``majority_rate``: corrected to the unsampled rows, its threshold and metric
    those of the unsampled rows (each majority row counted ``1 / majority_rate`` times)."""
    calibration = fit_calibration(scores, y, method).prior_corrected(majority_rate)
    threshold, value = best_threshold(calibration.probabilities(scores), y, metric, 1.0 / majority_rate)
    return replace(calibration, threshold=threshold), value


def decide_threshold(scores: np.ndarray, y: np.ndarray, fold: np.ndarray, default: float = 0.5,
                     method: str = "platt", metric: str = "f1", rule: str = "shown", margin: float = 1.0,
                     seed: int = 0, draws: int = 200, majority_rate: float = 1.0) -> tuple[Calibration, float, str]:
    """The calibration of out-of-fold ``scores`` and the threshold a model refitted on every row is deployed with:
    the ``metric``-best one (``calibrate``), or under ``rule="shown"`` the classifier's own ``default`` (0.5) unless
    tuning is shown better out of fold. "Shown": the honest out-of-fold ``metric`` (each fold's rows called at the
    threshold fitted on the other ``fold``s, ``honest_outputs``) beats ``default``'s on the same rows by more than
    ``margin`` bootstrap standard errors of the paired difference (``draws`` resamples of the rows, ``seed``).
    ``bench/threshold_rule.py`` chose it: a tuned threshold fitted on few minority rows loses to 0.5 on fresh rows
    (400 rows at 3%: -0.037 F1 on average, -0.18 on a bad draw), this rule loses nothing measurable there and
    keeps tuning's gain where it is large (10,000 rows: +0.05 to +0.14). Returns the calibration with its
    threshold, the out-of-fold ``metric`` at it, and which threshold won and why, in words. Rows whose majority
    rows were kept at ``majority_rate``: the calibration corrected and every metric weighted (``calibrate``)."""
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"threshold rule must be one of {THRESHOLD_RULES}, got {rule!r}")
    y = np.asarray(y).astype(int)
    scores = np.asarray(scores, dtype=np.float64)
    calibration, value = calibrate(scores, y, method, metric, majority_rate)
    weight = 1.0 / majority_rate
    if rule == "tuned":
        return calibration, value, f"tuned threshold {calibration.threshold:.4f}"
    at_default = (scores > default).astype(np.int64)
    if len(np.unique(fold)) < 2:
        return (_at_default(calibration, default), metric_at(y, at_default, metric, weight),
                f"the classifier's own {default:g} kept: one fold cannot show a tuned threshold better")
    _, honest = honest_outputs(scores, y, fold, method, metric, majority_rate)
    gain = metric_at(y, honest, metric, weight) - metric_at(y, at_default, metric, weight)
    rng = np.random.default_rng(seed)
    spread = float(np.std([metric_at(y[d], honest[d], metric, weight) - metric_at(y[d], at_default[d], metric, weight)
                           for d in (rng.integers(0, len(y), len(y)) for _ in range(draws))]))
    said = f"out-of-fold {metric} {gain:+.4f} for the tuned threshold against {default:g} (bootstrap SE {spread:.4f})"
    if gain > margin * spread:
        return calibration, value, f"tuned threshold {calibration.threshold:.4f}: {said}, shown better"
    kept = _at_default(calibration, default)
    return kept, metric_at(y, at_default, metric, weight), f"the classifier's own {default:g} kept: {said}, not shown better"


def deployed_threshold(scores: np.ndarray, y: np.ndarray, settings, default: float = 0.5,
                       majority_rate: float = 1.0) -> tuple[Calibration, float, str]:
    """``decide_threshold`` on a model's cross-fitted out-of-fold ``scores`` with retrain's threshold ``settings``
    (``parameters.ThresholdSettings``: the folds the scores were cross-fitted on, calibration, metric, rule), on
    rows whose majority rows were kept at ``majority_rate``."""
    fold = fold_of(y, settings.folds, settings.seed)
    return decide_threshold(scores, y, fold, default, settings.calibration, settings.metric, settings.rule,
                            settings.margin, settings.seed, majority_rate=majority_rate)


def _at_default(calibration: Calibration, default: float) -> Calibration:
    """``calibration`` whose threshold calls a row minority where its raw score is above ``default`` (Platt with a
    positive slope: exactly; isotonic: up to the raw scores that share ``default``'s step)."""
    probability = float(calibration.probabilities(np.array([default]))[0])
    if calibration.method == "platt" and calibration.x[0] <= 0:  # a calibration that ranks backwards: keep its own
        return calibration
    return replace(calibration, threshold=probability)


def fold_of(y: np.ndarray, folds: int, seed: int) -> np.ndarray:
    """Each row's fold (0 .. folds - 1): ``folds`` stratified folds shuffled with ``seed`` (fewer when the minority
    class has fewer rows: ``cross_fitting_folds``). Candidates cross-fitted with one seed share their folds."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(y).astype(int)
    assignment = np.empty(len(y), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=cross_fitting_folds(y, folds), shuffle=True, random_state=seed)
    for fold, (_, held) in enumerate(splitter.split(np.zeros(len(y)), y)):
        assignment[held] = fold
    return assignment


def out_of_fold_scores(y: np.ndarray, fit_and_score: Callable[[np.ndarray, np.ndarray], np.ndarray], folds: int,
                       seed: int, after_fold: Callable[[int, int, float], None] | None = None) -> np.ndarray:
    """Each row's score from a model that never saw it (``fold_of``'s folds); ``fit_and_score(fit_rows,
    scored_rows)`` (row indices) fits on the first rows and returns scores of the second. ``after_fold(done, folds,
    seconds)`` is called after each fold (a time budget may stop the work there by raising)."""
    y = np.asarray(y).astype(int)
    fold = fold_of(y, folds, seed)
    folds = int(fold.max()) + 1
    scores = np.full(len(y), np.nan)
    started = time.perf_counter()
    for k in range(folds):
        fit_rows, scored_rows = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
        logger.info("Cross-fitting fold %d of %d: fitting on %d rows (%d minority), scoring %d", k + 1, folds,
                    len(fit_rows), int(y[fit_rows].sum()), len(scored_rows))
        try:
            scores[scored_rows] = np.asarray(fit_and_score(fit_rows, scored_rows), dtype=np.float64)
        except ValueError as error:
            raise ValueError(f"cross-fitting fold {k + 1} of {folds} ({len(fit_rows)} rows to fit on, "
                             f"{int(y[fit_rows].sum())} minority): {error}. {_more_folds(y, folds)}") from error
        elapsed = time.perf_counter() - started
        logger.info("Cross-fitting fold %d of %d done: %.0f s so far, about %.0f s left", k + 1, folds, elapsed,
                    elapsed / (k + 1) * (folds - k - 1))
        if after_fold is not None:
            after_fold(k + 1, folds, elapsed)
    return scores


def _more_folds(y: np.ndarray, folds: int) -> str:
    """What more folds would leave to fit on: each fold fits on the other folds' rows, (folds - 1) / folds of them."""
    minority = int(y.sum())
    most = min(minority, max(folds + 1, 10))
    if most <= folds:
        return (f"The training rows hold {minority} minority rows in all: no number of folds leaves more to fit on; "
                "add rows or lower the over-sampler's k_neighbors")
    return (f"More folds leave more rows to fit on (each fits on (folds - 1) / folds of the training rows): "
            f"retrain.threshold.folds {folds} fits on about {minority * (folds - 1) / folds:.0f} of the "
            f"{minority} minority rows, {most} folds on about {minority * (most - 1) / most:.0f}; "
            "or lower the over-sampler's k_neighbors")


def honest_outputs(scores: np.ndarray, y: np.ndarray, fold: np.ndarray, method: str = "platt", metric: str = "f1",
                   majority_rate: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and 0/1 calls of out-of-fold ``scores`` in which no row's calibration or threshold was fitted
    with its own label: each fold's rows go through the calibration and threshold fitted on the other folds'
    (``calibrate``, with its ``majority_rate``)."""
    y = np.asarray(y).astype(int)
    probabilities, calls = np.zeros(len(y)), np.zeros(len(y), dtype=np.int64)
    for k in np.unique(fold):
        others = fold != k
        calibration, _ = calibrate(scores[others], y[others], method, metric, majority_rate)
        probabilities[~others] = calibration.probabilities(scores[~others])
        calls[~others] = calibration.predict(scores[~others])
    return probabilities, calls


def cross_fitting_folds(y: np.ndarray, folds: int) -> int:
    """``folds``, or fewer when the minority class has fewer rows (each fold holds at least one); an error below 2."""
    minority = int(np.asarray(y).astype(int).sum())
    if minority < 2:
        raise ValueError(f"cross-fitting needs at least 2 minority rows in the training rows, got {minority}")
    if minority < folds:
        logger.warning("Cross-fitting with %d folds instead of %d: the training rows hold %d minority rows",
                       minority, folds, minority)
    return min(int(folds), minority)


def cross_fitted_calibration(y: np.ndarray, fit_and_score: Callable[[np.ndarray, np.ndarray], np.ndarray],
                             folds: int, seed: int, method: str = "platt", metric: str = "f1"
                             ) -> tuple[Calibration, float, np.ndarray]:
    """The calibration and ``metric``-best threshold for a model fitted on all of ``y``'s rows, both fitted on
    out-of-fold scores (``out_of_fold_scores``); the metric there, and the scores."""
    scores = out_of_fold_scores(y, fit_and_score, folds, seed)
    calibration, value = calibrate(scores, y, method, metric)
    logger.info("Cross-fitted %s calibration on %d rows (%d minority): threshold %.4f, out-of-fold %s %.4f", method,
                len(y), int(np.asarray(y).sum()), calibration.threshold, metric, value)
    return calibration, value, scores


@dataclass
class CalibratedClassifier:
    """The trained runs (an ensemble: their mean score) and its calibration: what a registered model scores with.

    ``scores`` are probabilities of the minority class, shape (1, rows); a row
    is called minority when its probability is above ``threshold``. Same
    interface as the experiment's stacked classifiers (``feature_names``,
    ``scores``, ``predict``), so the same scoring node runs both.
    """

    classifier: object            # smotified_gan.core.classifier.TrainedClassifiers or SklearnRuns: the runs averaged
    calibration: Calibration

    @property
    def feature_names(self) -> list[str]:
        return self.classifier.feature_names

    @property
    def threshold(self) -> float:
        return self.calibration.threshold

    def scores(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        return self.calibration.probabilities(self.classifier.scores(X, runs).mean(axis=0))[None, :]

    def predict(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        return (self.scores(X, runs) > self.threshold).astype(np.int8)
