"""Oversampling nodes: build the published sampler from parameters, call ``fit_resample``.

Every method runs through ``build_sampler`` and ``resample``: imbalanced-learn's
first-phase sampler for ``smote``, ``GANOverSampler`` for ``gan``,
``SMOTifiedGAN`` for ``smotified_gan``. The experiment, production retraining
and the notebook therefore run the same objects.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.data.tables import TARGET, feature_columns
from smotified_gan.pipelines.grid import SAMPLERS

logger = logging.getLogger(__name__)


def method_settings(method: str | Mapping[str, Any], oversampling: Mapping[str, Any]) -> tuple[str, dict]:
    """The sampler a method runs and its ``oversampling`` settings with the method's overrides applied.

    ``method`` is a sampler name (``smote``) or a grid method's settings
    (``{sampler: smotified_gan, first_phase: {first_phase: borderline_smote}}``):
    its ``first_phase`` and ``gan`` blocks override those of ``oversampling``
    key by key, any other key replaces the one in ``oversampling``.
    """
    method = {"sampler": method} if isinstance(method, str) else dict(method)
    sampler = method.pop("sampler", None)
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown oversampling method {sampler!r}; known: {list(SAMPLERS)}")
    settings = {**oversampling}
    for key, value in method.items():
        settings[key] = {**settings.get(key, {}), **value} if key in ("first_phase", "gan") else value
    return sampler, settings


def build_sampler(method: str | Mapping[str, Any], oversampling: Mapping[str, Any], epochs: int = 100):
    """The sampler ``method`` names, built from the ``oversampling`` parameters (None for ``none``).

    ``oversampling`` holds ``sampling_strategy``, ``random_state``,
    ``first_phase`` (the first-phase settings, SMOTifiedGAN's argument names)
    and ``gan`` (the GAN samplers' constructor arguments); ``epochs`` is the
    GAN's, per dataset.
    """
    from smotified_gan.samplers import GANOverSampler, SMOTifiedGAN, make_first_phase

    kind, settings = method_settings(method, oversampling)
    if kind == "none":
        return None
    common = {"sampling_strategy": settings["sampling_strategy"], "random_state": settings["random_state"]}
    first = dict(settings["first_phase"])
    if kind == "smote":
        return make_first_phase(first["first_phase"], common["sampling_strategy"], first["k_neighbors"],
                                common["random_state"], **(first.get("first_phase_kwargs") or {}))
    gan = {**settings["gan"], "epochs": int(epochs)}
    return GANOverSampler(**common, **gan) if kind == "gan" else SMOTifiedGAN(**common, **first, **gan)


def resample(sampler, train_set: pd.DataFrame) -> pd.DataFrame:
    """``sampler.fit_resample`` on a model-input table: the original rows first, the new rows appended."""
    features = feature_columns(train_set)
    X_res, y_res = sampler.fit_resample(train_set[features], train_set[TARGET].to_numpy())
    augmented = pd.DataFrame(np.asarray(X_res, dtype=np.float32), columns=features)
    augmented[TARGET] = np.asarray(y_res).astype("int8")
    logger.info("Augmented training set: %d original + %d synthetic rows, class counts %s", len(train_set),
                len(augmented) - len(train_set), augmented[TARGET].value_counts().sort_index().to_dict())
    return augmented


def _new_rows(augmented: pd.DataFrame, train_set: pd.DataFrame) -> pd.DataFrame:
    return augmented.iloc[len(train_set):].reset_index(drop=True)


def keep_training_set(train_set: pd.DataFrame) -> pd.DataFrame:
    """No augmentation: the training set as it is."""
    return train_set.copy()


def smote_oversample(train_set: pd.DataFrame, oversampling: dict[str, Any],
                     method: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SMOTE (or the configured first-phase sampler): the augmented set and the synthetic rows alone."""
    augmented = resample(build_sampler(method, oversampling), train_set)
    return augmented, _new_rows(augmented, train_set)


def gan_generate(train_set: pd.DataFrame, oversampling: dict[str, Any], epochs: int, method: dict[str, Any]):
    """The plain GAN baseline (G(noise)): augmented set, synthetic rows, loss history, fitted sampler."""
    sampler = build_sampler(method, oversampling, epochs)
    augmented = resample(sampler, train_set)
    return augmented, _new_rows(augmented, train_set), sampler.history_, sampler


def gan_refine(train_set: pd.DataFrame, oversampling: dict[str, Any], epochs: int, method: dict[str, Any]):
    """SMOTified-GAN (G(first-phase rows)): augmented set, refined rows, first-phase rows, history, sampler."""
    sampler = build_sampler(method, oversampling, epochs)
    augmented = resample(sampler, train_set)
    features = feature_columns(train_set)
    first = [pd.DataFrame(rows, columns=features).assign(**{TARGET: np.int8(label)})
             for label, rows in sampler.first_phase_rows_.items()]
    first_phase_rows = pd.concat(first, ignore_index=True).astype({c: "float32" for c in features})
    return augmented, _new_rows(augmented, train_set), first_phase_rows, sampler.history_, sampler


def oversample_training_set(train_set: pd.DataFrame, method: dict[str, Any], oversampling: dict[str, Any],
                            epochs: int) -> pd.DataFrame:
    """The augmented training set of the method named in parameters (production retraining)."""
    sampler = build_sampler(method, oversampling, epochs)
    return keep_training_set(train_set) if sampler is None else resample(sampler, train_set)
