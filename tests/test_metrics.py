import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from smotified_gan.core.metrics import (
    aggregate_runs,
    compare_across_tables,
    compare_over_repeats,
    corrected_interval,
    corrected_resampled_t_test,
    corrected_t_power,
    detection_auc,
    exact_sign_p,
    friedman_ranks,
    g_mean,
    holm,
    ks_distance,
    run_metrics,
    verdict,
    wilcoxon_direction,
    wilcoxon_p,
)

Y_TEST = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1, 1])
SCORES = np.array([0.1, 0.2, 0.7, 0.3, 0.05, 0.6, 0.9, 0.4, 0.8, 0.55])
Y_TRAIN = np.array([0, 1, 0, 1])
TRAIN_SCORES = np.array([0.2, 0.9, 0.6, 0.7])


def test_run_metrics_match_scikit_learn_on_fixed_predictions():
    m = run_metrics(Y_TEST, SCORES, Y_TRAIN, TRAIN_SCORES)
    predicted = (SCORES > 0.5).astype(int)  # [0,0,1,0,0,1,1,0,1,1]
    assert m["test_accuracy"] == accuracy_score(Y_TEST, predicted) == 0.7
    assert m["precision"] == precision_score(Y_TEST, predicted) == 0.6
    assert m["recall"] == recall_score(Y_TEST, predicted) == 0.75
    assert m["f1"] == pytest.approx(f1_score(Y_TEST, predicted)) == pytest.approx(2 / 3)
    assert m["roc_auc"] == roc_auc_score(Y_TEST, SCORES)
    assert m["pr_auc"] == average_precision_score(Y_TEST, SCORES)
    assert m["balanced_accuracy"] == balanced_accuracy_score(Y_TEST, predicted)
    assert m["g_mean"] == pytest.approx(np.sqrt(0.75 * (4 / 6)))
    assert m["train_accuracy"] == 0.75


def test_no_minority_predicted_gives_zero_f1_not_an_error():
    m = run_metrics(Y_TEST, np.zeros(10), Y_TRAIN, TRAIN_SCORES)
    assert (m["precision"], m["recall"], m["f1"], m["g_mean"]) == (0, 0, 0, 0)


def test_g_mean_single_class_is_nan():
    assert np.isnan(g_mean(np.zeros(3), np.zeros(3)))


def test_aggregation_on_a_known_table():
    per_run = pd.DataFrame({m: [0.2, 0.4, 0.9] for m in ["train_accuracy", "test_accuracy", "precision", "recall",
                                                          "roc_auc", "pr_auc", "g_mean", "balanced_accuracy"]})
    per_run["f1"] = [0.5, 0.7, np.nan]
    summary = aggregate_runs(per_run).set_index("metric")
    assert summary.loc["precision", "mean"] == pytest.approx(0.5)
    assert summary.loc["precision", "std"] == pytest.approx(np.std([0.2, 0.4, 0.9]))
    assert summary.loc["precision", "best"] == 0.9 and summary.loc["precision", "runs"] == 3
    assert summary.loc["f1", "mean"] == pytest.approx(0.6) and summary.loc["f1", "runs"] == 2
    assert summary.loc["f1", "repeats"] == 1 and np.isnan(summary.loc["f1", "repeat_std"])


def test_aggregation_keeps_the_first_repeat_for_the_paper_layout_and_spreads_over_repeats():
    metrics = ["train_accuracy", "test_accuracy", "precision", "recall", "roc_auc", "pr_auc", "g_mean",
               "balanced_accuracy", "f1"]
    per_run = pd.DataFrame({"repeat": [0, 0, 1, 1, 2, 2], **{m: [0.1, 0.3, 0.5, 0.7, 0.8, 1.0] for m in metrics}})
    summary = aggregate_runs(per_run).set_index("metric")
    # the paper's layout: the first repeat's runs only
    assert summary.loc["f1", "mean"] == pytest.approx(0.2) and summary.loc["f1", "best"] == pytest.approx(0.3)
    assert summary.loc["f1", "runs"] == 2
    # over repeats: the per-repeat means 0.2, 0.6, 0.9
    assert summary.loc["f1", "repeat_mean"] == pytest.approx(np.mean([0.2, 0.6, 0.9]))
    assert summary.loc["f1", "repeat_std"] == pytest.approx(np.std([0.2, 0.6, 0.9], ddof=1))
    assert summary.loc["f1", "repeats"] == 3


