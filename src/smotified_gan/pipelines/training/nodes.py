"""Training nodes: thin wrappers over ``smotified_gan.classifier``.

A classifier spec is ``network``, the paper's network (its settings in
``training.network``: ``classifier.ClassifierConfig``), or any scikit-learn
classifier by import path with its arguments (``{class:
sklearn.ensemble.HistGradientBoostingClassifier, max_iter: 200}``; a name and a
mapping, so that an environment or ``--params`` switching from one to the other
replaces the spec instead of merging two). The experiment trains
``training.classifier`` and every ``training.lenses`` classifier on each cell:
each is a lens the report reads the methods through.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.classifier import ClassifierConfig, SklearnRuns, concatenate, train_classifiers, train_sklearn_runs
from smotified_gan.data.tables import TARGET, feature_columns, split_repeats
from smotified_gan.protocol import EpochsSpec, classifier_seeds, epochs_for, step_limit

logger = logging.getLogger(__name__)
# the primary lens's name when it is the paper's network
NETWORK = "network"


def lens_name(spec: str | dict[str, Any]) -> str:
    """``network`` for the paper's network, else the scikit-learn class's name."""
    return spec["class"].rsplit(".", 1)[-1] if isinstance(spec, dict) else NETWORK


def classifier_spec(spec: str | dict[str, Any], training: dict[str, Any]) -> dict[str, Any]:
    """The settings a spec stands for: ``training.network`` for ``network``, the scikit-learn spec as it is."""
    if isinstance(spec, dict):
        return dict(spec)
    if spec != NETWORK:
        raise ValueError(f"a classifier is '{NETWORK}' or {{class: <import path>, ...}}, got {spec!r}")
    return dict(training[NETWORK])


def train_classifier_runs(augmented_train: pd.DataFrame, training: dict[str, Any], epochs: EpochsSpec):
    """``training.classifier`` trained ``runs`` times per repeat on that repeat's training set, repeat ``r``'s runs
    seeded ``protocol.classifier_seeds(training, r)``; ``epochs`` (the network's) is a number or its rule.

    The network's runs of every repeat train as one stack when the repeats' sets have the same size (they do
    after a stratified split).
    """
    return _train(augmented_train, *_settings(training["classifier"], training), epochs)


def train_lenses(augmented_train: pd.DataFrame, training: dict[str, Any], epochs: EpochsSpec) -> dict:
    """Every lens of the experiment on the cell's training set: ``training.classifier`` under its ``lens_name``,
    then each of ``training.lenses`` (a lens's ``runs`` may override ``training.runs``)."""
    lenses = {lens_name(training["classifier"]): training["classifier"], **(training.get("lenses") or {})}
    trained = {}
    for name, spec in lenses.items():
        trained[name] = _train(augmented_train, *_settings(spec, training), epochs)
    return trained


def _settings(spec: str | dict[str, Any], training: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A classifier spec's settings (``classifier_spec``) without its ``runs``, and ``training`` with them (a
    scikit-learn spec's ``runs`` overrides ``training.runs``)."""
    spec = classifier_spec(spec, training)
    return spec, {**training, "runs": spec.pop("runs", None) or training["runs"]}


def _train(augmented_train: pd.DataFrame, spec: dict[str, Any], training: dict[str, Any], epochs):
    features = feature_columns(augmented_train)
    repeats = split_repeats(augmented_train)
    runs = int(training["runs"])
    seeds = [seed for r, _ in repeats for seed in classifier_seeds(training, r)]
    if "class" in spec:
        trained = _sklearn_per_repeat(repeats, spec, training, features)
        logger.info("Trained %d %s runs (%d repeat(s)) in %.1f s", len(trained.seeds), spec["class"], len(repeats),
                    trained.seconds)
        return trained
    majority, batch_size = int((repeats[0][1][TARGET] == 0).sum()), int(spec.get("batch_size", 32))
    config = ClassifierConfig(**{**spec, "epochs": epochs_for(epochs, 2 * majority, batch_size),
                                 "max_steps": step_limit(epochs, 2 * majority, batch_size)})
    epochs = config.epochs
    if len({len(rows) for _, rows in repeats}) == 1:
        trained = train_classifiers(np.stack([rows[features].to_numpy() for _, rows in repeats]),
                                    np.stack([rows[TARGET].to_numpy() for _, rows in repeats]), config, seeds, features,
                                    sets=[index for index, _ in enumerate(repeats) for _ in range(runs)])
        trained.repeats = [r for r, _ in repeats for _ in range(runs)]
    else:
        parts = [train_classifiers(rows[features].to_numpy(), rows[TARGET].to_numpy(), config,
                                   classifier_seeds(training, r), features) for r, rows in repeats]
        for (r, _), part in zip(repeats, parts):
            part.repeats = [r] * len(part.seeds)
        trained = concatenate(parts)
    logger.info("Trained %d classifier runs x %s (%d repeat(s), %d rows each) in %.1f s", len(trained.seeds),
                f"{config.max_steps} steps" if config.max_steps else f"{epochs} epochs", len(repeats),
                len(repeats[0][1]), trained.seconds)
    return trained


def _sklearn_per_repeat(repeats, spec: dict[str, Any], training: dict[str, Any], features: list[str]):
    """Each repeat's runs fitted on that repeat's rows, then put together in the repeats' order."""
    parts = [train_sklearn_runs(rows[features].to_numpy(), rows[TARGET].to_numpy(), spec, classifier_seeds(training, r),
                                features) for r, rows in repeats]
    return SklearnRuns([m for p in parts for m in p.models], [s for p in parts for s in p.seeds], features, spec,
                       [r for (r, _), p in zip(repeats, parts) for _ in p.seeds], sum(p.seconds for p in parts))


def score_rows(classifiers, features: pd.DataFrame) -> pd.DataFrame:
    """``minority_score`` (averaged over the runs; one calibrated run in production) and ``predicted_class`` per row."""
    missing = [c for c in classifiers.feature_names if c not in features.columns]
    if missing:
        raise ValueError(f"features {missing} the classifier was trained on are missing from the rows to score")
    scores = classifiers.scores(features[classifiers.feature_names].to_numpy()).mean(axis=0)
    return pd.DataFrame({"minority_score": scores.astype("float64"),
                         "predicted_class": (scores > classifiers.threshold).astype("int64")},
                        index=features.index)
