"""Which over-sampler and classifier for *this* table: candidates scored by cross-fitting on the training rows, the
cheapest kept unless a costlier one is shown better (``retrain.method: auto``).

Every candidate (an over-sampler and a classifier) is cross-fitted on the same
folds of the training rows (its over-sampler refitted inside each fold), so
every training row has one out-of-fold score per candidate. Each fold's rows
are then called with the calibration and threshold fitted on the other folds'
scores (``calibration.honest_outputs``): no row's call used its own label, so a
candidate's score is not inflated by tuning its threshold on the rows it is
judged on. The holdout is never seen.

The choice: candidates in order of cost (their over-sampler's kind: none, the
SMOTE family, the GANs; then their classifier's: scikit-learn, the network;
then measured seconds, which alone would make "cheapest" a coin toss between
near-equal candidates); the cheapest is the incumbent, and each costlier candidate replaces the incumbent only if the
champion decision's one-sided paired permutation test (``decision``) shows it
better at ``(1 - confidence) / m`` (``m`` costlier candidates: Bonferroni, so
that with equal candidates the cheapest is kept with ``confidence``) by more
than ``min_improvement``.

A time budget (``max_seconds``) stops the scoring: candidates run from the
cheapest kind (no over-sampling, then SMOTE, then the GANs; scikit-learn before
the network), the first always to the end; once the budget is spent, or a
candidate's folds so far say it would overrun it, that candidate and all
costlier ones are skipped, each with the reason. A candidate that cannot run on
the rows (an over-sampler with more neighbours than a fold's minority rows) is
skipped with its error; the choice is made among the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smotified_gan.confusion import RANKING_METRICS, metric_value
from smotified_gan.production.calibration import fold_of, honest_outputs, out_of_fold_scores
from smotified_gan.production.decision import paired_permutation_test

logger = logging.getLogger(__name__)
# a candidate's kind of cost, cheapest first: its over-sampler's, then its classifier's
_SAMPLER_COST = {"none": 0, "smote": 1, "gan": 2, "smotified_gan": 2}


@dataclass(frozen=True)
class Candidate:
    """An over-sampler (a retrain method) and a classifier (``network`` or a scikit-learn spec)."""

    name: str
    method: dict[str, Any]
    classifier: str | dict[str, Any]

    def cost_rank(self) -> tuple[int, int]:
        return _SAMPLER_COST.get(self.method.get("sampler", "none"), 2), 0 if isinstance(self.classifier, dict) else 1


@dataclass
class Scored:
    """A candidate's cross-fitted evidence: its out-of-fold scores, honest probabilities and calls, its metric
    with a bootstrap interval, and what it cost; or why it was skipped."""

    candidate: Candidate
    seconds: float = 0.0
    scores: np.ndarray | None = field(default=None, repr=False)
    probabilities: np.ndarray | None = field(default=None, repr=False)
    calls: np.ndarray | None = field(default=None, repr=False)
    value: float = float("nan")
    interval: tuple[float, float] = (float("nan"), float("nan"))
    skipped: str = ""

    def describe(self, metric: str) -> str:
        if self.skipped:
            return f"skipped ({self.skipped})"
        return (f"{metric} {self.value:.4f} [{self.interval[0]:.4f}, {self.interval[1]:.4f}], "
                f"{int(self.calls.sum())} called minority, {self.seconds:.1f} s")


class _BudgetSpent(Exception):
    pass


def score_candidates(y: np.ndarray, candidates: list[Candidate],
                     fit_and_score: Callable[[Candidate, np.ndarray, np.ndarray], np.ndarray], folds: int, seed: int,
                     calibration: str, threshold_metric: str, metric: str, confidence: float,
                     max_seconds: float | None = None) -> list[Scored]:
    """Each candidate cross-fitted on the same folds (cheapest kind first), within ``max_seconds``."""
    y = np.asarray(y).astype(int)
    fold = fold_of(y, folds, seed)
    started = time.perf_counter()
    results: list[Scored] = []
    stopped = ""
    for position, candidate in enumerate(sorted(candidates, key=Candidate.cost_rank)):
        spent = time.perf_counter() - started
        budget = max_seconds if position else None  # the cheapest kind is always scored: there is a choice
        if not stopped and budget is not None and spent >= budget:
            stopped = f"the budget of {max_seconds:g} s was spent ({spent:.1f} s)"
        if stopped:
            results.append(Scored(candidate, skipped=stopped))
            continue
        logger.info("Candidate %s: cross-fitting on %d rows", candidate.name, len(y))
        try:
            scores = out_of_fold_scores(y, lambda fit, scored, c=candidate: fit_and_score(c, fit, scored), folds, seed,
                                        after_fold=_budget_check(budget, spent, candidate))
        except _BudgetSpent as stop:
            results.append(Scored(candidate, seconds=time.perf_counter() - started - spent, skipped=str(stop)))
            stopped = f"a cheaper candidate ({candidate.name}) already ran past the budget of {max_seconds:g} s"
            continue
        except ValueError as error:  # this table does not suit it (too few minority rows for its neighbours, say)
            if len(candidates) == 1:
                raise
            logger.warning("Candidate %s cannot run on these rows: %s", candidate.name, error)
            results.append(Scored(candidate, seconds=time.perf_counter() - started - spent, skipped=f"failed: {error}"))
            continue
        probabilities, calls = honest_outputs(scores, y, fold, calibration, threshold_metric)
        results.append(Scored(candidate, time.perf_counter() - started - spent, scores, probabilities, calls,
                              metric_value(y, probabilities, calls, metric),
                              bootstrap_interval(y, probabilities, calls, metric, confidence, seed)))
    return results


def _budget_check(max_seconds: float | None, spent_before: float, candidate: Candidate):
    """After each fold: stop the candidate when its remaining folds would run past the budget."""
    def check(done: int, folds: int, seconds: float) -> None:
        if max_seconds is None or done == folds:
            return
        expected = spent_before + seconds / done * folds
        if expected > max_seconds:
            raise _BudgetSpent(f"its {folds} folds would end near {expected:.1f} s, past the budget of "
                               f"{max_seconds:g} s (retrain.auto.max_seconds)")
    return check


def bootstrap_interval(y: np.ndarray, probabilities: np.ndarray, calls: np.ndarray, metric: str, confidence: float,
                       seed: int, resamples: int = 1000) -> tuple[float, float]:
    """A descriptive two-sided ``confidence`` percentile interval of the metric, rows resampled within each class
    (fewer resamples on a large table: about 2e8 rows drawn in all)."""
    rng = np.random.default_rng(seed)
    minority, majority = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    values = []
    for _ in range(max(100, min(resamples, int(2e8 // max(len(y), 1))))):
        rows = np.r_[rng.choice(minority, len(minority)), rng.choice(majority, len(majority))]
        values.append(metric_value(y[rows], probabilities[rows], calls[rows], metric))
    tail = (1 - confidence) / 2
    return float(np.nanquantile(values, tail)), float(np.nanquantile(values, 1 - tail))


def choose(y: np.ndarray, scored: list[Scored], metric: str, confidence: float, min_improvement: float = 0.0,
           permutations: int | None = None, seed: int | None = None) -> tuple[Scored, str, list[dict[str, Any]]]:
    """The chosen candidate, why, and every comparison made (module docstring)."""
    done = sorted((s for s in scored if not s.skipped), key=lambda s: (s.candidate.cost_rank(), s.seconds))
    if not done:
        raise ValueError("no candidate could be scored: " + "; ".join(f"{s.candidate.name}: {s.skipped}" for s in scored))
    alpha = (1 - confidence) / max(1, len(done) - 1)
    incumbent, comparisons, moves = done[0], [], []
    for challenger in done[1:]:
        test = paired_permutation_test(y, _outputs(challenger, metric), _outputs(incumbent, metric), metric,
                                       permutations, seed)
        better = test.p_value < alpha and test.difference > min_improvement
        comparisons.append({"candidate": challenger.candidate.name, "against": incumbent.candidate.name,
                            "difference": test.difference, "p_value": test.p_value, "alpha": alpha, "better": better})
        if better:
            moves.append(f"{challenger.candidate.name}: {test.difference:+.4f} {metric} over "
                         f"{incumbent.candidate.name}, p = {test.p_value:.4f} < {alpha:.4f}")
            incumbent = challenger
    if moves:
        reason = "; then ".join(moves)
    else:
        best = max(comparisons, key=lambda c: c["difference"], default=None)
        reason = (f"{incumbent.candidate.name}: the cheapest ({incumbent.seconds:.1f} s); no costlier candidate shown "
                  "better" + ("" if best is None else f" (closest: {best['candidate']} {best['difference']:+.4f} "
                                                      f"{metric}, p = {best['p_value']:.4f} >= {alpha:.4f})"))
    return incumbent, reason, comparisons


def _outputs(scored: Scored, metric: str) -> tuple[np.ndarray, np.ndarray]:
    return (scored.probabilities if metric in RANKING_METRICS else scored.calls.astype(float)), scored.calls


__all__ = ["Candidate", "Scored", "bootstrap_interval", "choose", "score_candidates"]