def test_corrected_resampled_t_test_by_hand():
    differences = np.array([0.05, 0.10, 0.02, 0.07, 0.06])
    t, p = corrected_resampled_t_test(differences, test_train_ratio=0.25)
    expected_t = differences.mean() / np.sqrt((1 / 5 + 0.25) * differences.var(ddof=1))
    assert t == pytest.approx(expected_t)
    assert p == pytest.approx(2 * stats.t.sf(expected_t, 4))
    # the correction widens the variance: the naive paired t-test claims more than the corrected one
    naive = stats.ttest_1samp(differences, 0).pvalue
    assert naive < 0.02 < p  # 0.010 vs 0.037
    assert corrected_resampled_t_test(np.zeros(5), 0.25) == (0.0, 1.0)
    assert np.isnan(corrected_resampled_t_test(np.array([0.1]), 0.25)[1])
    # ratio 0 is the plain paired t-test (repeats on one fixed split)
    assert corrected_resampled_t_test(differences, 0.0)[1] == pytest.approx(naive)


def test_the_same_difference_in_every_repeat_gets_the_exact_sign_test_p_not_zero():
    """F1 1.0 against 0.0 in every repeat (3-4 test minority rows make it realistic): t is infinite, but 5 paired
    repeats cannot give a p below the exact sign test's 2 / 2**5 = 0.0625."""
    assert corrected_resampled_t_test(np.ones(5), 0.25) == (np.inf, 0.0625)
    assert corrected_resampled_t_test(-np.ones(5), 0.25) == (-np.inf, 0.0625)
    assert corrected_resampled_t_test(np.ones(10), 0.25)[1] == pytest.approx(2 / 2**10)
    assert exact_sign_p(np.array([1.0, 1.0, 1.0, 0.0, -1.0])) == pytest.approx(stats.binomtest(3, 4).pvalue)
    rows = [{"dataset": d, "method": m, "repeat": r, "run": 0, "f1": value}
            for d, gap in (("a", 1.0), ("b", 0.0)) for r in range(5)
            for m, value in (("ref", 0.2 + gap if d == "a" else 0.5 + 0.01 * r), ("other", 0.2 if d == "a" else 0.5))]
    table = compare_over_repeats(pd.DataFrame(rows), "ref", "f1", {"a": 0.25, "b": 0.25}).set_index("dataset")
    assert table.loc["a", "t"] == np.inf and table.loc["a", "p_value"] == 0.0625
    assert table.loc["a", "p_holm"] == 0.125 and not table.loc["a", "significant"]  # kept in the Holm family
    assert table["p_holm"].notna().all() and table.loc["a", "df"] == 4
    assert table.loc["a", "ci_low"] == table.loc["a", "ci_high"] == 1.0  # no spread: the interval is the point


def test_the_corrected_interval_is_the_interval_the_corrected_t_test_inverts():
    rng = np.random.default_rng(3)
    for _ in range(50):
        differences, ratio = rng.normal(0.02, 0.03, 5), 0.25
        low, high = corrected_interval(differences, ratio)
        _, p = corrected_resampled_t_test(differences, ratio)
        assert low < differences.mean() < high
        assert (p < 0.05) == (low > 0 or high < 0)  # 0 outside the 95% interval exactly when p < 0.05
    # the plain t interval with a ratio of 0 (one fixed split), wider with the correction
    differences = np.array([0.01, 0.03, 0.02, 0.05, 0.04])
    plain = stats.ttest_1samp(differences, 0).confidence_interval(0.95)
    assert corrected_interval(differences, 0.0) == pytest.approx((plain.low, plain.high))
    assert np.diff(corrected_interval(differences, 0.25))[0] > plain.high - plain.low


