import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from smotified_gan.metrics import (
    aggregate_runs,
    detection_auc,
    friedman_ranks,
    g_mean,
    ks_distance,
    paired_tests,
    run_metrics,
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


def test_paired_wilcoxon_and_friedman():
    rng = np.random.default_rng(0)
    rows = []
    for dataset, shift in (("a", 0.2), ("b", 0.0), ("c", 0.1)):
        for seed in range(12):
            base = rng.uniform(0.3, 0.5)
            rows += [{"dataset": dataset, "method": "smotified_gan", "seed": seed, "f1": base + shift + 0.01 * seed},
                     {"dataset": dataset, "method": "smote", "seed": seed, "f1": base},
                     {"dataset": dataset, "method": "none", "seed": seed, "f1": base - 0.1}]
    per_run = pd.DataFrame(rows)
    tests = paired_tests(per_run).set_index(["dataset", "versus"])
    assert tests.loc[("a", "smote"), "p_value"] < 0.001 and tests.loc[("a", "smote"), "mean_difference"] > 0.2
    assert tests.loc[("a", "none"), "pairs"] == 12
    summary = per_run.groupby(["dataset", "method"])["f1"].mean().rename("mean").reset_index().assign(metric="f1")
    ranks, friedman = friedman_ranks(summary)
    assert ranks["method"].tolist() == ["smotified_gan", "smote", "none"]
    assert ranks["average_rank"].tolist() == [1.0, 2.0, 3.0]
    # the same order on all 3 datasets: chi-square = 6, p = exp(-3)
    assert friedman["statistic"] == pytest.approx(6.0) and friedman["p_value"] == pytest.approx(np.exp(-3))


def test_detection_auc_and_ks_tell_apart_what_differs():
    rng = np.random.default_rng(0)
    real = rng.normal(0, 1, (300, 3))
    same = rng.normal(0, 1, (300, 3))
    shifted = rng.normal(1.5, 1, (300, 3))
    assert abs(detection_auc(real, same) - 0.5) < 0.1
    assert detection_auc(real, shifted) > 0.9
    assert ks_distance(real, same) < 0.15 < ks_distance(real, shifted)
