"""Crown only what is shown to be better: the champion decision on a holdout.

The challenger and the champion score the same holdout rows. A stratified
paired bootstrap (each resample draws as many minority and majority rows as
the holdout holds, with replacement, and scores both models on the same
draw) gives the distribution of ``metric(challenger) - metric(champion)``;
the champion changes only when its lower confidence bound exceeds the
required improvement. Before any comparison, a challenger that calls no
holdout row minority, or scores below the floor, is rejected outright.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from smotified_gan.metrics import holdout_metric
from smotified_gan.production.calibration import THRESHOLD_METRICS, counting_metric


@dataclass(frozen=True)
class DecisionRules:
    metric: str = "f1"
    confidence: float = 0.9
    min_improvement: float = 0.0
    min_metric: float = 0.0
    min_holdout_minority: int = 30
    bootstrap: int = 2000
    seed: int = 0


@dataclass
class Decision:
    """What was decided and on what evidence; ``outcome``: promote, keep or reject."""

    outcome: str
    reason: str
    metric: str
    challenger: float
    champion: float | None = None
    champion_version: int | None = None
    difference: float | None = None
    lower_bound: float | None = None
    confidence: float | None = None
    min_improvement: float | None = None
    holdout_rows: int = 0
    holdout_minority_rows: int = 0
    challenger_minority_predicted: int = 0
    underpowered: bool = False

    @property
    def promote(self) -> bool:
        return self.outcome == "promote"

    def to_dict(self) -> dict:
        return {**asdict(self), "promote": self.promote}


def paired_bootstrap(y: np.ndarray, challenger: tuple[np.ndarray, np.ndarray], champion: tuple[np.ndarray, np.ndarray],
                     metric: str, resamples: int, seed: int) -> np.ndarray:
    """``resamples`` stratified paired bootstrap values of ``metric(challenger) - metric(champion)``.

    ``challenger`` and ``champion`` are (scores, 0/1 predictions) on the rows of
    ``y``. Counting metrics (F1, ...) draw the multinomial counts of each
    (class, challenger's call, champion's call) cell directly; the ranking
    metrics (PR-AUC, ROC-AUC) resample rows.
    """
    y = np.asarray(y).astype(int)
    rng = np.random.default_rng(seed)
    if metric in THRESHOLD_METRICS:
        return _counting_bootstrap(y, np.asarray(challenger[1]).astype(int), np.asarray(champion[1]).astype(int),
                                   metric, resamples, rng)
    minority, majority = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    values = np.empty(resamples)
    for b in range(resamples):
        rows = np.r_[rng.choice(minority, len(minority)), rng.choice(majority, len(majority))]
        values[b] = (holdout_metric(y[rows], challenger[0][rows], challenger[1][rows], metric)
                     - holdout_metric(y[rows], champion[0][rows], champion[1][rows], metric))
    return values


def _counting_bootstrap(y, a, b, metric, resamples, rng) -> np.ndarray:
    """Per class, the rows fall in 4 cells by (a's call, b's call); a resample is a multinomial draw of those cells."""
    totals = {}
    for label in (1, 0):
        mine = y == label
        cells = np.array([np.sum(mine & (a == i) & (b == j)) for i in (0, 1) for j in (0, 1)])
        draws = rng.multinomial(int(mine.sum()), cells / max(cells.sum(), 1), size=resamples)
        # columns: (a0 b0), (a0 b1), (a1 b0), (a1 b1)
        totals[label] = {"a": draws[:, 2] + draws[:, 3], "b": draws[:, 1] + draws[:, 3], "n": int(mine.sum())}
    pos, neg = totals[1], totals[0]

    def value(model: str) -> np.ndarray:
        tp, fp = pos[model], neg[model]
        return counting_metric(tp, fp, pos["n"] - tp, neg["n"] - fp, metric)

    return value("a") - value("b")


def decide(y: np.ndarray, challenger: tuple[np.ndarray, np.ndarray], champion: tuple[np.ndarray, np.ndarray] | None,
           rules: DecisionRules, champion_version: int | None = None) -> Decision:
    """Reject, keep or promote the challenger by ``rules`` (see the module docstring)."""
    y = np.asarray(y).astype(int)
    scores, predicted = np.asarray(challenger[0]), np.asarray(challenger[1]).astype(int)
    value = holdout_metric(y, scores, predicted, rules.metric)
    base = {"metric": rules.metric, "challenger": value, "holdout_rows": int(len(y)),
            "holdout_minority_rows": int(y.sum()), "challenger_minority_predicted": int(predicted.sum()),
            "underpowered": bool(y.sum() < rules.min_holdout_minority), "confidence": rules.confidence,
            "min_improvement": rules.min_improvement}
    if predicted.sum() == 0:
        return Decision("reject", f"the new model calls none of the {len(y)} holdout rows minority", **base)
    if value < rules.min_metric:
        return Decision("reject", f"holdout {rules.metric} {value:.4f} is below retrain.min_metric {rules.min_metric}",
                        **base)
    if champion is None:
        return Decision("promote", "no champion yet", **base)
    champion_value = holdout_metric(y, np.asarray(champion[0]), np.asarray(champion[1]), rules.metric)
    differences = paired_bootstrap(y, (scores, predicted), champion, rules.metric, rules.bootstrap, rules.seed)
    lower = float(np.quantile(differences, 1 - rules.confidence))
    promote = lower > rules.min_improvement
    reason = (f"the lower {rules.confidence:.0%} bound of the {rules.metric} gain, {lower:+.4f}, "
              f"{'exceeds' if promote else 'does not exceed'} the required {rules.min_improvement:+.4f}")
    return Decision("promote" if promote else "keep", reason, champion=champion_value, champion_version=champion_version,
                    difference=value - champion_value, lower_bound=lower, **base)