def test_the_power_of_the_per_table_test_at_five_repeats_is_low_and_checked_by_simulation():
    power = corrected_t_power(1.0, 5, 0.25)
    assert 0.18 < power < 0.25  # one standard deviation of the per-repeat differences: about 1 in 5
    # Nadeau and Bengio's model: the repeats' differences share a component of variance test/train (their training
    # sets overlap) beside their own of variance 1; "one standard deviation" is that of the per-repeat differences
    rng = np.random.default_rng(0)
    hits = np.mean([corrected_resampled_t_test(1.0 + np.sqrt(0.25) * rng.normal() + rng.normal(0, 1, 5), 0.25)[1]
                    < 0.05 for _ in range(4000)])
    assert hits == pytest.approx(power, abs=0.02)
    assert corrected_t_power(0.0, 5, 0.25) == pytest.approx(0.05)  # no effect: the test's size
    assert corrected_t_power(3.0, 5, 0.25) > 0.8 > corrected_t_power(2.0, 5, 0.25)


def _summary_of(differences: dict[str, np.ndarray], metric: str = "f1") -> pd.DataFrame:
    """Per-table repeat means: the reference at a level of its own per table, each method shifted by its differences."""
    levels = np.random.default_rng(1).uniform(0.3, 0.9, len(next(iter(differences.values()))))
    rows = [{"dataset": f"t{i}", "method": "ref", "metric": metric, "repeat_mean": level}
            for i, level in enumerate(levels)]
    rows += [{"dataset": f"t{i}", "method": method, "metric": metric, "repeat_mean": level + shift[i]}
             for method, shift in differences.items() for i, level in enumerate(levels)]
    return pd.DataFrame(rows)


def test_across_tables_says_better_worse_equivalent_and_not_shown_only_where_built_so():
    rng = np.random.default_rng(7)
    tables = 40
    summary = _summary_of({
        "better": rng.normal(0.05, 0.02, tables),       # clearly better, by more than the margin
        "worse": rng.normal(-0.05, 0.02, tables),       # clearly worse
        "same": rng.normal(0.0, 0.002, tables),         # equal within a margin of 0.01
        "noisy": rng.normal(0.0, 0.15, tables),         # maybe equal, but too noisy to say
    })
    table = compare_across_tables(summary, "ref", "f1", rope=0.01).set_index("method")
    assert table.loc["better", "verdict"] == "better" and table.loc["worse", "verdict"] == "worse"
    assert table.loc["same", "verdict"] == "equivalent within +-0.01"
    assert table.loc["noisy", "verdict"] == "not shown"
    assert table.loc["better", "p_better"] > 0.95 and table.loc["worse", "p_worse"] > 0.95
    assert table.loc["same", "p_equivalent"] > 0.95 > table.loc["noisy", "p_equivalent"]
    assert (table["tables"] == tables).all() and table.loc["better", "wins"] > 35
    # Holm over the four methods, scipy's Wilcoxon underneath
    raw = stats.wilcoxon(summary[summary.method == "better"]["repeat_mean"].to_numpy()
                         - summary[summary.method == "ref"]["repeat_mean"].to_numpy()).pvalue
    assert table.loc["better", "p_value"] == pytest.approx(raw)
    assert table["p_holm"].tolist() == pytest.approx(holm(table["p_value"]).tolist())
    # with 40 tables the Wilcoxon sees a 0.01 shift of tight differences, not of noisy ones
    assert table.loc["same", "power"] > 0.9 and table.loc["noisy", "power"] < 0.3


def test_a_consistent_but_tiny_difference_is_better_within_the_margin_and_few_tables_show_nothing():
    rng = np.random.default_rng(2)
    tiny = compare_across_tables(_summary_of({"tiny": rng.normal(0.003, 0.001, 30)}), "ref", "f1", rope=0.01)
    assert tiny["verdict"].iloc[0] == "better, within +-0.01"
    few = compare_across_tables(_summary_of({"few": np.array([0.05, 0.04, 0.06])}), "ref", "f1", rope=0.01)
    assert few["p_value"].iloc[0] == pytest.approx(0.25) and few["verdict"].iloc[0] == "not shown"  # exact, 3 tables
    assert wilcoxon_p(np.zeros(4)) == 1.0 and np.isnan(wilcoxon_p(np.array([])))
    assert verdict(0.01, -0.02, 0.0, 0.01) == "worse" and verdict(np.nan, 0.0, np.nan, 0.01) == "not shown"


