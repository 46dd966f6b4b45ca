"""Classification metrics per run, their aggregation, significance tests and synthetic-row quality.

The minority class is the positive class throughout.
"""

from __future__ import annotations

import math
import multiprocessing

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from smotified_gan.core.confusion import confusion_counts, counting_metric, ranking_metric

RUN_METRICS = ("train_accuracy", "test_accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "g_mean",
           "balanced_accuracy", "pr_auc_normalized")
# the metrics that depend on a threshold, each also reported at the tuned one as ``<metric>_tuned``
THRESHOLD_DEPENDENT = ("test_accuracy", "precision", "recall", "f1", "g_mean", "balanced_accuracy")
# the level of the report's tests (Holm, Nemenyi, power), said once: parameters.py's default is this
ALPHA = 0.05
TUNED_METRICS = tuple(f"{metric}_tuned" for metric in THRESHOLD_DEPENDENT)
ALL_METRICS = RUN_METRICS + TUNED_METRICS


def g_mean(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Geometric mean of the recall of each class (NaN with one class): ``confusion.counting_metric``'s."""
    return float(counting_metric(*confusion_counts(y_true, y_pred), "g_mean"))


def run_metrics(y_test: np.ndarray, test_scores: np.ndarray, y_train: np.ndarray, train_scores: np.ndarray,
                threshold: float = 0.5) -> dict[str, float]:
    """Every metric of one trained classifier, from its scores on the test and training rows."""
    return runs_metrics(y_test, np.asarray(test_scores)[None], y_train, np.asarray(train_scores)[None], threshold)[0]


def runs_metrics(y_test: np.ndarray, test_scores: np.ndarray, y_train: np.ndarray, train_scores: np.ndarray,
                 threshold: float = 0.5, tuned_calls: np.ndarray | None = None) -> list[dict[str, float]]:
    """``run_metrics`` of many runs at once: scores are (runs, rows), every metric from ``smotified_gan.core.confusion``
    (one answer where a metric is undefined: its module docstring).

    ``pr_auc_normalized``: (AP - p) / (1 - p), p the test rows' minority share (0 = no skill, 1 = perfect), so
    tables of different minority shares compare. ``tuned_calls`` (runs, rows): the 0/1 calls at each run's tuned
    threshold, scored as ``<metric>_tuned`` for every threshold-dependent metric.
    """
    test_scores, train_scores = np.asarray(test_scores), np.asarray(train_scores)
    counts = confusion_counts(y_test, test_scores > threshold)
    train_counts = confusion_counts(y_train, train_scores > threshold)
    share = float(np.mean(y_test)) if len(y_test) else float("nan")
    average_precision = ranking_metric(y_test, test_scores, "pr_auc")
    values = {"train_accuracy": counting_metric(*train_counts, "accuracy"),
              "test_accuracy": counting_metric(*counts, "accuracy"),
              **{name: counting_metric(*counts, name) for name in ("precision", "recall", "f1", "g_mean",
                                                                  "balanced_accuracy")},
              "roc_auc": ranking_metric(y_test, test_scores, "roc_auc"), "pr_auc": average_precision,
              "pr_auc_normalized": (average_precision - share) / (1 - share) if share < 1 else average_precision * np.nan}
    names = list(RUN_METRICS)
    if tuned_calls is not None:
        tuned = confusion_counts(y_test, np.asarray(tuned_calls))
        values.update({f"{name}_tuned": counting_metric(*tuned, "accuracy" if name == "test_accuracy" else name)
                       for name in THRESHOLD_DEPENDENT})
        names += list(TUNED_METRICS)
    return [{name: float(np.broadcast_to(values[name], (len(test_scores),))[run]) for name in names}
            for run in range(len(test_scores))]


def aggregate_runs(per_run: pd.DataFrame) -> pd.DataFrame:
    """Per metric: the first repeat's mean, std (numpy's, ddof=0) and best over its runs; the spread over repeats.

    ``mean``/``std``/``best``/``runs``: the paper's layout (one split, many
    classifier runs), on the first repeat. ``repeat_mean``/``repeat_std``
    (ddof=1; NaN with one repeat): over the per-repeat means, the quantity
    whose spread includes the split and the augmentation. Without a ``repeat``
    column everything is one repeat.
    """
    per_run = per_run if "repeat" in per_run.columns else per_run.assign(repeat=0)
    first = per_run[per_run["repeat"] == per_run["repeat"].min()]
    metrics = [m for m in ALL_METRICS if m in per_run.columns]
    per_repeat = per_run.groupby("repeat")[metrics].mean()
    rows = []
    for metric in metrics:
        values = first[metric].to_numpy(dtype=float)
        means = per_repeat[metric].dropna().to_numpy(dtype=float)
        rows.append({"metric": metric, "mean": float(np.nanmean(values)), "std": float(np.nanstd(values)),
                     "best": float(np.nanmax(values)), "runs": int(np.isfinite(values).sum()),
                     "repeat_mean": float(means.mean()) if len(means) else float("nan"),
                     "repeat_std": float(means.std(ddof=1)) if len(means) > 1 else float("nan"),
                     "repeats": len(means)})
    return pd.DataFrame(rows)


def repeat_means(per_run: pd.DataFrame, metric: str = "f1") -> pd.DataFrame:
    """The mean of ``metric`` over each repeat's classifier runs: one row per (dataset, method, repeat)."""
    return per_run.groupby(["dataset", "method", "repeat"], as_index=False)[metric].mean()


def corrected_resampled_t_test(differences: np.ndarray, test_train_ratio: float) -> tuple[float, float]:
    """Nadeau and Bengio's corrected resampled t-test on per-repeat differences: (t, two-sided p).

    The repeats' training sets overlap, so the plain t-test's variance
    ``s^2 / R`` is too small; the correction uses ``(1/R + n_test/n_train) s^2``
    (Nadeau & Bengio, Machine Learning 52, 2003), with R - 1 degrees of freedom.
    ``test_train_ratio = 0`` is the plain paired t-test (repeats on one fixed
    split). The same non-zero difference in every repeat has no spread: t is
    infinite and p is the exact sign test's (``exact_sign_p``: 0.0625 with 5
    repeats, the least any test on 5 paired repeats can give), never 0.
    """
    differences = np.asarray(differences, dtype=float)
    repeats = len(differences)
    if repeats < 2:
        return float("nan"), float("nan")
    mean, variance = differences.mean(), differences.var(ddof=1)
    if variance == 0:
        return (0.0, 1.0) if mean == 0 else (math.copysign(math.inf, mean), exact_sign_p(differences))
    t = mean / np.sqrt((1 / repeats + test_train_ratio) * variance)
    return float(t), float(2 * stats.t.sf(abs(t), repeats - 1))


def exact_sign_p(differences: np.ndarray) -> float:
    """The exact two-sided sign test of paired differences (zeros dropped; scipy's binomial test): 1 without any."""
    differences = np.asarray(differences, dtype=float)
    nonzero = differences[differences != 0]
    if not len(nonzero):
        return 1.0
    return float(stats.binomtest(int((nonzero > 0).sum()), len(nonzero), 0.5).pvalue)


def corrected_interval(differences: np.ndarray, test_train_ratio: float,
                       confidence: float = 0.95) -> tuple[float, float]:
    """The ``confidence`` interval of the mean per-repeat difference with Nadeau and Bengio's corrected variance
    (the interval the corrected resampled t-test inverts; NaN with fewer than 2 repeats)."""
    differences = np.asarray(differences, dtype=float)
    repeats = len(differences)
    if repeats < 2:
        return float("nan"), float("nan")
    half = stats.t.ppf((1 + confidence) / 2, repeats - 1) * np.sqrt(
        (1 / repeats + test_train_ratio) * differences.var(ddof=1))
    return float(differences.mean() - half), float(differences.mean() + half)


def corrected_t_power(effect: float, repeats: int, test_train_ratio: float, alpha: float = ALPHA) -> float:
    """The power of the two-sided corrected resampled t-test at ``alpha`` against a true mean difference of
    ``effect`` standard deviations of the per-repeat differences (scipy's noncentral t)."""
    if repeats < 2:
        return float("nan")
    df = repeats - 1
    noncentrality = effect / math.sqrt(1 / repeats + test_train_ratio)
    critical = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(critical, df, noncentrality) + stats.nct.cdf(-critical, df, noncentrality))


