"""Training node: a thin wrapper over ``smotified_gan.classifier``."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.classifier import ClassifierConfig, TrainedClassifiers, concatenate, train_classifiers
from smotified_gan.data.tables import TARGET, feature_columns, split_repeats

logger = logging.getLogger(__name__)


def run_seeds(training: dict[str, Any], repeat: int = 0) -> list[int]:
    """The recorded seed of every run of ``repeat``: ``seed + repeat * runs``, then + 1, + 2, ...

    Repeat 0's seeds are ``seed .. seed + runs - 1`` (the single-split protocol's).
    """
    runs = int(training["runs"])
    return [int(training["seed"]) + repeat * runs + run for run in range(runs)]


def train_classifier_runs(augmented_train: pd.DataFrame, training: dict[str, Any], epochs: int) -> TrainedClassifiers:
    """Train the paper's classifier ``runs`` times per repeat (each run its own seed) on that repeat's training set.

    The runs of every repeat train as one stack when the repeats' sets have
    the same size (they do after a stratified split).
    """
    features = feature_columns(augmented_train)
    config = ClassifierConfig(**{**training["classifier"], "epochs": int(epochs)})
    repeats = split_repeats(augmented_train)
    if len({len(rows) for _, rows in repeats}) == 1:
        trained = train_classifiers(np.stack([rows[features].to_numpy() for _, rows in repeats]),
                                    np.stack([rows[TARGET].to_numpy() for _, rows in repeats]), config,
                                    [seed for r, _ in repeats for seed in run_seeds(training, r)], features,
                                    sets=[index for index, _ in enumerate(repeats) for _ in range(int(training["runs"]))])
        trained.repeats = [r for r, _ in repeats for _ in range(int(training["runs"]))]
    else:
        parts = [train_classifiers(rows[features].to_numpy(), rows[TARGET].to_numpy(), config, run_seeds(training, r),
                                   features) for r, rows in repeats]
        for (r, _), part in zip(repeats, parts):
            part.repeats = [r] * len(part.seeds)
        trained = concatenate(parts)
    logger.info("Trained %d classifier runs x %d epochs (%d repeat(s), %d rows each) in %.1f s", len(trained.seeds),
                epochs, len(repeats), len(repeats[0][1]), trained.seconds)
    return trained


def score_rows(classifiers: TrainedClassifiers, features: pd.DataFrame) -> pd.DataFrame:
    """``minority_score`` (averaged over the runs; one calibrated run in production) and ``predicted_class`` per row."""
    missing = [c for c in classifiers.feature_names if c not in features.columns]
    if missing:
        raise ValueError(f"features {missing} the classifier was trained on are missing from the rows to score")
    scores = classifiers.scores(features[classifiers.feature_names].to_numpy()).mean(axis=0)
    return pd.DataFrame({"minority_score": scores.astype("float64"),
                         "predicted_class": (scores > classifiers.threshold).astype("int64")},
                        index=features.index)
