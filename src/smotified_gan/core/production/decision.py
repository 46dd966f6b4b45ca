"""Crown only what beats doing nothing, and then only what is shown better: the champion decision on a holdout.

Two one-sided tests, both paired on the same holdout rows, both at
``1 - confidence``:

- **No skill.** A model must beat the no-skill predictor: for a counting
  metric, calling every row minority (F1 ``2p / (1 + p)``, ``p`` the holdout's
  minority share; balanced accuracy 0.5; G-mean 0), by a bootstrap over the
  holdout's keys of ``metric(model) - metric(no skill)`` (each resample
  recomputes ``p``; a permutation test against a constant has no valid null: a
  model is exchangeable with a constant only if it is one), and its calls must
  carry information about the labels (an exact label-permutation test: given
  how many rows it calls minority, its hits are hypergeometric under no skill;
  a model that calls 8 rows at random hits one of 5 minority rows in 806 by
  luck 5% of the time, and beats calling everyone minority when it does); both
  p-values must be below ``1 - confidence``. For a
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

**Night after night** (the schedule is the unit of error control). A retrain
on a schedule compares a new challenger every night; tested each time at
``1 - confidence`` on the same holdout, an equally good one is crowned at least
once in most years, and the crowned model's holdout figure is inflated by its
selection. So the comparisons with one champion are *looks* at a growing
holdout: look ``j`` is made once, when the holdout rows neither model trained
on first hold ``min_holdout_minority * 2**(j-1)`` minority rows, at level
``(1 - confidence) / (j (j + 1))``; those levels sum to ``1 - confidence``
(alpha-spending over an unbounded sequence of looks, a union bound, valid
however the looks depend on each other: Tian & Ramdas 2021, "Online control of
the familywise error rate", whose simplest case this is). So an equally good
(or worse) challenger is crowned in at most ``1 - confidence`` of a champion's
reigns, however many nights they last, and at most that share of years under a
schedule in which no better model arrives. Between looks the champion stays
(the decision names the next look). The champion's reported figure is its
metric on the rows that arrived after its crown (``fresh``: never used to
choose it), with a bootstrap interval over keys (``bench/nightly_decisions.py``
measures all of it; ``production.schedule`` is its world).

Below ``min_holdout_minority`` holdout minority rows a champion is kept without a
test (too few rows to decide), and the decision says how many a decision needs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats

from smotified_gan.core.confusion import (
    COUNTING_METRICS,
    RANKING_METRICS,
    confusion_counts,
    counting_metric,
    metric_value,
    ranking_metric,
)

# Monte Carlo draws (and bootstrap resamples) where a test is not exact, and their seed: the defaults of
# ``retrain.decision.permutations`` and ``seed`` (``parameters.DecisionSettings`` takes them from here)
PERMUTATIONS, SEED = 2000, 0
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
    look: int = 0
    looks_spent: int = 0
    alpha: float | None = None
    next_look_minority: int | None = None
    challenger_interval: tuple[float, float] | None = None
    champion_fresh: float | None = None
    champion_interval: tuple[float, float] | None = None
    fresh_rows: int = 0
    fresh_minority_rows: int = 0
    detectable_gain: float | None = None

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
    index = _key_index(groups, rows)
    return index if index.max(initial=-1) + 1 < rows else None


def _swapped_by_key_test(y: np.ndarray, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
                         metric: str, permutations: int, seed: int, key: np.ndarray) -> PairedTest:
    """The paired permutation test with every key's rows swapped together (Monte Carlo)."""
    keys = int(key.max()) + 1
    rng = np.random.default_rng(seed)
    if metric in COUNTING_METRICS:
        return _swapped_counts_by_key_test(y, a, b, metric, permutations, rng, key, keys)
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