def test_the_side_of_a_difference_is_the_wilcoxons_own_where_most_tables_tie_exactly():
    """Many tables tie exactly (both methods at F1 = 1): the median difference is 0 while the Wilcoxon, which drops
    the zeros, shows the method behind on the others; the verdict follows the test's side."""
    rng = np.random.default_rng(5)
    differences = np.concatenate([np.zeros(50), -np.abs(rng.normal(0.03, 0.01, 30)), np.full(5, 0.01)])
    assert np.median(differences) == 0
    table = compare_across_tables(_summary_of({"behind": differences}), "ref", "f1", rope=0.01)
    assert table["p_holm"].iloc[0] < 1e-4 and table["verdict"].iloc[0] == "worse"
    assert wilcoxon_direction(differences) < 0 < wilcoxon_direction(-differences)
    assert wilcoxon_direction(np.zeros(4)) == 0 and verdict(0.001, 0.0, 0.0, 0.01) == "not shown"


def test_holm_adjustment_by_hand():
    adjusted = holm([0.01, 0.04, 0.03, np.nan, 0.5])
    # sorted 0.01, 0.03, 0.04, 0.5 over 4 tests: 0.04, 0.09, max(0.09, 0.08), 0.5
    np.testing.assert_allclose(adjusted[[0, 2, 1, 4]], [0.04, 0.09, 0.09, 0.5])
    assert np.isnan(adjusted[3])


def test_comparisons_over_repeats_use_per_repeat_means_and_holm():
    rng = np.random.default_rng(0)
    rows = []
    for dataset, shift in (("a", 0.2), ("b", 0.0)):
        for repeat in range(5):
            split_effect = rng.uniform(-0.1, 0.1)
            for run in range(30):
                noise = rng.normal(0, 0.01)
                rows += [{"dataset": dataset, "method": "smotified_gan", "repeat": repeat, "run": run,
                          "f1": 0.5 + split_effect + shift + noise},
                         {"dataset": dataset, "method": "smote", "repeat": repeat, "run": run,
                          "f1": 0.5 + split_effect + rng.normal(0, 0.01)}]
    table = compare_over_repeats(pd.DataFrame(rows), "smotified_gan", "f1", {"a": 0.25, "b": 0.25})
    table = table.set_index("dataset")
    assert (table["repeats"] == 5).all()  # 5 replicates, not 150 runs
    assert table.loc["a", "mean_difference"] == pytest.approx(0.2, abs=0.01)
    assert table.loc["a", "significant"] and not table.loc["b", "significant"]
    assert table.loc["a", "p_holm"] == pytest.approx(min(1, 2 * table.loc["a", "p_value"]))


def test_friedman_and_nemenyi_critical_difference():
    rows = []
    for dataset in "abcdef":
        for method, value in (("smotified_gan", 0.9), ("smote", 0.8), ("none", 0.7), ("gan", 0.75)):
            rows.append({"dataset": dataset, "method": method, "metric": "f1", "repeat_mean": value})
    ranks, friedman = friedman_ranks(pd.DataFrame(rows))
    assert ranks["method"].tolist() == ["smotified_gan", "smote", "gan", "none"]
    assert ranks["average_rank"].tolist() == [1.0, 2.0, 3.0, 4.0]
    # Demsar (2006): CD = q_0.05 sqrt(k (k + 1) / (6 N)), q = 2.569 for k = 4
    assert friedman["critical_difference"] == pytest.approx(2.569 * np.sqrt(4 * 5 / 36), abs=1e-3)
    # at alpha 0.10 the critical value is Table 5b's (q = 2.291 for k = 4), not 0.05's under another label
    assert friedman_ranks(pd.DataFrame(rows), alpha=0.10)[1]["critical_difference"] == pytest.approx(
        2.291 * np.sqrt(4 * 5 / 36), abs=1e-3)
    # the same order on all 6 datasets: chi-square = 12 N / (k (k + 1)) * sum(R^2) - 3 N (k + 1) = 18
    assert friedman["statistic"] == pytest.approx(18.0)
    # Iman-Davenport: F = (N - 1) chi2 / (N (k - 1) - chi2) = 5 * 18 / (18 - 18): perfect agreement
    assert friedman["iman_davenport_f"] == np.inf and friedman["post_hoc"] and friedman["tie_corrected"]


