"""Oversampling nodes: one template for every method (``core.oversampling`` does the work).

``none`` keeps the training set, ``smote`` runs imbalanced-learn's first-phase
sampler, ``gan`` ``GANOverSampler``, ``smotified_gan`` ``SMOTifiedGAN``. The
experiment, production retraining and the notebook run the same objects, and
every cell has the same five outputs (empty where a method makes none), so
nothing downstream needs to know which sampler a method runs.
"""

from __future__ import annotations

import pandas as pd

# a model registered before these moved to the core pickled its pipeline's node functions under this module
from smotified_gan.core.oversampling import (
    oversample_repeats,
    oversample_training_set,  # noqa: E402, F401
    threshold_fold_rows,
)
from smotified_gan.core.parameters import Oversampling, Training, settings_of
from smotified_gan.core.protocol import EpochsSpec


def oversample(train_set: pd.DataFrame, oversampling: Oversampling, method: dict, epochs: EpochsSpec,
               cell: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, list]:
    """Every repeat's augmented training set, the new rows alone, the first phase's rows, the GANs' loss history
    and the fitted samplers (``core.oversampling.oversample_repeats``)."""
    # the method stays a plain dict (the core checks it as a parameters.Method): typed here, Kedro would hand
    # every node reading params:grid its methods as models too
    return oversample_repeats(train_set, settings_of(oversampling), method, settings_of(epochs), cell)


def oversample_folds(train_set: pd.DataFrame, oversampling: Oversampling, method: dict,
                     epochs: EpochsSpec, training: Training, cell: dict[str, str],
                     samplers: list | None = None) -> pd.DataFrame:
    """The rows the cell's decision thresholds are tuned on, per ``training.threshold``
    (``core.oversampling.threshold_fold_rows``); ``samplers``: ``oversample``'s, whose generators a GAN method reuses."""
    return threshold_fold_rows(train_set, settings_of(oversampling), method, settings_of(epochs),
                               settings_of(training.threshold if isinstance(training, Training) else training["threshold"]),
                               cell, samplers)
