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

from smotified_gan.data.tables import REPEAT, TARGET, feature_columns, split_repeats
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
    method.pop("label", None)  # the report's name for the method
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
    return _augmented(train_set, *sampler.fit_resample(*_xy(train_set)))


def _xy(train_set: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    return train_set[feature_columns(train_set)], train_set[TARGET].to_numpy()


def _augmented(train_set: pd.DataFrame, X_res, y_res) -> pd.DataFrame:
    augmented = pd.DataFrame(np.asarray(X_res, dtype=np.float32), columns=feature_columns(train_set))
    augmented[TARGET] = np.asarray(y_res).astype("int8")
    logger.info("Augmented training set: %d original + %d synthetic rows, class counts %s", len(train_set),
                len(augmented) - len(train_set), augmented[TARGET].value_counts().sort_index().to_dict())
    return augmented


def resample_repeats(method: str | Mapping[str, Any], oversampling: Mapping[str, Any], epochs: int,
                     train_set: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Every repeat's augmented set (with ``repeat``), the new rows alone, and the fitted samplers (None for none).

    Repeat ``r``'s sampler is seeded ``random_state + r``. The GAN samplers of
    all repeats are fitted together (``fit_resample_many``: one stack of
    networks, the same rows as fitting them one by one up to rounding).
    """
    from smotified_gan.samplers.base import BaseGANOverSampler, fit_resample_many

    repeats = split_repeats(train_set)
    samplers = [build_sampler(method, {**oversampling, "random_state": int(oversampling["random_state"]) + r}, epochs)
                for r, _ in repeats]
    if samplers[0] is None:
        outputs = [_xy(rows) for _, rows in repeats]
    elif isinstance(samplers[0], BaseGANOverSampler):
        outputs = fit_resample_many(samplers, [_xy(rows) for _, rows in repeats])
    else:
        outputs = [sampler.fit_resample(*_xy(rows)) for sampler, (_, rows) in zip(samplers, repeats)]
    augmented = [_augmented(rows, *output).assign(**{REPEAT: r}) for (r, rows), output in zip(repeats, outputs)]
    new_rows = [frame.iloc[len(rows):] for frame, (_, rows) in zip(augmented, repeats)]
    return (pd.concat(augmented, ignore_index=True).astype({REPEAT: "int16"}),
            pd.concat(new_rows, ignore_index=True).astype({REPEAT: "int16"}), samplers)


def keep_training_set(train_set: pd.DataFrame) -> pd.DataFrame:
    """No augmentation: the training set as it is."""
    return train_set.copy()


def smote_oversample(train_set: pd.DataFrame, oversampling: dict[str, Any],
                     method: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SMOTE (or the configured first-phase sampler), per repeat: the augmented set and the synthetic rows alone."""
    augmented, synthetic, _ = resample_repeats(method, oversampling, 0, train_set)
    return augmented, synthetic


def _repeat_ids(train_set: pd.DataFrame) -> list[int]:
    """The repeats of a table, in the order ``resample_repeats`` returns their samplers."""
    return sorted(int(r) for r in train_set[REPEAT].unique()) if REPEAT in train_set.columns else [0]


def _histories(samplers: list, repeats: list[int], cell: dict[str, str] | None) -> pd.DataFrame:
    """The samplers' loss histories with their ``repeat`` (and the cell's ``dataset`` and ``method``)."""
    return pd.concat([s.history_.assign(**{REPEAT: r}, **(cell or {})) for r, s in zip(repeats, samplers)],
                     ignore_index=True)


def gan_generate(train_set: pd.DataFrame, oversampling: dict[str, Any], epochs: int, method: dict[str, Any],
                 cell: dict[str, str] | None = None):
    """The plain GAN baseline (G(noise)), per repeat: augmented set, synthetic rows, loss history, fitted samplers."""
    augmented, synthetic, samplers = resample_repeats(method, oversampling, epochs, train_set)
    return augmented, synthetic, _histories(samplers, _repeat_ids(train_set), cell), samplers


def gan_refine(train_set: pd.DataFrame, oversampling: dict[str, Any], epochs: int, method: dict[str, Any],
               cell: dict[str, str] | None = None):
    """SMOTified-GAN (G(first-phase rows)), per repeat: augmented set, refined rows, first-phase rows, history, samplers."""
    augmented, refined, samplers = resample_repeats(method, oversampling, epochs, train_set)
    features, repeats = feature_columns(train_set), _repeat_ids(train_set)
    first = [pd.DataFrame(rows, columns=features).assign(**{TARGET: np.int8(label), REPEAT: repeat})
             for repeat, sampler in zip(repeats, samplers) for label, rows in sampler.first_phase_rows_.items()]
    first_phase_rows = pd.concat(first, ignore_index=True).astype({**{c: "float32" for c in features}, REPEAT: "int16"})
    return augmented, refined, first_phase_rows, _histories(samplers, repeats, cell), samplers


def oversample_training_set(train_set: pd.DataFrame, method: dict[str, Any], oversampling: dict[str, Any],
                            epochs: int) -> pd.DataFrame:
    """The augmented training set of the method named in parameters (production retraining)."""
    if method_settings(method, oversampling)[0] == "none":
        return keep_training_set(train_set)
    return resample_repeats(method, oversampling, epochs, train_set)[0]
