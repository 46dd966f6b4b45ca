"""Crown only what beats doing nothing, and then only what is shown better: the champion decision on a holdout.

Two one-sided tests, both paired on the same holdout rows, both at
``1 - confidence``:

- **No skill.** A model must beat the no-skill predictor: for a counting
  metric, calling every row minority (F1 ``2p / (1 + p)``, ``p`` the holdout's
  minority share; balanced accuracy 0.5; G-mean 0), by the paired permutation
  test below, and its calls must carry information about the labels (an exact
  label-permutation test: given how many rows it calls minority, its hits are
  hypergeometric under no skill; a model that calls 8 rows at random hits one
  of 5 minority rows in 806 by luck 5% of the time, and beats calling everyone
  minority when it does); both p-values must be below ``1 - confidence``. For a
  ranking metric, a ranking that ignores the features (PR-AUC ``p``, ROC-AUC
  0.5), by a label-permutation test (ROC-AUC: Mann-Whitney's). A first model
  (or a new lineage's) that fails it is rejected: registered without the
  alias, the job exits non-zero.
- **Better than the champion.** A paired permutation test (approximate
  randomisation): under "the two models are equally good" each row's pair of
  calls is exchangeable, so swapping them row by row draws the null
  distribution of ``metric(challenger) - metric(champion)``. For a counting
  metric only the rows where the calls differ move: per class, the challenger's
  hits among them are Binomial(discordant, 1/2), so the p-value is an exact
  sum over a two-way binomial grid (the tails beyond 10 standard deviations,
  under 1e-20, left out). With 5 minority rows and a challenger that catches 2
  more, p = 0.25, where a bootstrap could not draw the disagreement it had not
  seen. Ranking metrics swap the two models' rank-scores (Monte Carlo).

Below ``min_holdout_minority`` minority rows a champion is kept without a test
(too few rows to decide), and the decision says how many a decision needs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from smotified_gan.confusion import COUNTING_METRICS, RANKING_METRICS, counting_metric, metric_value, ranking_metric

# the binomial grid keeps this many standard deviations on each side of its centre (the rest has mass < 1e-20)
_GRID_SDS = 10.0
# Monte Carlo: rows x draws per chunk, to bound memory
_CHUNK_CELLS = 20_000_000


@dataclass(frozen=True)
class PairedTest:
    """A one-sided paired test of ``metric(a) - metric(b)``: the observed difference and its p-value."""

    difference: float
    p_value: float
    method: str
    discordant_minority: int = 0
    discordant_majority: int = 0


@dataclass
class Decision:
    """What was decided and on what evidence; ``outcome``: promote, keep or reject."""

    outcome: str
    reason: str
    metric: str
    challenger: float
    no_skill: float
    no_skill_p_value: float
    confidence: float
    min_improvement: float
    test: str = ""
    champion: float | None = None
    champion_version: int | None = None
    difference: float | None = None
    p_value: float | None = None
    holdout_rows: int = 0
    holdout_minority_rows: int = 0
    challenger_minority_predicted: int = 0
    min_holdout_minority: int = 0
    underpowered: bool = False

    @property
    def promote(self) -> bool:
        return self.outcome == "promote"

    def to_dict(self) -> dict:
        return {**asdict(self), "promote": self.promote}


def paired_permutation_test(y: np.ndarray, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
                            metric: str, permutations: int | None = None, seed: int | None = None,
                            groups: np.ndarray | None = None) -> PairedTest:
    """One-sided paired permutation test that ``a`` scores higher than ``b`` on ``metric`` (module docstring).

    ``a`` and ``b`` are (scores, 0/1 calls) on the rows of ``y``. Exact for the
    counting metrics; ``permutations`` Monte Carlo swaps for the ranking ones (None: ``DecisionSettings``'s).
    ``groups``: each row's key (the holdout's ``row_key``). Rows that share a key are not independent (one
    customer's rows), so under the null they swap together: with any key holding two or more rows the swaps are
    drawn per key (``permutations`` Monte Carlo draws, for the counting metrics too); a key per row is the
    row-by-row test.
    """
    permutations, seed = _draws(permutations, seed)
    y = np.asarray(y).astype(bool)
    if metric not in COUNTING_METRICS + RANKING_METRICS:
        raise ValueError(f"metric must be one of {COUNTING_METRICS + RANKING_METRICS}, got {metric!r}")
    keyed = _keyed(groups, len(y))
    if keyed is not None:
        return _swapped_by_key_test(y, a, b, metric, permutations, seed, keyed)
    if metric in COUNTING_METRICS:
        return _exact_counting_test(y, np.asarray(a[1]).astype(bool), np.asarray(b[1]).astype(bool), metric)
    return _swapped_ranking_test(y, _rank_scores(a[0]), _rank_scores(b[0]), metric, permutations, seed)


def _keyed(groups: np.ndarray | None, rows: int) -> np.ndarray | None:
    """Each row's key as an index 0..K-1, or None where no key holds two rows (the row-by-row tests apply)."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    if len(groups) != rows:
        raise ValueError(f"groups holds {len(groups)} keys for {rows} rows")
    _, index = np.unique(groups, return_inverse=True)
    return index if index.max(initial=-1) + 1 < rows else None


def _swapped_by_key_test(y: np.ndarray, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
                         metric: str, permutations: int, seed: int, key: np.ndarray) -> PairedTest:
    """The paired permutation test with every key's rows swapped together (Monte Carlo)."""
    keys = int(key.max()) + 1
    rng = np.random.default_rng(seed)
    if metric in COUNTING_METRICS:
        calls_a, calls_b = np.asarray(a[1]).astype(bool), np.asarray(b[1]).astype(bool)
        per_key = [np.bincount(key, weights=(calls & cls).astype(float), minlength=keys)
                   for calls in (calls_a, calls_b) for cls in (y, ~y)]  # tp_a, fp_a, tp_b, fp_b per key
        tp_a, fp_a, tp_b, fp_b = per_key
        m, n0 = int(y.sum()), int((~y).sum())

        def difference(swap: np.ndarray) -> np.ndarray:
            tp1, fp1 = np.where(swap, tp_b, tp_a).sum(axis=-1), np.where(swap, fp_b, fp_a).sum(axis=-1)
            tp2, fp2 = np.where(swap, tp_a, tp_b).sum(axis=-1), np.where(swap, fp_a, fp_b).sum(axis=-1)
            return (counting_metric(tp1, fp1, m - tp1, n0 - fp1, metric)
                    - counting_metric(tp2, fp2, m - tp2, n0 - fp2, metric))
    else:
        ranked_a, ranked_b = _rank_scores(a[0]), _rank_scores(b[0])

        def difference(swap: np.ndarray) -> np.ndarray:
            rows = swap[..., key]
            return (ranking_metric(y, np.where(rows, ranked_b, ranked_a), metric)
                    - ranking_metric(y, np.where(rows, ranked_a, ranked_b), metric))
    observed = float(difference(np.zeros(keys, dtype=bool)))
    at_least, done = 0, 0
    chunk = max(1, _CHUNK_CELLS // max(len(y), 1))
    while done < permutations:
        draws = min(chunk, permutations - done)
        null = np.nan_to_num(difference(rng.random((draws, keys)) < 0.5), nan=-np.inf)
        at_least += int((null >= observed - 1e-12).sum())
        done += draws
    return PairedTest(observed, (1 + at_least) / (1 + permutations),
                      f"paired permutation by key ({permutations} draws, {keys} keys)")


def _draws(permutations: int | None, seed: int | None) -> tuple[int, int]:
    """Monte Carlo draws and seed, by default the decision's (``parameters.DecisionSettings``: said once)."""
    from smotified_gan.parameters import DecisionSettings

    defaults = DecisionSettings()
    return (defaults.permutations if permutations is None else permutations,
            defaults.seed if seed is None else seed)


def _exact_counting_test(y: np.ndarray, a: np.ndarray, b: np.ndarray, metric: str) -> PairedTest:
    """Per class, the challenger's calls on the rows where the two differ are what swapping moves: the count of
    them that land on the challenger's side is Binomial(discordant, 1/2); sum the null over both classes' grid."""
    minority, majority = y, ~y
    both_minority, both_majority = int((a & b & minority).sum()), int((a & b & majority).sum())
    d1, d0 = int(((a != b) & minority).sum()), int(((a != b) & majority).sum())
    s1, w1 = _binomial_support(d1)
    s0, w0 = _binomial_support(d0)
    m, n0 = int(minority.sum()), int(majority.sum())
    tp_a, fp_a = both_minority + s1[:, None], both_majority + s0[None, :]
    tp_b, fp_b = both_minority + d1 - s1[:, None], both_majority + d0 - s0[None, :]
    null = (counting_metric(tp_a, fp_a, m - tp_a, n0 - fp_a, metric)
            - counting_metric(tp_b, fp_b, m - tp_b, n0 - fp_b, metric))
    observed = float(counting_metric(*_counts(y, a), metric) - counting_metric(*_counts(y, b), metric))
    at_least = np.nan_to_num(null, nan=-np.inf) >= observed - 1e-12
    p = float(np.sum(w1[:, None] * w0[None, :] * at_least))
    return PairedTest(observed, min(1.0, p), "exact paired permutation", d1, d0)


def _counts(y: np.ndarray, called: np.ndarray) -> tuple[int, int, int, int]:
    tp, fp = int((called & y).sum()), int((called & ~y).sum())
    return tp, fp, int(y.sum()) - tp, int((~y).sum()) - fp


def _binomial_support(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The values of Binomial(n, 1/2) within ``_GRID_SDS`` standard deviations of n/2, and their probabilities."""
    half_width = int(np.ceil(_GRID_SDS * np.sqrt(n) / 2))
    values = np.arange(max(0, n // 2 - half_width), min(n, n // 2 + half_width + 1) + 1)
    values = values[values <= n]
    return values, stats.binom.pmf(values, n, 0.5)


def _rank_scores(scores: np.ndarray) -> np.ndarray:
    """Scores as their rank among the rows, in (0, 1]: two models' scores on one scale, their rankings unchanged."""
    scores = np.asarray(scores, dtype=np.float64)
    return stats.rankdata(scores) / len(scores)


def _swapped_ranking_test(y: np.ndarray, a: np.ndarray, b: np.ndarray, metric: str, permutations: int,
                          seed: int) -> PairedTest:
    observed = float(ranking_metric(y, a, metric) - ranking_metric(y, b, metric))
    rng = np.random.default_rng(seed)
    at_least, done = 0, 0
    chunk = max(1, _CHUNK_CELLS // max(len(y), 1))
    while done < permutations:
        draws = min(chunk, permutations - done)
        swap = rng.random((draws, len(y))) < 0.5
        null = ranking_metric(y, np.where(swap, b, a), metric) - ranking_metric(y, np.where(swap, a, b), metric)
        at_least += int((null >= observed - 1e-12).sum())
        done += draws
    return PairedTest(observed, (1 + at_least) / (1 + permutations), f"paired permutation ({permutations} draws)")


def no_skill_value(y: np.ndarray, metric: str) -> float:
    """The metric of the no-skill predictor on these rows: every row called minority (counting metrics), or a
    ranking that ignores the features (PR-AUC: the minority share; ROC-AUC: 0.5)."""
    y = np.asarray(y).astype(bool)
    if metric == "pr_auc":
        return float(y.mean())
    if metric == "roc_auc":
        return 0.5
    return float(counting_metric(*_counts(y, np.ones(len(y), dtype=bool)), metric))


def no_skill_test(y: np.ndarray, model: tuple[np.ndarray, np.ndarray], metric: str, permutations: int | None = None,
                  seed: int | None = None, groups: np.ndarray | None = None) -> PairedTest:
    """One-sided test that ``model`` (scores, calls) beats the no-skill predictor (``no_skill_value``) on ``metric``
    (``groups``: the rows' keys; the paired part swaps a key's rows together, ``paired_permutation_test``)."""
    permutations, seed = _draws(permutations, seed)
    y = np.asarray(y).astype(bool)
    if metric in COUNTING_METRICS:
        called = np.asarray(model[1]).astype(bool)
        everything = np.ones(len(y), dtype=bool)
        paired = (_exact_counting_test(y, called, everything, metric) if _keyed(groups, len(y)) is None else
                  paired_permutation_test(y, (model[0], called), (everything.astype(float), everything), metric,
                                          permutations, seed, groups))
        hits = int((called & y).sum())
        chance = float(stats.hypergeom.sf(hits - 1, len(y), int(y.sum()), int(called.sum())))
        return PairedTest(paired.difference, max(paired.p_value, chance),
                          f"{paired.method} and exact label permutation (the larger p)",
                          paired.discordant_minority, paired.discordant_majority)
    scores = np.asarray(model[0], dtype=np.float64)
    observed = float(ranking_metric(y, scores, metric)) - no_skill_value(y, metric)
    if metric == "roc_auc":
        p = float(stats.mannwhitneyu(scores[y], scores[~y], alternative="greater").pvalue)
        return PairedTest(observed, p, "Mann-Whitney (label permutation)")
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // max(len(y), 1))
    value, at_least, done = observed + no_skill_value(y, metric), 0, 0
    while done < permutations:
        draws = min(chunk, permutations - done)
        shuffled = np.stack([scores[rng.permutation(len(y))] for _ in range(draws)])
        at_least += int((ranking_metric(y, shuffled, metric) >= value - 1e-12).sum())
        done += draws
    return PairedTest(observed, (1 + at_least) / (1 + permutations), f"label permutation ({permutations} draws)")


def decide(y: np.ndarray, challenger: tuple[np.ndarray, np.ndarray], champion: tuple[np.ndarray, np.ndarray] | None,
           settings, champion_version: int | None = None, groups: np.ndarray | None = None) -> Decision:
    """Reject, keep or promote the challenger (module docstring); ``settings``: ``parameters.DecisionSettings``;
    ``groups``: the holdout rows' keys, whose rows the tests swap together."""
    y = np.asarray(y).astype(int)
    scores, predicted = np.asarray(challenger[0]), np.asarray(challenger[1]).astype(int)
    alpha, metric = 1 - settings.confidence, settings.metric
    value = metric_value(y, scores, predicted, metric)
    skill = no_skill_test(y, (scores, predicted), metric, settings.permutations, settings.seed, groups)
    base = {"metric": metric, "challenger": value, "no_skill": no_skill_value(y, metric),
            "no_skill_p_value": skill.p_value, "confidence": settings.confidence,
            "min_improvement": settings.min_improvement, "holdout_rows": int(len(y)),
            "holdout_minority_rows": int(y.sum()), "challenger_minority_predicted": int(predicted.sum()),
            "min_holdout_minority": settings.min_holdout_minority,
            "underpowered": bool(y.sum() < settings.min_holdout_minority)}
    if predicted.sum() == 0:
        return Decision("reject", f"the new model calls none of the {len(y)} holdout rows minority", **base)
    if value < settings.min_metric:
        return Decision("reject", f"holdout {metric} {value:.4f} is below retrain.decision.min_metric "
                                  f"{settings.min_metric}", **base)
    if not (value > base["no_skill"] and skill.p_value < alpha):
        return Decision("reject", f"holdout {metric} {value:.4f} is not shown better than no skill "
                                  f"({_no_skill_name(metric)}: {base['no_skill']:.4f}; {skill.method} p = "
                                  f"{skill.p_value:.4f}, needs < {alpha:.2f})", test=skill.method, **base)
    if champion is None:
        return Decision("promote", f"no champion yet, and it beats no skill ({_no_skill_name(metric)}: "
                                   f"{base['no_skill']:.4f}; {skill.method} p = {skill.p_value:.4f})",
                        test=skill.method, **base)
    champion_value = metric_value(y, np.asarray(champion[0]), np.asarray(champion[1]), metric)
    known = {"champion": champion_value, "champion_version": champion_version, "difference": value - champion_value}
    if base["underpowered"]:
        return Decision("keep", f"the holdout holds {int(y.sum())} minority rows, fewer than the "
                                f"{settings.min_holdout_minority} a decision needs "
                                "(retrain.decision.min_holdout_minority): the champion stays", **known, **base)
    test = paired_permutation_test(y, (scores, predicted), champion, metric, settings.permutations, settings.seed,
                                   groups)
    promote = test.p_value < alpha and test.difference > settings.min_improvement
    reason = (f"{metric} {test.difference:+.4f} over the champion, {test.method} p = {test.p_value:.4f} "
              f"({'<' if test.p_value < alpha else '>='} {alpha:.2f}), required gain {settings.min_improvement:+.4f}"
              f"{'' if promote else ': not shown better'}")
    return Decision("promote" if promote else "keep", reason, test=test.method, p_value=test.p_value, **known, **base)


def _no_skill_name(metric: str) -> str:
    return "a ranking that ignores the features" if metric in RANKING_METRICS else "calling every row minority"


__all__ = ["Decision", "PairedTest", "decide", "no_skill_test", "no_skill_value", "paired_permutation_test"]
