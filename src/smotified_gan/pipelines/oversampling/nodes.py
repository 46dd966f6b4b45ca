"""Oversampling nodes: thin wrappers over ``smotified_gan.samplers``."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from imblearn.utils import check_sampling_strategy

from smotified_gan.data.tables import TARGET, feature_columns
from smotified_gan.samplers import config_from, first_phase_rows, refine_with_gan
from smotified_gan.samplers.bundle import GeneratorBundle
from smotified_gan.samplers.validation import check_minority_size, check_resampling_input

logger = logging.getLogger(__name__)


def _xy(train_set: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    features = feature_columns(train_set)
    return train_set[features].to_numpy(np.float32), train_set[TARGET].to_numpy(), features


def _rows(X: np.ndarray, y: np.ndarray, features: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(np.asarray(X, dtype=np.float32), columns=features)
    frame[TARGET] = np.asarray(y).astype("int8")
    return frame


def _to_generate(train_set: pd.DataFrame, oversampling: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[str], dict]:
    X, y, features = _xy(train_set)
    check_resampling_input(train_set[features], y, unit_interval=oversampling["gan"].get("output_activation", "sigmoid") == "sigmoid")
    return X, y, features, dict(check_sampling_strategy(oversampling["sampling_strategy"], y, "over-sampling"))


def smote_oversample(train_set: pd.DataFrame, oversampling: dict[str, Any]) -> pd.DataFrame:
    """First phase: the synthetic minority rows SMOTE (or the configured sampler) adds."""
    X, y, features, to_generate = _to_generate(train_set, oversampling)
    first = oversampling["first_phase"]
    check_minority_size(y, to_generate, first["k_neighbors"])
    X_syn, y_syn = first_phase_rows(X, y, to_generate, first["sampler"], first["k_neighbors"],
                                    oversampling["seed"], **(first.get("kwargs") or {}))
    return _rows(X_syn, y_syn, features)


def gan_refine(train_set: pd.DataFrame, first_phase_rows: pd.DataFrame, oversampling: dict[str, Any],
               epochs: int) -> tuple[pd.DataFrame, pd.DataFrame, GeneratorBundle]:
    """SMOTified-GAN's second phase: G(first-phase rows), trained against the real minority rows."""
    X, y, features, _ = _to_generate(train_set, oversampling)
    X_syn, y_syn, _ = _xy(first_phase_rows)
    sources = {label: X_syn[y_syn == label] for label in np.unique(y_syn)}
    counts = {label: len(rows) for label, rows in sources.items()}
    return _train(X, y, features, sources, counts, oversampling, epochs)


def gan_generate(train_set: pd.DataFrame, oversampling: dict[str, Any], epochs: int
                 ) -> tuple[pd.DataFrame, pd.DataFrame, GeneratorBundle]:
    """The plain GAN baseline: G(noise), trained against the real minority rows."""
    X, y, features, to_generate = _to_generate(train_set, oversampling)
    return _train(X, y, features, {label: None for label in to_generate}, to_generate, oversampling, epochs)


def _train(X, y, features, sources, counts, oversampling, epochs):
    config = config_from({**oversampling["gan"], "epochs": epochs})
    stopping = oversampling.get("early_stopping") or {}
    X_new, y_new, trained, history = refine_with_gan(
        X, y, sources, counts, config, oversampling["seed"],
        early_stopping=stopping.get("enabled", False), validation_fraction=stopping.get("validation_fraction", 0.2),
        monitor_validation=stopping.get("monitor", False),
    )
    return _rows(X_new, y_new, features), history, GeneratorBundle.from_trained(config, features, trained)


def assemble_training_set(train_set: pd.DataFrame, synthetic_rows: pd.DataFrame) -> pd.DataFrame:
    """The augmented training set: the original rows first, then the synthetic ones."""
    if list(synthetic_rows.columns) != list(train_set.columns):
        raise ValueError(f"synthetic rows have columns {list(synthetic_rows.columns)}, the training set {list(train_set.columns)}")
    augmented = pd.concat([train_set, synthetic_rows.astype(train_set.dtypes.to_dict())], ignore_index=True)
    logger.info("Augmented training set: %d original + %d synthetic rows, class counts %s", len(train_set),
                len(synthetic_rows), augmented[TARGET].value_counts().sort_index().to_dict())
    return augmented


def keep_training_set(train_set: pd.DataFrame) -> pd.DataFrame:
    """No augmentation: the training set as it is."""
    return train_set.copy()
