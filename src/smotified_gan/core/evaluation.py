"""The experiment's evaluation: per-run metrics of every lens, their summary, and the quality of the synthetic rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.core.data.tables import REPEAT, ROW_KEY, TARGET, feature_columns, split_repeats
from smotified_gan.core.metrics import (
    aggregate_runs,
    closest_record_distances,
    dcr_summary,
    detection_auc,
    energy_distance,
    giveaway_columns,
    ks_distance,
    runs_metrics,
)
from smotified_gan.core.parameters import Quality, block_settings
from smotified_gan.core.training import NETWORK, calibration_of


def _xy(frame: pd.DataFrame, features: list[str]) -> tuple[np.ndarray, np.ndarray]:
    missing = [c for c in features if c not in frame.columns]
    if missing:
        raise ValueError(f"columns {missing} the classifiers were trained on are missing")
    return frame[features].to_numpy(np.float32), frame[TARGET].to_numpy()


def evaluate_lenses(classifiers, augmented_train: pd.DataFrame, test_set: pd.DataFrame,
                  cell: dict[str, str], thresholds: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every metric of every run of every lens on its own repeat's test rows, and the test scores for the
    precision-recall curves.

    ``classifiers``: the lenses' trained runs (``{lens: runs}``, from
    ``train_lenses``), or one lens's runs. Per run: ``classifier`` (the lens),
    ``repeat``, ``run`` (its index within the repeat), ``seed``, the metrics,
    and ``score_std`` (the spread of its test scores: near 0 when the
    classifier collapsed to a constant output). Scores: one row per test row of
    each repeat, one column per run of that repeat. Both carry the cell's
    ``dataset`` and ``method``.

    Every threshold-dependent metric twice: at the classifier's fixed
    threshold (0.5) and, as ``<metric>_tuned``, through the calibration and
    threshold ``training.tuned_thresholds`` fitted for that lens and repeat on its
    training rows (``tuned_threshold``: that probability threshold); without
    ``thresholds``, the fixed one only.
    """
    lenses = classifiers if isinstance(classifiers, dict) else {NETWORK: classifiers}
    trains, tests = dict(split_repeats(augmented_train)), split_repeats(test_set)
    rows, score_frames = [], []
    for lens, runs in lenses.items():
        lens_rows, lens_scores = _evaluate_lens(runs, trains, tests, {**cell, "classifier": lens}, thresholds)
        rows += lens_rows
        score_frames += lens_scores
    return pd.DataFrame(rows), pd.concat(score_frames, ignore_index=True)


def _evaluate_lens(classifiers, trains: dict, tests: list, labels: dict[str, str],
                   thresholds: pd.DataFrame | None) -> tuple[list[dict], list]:
    rows, score_frames = [], []
    tuned = thresholds is not None and len(thresholds) > 0
    for repeat, test in tests:
        runs = classifiers.runs_of(repeat)
        if not runs:
            raise ValueError(f"no classifier run trained on repeat {repeat}; trained repeats: {sorted(set(classifiers.repeats))}")
        X_train, y_train = _xy(trains[repeat], classifiers.feature_names)
        X_test, y_test = _xy(test, classifiers.feature_names)
        train_scores, test_scores = classifiers.scores(X_train, runs), classifiers.scores(X_test, runs)
        calibration = calibration_of(thresholds, labels["classifier"], repeat) if tuned else None
        if tuned and calibration is None:
            raise ValueError(f"{labels['dataset']}.{labels['method']}: no tuned threshold for {labels['classifier']}, "
                             f"repeat {repeat}: re-run the cell's tune_thresholds")
        calls = calibration.predict(test_scores) if calibration is not None else None
        metrics = runs_metrics(y_test, test_scores, y_train, train_scores, classifiers.threshold, calls)
        for index, run in enumerate(runs):
            extra = {"tuned_threshold": calibration.threshold} if calibration is not None else {}
            rows.append({**labels, "repeat": repeat, "run": index, "seed": classifiers.seeds[run], **metrics[index],
                         **extra,
                         "score_std": float(np.std(test_scores[index])),
                         "predicted_minority": int((test_scores[index] > classifiers.threshold).sum()),
                         "test_rows": len(y_test), "test_minority_rows": int(y_test.sum())})
        scores = pd.DataFrame(test_scores.T, columns=[f"run_{index}" for index in range(len(runs))])
        scores.insert(0, TARGET, y_test.astype("int8"))
        scores.insert(0, REPEAT, np.int16(repeat))
        score_frames.append(scores.assign(**labels))
    return rows, score_frames