def test_iman_davenport_by_hand_and_it_gates_the_post_hoc():
    rng = np.random.default_rng(3)
    rows = [{"dataset": d, "method": m, "metric": "f1", "repeat_mean": rng.uniform()} for d in "abcdefg"
            for m in ("w", "x", "y", "z")]
    ranks, friedman = friedman_ranks(pd.DataFrame(rows), alpha=0.05)
    chi2, n, k = friedman["statistic"], 7, 4
    f = (n - 1) * chi2 / (n * (k - 1) - chi2)
    assert friedman["iman_davenport_f"] == pytest.approx(f)
    assert friedman["iman_davenport_p"] == pytest.approx(stats.f.sf(f, k - 1, (k - 1) * (n - 1)))
    assert friedman["post_hoc"] is (friedman["iman_davenport_p"] < 0.05)


def test_detection_auc_and_ks_tell_apart_what_differs():
    rng = np.random.default_rng(0)
    real = rng.normal(0, 1, (300, 3))
    same = rng.normal(0, 1, (300, 3))
    shifted = rng.normal(1.5, 1, (300, 3))
    assert abs(detection_auc(real, same) - 0.5) < 0.1
    assert detection_auc(real, shifted) > 0.9
    assert ks_distance(real, same) < 0.15 < ks_distance(real, shifted)