def holm(p_values) -> np.ndarray:
    """Holm-Bonferroni adjusted p-values (statsmodels' ``multipletests``); NaN stays NaN and does not count as a test."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        adjusted[finite] = multipletests(p[finite], method="holm")[1]
    return adjusted


def compare_over_repeats(per_run: pd.DataFrame, reference: str, metric: str, test_train_ratio: dict[str, float],
                         alpha: float = ALPHA, fixed_split: set[str] | frozenset = frozenset()) -> pd.DataFrame:
    """Per dataset, ``reference`` against each other method on the per-repeat means of ``metric``.

    The unit of replication is the repeat (its own split, preprocessing, first
    phase and GAN); the classifier runs within a repeat share that
    augmentation and are averaged. Corrected resampled t-test per comparison
    (the plain paired t-test for the datasets in ``fixed_split``, which keep
    their own split files in every repeat: their repeats' training sets are the
    same, not overlapping resamples), Holm-adjusted over all comparisons;
    ``ci_low``/``ci_high``: the corrected 95% interval of ``mean_difference``
    (reference - method).
    """
    means = repeat_means(per_run, metric)
    rows = []
    for dataset, group in means.groupby("dataset", sort=True):
        table = group.pivot_table(index="repeat", columns="method", values=metric)
        if reference not in table:
            continue
        fixed = dataset in fixed_split
        for method in [c for c in table.columns if c != reference]:
            pair = table[[reference, method]].dropna()
            difference = (pair[reference] - pair[method]).to_numpy()
            ratio = 0.0 if fixed else test_train_ratio[dataset]
            t, p = corrected_resampled_t_test(difference, ratio)
            low, high = corrected_interval(difference, ratio)
            rows.append({"dataset": dataset, "method": reference, "versus": method, "metric": metric,
                         "mean_difference": float(difference.mean()) if len(difference) else float("nan"),
                         "ci_low": low, "ci_high": high,
                         "std_difference": float(difference.std(ddof=1)) if len(difference) > 1 else float("nan"),
                         "repeats": len(difference), "df": max(len(difference) - 1, 0),
                         "test": "paired t (fixed split)" if fixed else "corrected resampled t", "t": t, "p_value": p})
    columns = ["dataset", "method", "versus", "metric", "mean_difference", "ci_low", "ci_high", "std_difference",
               "repeats", "df", "test", "t", "p_value"]
    table = pd.DataFrame(rows, columns=columns)
    table["p_holm"] = holm(table["p_value"]) if len(table) else []
    table["significant"] = table["p_holm"] < alpha
    return table


def compare_across_tables(summary: pd.DataFrame, reference: str, metric: str, rope: float, alpha: float = ALPHA,
                          value: str = "repeat_mean", confidence: float = 0.95, seed: int = 0,
                          samples: int = 20000) -> pd.DataFrame:
    """Each method against ``reference`` over the tables, on each table's ``value`` of ``metric``.

    Per method (``difference`` = method - reference, one per table where both
    ran): scipy's Wilcoxon signed-rank test (two-sided, zero differences
    dropped), Holm-adjusted over the methods; baycomp's Bayesian signed-rank
    test (Benavoli et al., JMLR 18, 2017) with a region of practical
    equivalence of +-``rope``: ``p_better``, ``p_equivalent``, ``p_worse``
    (posterior probabilities that the method is better than the reference by
    more than ``rope``, within it, worse by more than it: the share of the
    posterior's draws in each region); ``hodges_lehmann`` with ``hl_low`` and
    ``hl_high``: the shift's estimate and its ``confidence`` interval
    (``hodges_lehmann``); ``power``: the Wilcoxon's power to detect a shift of
    ``rope`` with these many tables at Holm's most stringent level over the
    methods compared, alpha / m (``wilcoxon_power``: ties kept as ties).
    ``verdict`` (``verdict``): better / worse (Holm p < ``alpha``), equivalent
    within +-rope (P(equivalent) >= ``confidence``), or not shown.
    """
    table = summary[summary["metric"] == metric].pivot_table(index="dataset", columns="method", values=value)
    methods = [c for c in table.columns if c != reference] if reference in table.columns else []
    rows = [_across_row(table[[reference, method]].dropna(), reference, method, metric, value, rope, alpha / max(1, len(methods)),
                        confidence, seed, samples) for method in methods]
    columns = ["method", "versus", "metric", "value", "tables", "mean_difference", "median_difference", "wins",
               "losses", "p_value", "p_holm", "rope", "p_better", "p_equivalent", "p_worse", "hodges_lehmann", "hl_low",
               "hl_high", "power", "verdict"]
    frame = pd.DataFrame(rows, columns=[c for c in columns if c not in ("p_holm", "verdict")])
    frame["p_holm"] = holm(frame["p_value"]) if len(frame) else []
    frame["verdict"] = [verdict(p_holm, row["direction"], row["p_equivalent"], rope, alpha, confidence)
                        for p_holm, row in zip(frame["p_holm"], rows)]
    return frame[columns]


def _across_row(pair: pd.DataFrame, reference: str, method: str, metric: str, value: str, rope: float,
                power_alpha: float, confidence: float, seed: int, samples: int) -> dict:
    """One method's row of ``compare_across_tables`` from its per-table values beside the reference's (``pair``)."""
    import baycomp

    difference = (pair[method] - pair[reference]).to_numpy(dtype=float)
    row = {"method": method, "versus": reference, "metric": metric, "value": value, "tables": len(difference),
           "mean_difference": float(difference.mean()) if len(difference) else float("nan"),
           "median_difference": float(np.median(difference)) if len(difference) else float("nan"),
           "wins": int((difference > 0).sum()), "losses": int((difference < 0).sum()),
           "p_value": wilcoxon_p(difference), "rope": rope, "direction": wilcoxon_direction(difference)}
    if len(difference) >= 2:
        with np.errstate(all="ignore"):
            better, equivalent, worse = baycomp.SignedRankTest.probs(
                pair[method].to_numpy(float), pair[reference].to_numpy(float), rope, nsamples=samples,
                random_state=seed)
    else:
        better = equivalent = worse = float("nan")
    estimate, low, high = hodges_lehmann(difference, confidence)
    return {**row, "p_better": float(better), "p_equivalent": float(equivalent), "p_worse": float(worse),
            "hodges_lehmann": estimate, "hl_low": low, "hl_high": high,
            "power": wilcoxon_power(difference, rope, power_alpha, seed=seed)}


def wilcoxon_p(differences: np.ndarray) -> float:
    """scipy's two-sided Wilcoxon signed-rank p of paired differences, zero differences (exact ties) ranked with
    the others and their ranks split between the two sides (``zero_method="zsplit"``, Demšar 2006's advice for
    comparing classifiers over tables; dropping them, ``wilcox``, overstates a difference most tables do not
    show): 1 when every difference is 0, NaN with none."""
    differences = np.asarray(differences, dtype=float)
    differences = differences[np.isfinite(differences)]
    if not len(differences):
        return float("nan")
    if not (differences != 0).any():
        return 1.0
    return float(stats.wilcoxon(differences, zero_method="zsplit").pvalue)


def wilcoxon_direction(differences: np.ndarray) -> float:
    """The side the Wilcoxon signed-rank test leans to: its statistic, the sum of the signed ranks (zeros ranked
    and split, as ``wilcoxon_p`` ranks them: they add nothing to either side); positive where the method is ahead.
    The median of all the differences cannot say it: on tables where most methods tie exactly (F1 = 1) it is 0
    while the test, on the others, shows a clear side."""
    differences = np.asarray(differences, dtype=float)
    differences = differences[np.isfinite(differences)]
    if not len(differences):
        return 0.0
    return float(_signed_rank_sum(differences))


def wilcoxon_power(differences: np.ndarray, shift: float, alpha: float = ALPHA, draws: int = 400,
                   seed: int = 0) -> float:
    """The Wilcoxon signed-rank test's power at ``alpha`` to detect a true shift of ``shift`` with this many tables:
    the observed differences resampled (``draws`` times) with the non-zero ones re-centred on ``shift`` (their
    median moved to it) and the exact ties kept as ties: a table on which both methods score the same (F1 = 1 on
    an easy table) says nothing about a shift, under the alternative as under the data. ``alpha``: the level the
    verdict's own test is read at (``compare_across_tables`` passes Holm's most stringent step, alpha / m)."""
    differences = np.asarray(differences, dtype=float)
    differences = differences[np.isfinite(differences)]
    if len(differences) < 2 or shift <= 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    moving = differences != 0
    centred = np.where(moving, differences - (np.median(differences[moving]) if moving.any() else 0.0) + shift, 0.0)
    samples = np.stack([rng.choice(centred, len(centred)) for _ in range(draws)])
    return float((wilcoxon_p_many(samples) < alpha).mean())


def hodges_lehmann(differences: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """The Hodges-Lehmann estimate of the shift (the median of the Walsh averages, the pairwise means of the
    differences, each with itself) and its ``confidence`` interval by inverting the Wilcoxon signed-rank test
    (Hollander & Wolfe: the Walsh averages of order k and M + 1 - k, k from the normal approximation of the
    statistic's distribution); NaN for fewer than 2 differences. The effect size beside a Wilcoxon verdict."""
    differences = np.asarray(differences, dtype=float)
    differences = differences[np.isfinite(differences)]
    n = len(differences)
    if n < 2:
        return float("nan"), float("nan"), float("nan")
    i, j = np.triu_indices(n)
    walsh = np.sort((differences[i] + differences[j]) / 2)
    z = stats.norm.ppf(0.5 + confidence / 2)
    k = int(np.floor(n * (n + 1) / 4 - z * np.sqrt(n * (n + 1) * (2 * n + 1) / 24)))
    k = min(max(k, 0), len(walsh) - 1)
    return float(np.median(walsh)), float(walsh[k]), float(walsh[len(walsh) - 1 - k])


def _signed_rank_sum(differences: np.ndarray, axis: int = -1) -> np.ndarray:
    """The Wilcoxon statistic with zeros split (``zero_method="zsplit"``): each difference's sign times its rank
    among all of them; a zero's rank goes half to each side, which adds nothing to the sum."""
    differences = np.moveaxis(differences, axis, -1)
    return (np.sign(differences) * stats.rankdata(np.abs(differences), axis=-1)).sum(axis=-1)


def wilcoxon_p_many(samples: np.ndarray) -> np.ndarray:
    """``wilcoxon_p`` of each row of ``samples`` (finite differences, one sample per row), the same numbers: with
    at most 13 columns scipy's own test is an exact sign-flip permutation test (or, without ties or zeros, the exact
    distribution, which is the same one), so every row's is run as one vectorised ``scipy.stats.permutation_test``
    (300x faster than a row at a time: the power of ``compare_methods`` took 95 s of the default run); wider rows
    one at a time."""
    samples = np.asarray(samples, dtype=float)
    if samples.shape[1] > 13 or not np.isfinite(samples).all():
        return np.array([wilcoxon_p(row) for row in samples])
    p = stats.permutation_test((samples,), _signed_rank_sum, permutation_type="samples", vectorized=True,
                               n_resamples=np.inf, alternative="two-sided", axis=-1).pvalue
    return np.where((samples != 0).any(axis=1), p, 1.0)


def verdict(p_holm: float, direction: float, p_equivalent: float, rope: float, alpha: float = ALPHA,
            confidence: float = 0.95) -> str:
    """The word a comparison earns: ``better`` / ``worse`` (its Holm-adjusted test below ``alpha``, on the side
    ``direction`` gives, ``wilcoxon_direction``; ``, within +-rope`` when the Bayesian test also puts it inside the
    margin), ``equivalent within +-rope`` (P(equivalent) >= ``confidence``) or ``not shown``."""
    margin = f"+-{rope:g}"
    equivalent = np.isfinite(p_equivalent) and p_equivalent >= confidence
    if np.isfinite(p_holm) and p_holm < alpha and direction != 0:
        word = "better" if direction > 0 else "worse"
        return f"{word}, within {margin}" if equivalent else word
    return f"equivalent within {margin}" if equivalent else "not shown"


def nemenyi_q(alpha: float, methods: int) -> float:
    """Nemenyi's critical value q_alpha for ``methods`` methods: the studentized range's 1 - alpha quantile with
    infinite degrees of freedom, over sqrt(2) (scipy; at 0.05 Demsar 2006's Table 5a: 2.343 for 3, 3.164 for 10)."""
    return float(stats.studentized_range.ppf(1 - alpha, methods, np.inf) / np.sqrt(2))


def friedman_ranks(summary: pd.DataFrame, metric: str = "f1", value: str = "repeat_mean",
                   alpha: float = ALPHA) -> tuple[pd.DataFrame, dict]:
    """Average rank of each method over datasets (1 = best ``value``), the Friedman test, Iman and Davenport's F
    and Nemenyi's critical difference.

    The Friedman statistic is scipy's, corrected for ties. Demsar (2006)
    recommends Iman and Davenport's F, less conservative for few datasets;
    ``post_hoc`` says whether it rejects equal ranks at ``alpha``, the condition
    for reading the critical difference. Two methods whose average ranks differ
    by more than ``critical_difference`` differ at ``alpha`` (Nemenyi).
    """
    table = summary[summary["metric"] == metric].pivot_table(index="dataset", columns="method", values=value)
    # methods run on fewer tables than the others (the costly ones on a subset) are left out of the ranks, which
    # need every method on every table; the pairwise comparisons across tables still read them
    coverage = table.notna().sum()
    left_out = {str(m): int(n) for m, n in coverage.items() if n < coverage.max()}
    table = table.drop(columns=list(left_out)).dropna()
    ranks = table.rank(axis=1, ascending=False)
    average = ranks.mean().sort_values().rename("average_rank").reset_index()
    datasets, methods = table.shape
    test = {"statistic": float("nan"), "p_value": float("nan"), "iman_davenport_f": float("nan"),
            "iman_davenport_p": float("nan"), "datasets": int(datasets), "methods": int(methods), "value": value,
            "critical_difference": float("nan"), "alpha": alpha, "post_hoc": False, "tie_corrected": True,
            "left_out": left_out}
    if datasets >= 2 and methods >= 3:
        result = stats.friedmanchisquare(*[table[c].to_numpy() for c in table.columns])
        chi2 = float(result.statistic)
        test.update(statistic=chi2, p_value=float(result.pvalue))
        denominator = datasets * (methods - 1) - chi2
        if denominator > 0:
            f = (datasets - 1) * chi2 / denominator
            p = float(stats.f.sf(f, methods - 1, (methods - 1) * (datasets - 1)))
        else:  # every dataset ranks the methods the same way
            f, p = math.inf, 0.0
        test.update(iman_davenport_f=float(f), iman_davenport_p=p, post_hoc=bool(p < alpha))
    if datasets >= 2 and methods >= 2:
        test["critical_difference"] = nemenyi_q(alpha, methods) * float(np.sqrt(methods * (methods + 1) / (6 * datasets)))
    return average, test


DETECTORS = ("forest", "boosting")


def _detector(kind: str, seed: int, trees: int = 100):
    """The classifier that tries to tell real rows from synthetic ones: the project's random forest, or gradient
    boosting (scikit-learn's HistGradientBoosting, the field's XGBoost-style detector, as in SDMetrics' form), of
    ``trees`` trees (boosting: iterations)."""
    if kind == "boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(max_iter=trees, early_stopping=False, random_state=seed)
    if kind != "forest":
        raise ValueError(f"a detector is one of {DETECTORS}, got {kind!r}")
    # two threads, one in a daemon process (a grid's Dask worker: its share of the cores; joblib would say so itself)
    return RandomForestClassifier(n_estimators=trees, min_samples_leaf=2, random_state=seed,
                                  n_jobs=1 if multiprocessing.current_process().daemon else 2)


def detection_auc(real: np.ndarray, synthetic: np.ndarray, seed: int = 0, max_rows: int = 2000,
                  real_groups: np.ndarray | None = None, synthetic_groups: np.ndarray | None = None,
                  shared_groups: bool = False, detector: str = "forest", trees: int = 100) -> float:
    """Cross-validated ROC-AUC of a detector (``detector``: a random forest, or gradient boosting) telling real rows
    from synthetic ones (0.5 = indistinguishable).

    ``real_groups`` / ``synthetic_groups``: each row's source (the same table row in several repeats, say): the
    folds keep a group whole (scikit-learn's ``StratifiedGroupKFold``), so the forest never meets a row in training
    and its copy in testing, which would tell a copied class from the other by memory alone. Without groups every
    row is its own. ``shared_groups``: the two sides' ids name the same sources (real rows against real rows of
    other repeats), so a source's rows on both sides stay in one fold.
    """
    rng = np.random.default_rng(seed)
    real_pick, synthetic_pick = rng.permutation(len(real))[:max_rows], rng.permutation(len(synthetic))[:max_rows]
    real, synthetic = real[real_pick], synthetic[synthetic_pick]
    if len(real) < 4 or len(synthetic) < 4:
        return float("nan")
    X = np.vstack([real, synthetic])
    y = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    forest = _detector(detector, seed, trees)
    if real_groups is None and synthetic_groups is None:
        folds = StratifiedKFold(n_splits=min(5, len(real), len(synthetic)), shuffle=True, random_state=seed)
        scores = cross_val_predict(forest, X, y, cv=folds, method="predict_proba")[:, 1]
        return float(roc_auc_score(y, scores))
    from sklearn.model_selection import StratifiedGroupKFold

    # group ids as text, real and synthetic apart: a real row and a synthetic row never share a group by accident
    tags = ("", "") if shared_groups else ("r", "s")
    own = np.array([f"r{i}" for i in range(len(real))]), np.array([f"s{i}" for i in range(len(synthetic))])
    groups = np.r_[own[0] if real_groups is None
                   else np.char.add(tags[0], np.asarray(real_groups).astype(str)[real_pick]),
                   own[1] if synthetic_groups is None
                   else np.char.add(tags[1], np.asarray(synthetic_groups).astype(str)[synthetic_pick])]
    splits = min(5, len(np.unique(groups[y == 0])), len(np.unique(groups[y == 1])))
    if splits < 2:
        return float("nan")
    folds = StratifiedGroupKFold(n_splits=splits, shuffle=True, random_state=seed)
    scores = cross_val_predict(forest, X, y, cv=folds, groups=groups, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, scores))


