"""Evaluation nodes: per-run metrics, their summary, and the quality of the synthetic rows (``core.evaluation``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from smotified_gan.core.evaluation import evaluate_lenses, summarise_lenses, synthetic_row_quality
from smotified_gan.core.parameters import Quality


def evaluate_runs(classifiers, augmented_train: pd.DataFrame, test_set: pd.DataFrame,
                  cell: dict[str, str], thresholds: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every metric of every run of every lens on its own repeat's test rows (at 0.5 and, with ``thresholds``, at
    the tuned threshold), and the test scores for the precision-recall curves."""
    return evaluate_lenses(classifiers, augmented_train, test_set, cell, thresholds)


def summarise_runs(per_run: pd.DataFrame, cell: dict[str, str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per lens and metric: mean / std / best over the first repeat's runs and over repeats; the MLflow metrics."""
    return summarise_lenses(per_run, cell)


def assess_synthetic_rows(synthetic_rows: pd.DataFrame, test_set: pd.DataFrame, quality: Quality,
                          cell: dict[str, str], train_set: pd.DataFrame | None = None) -> dict[str, Any]:
    """How far the synthetic minority rows are from the real minority test rows, beside real rows against real
    ones (``core.evaluation.synthetic_row_quality``)."""
    return synthetic_row_quality(synthetic_rows, test_set, quality, cell, train_set)
