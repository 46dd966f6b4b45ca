"""Classification metrics per run, their aggregation, significance tests and synthetic-row quality.

The minority class is the positive class throughout.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)
from sklearn.model_selection import StratifiedKFold, cross_val_predict

METRICS = ("train_accuracy", "test_accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc", "g_mean",
           "balanced_accuracy")


def g_mean(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Geometric mean of the recall of each class."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    recalls = [np.mean(y_pred[y_true == label] == label) for label in (0, 1) if (y_true == label).any()]
    return float(np.sqrt(np.prod(recalls))) if len(recalls) == 2 else float("nan")


def run_metrics(y_test: np.ndarray, test_scores: np.ndarray, y_train: np.ndarray, train_scores: np.ndarray,
                threshold: float = 0.5) -> dict[str, float]:
    """Every metric of one trained classifier, from its scores on the test and training rows."""
    y_test, y_train = np.asarray(y_test).astype(int), np.asarray(y_train).astype(int)
    predicted = (np.asarray(test_scores) > threshold).astype(int)
    both_classes = len(np.unique(y_test)) == 2
    return {
        "train_accuracy": accuracy_score(y_train, (np.asarray(train_scores) > threshold).astype(int)),
        "test_accuracy": accuracy_score(y_test, predicted),
        "precision": precision_score(y_test, predicted, zero_division=0),
        "recall": recall_score(y_test, predicted, zero_division=0),
        "f1": f1_score(y_test, predicted, zero_division=0),
        "roc_auc": roc_auc_score(y_test, test_scores) if both_classes else float("nan"),
        "pr_auc": average_precision_score(y_test, test_scores) if both_classes else float("nan"),
        "g_mean": g_mean(y_test, predicted),
        "balanced_accuracy": balanced_accuracy_score(y_test, predicted),
    }


HOLDOUT_METRICS = ("f1", "precision", "recall", "balanced_accuracy", "g_mean", "pr_auc", "roc_auc")


def holdout_metric(y_true: np.ndarray, scores: np.ndarray, predicted: np.ndarray, metric: str = "f1") -> float:
    """One metric of a model's output on labelled rows: from its classes (f1, ...) or its scores (pr_auc, roc_auc)."""
    if metric not in HOLDOUT_METRICS:
        raise ValueError(f"holdout metric must be one of {HOLDOUT_METRICS}, got {metric!r}")
    y_true, predicted = np.asarray(y_true).astype(int), np.asarray(predicted).astype(int)
    by_class = {"f1": f1_score, "precision": precision_score, "recall": recall_score}
    if metric in by_class:
        return float(by_class[metric](y_true, predicted, zero_division=0))
    if metric == "balanced_accuracy":
        return float(balanced_accuracy_score(y_true, predicted))
    if metric == "g_mean":
        return g_mean(y_true, predicted)
    scorer = average_precision_score if metric == "pr_auc" else roc_auc_score
    return float(scorer(y_true, scores))


def aggregate_runs(per_run: pd.DataFrame) -> pd.DataFrame:
    """Mean, standard deviation (numpy's, ddof=0) and best (highest) of each metric over the runs."""
    rows = []
    for metric in METRICS:
        values = per_run[metric].to_numpy(dtype=float)
        rows.append({"metric": metric, "mean": float(np.nanmean(values)), "std": float(np.nanstd(values)),
                     "best": float(np.nanmax(values)), "runs": int(np.isfinite(values).sum())})
    return pd.DataFrame(rows)


def paired_tests(per_run: pd.DataFrame, reference: str = "smotified_gan", metric: str = "f1") -> pd.DataFrame:
    """Per dataset: Wilcoxon signed-rank test of ``reference`` against each other method, paired by run seed."""
    rows = []
    for dataset, group in per_run.groupby("dataset", sort=True):
        table = group.pivot_table(index="seed", columns="method", values=metric)
        if reference not in table:
            continue
        for method in sorted(c for c in table.columns if c != reference):
            pair = table[[reference, method]].dropna()
            difference = pair[reference] - pair[method]
            if len(pair) == 0 or np.allclose(difference, 0):
                statistic, p_value = float("nan"), 1.0
            else:
                result = stats.wilcoxon(pair[reference], pair[method], zero_method="zsplit")
                statistic, p_value = float(result.statistic), float(result.pvalue)
            rows.append({"dataset": dataset, "method": reference, "versus": method, "metric": metric,
                         "mean_difference": float(difference.mean()), "statistic": statistic, "p_value": p_value,
                         "pairs": len(pair)})
    return pd.DataFrame(rows, columns=["dataset", "method", "versus", "metric", "mean_difference", "statistic",
                                       "p_value", "pairs"])


def friedman_ranks(summary: pd.DataFrame, metric: str = "f1") -> tuple[pd.DataFrame, dict]:
    """Average rank of each method over datasets (1 = best mean) and the Friedman test across datasets."""
    table = summary[summary["metric"] == metric].pivot_table(index="dataset", columns="method", values="mean")
    table = table.dropna()
    ranks = table.rank(axis=1, ascending=False)
    average = ranks.mean().sort_values().rename("average_rank").reset_index()
    if table.shape[0] >= 2 and table.shape[1] >= 3:
        result = stats.friedmanchisquare(*[table[c].to_numpy() for c in table.columns])
        test = {"statistic": float(result.statistic), "p_value": float(result.pvalue), "datasets": int(table.shape[0])}
    else:
        test = {"statistic": float("nan"), "p_value": float("nan"), "datasets": int(table.shape[0])}
    return average, test


def detection_auc(real: np.ndarray, synthetic: np.ndarray, seed: int = 0, max_rows: int = 2000) -> float:
    """Cross-validated ROC-AUC of a random forest telling real rows from synthetic ones (0.5 = indistinguishable)."""
    rng = np.random.default_rng(seed)
    real = real[rng.permutation(len(real))[:max_rows]]
    synthetic = synthetic[rng.permutation(len(synthetic))[:max_rows]]
    if len(real) < 4 or len(synthetic) < 4:
        return float("nan")
    X = np.vstack([real, synthetic])
    y = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    folds = StratifiedKFold(n_splits=min(5, len(real), len(synthetic)), shuffle=True, random_state=seed)
    forest = RandomForestClassifier(n_estimators=100, min_samples_leaf=2, random_state=seed, n_jobs=1)
    scores = cross_val_predict(forest, X, y, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(y, scores))


def ks_distance(real: np.ndarray, synthetic: np.ndarray) -> float:
    """Mean over columns of the two-sample Kolmogorov-Smirnov statistic (0 = same marginals)."""
    if len(real) == 0 or len(synthetic) == 0:
        return float("nan")
    return float(np.mean([stats.ks_2samp(real[:, j], synthetic[:, j]).statistic for j in range(real.shape[1])]))