def giveaway_columns(real: np.ndarray, synthetic: np.ndarray, features: list[str], seed: int = 0,
                     max_rows: int = 2000, top: int = 3, trees: int = 100) -> str:
    """The columns a random forest leans on most to tell real rows from synthetic ones (impurity importances of
    one fit on all the rows, ``max_rows`` a side at most): ``"a (0.41), b (0.22), c (0.10)"``; "" without rows."""
    rng = np.random.default_rng(seed)
    real, synthetic = real[rng.permutation(len(real))[:max_rows]], synthetic[rng.permutation(len(synthetic))[:max_rows]]
    if len(real) < 2 or len(synthetic) < 2:
        return ""
    labels = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    forest = _detector("forest", seed, trees).fit(np.vstack([real, synthetic]), labels)
    order = np.argsort(forest.feature_importances_)[::-1][:top]
    return ", ".join(f"{features[i]} ({forest.feature_importances_[i]:.2f})" for i in order)


def closest_record_distances(rows: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Each row's Euclidean distance to its closest row of ``reference`` (distance to closest record, DCR)."""
    from sklearn.neighbors import NearestNeighbors

    if len(rows) == 0 or len(reference) == 0:
        return np.full(len(rows), np.nan)
    return NearestNeighbors(n_neighbors=1).fit(reference).kneighbors(rows)[0][:, 0]


def dcr_summary(synthetic_dcr: np.ndarray, test_dcr: np.ndarray) -> dict[str, float]:
    """Distance to closest record, synthetic rows against fresh real ones (both to the same real training rows):
    ``dcr_ratio`` = median synthetic DCR / median real-test DCR (about 1: as far from the training rows as new real
    rows are; near 0: copies or near-copies), ``dcr_copies`` = the share of synthetic rows that copy a training row
    (distance 0), ``dcr_p`` = one-sided Mann-Whitney p that synthetic rows lie closer to the training rows than real
    test rows do."""
    synthetic_dcr, test_dcr = synthetic_dcr[np.isfinite(synthetic_dcr)], test_dcr[np.isfinite(test_dcr)]
    if not len(synthetic_dcr) or not len(test_dcr):
        return {"dcr_ratio": float("nan"), "dcr_copies": float("nan"), "dcr_p": float("nan")}
    median_test = float(np.median(test_dcr))
    return {"dcr_ratio": float(np.median(synthetic_dcr) / median_test) if median_test > 0 else float("nan"),
            "dcr_copies": float(np.mean(synthetic_dcr <= 1e-9)),
            "dcr_p": float(stats.mannwhitneyu(synthetic_dcr, test_dcr, alternative="less").pvalue)}


def ks_distance(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Mean over columns of the two-sample Kolmogorov-Smirnov statistic (0 = same marginals)."""
    if len(real) == 0 or len(synthetic) == 0:
        return float("nan")
    return float(np.mean([stats.ks_2samp(real[:, j], synthetic[:, j]).statistic for j in range(real.shape[1])]))


def energy_distance(a: np.ndarray, b: np.ndarray, seed: int = 0, max_rows: int = 1000) -> float:
    """The multivariate energy distance 2 E|A - B| - E|A - A'| - E|B - B'| (0 = same distribution), each side
    subsampled to ``max_rows`` rows."""
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(seed)
    a = np.asarray(a, dtype=np.float64)[rng.permutation(len(a))[:max_rows]]
    b = np.asarray(b, dtype=np.float64)[rng.permutation(len(b))[:max_rows]]
    if len(a) < 2 or len(b) < 2:
        return float("nan")
    return float(2 * cdist(a, b).mean() - cdist(a, a).mean() - cdist(b, b).mean())
