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


def score_rows(classifiers: TrainedClassifiers, features: pd.DataFrame) -> pd.DataFrame:
    """``minority_score`` (averaged over the runs; one run in production) and ``predicted_class`` per row."""
    missing = [c for c in classifiers.feature_names if c not in features.columns]
    if missing:
        raise ValueError(f"features {missing} the classifier was trained on are missing from the rows to score")
    scores = classifiers.scores(features[classifiers.feature_names].to_numpy()).mean(axis=0)
    return pd.DataFrame({"minority_score": scores.astype("float64"),
                         "predicted_class": (scores > classifiers.config.threshold).astype("int64")},
                        index=features.index)