def summarise_lenses(per_run: pd.DataFrame, cell: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per lens and metric: mean / std / best over the first repeat's runs (the paper's layout), and over repeats.

    ``repeat_mean`` / ``repeat_std``: the mean and standard deviation (ddof=1)
    of the per-repeat means, the numbers whose spread includes the split and
    the augmentation. MLflow gets them all as ``<metric>_<statistic>`` for the
    first lens (the primary classifier) and ``<lens>.<metric>_<statistic>`` for the others.
    """
    per_run = per_run if "classifier" in per_run.columns else per_run.assign(classifier=NETWORK)
    summaries, mlflow_metrics = [], {}
    statistics = ("mean", "std", "best", "repeat_mean", "repeat_std")
    for position, lens in enumerate(per_run["classifier"].unique()):
        summary = aggregate_runs(per_run[per_run["classifier"] == lens])
        summary.insert(0, "classifier", lens)
        summaries.append(summary)
        prefix = "" if position == 0 else f"{lens}."
        mlflow_metrics.update({f"{prefix}{row.metric}_{stat}": {"value": float(getattr(row, stat)), "step": 0}
                               for row in summary.itertuples() for stat in statistics
                               if np.isfinite(getattr(row, stat))})
    summary = pd.concat(summaries, ignore_index=True)
    summary.insert(0, "method", cell["method"])
    summary.insert(0, "dataset", cell["dataset"])
    return summary, mlflow_metrics


def synthetic_row_quality(synthetic_rows: pd.DataFrame, test_set: pd.DataFrame, quality: dict[str, Any],
                          cell: dict[str, str], train_set: pd.DataFrame | None = None) -> dict[str, Any]:
    """How far the synthetic minority rows are from the real minority test rows, pooled over the repeats, beside
    what telling real rows from real rows gives.

    Each repeat's synthetic rows go with that repeat's real minority test rows
    (the same scaling, never trained on); the pairs are pooled over repeats, so
    a test minority of 3-10 rows a repeat still adds up. A table row is in the
    test split of several repeats: its copies share its ``row_key``, so the
    detector's folds keep them together (``detection_auc``'s groups) and the
    distances count each row once. ``detection_auc``: a random forest's
    cross-validated AUC separating real from synthetic rows (0.5 =
    indistinguishable); ``real_detection_auc``: the same detector separating
    the real minority test rows from the real minority training rows of the
    same repeats (grouped by row: what "indistinguishable" scores at this
    size); ``ks_distance``: the mean per-column Kolmogorov-Smirnov statistic;
    ``energy_distance``: the multivariate energy distance (0 = same
    distribution); ``boosting_detection_auc`` and ``giveaway_columns``: ``_field_detectors``;
    ``dcr_*``: distance to closest record (``_closest_records``: copies show as a ratio near 0).
    Fewer distinct real rows than ``quality.min_real_rows``: NaN, and ``note`` says why.
    A method that adds no rows has no quality either.
    """
    quality = block_settings(Quality, quality)
    features = feature_columns(test_set)
    real, keys, synthetic, train_real, train_keys, repeats = _pooled_minority(synthetic_rows, test_set, train_set,
                                                                              features)
    distinct = ~pd.Series(keys).duplicated().to_numpy()
    result = {**cell, "detection_auc": float("nan"), "real_detection_auc": float("nan"), "ks_distance": float("nan"),
              "energy_distance": float("nan"), "boosting_detection_auc": float("nan"), "giveaway_columns": "",
              "dcr_ratio": float("nan"), "dcr_copies": float("nan"), "dcr_p": float("nan"),
              "synthetic_rows": len(synthetic) // repeats,
              "real_test_rows": len(real) // repeats, "pooled_real_rows": int(distinct.sum()), "repeats": repeats,
              "note": ""}
    if not len(synthetic):
        return {**result, "note": "no synthetic rows: the method adds none"}
    if distinct.sum() < quality["min_real_rows"]:
        return {**result, "note": f"n/a: {int(distinct.sum())} distinct real minority test rows over {repeats} "
                                  f"repeats, fewer than the {quality['min_real_rows']} a detection AUC needs"}
    seed, size = quality["seed"], {"max_rows": quality["max_rows"], "trees": quality["trees"]}
    reference = float("nan")
    if train_real:
        reference = detection_auc(real, np.vstack(train_real), seed=seed, real_groups=keys,
                                  synthetic_groups=np.concatenate(train_keys), shared_groups=True, **size)
    return {**result, "detection_auc": detection_auc(real, synthetic, seed=seed, real_groups=keys, **size),
            "real_detection_auc": reference, "ks_distance": ks_distance(real[distinct], synthetic),
            "energy_distance": energy_distance(real[distinct], synthetic, seed=seed, max_rows=size["max_rows"]),
            **_field_detectors(real, keys, distinct, synthetic, features, seed, size),
            **_closest_records(synthetic_rows, test_set, train_set, features)}


def _field_detectors(real, keys, distinct, synthetic, features, seed: int, size: dict[str, int]) -> dict[str, Any]:
    """Gradient boosting in the same grouped protocol, and the columns the forest leans on most."""
    return {"boosting_detection_auc": detection_auc(real, synthetic, seed=seed, real_groups=keys, detector="boosting",
                                                    **size),
            "giveaway_columns": giveaway_columns(real[distinct], synthetic, features, seed=seed, **size)}


def _closest_records(synthetic_rows: pd.DataFrame, test_set: pd.DataFrame, train_set: pd.DataFrame | None,
                     features: list[str]) -> dict[str, float]:
    """DCR per repeat, pooled: each synthetic minority row's and each real minority test row's distance to the
    closest real minority training row of the same repeat (``metrics.dcr_summary``); NaN without ``train_set``."""
    if train_set is None:
        return dcr_summary(np.array([]), np.array([]))
    by_repeat, trains = dict(split_repeats(synthetic_rows)), dict(split_repeats(train_set))
    synthetic_dcr, test_dcr = [], []
    for repeat, test in split_repeats(test_set):
        if repeat not in trains or repeat not in by_repeat:
            continue
        train = trains[repeat]
        reference = train.loc[train[TARGET] == 1, features].to_numpy(np.float32)
        part = by_repeat[repeat]
        synthetic_dcr.append(closest_record_distances(part.loc[part[TARGET] == 1, features].to_numpy(np.float32),
                                                      reference))
        test_dcr.append(closest_record_distances(test.loc[test[TARGET] == 1, features].to_numpy(np.float32), reference))
    return dcr_summary(np.concatenate(synthetic_dcr) if synthetic_dcr else np.array([]),
                       np.concatenate(test_dcr) if test_dcr else np.array([]))


def _pooled_minority(synthetic_rows: pd.DataFrame, test_set: pd.DataFrame, train_set: pd.DataFrame | None,
                     features: list[str]) -> tuple:
    """Per repeat, pooled: the real minority test rows and their row keys, the synthetic minority rows, the real
    minority training rows and their keys (lists: empty without ``train_set``), and the number of repeats."""
    by_repeat = dict(split_repeats(synthetic_rows))
    trains = dict(split_repeats(train_set)) if train_set is not None else {}
    real, keys, synthetic, train_real, train_keys, repeats = [], [], [], [], [], 0
    for repeat, test in split_repeats(test_set):
        part = by_repeat.get(repeat, synthetic_rows.iloc[:0])
        minority = test[test[TARGET] == 1]
        real.append(minority[features].to_numpy(np.float32))
        keys.append(_row_keys(minority, repeat))
        synthetic.append(part.loc[part[TARGET] == 1, features].to_numpy(np.float32))
        if repeat in trains:
            train_minority = trains[repeat][trains[repeat][TARGET] == 1]
            train_real.append(train_minority[features].to_numpy(np.float32))
            train_keys.append(_row_keys(train_minority, repeat))
        repeats += 1
    return np.vstack(real), np.concatenate(keys), np.vstack(synthetic), train_real, train_keys, repeats


def _row_keys(rows: pd.DataFrame, repeat: int) -> np.ndarray:
    """Each row's source in the table (``row_key``); rows without one are their own (repeat and position)."""
    if ROW_KEY in rows.columns:
        return rows[ROW_KEY].astype(str).to_numpy()
    return np.array([f"{repeat}/{i}" for i in range(len(rows))])