def _swapped_counts_by_key_test(y: np.ndarray, a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray],
                                 metric: str, permutations: int, rng: np.random.Generator, key: np.ndarray,
                                 keys: int) -> PairedTest:
    """The by-key swap for a counting metric. A key moves the metric only through its (tp, fp) under each model, and
    swapping it moves (tp, fp) by the same step for every key of one pattern: so only the keys where the two models
    differ are drawn, as Binomial(keys of the pattern, 1/2) swaps per pattern, the same null distribution as a coin
    per key at a cost that grows with the patterns, not the keys."""
    calls_a, calls_b = np.asarray(a[1]).astype(bool), np.asarray(b[1]).astype(bool)
    per_key = np.stack([np.bincount(key, weights=(calls & cls).astype(float), minlength=keys)
                        for calls in (calls_a, calls_b) for cls in (y, ~y)], axis=1)  # tp_a, fp_a, tp_b, fp_b
    step = per_key[:, 2:] - per_key[:, :2]  # what swapping the key moves a's (tp, fp) by
    moving = np.any(step != 0, axis=1)
    patterns, size = _patterns(step[moving])
    tp_a, fp_a, tp_b, fp_b = per_key.sum(axis=0)
    m, n0 = int(y.sum()), int((~y).sum())

    def difference(shift: np.ndarray) -> np.ndarray:
        tp1, fp1, tp2, fp2 = tp_a + shift[..., 0], fp_a + shift[..., 1], tp_b - shift[..., 0], fp_b - shift[..., 1]
        return (counting_metric(tp1, fp1, m - tp1, n0 - fp1, metric)
                - counting_metric(tp2, fp2, m - tp2, n0 - fp2, metric))

    observed = float(difference(np.zeros(2)))
    at_least, done = 0, 0
    chunk = max(1, _CHUNK_CELLS // max(len(size), 1))
    while done < permutations:
        draws = min(chunk, permutations - done)
        swapped = rng.binomial(size, 0.5, size=(draws, len(size)))
        null = np.nan_to_num(difference(swapped @ patterns), nan=-np.inf)
        at_least += int((null >= observed - 1e-12).sum())
        done += draws
    return PairedTest(observed, (1 + at_least) / (1 + permutations),
                      f"paired permutation by key ({permutations} draws, {keys} keys)",
                      int((moving & (np.bincount(key, weights=y.astype(float), minlength=keys) > 0)).sum()),
                      int((moving & (np.bincount(key, weights=(~y).astype(float), minlength=keys) > 0)).sum()))


def _draws(permutations: int | None, seed: int | None) -> tuple[int, int]:
    """Monte Carlo draws and seed, by default the decision's (``PERMUTATIONS``, ``SEED``: said here, once)."""
    return PERMUTATIONS if permutations is None else permutations, SEED if seed is None else seed


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
    observed = float(counting_metric(*confusion_counts(y, a), metric) - counting_metric(*confusion_counts(y, b), metric))
    at_least = np.nan_to_num(null, nan=-np.inf) >= observed - 1e-12
    p = float(np.sum(w1[:, None] * w0[None, :] * at_least))
    return PairedTest(observed, min(1.0, p), "exact paired permutation", d1, d0)


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
    return float(counting_metric(*confusion_counts(y, np.ones(len(y), dtype=bool)), metric))


def no_skill_test(y: np.ndarray, model: tuple[np.ndarray, np.ndarray], metric: str, permutations: int | None = None,
                  seed: int | None = None, groups: np.ndarray | None = None) -> PairedTest:
    """One-sided test that ``model`` (scores, calls) beats the no-skill predictor (``no_skill_value``) on ``metric``.

    Counting metrics: the larger p of a bootstrap over keys (``groups``; a key per row without them) of
    ``metric(model) - metric(calling every row minority)`` and the exact label-permutation (hypergeometric) test of
    its hits; ``permutations`` resamples. Ranking metrics: label permutation (ROC-AUC: Mann-Whitney's)."""
    permutations, seed = _draws(permutations, seed)
    y = np.asarray(y).astype(bool)
    if metric in COUNTING_METRICS:
        called = np.asarray(model[1]).astype(bool)
        per_key = _per_key_counts(y, called, groups)

        def gain(tp, fp, fn, tn, axis=-1):
            tp, fp, fn, tn = (a.sum(axis=axis) for a in (tp, fp, fn, tn))
            return counting_metric(tp, fp, fn, tn, metric) - counting_metric(tp + fn, fp + tn, 0 * tp, 0 * tn, metric)

        observed = float(gain(*per_key))
        draws = _bootstrap(per_key, gain, permutations, seed)
        boot_p = float((1 + np.sum(np.nan_to_num(draws, nan=-np.inf) <= 0)) / (1 + len(draws)))
        hits = int((called & y).sum())
        chance = float(stats.hypergeom.sf(hits - 1, len(y), int(y.sum()), int(called.sum())))
        keys = len(per_key[0])
        return PairedTest(observed, max(boot_p, chance),
                          f"bootstrap over {keys} keys ({len(draws)} resamples) and exact label permutation (the larger p)")
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


def _key_index(groups: np.ndarray | None, rows: int) -> np.ndarray:
    """Each row's key as an index 0..K-1 (a key per row without ``groups``)."""
    if groups is None:
        return np.arange(rows)
    key = np.unique(np.asarray(groups), return_inverse=True)[1]
    if len(key) != rows:
        raise ValueError(f"groups holds {len(key)} keys for {rows} rows")
    return key


def _per_key_counts(y: np.ndarray, called: np.ndarray, groups: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """tp, fp, fn, tn per key (``groups``; a key per row without them): what a bootstrap over keys resamples."""
    key = _key_index(groups, len(y))
    cells = (called & y, called & ~y, ~called & y, ~called & ~y)
    return tuple(np.bincount(key, weights=c.astype(float), minlength=int(key.max(initial=-1)) + 1) for c in cells)


def _bootstrap(per_key: tuple[np.ndarray, ...], statistic, resamples: int, seed: int) -> np.ndarray:
    """``statistic`` on ``resamples`` bootstrap resamples of the keys (a nonparametric bootstrap over keys).

    A counting metric sees a key only through its four counts, and most keys share a pattern (a key per row has
    one of four), so resampling K keys with replacement is drawing how many of each pattern: Multinomial(K, the
    patterns' shares), the same bootstrap distribution at a cost that does not grow with the keys."""
    counts = np.stack(per_key, axis=1)
    if len(counts) < 2:
        return np.full(resamples, np.nan)
    patterns, size = _patterns(counts)
    draws = np.random.default_rng(seed).multinomial(len(counts), size / len(counts), size=resamples)
    totals = draws @ patterns  # resamples x counts (tp, fp, fn, tn per model)
    return statistic(*(totals[:, i:i + 1] for i in range(counts.shape[1])))


def _independent_twin(y: np.ndarray, calls: np.ndarray, seed: int) -> np.ndarray:
    """Calls of a model as good as ``calls`` (its recall and false-alarm rate on these rows) whose errors are
    independent of its: the pair of equal models a test needs the most rows to tell apart, so that the power a
    decision states depends on the holdout and the champion, not on how much this challenger happens to agree."""
    y, calls = np.asarray(y).astype(bool), np.asarray(calls).astype(bool)
    rate = np.where(y, calls[y].mean() if y.any() else 0.0, calls[~y].mean() if (~y).any() else 0.0)
    return np.random.default_rng(seed).random(len(y)) < rate


def _patterns(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a matrix of small whole numbers and how often each occurs (``np.unique(axis=0)``, by one
    integer code per row: sorting codes is many times faster than sorting rows)."""
    if not len(rows):
        return rows.reshape(0, rows.shape[1]), np.zeros(0, dtype=np.int64)
    whole = np.rint(rows).astype(np.int64)
    low = whole.min(axis=0)
    radix = whole.max(axis=0) - low + 1
    if float(np.prod(radix.astype(float))) >= 2.0**62:
        return np.unique(rows, axis=0, return_counts=True)
    place = np.r_[np.cumprod(radix[::-1])[::-1][1:], 1]
    codes, first, size = np.unique((whole - low) @ place, return_index=True, return_counts=True)
    return rows[first], size


def detectable_gain(y: np.ndarray, a: np.ndarray, b: np.ndarray, metric: str, alpha: float, power: float = 0.8,
                    groups: np.ndarray | None = None, resamples: int = 2000, seed: int = 0) -> float | None:
    """The gain in a counting ``metric`` that a one-sided test at ``alpha`` detects with ``power`` on these rows, by
    the normal approximation ``(z(1 - alpha) + z(power)) * SE``, the SE of ``metric(a) - metric(b)`` from a bootstrap
    over keys of the two models' calls ``a`` and ``b`` (None for a ranking metric)."""
    if metric not in COUNTING_METRICS:
        return None
    y = np.asarray(y).astype(bool)
    per_key = _per_key_counts(y, np.asarray(a).astype(bool), groups) + _per_key_counts(y, np.asarray(b).astype(bool),
                                                                                        groups)

    def gain(*cells, axis=-1):
        sums = [c.sum(axis=axis) for c in cells]
        return counting_metric(*sums[:4], metric) - counting_metric(*sums[4:], metric)

    draws = _bootstrap(per_key, gain, resamples, seed)
    spread = float(np.nanstd(draws))
    if not np.isfinite(spread):
        return None
    return float((stats.norm.ppf(1 - alpha) + stats.norm.ppf(power)) * spread)


def metric_interval(y: np.ndarray, model: tuple[np.ndarray, np.ndarray], metric: str, confidence: float,
                    groups: np.ndarray | None = None, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """A two-sided ``confidence`` percentile bootstrap interval of one model's ``metric`` on these rows, resampling
    keys (``groups``) as a whole."""
    y = np.asarray(y).astype(bool)
    tail = (1 - confidence) / 2
    if metric in COUNTING_METRICS:
        def value(tp, fp, fn, tn, axis=-1):
            return counting_metric(*(a.sum(axis=axis) for a in (tp, fp, fn, tn)), metric)

        draws = _bootstrap(_per_key_counts(y, np.asarray(model[1]).astype(bool), groups), value, resamples, seed)
    else:
        key = _key_index(groups, len(y))
        members = [np.flatnonzero(key == k) for k in range(int(key.max(initial=-1)) + 1)]
        rng, scores = np.random.default_rng(seed), np.asarray(model[0], dtype=np.float64)
        draws = np.empty(min(resamples, 500))
        for i in range(len(draws)):
            rows = np.concatenate([members[k] for k in rng.integers(0, len(members), len(members))])
            draws[i] = ranking_metric(y[rows], scores[rows], metric) if 0 < y[rows].sum() < len(rows) else np.nan
    draws = draws[np.isfinite(draws)]
    if not len(draws):
        return (float("nan"), float("nan"))
    return float(np.quantile(draws, tail)), float(np.quantile(draws, 1 - tail))


def interval_text(interval) -> str:
    """``[low, high]`` to four places, or "" where there is no interval (too few rows)."""
    if interval is None or any(v is None or v != v for v in interval):
        return ""
    return f"[{interval[0]:.4f}, {interval[1]:.4f}]"


def look_level(fresh_minority: int, first_look: int) -> int:
    """The look that ``fresh_minority`` rows reach: 0 below ``first_look``, else ``j`` with
    ``first_look * 2**(j-1) <= fresh_minority < first_look * 2**j`` (module docstring)."""
    first_look = max(int(first_look), 1)
    return 0 if fresh_minority < first_look else int(np.floor(np.log2(fresh_minority / first_look))) + 1


def look_minority(look: int, first_look: int) -> int:
    """The fresh minority rows at which look ``look`` is made."""
    return max(int(first_look), 1) * 2 ** (look - 1)


def look_alpha(alpha: float, look: int) -> float:
    """Look ``look``'s share of ``alpha``: ``alpha / (look (look + 1))``, summing to ``alpha`` over all looks."""
    return alpha / (look * (look + 1))


def decide(y: np.ndarray, challenger: tuple[np.ndarray, np.ndarray], champion: tuple[np.ndarray, np.ndarray] | None,
           settings, champion_version: int | None = None, groups: np.ndarray | None = None,
           looks_spent: int = 0, fresh: np.ndarray | None = None) -> Decision:
    """Reject, keep or promote the challenger (module docstring); ``settings``: ``parameters.DecisionSettings``;
    ``groups``: the holdout rows' keys, whose rows the tests swap and resample together. With a champion:
    ``looks_spent``, the looks already made at it; ``fresh``, which rows arrived after its crown (None: all), on
    which its reported figure (``champion_fresh``) and interval are measured."""
    y = np.asarray(y).astype(int)
    scores, predicted = np.asarray(challenger[0]), np.asarray(challenger[1]).astype(int)
    alpha, metric = 1 - settings.confidence, settings.metric
    value = metric_value(y, scores, predicted, metric)
    skill = no_skill_test(y, (scores, predicted), metric, settings.permutations, settings.seed, groups)
    minority = int(y.sum())
    base = {"metric": metric, "challenger": value, "no_skill": no_skill_value(y, metric),
            "no_skill_p_value": skill.p_value, "confidence": settings.confidence,
            "min_improvement": settings.min_improvement, "holdout_rows": int(len(y)),
            "holdout_minority_rows": minority, "challenger_minority_predicted": int(predicted.sum()),
            "min_holdout_minority": settings.min_holdout_minority,
            "underpowered": bool(minority < settings.min_holdout_minority), "looks_spent": int(looks_spent),
            "challenger_interval": metric_interval(y, (scores, predicted), metric, settings.confidence, groups,
                                                   settings.permutations, settings.seed)}
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
    return _at_a_look(y, (scores, predicted), champion, settings, base, champion_version, groups, looks_spent, fresh)


def _at_a_look(y: np.ndarray, challenger: tuple[np.ndarray, np.ndarray], champion: tuple[np.ndarray, np.ndarray],
               settings, base: dict, champion_version: int | None, groups: np.ndarray | None, looks_spent: int,
               fresh: np.ndarray | None) -> Decision:
    """A challenger that beats no skill against the champion: kept below the first look and between looks,
    otherwise the look's paired test at its level (module docstring)."""
    metric, minority, first = settings.metric, base["holdout_minority_rows"], settings.min_holdout_minority
    champion_calls = (np.asarray(champion[0]), np.asarray(champion[1]).astype(int))
    champion_value = metric_value(y, *champion_calls, metric)
    look = look_level(minority, first)
    known = {"champion": champion_value, "champion_version": champion_version,
             "difference": base["challenger"] - champion_value,
             **_fresh_figure(y, champion_calls, settings, groups, fresh), "look": look,
             "next_look_minority": look_minority(max(look, looks_spent) + 1, first)}
    if base["underpowered"]:
        return Decision("keep", f"the holdout holds {minority} minority rows, fewer than the {first} its first look "
                                "needs (retrain.decision.min_holdout_minority): the champion stays", **known, **base)
    if look <= looks_spent:
        return Decision("keep", f"look {looks_spent} at this champion is made; look {looks_spent + 1} comes when the "
                                f"holdout holds {known['next_look_minority']} minority rows (now {minority}): the "
                                "champion stays", **known, **base)
    alpha = 1 - settings.confidence
    level = look_alpha(alpha, look)
    known["detectable_gain"] = detectable_gain(y, _independent_twin(y, champion_calls[1], settings.seed),
                                               champion_calls[1], metric, level, 0.8, groups, settings.permutations,
                                               settings.seed)
    draws = max(settings.permutations, int(np.ceil(20 / level)))
    test = paired_permutation_test(y, challenger, champion_calls, metric, draws, settings.seed, groups)
    promote = test.p_value < level and test.difference > settings.min_improvement
    power = ("" if known["detectable_gain"] is None else
             f"; at this look a gain of {known['detectable_gain']:+.3f} is detected with 80% power (against a model "
             "whose errors are independent of the champion's)")
    reason = (f"look {look}: {metric} {test.difference:+.4f} over the champion, {test.method} p = {test.p_value:.4g} "
              f"({'<' if test.p_value < level else '>='} {level:.4g} = {alpha:.2f}/{look * (look + 1)}), required "
              f"gain {settings.min_improvement:+.4f}{'' if promote else ': not shown better'}{power}")
    return Decision("promote" if promote else "keep", reason, test=test.method, p_value=test.p_value, alpha=level,
                    **known, **base)


def _fresh_figure(y: np.ndarray, calls: tuple[np.ndarray, np.ndarray], settings, groups: np.ndarray | None,
                  fresh: np.ndarray | None) -> dict:
    """The champion's metric and interval on the rows that arrived after its crown (never used to choose it), and
    how many; None where no minority row has arrived since."""
    fresh = np.ones(len(y), dtype=bool) if fresh is None else np.asarray(fresh, dtype=bool)
    held = {"fresh_rows": int(fresh.sum()), "fresh_minority_rows": int(y[fresh].sum())}
    if not y[fresh].any():
        return {**held, "champion_fresh": None, "champion_interval": None}
    mine = (calls[0][fresh], calls[1][fresh])
    return {**held, "champion_fresh": metric_value(y[fresh], *mine, settings.metric),
            "champion_interval": metric_interval(y[fresh], mine, settings.metric, settings.confidence,
                                                 None if groups is None else np.asarray(groups)[fresh],
                                                 settings.permutations, settings.seed)}


def _no_skill_name(metric: str) -> str:
    return "a ranking that ignores the features" if metric in RANKING_METRICS else "calling every row minority"


__all__ = ["Decision", "PairedTest", "decide", "detectable_gain", "interval_text", "look_alpha", "look_level", "look_minority",
           "metric_interval",
           "no_skill_test", "no_skill_value", "paired_permutation_test"]
