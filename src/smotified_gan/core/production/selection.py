"""Which over-sampler and classifier for *this* table: candidates scored by cross-fitting on the training rows, the
best kept, a cheaper one where it is within the noise of the best (``retrain.method: auto``).

Every candidate (an over-sampler and a classifier) is cross-fitted on the same
folds of the training rows (its over-sampler refitted inside each fold), so
every training row has one out-of-fold score per candidate. Each fold's rows
are then called with the calibration and threshold fitted on the other folds'
scores (``calibration.honest_outputs``): no row's call used its own label, so a
candidate's score is not inflated by tuning its threshold on the rows it is
judged on. The holdout is never seen.

The choice (``choose``): the candidate with the best honest cross-fitted
metric, unless a cheaper one is within one paired bootstrap standard error of
it (or within ``min_improvement``): then the cheapest such one. Cost (the
over-sampler's kind: none, the SMOTE family, the GANs; then the classifier's:
scikit-learn, the network; then measured seconds) only breaks ties. It
replaced "keep the cheapest unless a costlier one is shown better by a paired
permutation test": on a few minority rows that kept the cheapest on 71 of 84
development tables, 0.02 F1 or more below the best on 44% of them, and its
test treated rows as independent while the threshold moves between folds
(issue 33).

A time budget (``max_seconds``, 600 s by default) bounds the scoring:
candidates run from the cheapest kind (no over-sampling, then SMOTE, then the
GANs; scikit-learn before the network), the first always to the end. Before
each later one starts, its cost is foreseen from its kind's measured cost per
10,000 rows (``COST_PER_10K_ROWS``, rescaled by the pace of the candidates run
so far); one that would take the scoring past the budget is skipped, as is one
at least as costly as a candidate that overran, and one whose own folds say it
will overrun is stopped. So the costliest kinds are the ones skipped, each
with its reason, and a cheap candidate after a dear one still runs. A
candidate that cannot run on the rows (an over-sampler with more neighbours
than a fold's minority rows) is skipped with its error; the choice is made
among the others, and says which were not scored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smotified_gan.core.confusion import metric_value
from smotified_gan.core.production.calibration import fold_of, honest_outputs, out_of_fold_scores

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
                     max_seconds: float | None = None, clock: Callable[[], float] = time.perf_counter) -> list[Scored]:
    """Each candidate cross-fitted on the same folds (cheapest kind first), within ``max_seconds`` by ``clock``
    (module docstring: ``Budget`` says which are skipped, and why)."""
    y = np.asarray(y).astype(int)
    fold = fold_of(y, folds, seed)
    budget = Budget(max_seconds, len(y), clock)
    results: list[Scored] = []
    for position, candidate in enumerate(sorted(candidates, key=Candidate.cost_rank)):
        skip = budget.skip(candidate) if position else ""  # the cheapest kind is always scored: there is a choice
        if skip:
            results.append(Scored(candidate, skipped=skip))
            continue
        logger.info("Candidate %s: cross-fitting on %d rows%s", candidate.name, len(y), budget.expectation(candidate))
        started = budget.clock()
        try:
            scores = out_of_fold_scores(y, lambda fit, scored, c=candidate: fit_and_score(c, fit, scored), folds, seed,
                                        after_fold=budget.fold_check(candidate) if position else None)
        except _BudgetSpent as stop:
            results.append(Scored(candidate, seconds=budget.ran(candidate, started, finished=False), skipped=str(stop)))
            continue
        except ValueError as error:  # this table does not suit it (too few minority rows for its neighbours, say)
            if len(candidates) == 1:
                raise
            logger.warning("Candidate %s cannot run on these rows: %s", candidate.name, error)
            results.append(Scored(candidate, seconds=budget.ran(candidate, started, finished=False),
                                  skipped=f"failed: {error}"))
            continue
        seconds = budget.ran(candidate, started)
        probabilities, calls = honest_outputs(scores, y, fold, calibration, threshold_metric)
        results.append(Scored(candidate, seconds, scores, probabilities, calls,
                              metric_value(y, probabilities, calls, metric),
                              bootstrap_interval(y, probabilities, calls, metric, confidence, seed)))
    return results


# Seconds to cross-fit one candidate of each kind (over-sampler, classifier) with retrain's default settings (5 folds,
# 10 network runs, the step budget), as (fixed, per 10,000 training rows): fitted to `bench/auto_cost.py` on this
# project's 2-core machine (docs/production.md, "What auto costs"). Only a first guess: `Budget` rescales it by the
# pace of the candidates already run on this table and machine.
COST_PER_10K_ROWS = {
    # (kind, classifier): (fixed seconds, seconds per 10,000 training rows) of one candidate's 5-fold cross-fitting,
    # fitted to bench/auto_cost.py --alone on the own table at 4,000 and 40,000 rows (3,213 and 32,119 training
    # rows), 2026-12-07, 2 cores, float32: none + network 33.8 s / 152.2 s, none + gradient boosting 1.7 / 2.0,
    # SMOTE + network 53.7 / 240.2, SMOTE + gradient boosting 2.1 / 4.0, refined + network 84.0 / 451.4,
    # refined + gradient boosting 35.1 / 232.2
    ("none", "scikit-learn"): (2.0, 0.5), ("none", "network"): (21.0, 41.0),
    ("smote", "scikit-learn"): (2.0, 1.0), ("smote", "network"): (33.0, 65.0),
    ("gan", "scikit-learn"): (13.0, 69.0), ("gan", "network"): (43.0, 128.0),
}
_KIND_NAMES = {0: "none", 1: "smote", 2: "gan"}


def expected_seconds(candidate: Candidate | str, rows: int) -> float:
    """What ``COST_PER_10K_ROWS`` says cross-fitting ``candidate`` costs on ``rows`` training rows (a candidate's
    name as ``retrain.auto`` spells it, "<method> + <classifier>", is read by its words)."""
    if isinstance(candidate, str):
        method, _, classifier = candidate.partition(" + ")
        sampler = "none" if method == "none" else "smote" if "smote" in method.lower() else "gan"
        kind = (sampler, "network" if classifier == "network" else "scikit-learn")
    else:
        sampler_rank, classifier_rank = candidate.cost_rank()
        kind = (_KIND_NAMES[sampler_rank], "network" if classifier_rank else "scikit-learn")
    fixed, per_10k = COST_PER_10K_ROWS[kind]
    return fixed + per_10k * rows / 10_000


class Budget:
    """``retrain.auto.max_seconds`` over the candidates, cheapest kind first. Before a candidate starts, it is
    skipped when the budget is spent, when it is costlier in both over-sampler and classifier than one that already
    overran, or when its expected cost (``expected_seconds``, rescaled by the pace of the candidates run so far)
    would take it past the budget; after each of its folds, when its own folds so far say it would overrun. Each
    skip says which of these it was, with the figures."""

    def __init__(self, max_seconds: float | None, rows: int, clock: Callable[[], float] = time.perf_counter) -> None:
        self.max_seconds, self.rows, self.clock = max_seconds, rows, clock
        self.started = clock()
        self.overran: list[Candidate] = []
        self.paces: list[float] = []  # measured / expected seconds of each candidate scored to its end

    @property
    def spent(self) -> float:
        return self.clock() - self.started

    def expected(self, candidate: Candidate) -> float:
        pace = float(np.median(self.paces)) if self.paces else 1.0
        return expected_seconds(candidate, self.rows) * pace

    def expectation(self, candidate: Candidate) -> str:
        if self.max_seconds is None:
            return ""
        return f", expected about {self.expected(candidate):.0f} s ({self.spent:.0f} s of {self.max_seconds:g} s spent)"

    def skip(self, candidate: Candidate) -> str:
        if self.max_seconds is None:
            return ""
        where = f"the budget of {self.max_seconds:g} s (retrain.auto.max_seconds)"
        if self.spent >= self.max_seconds:
            return f"{where} was spent ({self.spent:.0f} s) before it could start"
        dearer_than = [c.name for c in self.overran if _at_least_as_costly(candidate, c)]
        if dearer_than:
            return f"at least as costly as {dearer_than[0]}, which would have run past {where}"
        expected, left = self.expected(candidate), self.max_seconds - self.spent
        if expected > left:
            return (f"expected to take about {expected:.0f} s, {left:.0f} s of {where} left (its kind's measured cost "
                    f"per 10,000 rows{', at this run' + chr(39) + 's pace' if self.paces else ''})")
        return ""

    def fold_check(self, candidate: Candidate):
        """After each fold: stop the candidate when its remaining folds would run past the budget."""
        before = self.spent

        def check(done: int, folds: int, _seconds: float) -> None:
            if self.max_seconds is None or done == folds:
                return
            expected = before + (self.spent - before) / done * folds
            if expected > self.max_seconds:
                self.overran.append(candidate)
                raise _BudgetSpent(f"stopped after {done} of its {folds} folds: they would end near {expected:.0f} s, "
                                   f"past the budget of {self.max_seconds:g} s (retrain.auto.max_seconds)")
        return check

    def ran(self, candidate: Candidate, started: float, finished: bool = True) -> float:
        seconds = self.clock() - started
        if finished:
            self.paces.append(seconds / max(expected_seconds(candidate, self.rows), 1e-9))
        return seconds


def _at_least_as_costly(candidate: Candidate, other: Candidate) -> bool:
    return all(a >= b for a, b in zip(candidate.cost_rank(), other.cost_rank()))


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


def choose(y: np.ndarray, scored: list[Scored], metric: str, min_improvement: float = 0.0, seed: int = 0,
           resamples: int = 500) -> tuple[Scored, str, list[dict[str, Any]]]:
    """The chosen candidate, why, and each candidate's comparison with the best (module docstring).

    The best is the highest honest cross-fitted ``metric`` (ties: the cheapest). A cheaper candidate is chosen in
    its place when its deficit is within one paired standard error of the difference (``paired_se``: the rows
    resampled, both candidates' calls on the same rows) or within ``min_improvement``: the cheapest such one. Cost
    breaks ties; it never keeps a candidate the rows show worse.
    """
    done = sorted((s for s in scored if not s.skipped), key=lambda s: (s.candidate.cost_rank(), s.seconds))
    if not done:
        raise ValueError("no candidate could be scored: " + "; ".join(f"{s.candidate.name}: {s.skipped}" for s in scored))
    best = max(done, key=lambda s: s.value)  # the first of equal values: the cheapest
    comparisons = []
    for other in (s for s in done if s is not best):
        se = paired_se(y, best, other, metric, seed, resamples)
        deficit = best.value - other.value
        comparisons.append({"candidate": other.candidate.name, "against": best.candidate.name,
                            "difference": -deficit, "se": se, "within": deficit <= max(se, min_improvement)})
    within = {c["candidate"] for c in comparisons if c["within"]}
    cheaper = [s for s in done[:done.index(best)] if s.candidate.name in within]
    skipped = [s for s in scored if s.skipped]
    left_out = f"; {len(skipped)} not scored ({', '.join(s.candidate.name for s in skipped)})" if skipped else ""
    if not comparisons:
        return best, f"{best.candidate.name}: the only candidate scored ({best.seconds:.1f} s){left_out}", comparisons
    if cheaper:
        chosen, gap = cheaper[0], next(c for c in comparisons if c["candidate"] == cheaper[0].candidate.name)
        return chosen, (f"{chosen.candidate.name}: within one paired standard error of the best, "
                        f"{best.candidate.name} ({gap['difference']:+.4f} {metric}, SE {gap['se']:.4f}), and cheaper"
                        f"{left_out}"), comparisons
    runner_up = max(comparisons, key=lambda c: c["difference"])
    return best, (f"{best.candidate.name}: the best cross-fitted {metric} {best.value:.4f}; no cheaper candidate "
                  f"within one paired standard error (closest: {runner_up['candidate']} {runner_up['difference']:+.4f}, "
                  f"SE {runner_up['se']:.4f}){left_out}"), comparisons


def paired_se(y: np.ndarray, first: Scored, second: Scored, metric: str, seed: int = 0, resamples: int = 500) -> float:
    """The bootstrap standard error of ``metric``(first) - ``metric``(second) on the same rows: rows resampled within
    each class, both candidates' honest out-of-fold calls (and probabilities) on each resample."""
    y = np.asarray(y).astype(int)
    rng = np.random.default_rng(seed)
    minority, majority = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    differences = []
    for _ in range(resamples):
        rows = np.r_[rng.choice(minority, len(minority)), rng.choice(majority, len(majority))]
        differences.append(metric_value(y[rows], first.probabilities[rows], first.calls[rows], metric)
                           - metric_value(y[rows], second.probabilities[rows], second.calls[rows], metric))
    return float(np.nanstd(differences, ddof=1))


__all__ = ["COST_PER_10K_ROWS", "Budget", "Candidate", "Scored", "bootstrap_interval", "choose", "expected_seconds",
           "paired_se", "score_candidates"]
