"""Evaluation nodes: per-run metrics, their summary, and the quality of the synthetic rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.classifier import TrainedClassifiers
from smotified_gan.data.tables import REPEAT, TARGET, feature_columns, split_repeats
from smotified_gan.metrics import aggregate_runs, detection_auc, ks_distance, runs_metrics


def _xy(frame: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} the classifiers were trained on are missing")
    return frame[features].to_numpy(np.float32), frame[TARGET].to_numpy()


def evaluate_runs(classifiers: TrainedClassifiers, augmented_train: pd.DataFrame, test_set: pd.DataFrame,
                  cell: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every metric of every run on its own repeat's test rows, and the test scores for the precision-recall curves.

    Per run: ``repeat``, ``run`` (its index within the repeat), ``seed``, the
    metrics, and ``score_std`` (the spread of its test scores: near 0 when the
    classifier collapsed to a constant output). Scores: one row per test row
    of each repeat, one column per run of that repeat. Both carry the cell's
    ``dataset`` and ``method``.
    """
    trains, tests = dict(split_repeats(augmented_train)), split_repeats(test_set)
    rows, score_frames = [], []
    for repeat, test in tests:
        runs = classifiers.runs_of(repeat)
        if not runs:
            raise ValueError(f"no classifier run trained on repeat {repeat}; trained repeats: {sorted(set(classifiers.repeats))}")
        X_train, y_train = _xy(trains[repeat], classifiers.feature_names)
        X_test, y_test = _xy(test, classifiers.feature_names)
        train_scores, test_scores = classifiers.scores(X_train, runs), classifiers.scores(X_test, runs)
        metrics = runs_metrics(y_test, test_scores, y_train, train_scores, classifiers.config.threshold)
        for index, run in enumerate(runs):
            rows.append({**cell, "repeat": repeat, "run": index, "seed": classifiers.seeds[run], **metrics[index],
                         "score_std": float(np.std(test_scores[index])),
                         "predicted_minority": int((test_scores[index] > classifiers.config.threshold).sum()),
                         "test_rows": len(y_test), "test_minority_rows": int(y_test.sum())})
        scores = pd.DataFrame(test_scores.T, columns=[f"run_{index}" for index in range(len(runs))])
        scores.insert(0, TARGET, y_test.astype("int8"))
        scores.insert(0, REPEAT, np.int16(repeat))
        score_frames.append(scores.assign(**cell))
    return pd.DataFrame(rows), pd.concat(score_frames, ignore_index=True)


def summarise_runs(per_run: pd.DataFrame, cell: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per metric: mean / std / best over the first repeat's runs (the paper's layout), and over repeats.

    ``repeat_mean`` / ``repeat_std``: the mean and standard deviation (ddof=1)
    of the per-repeat means, the numbers whose spread includes the split and
    the augmentation. MLflow gets them all as ``<metric>_<statistic>``.
    """
    summary = aggregate_runs(per_run)
    summary.insert(0, "method", cell["method"])
    summary.insert(0, "dataset", cell["dataset"])
    statistics = ("mean", "std", "best", "repeat_mean", "repeat_std")
    mlflow_metrics = {f"{row.metric}_{stat}": {"value": float(getattr(row, stat)), "step": 0}
                      for row in summary.itertuples() for stat in statistics if np.isfinite(getattr(row, stat))}
    return summary, mlflow_metrics


def assess_synthetic_rows(synthetic_rows: pd.DataFrame, test_set: pd.DataFrame, quality: dict[str, Any],
                          cell: dict[str, str]) -> dict[str, Any]:
    """How far the synthetic minority rows are from the real minority test rows, where there are enough of them.

    Per repeat, against that repeat's real minority test rows (same scaling,
    never trained on): ``detection_auc``, a random forest's cross-validated
    AUC separating real from synthetic rows (0.5 = indistinguishable), and
    ``ks_distance``, the mean per-column Kolmogorov-Smirnov statistic; the
    means over repeats are reported. With fewer than ``quality.min_real_rows``
    real rows per repeat both are NaN and ``note`` says why: a detection AUC on
    3-10 rows measures nothing. A method that adds no rows has no quality either.
    """
    features = feature_columns(test_set)
    synthetic_by_repeat = dict(split_repeats(synthetic_rows))
    aucs, distances, real_counts, synthetic_counts = [], [], [], []
    for repeat, test in split_repeats(test_set):
        real = test.loc[test[TARGET] == 1, features].to_numpy(np.float32)
        synthetic_part = synthetic_by_repeat.get(repeat, synthetic_rows.iloc[:0])
        synthetic = synthetic_part.loc[synthetic_part[TARGET] == 1, features].to_numpy(np.float32)
        real_counts.append(len(real))
        synthetic_counts.append(len(synthetic))
        if len(real) >= quality["min_real_rows"] and len(synthetic):
            aucs.append(detection_auc(real, synthetic, seed=quality["seed"] + repeat, max_rows=quality["max_rows"]))
            distances.append(ks_distance(real, synthetic))
    enough = len(aucs) == len(real_counts) and max(synthetic_counts) > 0
    note = "" if enough else ("no synthetic rows: the method adds none" if max(synthetic_counts) == 0 else
                              f"n/a: {min(real_counts)} real minority test rows per repeat, fewer than the "
                              f"{quality['min_real_rows']} a detection AUC needs")
    return {
        **cell,
        "detection_auc": float(np.mean(aucs)) if enough else float("nan"),
        "ks_distance": float(np.mean(distances)) if enough else float("nan"),
        "synthetic_rows": int(np.mean(synthetic_counts)),
        "real_test_rows": int(np.mean(real_counts)),
        "repeats": len(real_counts),
        "note": note,
    }
