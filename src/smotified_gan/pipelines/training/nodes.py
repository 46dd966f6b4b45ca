"""Training nodes: every lens on a cell's training set, and their tuned thresholds (``core.training`` does the work).

A classifier spec is ``network``, the paper's network (its settings in
``training.network``: ``classifier.ClassifierConfig``), or any scikit-learn
classifier by import path with its arguments (``{class:
sklearn.ensemble.HistGradientBoostingClassifier, max_iter: 200}``). The
experiment trains ``training.classifier`` and every ``training.lenses``
classifier on each cell: each is a lens the report reads the methods through.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from smotified_gan.core.parameters import Training, settings_of
from smotified_gan.core.protocol import EpochsSpec

# a model registered before these moved to the core pickled its pipeline's node functions under this module
from smotified_gan.core.training import lens_runs, score_rows, train_classifier_runs, tuned_thresholds  # noqa: E402, F401


def train_lenses(augmented_train: pd.DataFrame, training: Training, epochs: EpochsSpec,
                 method: dict[str, Any] | None = None) -> dict:
    """Every lens's runs on the cell's augmented training set, the method's class weights on each."""
    return lens_runs(augmented_train, settings_of(training), settings_of(epochs), method)


def tune_thresholds(threshold_folds: pd.DataFrame, training: Training, epochs: EpochsSpec,
                    method: dict[str, Any] | None = None) -> pd.DataFrame:
    """Per lens and repeat, the calibration and decision threshold fitted on out-of-fold scores of
    ``threshold_folds``, never a test row (``core.training.tuned_thresholds``)."""
    return tuned_thresholds(threshold_folds, settings_of(training), settings_of(epochs), method)
