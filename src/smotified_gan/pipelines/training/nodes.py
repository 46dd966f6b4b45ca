"""Training node: a thin wrapper over ``smotified_gan.classifier``."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from smotified_gan.classifier import ClassifierConfig, TrainedClassifiers, train_classifiers
from smotified_gan.data.tables import TARGET, feature_columns

logger = logging.getLogger(__name__)


def run_seeds(training: dict[str, Any]) -> list[int]:
    """The recorded seed of every run: ``seed``, ``seed + 1``, ..."""
    return [int(training["seed"]) + run for run in range(int(training["runs"]))]


def train_classifier_runs(augmented_train: pd.DataFrame, training: dict[str, Any], epochs: int) -> TrainedClassifiers:
    """Train the paper's classifier ``runs`` times (different seeds) on the augmented training set."""
    features = feature_columns(augmented_train)
    config = ClassifierConfig(**{**training["classifier"], "epochs": int(epochs)})
    trained = train_classifiers(augmented_train[features].to_numpy(), augmented_train[TARGET].to_numpy(), config,
                                run_seeds(training), features)
    logger.info("Trained %d classifier runs x %d epochs on %d rows in %.1f s", len(trained.seeds), epochs,
                len(augmented_train), trained.seconds)
    return trained