def test_the_vectorised_metrics_of_many_runs_equal_scikit_learns_run_by_run():
    from smotified_gan.core.metrics import runs_metrics

    rng = np.random.default_rng(4)
    y = (rng.random(60) < 0.2).astype(int)
    scores = rng.random((8, 60)) + 0.3 * y
    scores[0] = 0.0  # no minority predicted: precision, recall and F1 are 0, not an error
    train_y, train_scores = (rng.random(30) < 0.5).astype(int), rng.random((8, 30))
    for run, metrics in enumerate(runs_metrics(y, scores, train_y, train_scores)):
        predicted = (scores[run] > 0.5).astype(int)
        assert metrics["f1"] == pytest.approx(f1_score(y, predicted, zero_division=0))
        assert metrics["precision"] == pytest.approx(precision_score(y, predicted, zero_division=0))
        assert metrics["recall"] == pytest.approx(recall_score(y, predicted, zero_division=0))
        assert metrics["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, predicted))
        assert metrics["test_accuracy"] == pytest.approx(accuracy_score(y, predicted))
        assert metrics["g_mean"] == pytest.approx(g_mean(y, predicted))
        assert metrics["train_accuracy"] == pytest.approx(accuracy_score(train_y, train_scores[run] > 0.5))
        assert metrics["pr_auc"] == pytest.approx(average_precision_score(y, scores[run]))


def test_a_method_run_on_fewer_tables_is_left_out_of_the_ranks_and_named():
    rows = [{"dataset": f"t{i}", "method": m, "metric": "f1", "repeat_mean": v}
            for i in range(6) for m, v in (("a", 0.5), ("b", 0.6), ("c", 0.7))]
    rows += [{"dataset": f"t{i}", "method": "costly", "metric": "f1", "repeat_mean": 0.9} for i in range(2)]
    ranks, test = friedman_ranks(pd.DataFrame(rows))
    assert ranks.set_index("method")["average_rank"].to_dict() == {"c": 1.0, "b": 2.0, "a": 3.0}
    assert test["datasets"] == 6 and test["left_out"] == {"costly": 2}


def test_wilcoxon_p_many_gives_scipys_p_of_every_row_ties_zeros_and_all():
    from smotified_gan.core.metrics import wilcoxon_p_many

    rng = np.random.default_rng(3)
    rows = [rng.normal(0, 0.02, 7)]  # no ties, no zeros: scipy's exact distribution
    rows += [np.round(rng.normal(0.01, 0.02, 7), 2) for _ in range(150)]  # ties and zeros: its permutation test
    rows += [np.zeros(7), np.r_[np.zeros(6), 0.5], rng.choice([0.1, -0.1, 0.0], 7)]
    samples = np.stack(rows)
    expected = np.array([wilcoxon_p(row) for row in samples])
    assert np.allclose(wilcoxon_p_many(samples), expected, rtol=0, atol=1e-12)
    assert ((expected > 0.05) & (expected < 1)).any() and (expected < 0.05).any()  # not all one value
    wide = np.round(rng.normal(0.01, 0.02, (5, 20)), 2)  # beyond 13 columns: scipy's choice, row by row
    assert np.allclose(wilcoxon_p_many(wide), [wilcoxon_p(row) for row in wide])


def test_the_wilcoxon_splits_exact_ties_as_demsar_advises_and_the_bench_reads_the_same_test():
    """Zero differences (both methods equal on a table) are ranked and split (``zsplit``), in the report's test and
    in ``bench/auto_selection.py``'s, which is the same function."""
    import ast
    from pathlib import Path

    differences = np.array([0.0, 0.0, 0.0, 0.0, 0.02, 0.03, -0.01, 0.05, 0.04, -0.02, 0.06])
    assert wilcoxon_p(differences) == pytest.approx(stats.wilcoxon(differences, zero_method="zsplit").pvalue)
    # four tables on which the methods tie make a difference the other seven lean to less sure (dropped: 0.094)
    assert wilcoxon_p(differences) == pytest.approx(0.15625)
    assert stats.wilcoxon(differences, zero_method="wilcox").pvalue == pytest.approx(0.09375)
    bench = ast.parse((Path(__file__).resolve().parents[1] / "bench" / "auto_selection.py").read_text())
    called = {n.func.id for n in ast.walk(bench) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "wilcoxon_p" in called and "wilcoxon" not in called


def test_wilcoxon_power_keeps_exact_ties_and_matches_a_simulation_of_the_alternative():
    from smotified_gan.core.metrics import wilcoxon_p_many, wilcoxon_power

    rng = np.random.default_rng(3)
    moving = rng.normal(0.0, 0.02, 12)
    with_ties = np.r_[moving, np.zeros(12)]
    # the alternative the power is computed under: the non-zero differences shifted to 0.01, the ties still ties
    alternative = np.r_[moving - np.median(moving) + 0.01, np.zeros(12)]
    draws = np.stack([rng.choice(alternative, len(alternative)) for _ in range(2000)])
    simulated = float((wilcoxon_p_many(draws) < 0.05).mean())
    assert wilcoxon_power(with_ties, 0.01, draws=2000, seed=5) == pytest.approx(simulated, abs=0.03)
    # ties turned into shifted differences (the old re-centring) overstate it
    overstated = wilcoxon_power(with_ties - np.median(with_ties) + 1e-9, 0.01, draws=2000, seed=5)
    assert overstated > simulated + 0.15
    # a stricter level (Holm's first step over 8 methods) has less power
    assert wilcoxon_power(with_ties, 0.01, alpha=0.05 / 8, draws=2000, seed=5) < simulated


def test_the_hodges_lehmann_shift_is_the_median_of_walsh_averages_and_its_interval_covers():
    from smotified_gan.core.metrics import hodges_lehmann

    estimate, low, high = hodges_lehmann(np.array([1.0, 2.0, 4.0]))
    assert estimate == pytest.approx(np.median([1, 1.5, 2.5, 2, 3, 4]))
    assert low <= estimate <= high
    rng = np.random.default_rng(0)
    covered = 0
    for _ in range(400):
        sample = rng.normal(0.3, 1.0, 20)
        _, low, high = hodges_lehmann(sample)
        covered += low <= 0.3 <= high
    assert 0.92 <= covered / 400 <= 0.98
    assert np.isnan(hodges_lehmann(np.array([1.0]))[0])
