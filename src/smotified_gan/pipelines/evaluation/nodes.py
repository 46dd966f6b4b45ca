"""Evaluation nodes: per-run metrics, their summary, and the quality of the synthetic rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.classifier import TrainedClassifiers
from smotified_gan.data.tables import TARGET, feature_columns
from smotified_gan.metrics import aggregate_runs, detection_auc, ks_distance, run_metrics


def _xy(frame: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} the classifiers were trained on are missing")
    return frame[features].to_numpy(np.float32), frame[TARGET].to_numpy()


def evaluate_runs(classifiers: TrainedClassifiers, augmented_train: pd.DataFrame, test_set: pd.DataFrame
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every metric of every run, and the test scores (one column per run) for the precision-recall curves."""
    X_train, y_train = _xy(augmented_train, classifiers.feature_names)
    X_test, y_test = _xy(test_set, classifiers.feature_names)
    train_scores, test_scores = classifiers.scores(X_train), classifiers.scores(X_test)
    rows = [{"run": run, "seed": seed, **run_metrics(y_test, test_scores[run], y_train, train_scores[run],
                                                     classifiers.config.threshold)}
            for run, seed in enumerate(classifiers.seeds)]
    scores = pd.DataFrame(test_scores.T, columns=[f"run_{run}" for run in range(len(classifiers.seeds))])
    scores.insert(0, TARGET, y_test.astype("int8"))
    return pd.DataFrame(rows), scores


def summarise_runs(per_run: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Mean / std / best of each metric, and the same as MLflow metrics (``<metric>_<statistic>``)."""
    summary = aggregate_runs(per_run)
    mlflow_metrics = {f"{row.metric}_{stat}": {"value": float(getattr(row, stat)), "step": 0}
                      for row in summary.itertuples() for stat in ("mean", "std", "best")
                      if np.isfinite(getattr(row, stat))}
    return summary, mlflow_metrics


def assess_synthetic_rows(synthetic_rows: pd.DataFrame, test_set: pd.DataFrame, quality: dict[str, Any]) -> dict[str, float]:
    """How far the synthetic minority rows are from the real minority test rows.

    ``detection_auc``: a random forest's cross-validated AUC separating real from
    synthetic rows (0.5 = indistinguishable); ``ks_distance``: the mean
    per-column Kolmogorov-Smirnov statistic.
    """
    features = feature_columns(test_set)
    real = test_set.loc[test_set[TARGET] == 1, features].to_numpy(np.float32)
    synthetic = synthetic_rows.loc[synthetic_rows[TARGET] == 1, features].to_numpy(np.float32)
    return {
        "detection_auc": detection_auc(real, synthetic, seed=quality["seed"], max_rows=quality["max_rows"]),
        "ks_distance": ks_distance(real, synthetic),
        "synthetic_rows": int(len(synthetic)),
        "real_test_rows": int(len(real)),
    }
