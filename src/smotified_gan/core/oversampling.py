"""Over-sampling for every method: the published sampler built from parameters, ``fit_resample`` per repeat, and
the threshold folds' rows.

``none`` keeps the training set, ``smote`` runs imbalanced-learn's first-phase
sampler, ``gan`` ``GANOverSampler``, ``smotified_gan`` ``SMOTifiedGAN``. The
experiment, production retraining and the notebook run the same objects, and
every cell has the same five outputs (empty where a method makes none), so
nothing downstream needs to know which sampler a method runs.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.core.data.tables import REPEAT, TARGET, feature_columns, split_repeats
from smotified_gan.core.parameters import Method, Oversampling, TunedThreshold, block_settings
from smotified_gan.core.protocol import EpochsSpec, epochs_for, method_settings, sampler_seed
from smotified_gan.core.samplers.settings import GANSettings

logger = logging.getLogger(__name__)
HISTORY_COLUMNS = ["epoch", "g_loss", "d_loss", "d_real", "d_fake", "val_f1", "class", REPEAT]


def build_sampler(method: str | Mapping[str, Any], oversampling: Mapping[str, Any], epochs: int = 100,
                  random_state: int | None = None):
    """The sampler ``method`` runs, built from the ``oversampling`` parameters (None for ``none``).

    ``oversampling`` holds ``sampling_strategy``, ``random_state``, the first
    phase's ``first_phase``, ``k_neighbors`` and ``first_phase_kwargs``, and
    ``gan`` (the GAN samplers' settings); ``epochs`` is the GAN's, per dataset;
    ``random_state`` overrides the parameters' (a repeat's seed).
    """
    from smotified_gan.core.samplers import GANOverSampler, SMOTifiedGAN, make_first_phase
    from smotified_gan.core.samplers.settings import sampler_settings

    kind, settings = method_settings(block_settings(Method, method), block_settings(Oversampling, oversampling))
    if kind == "none":
        return None
    seed = settings["random_state"] if random_state is None else random_state
    first = {"first_phase": settings["first_phase"], "k_neighbors": settings["k_neighbors"],
             "first_phase_kwargs": settings["first_phase_kwargs"]}
    if kind == "smote":
        return make_first_phase(first["first_phase"], settings["sampling_strategy"], first["k_neighbors"], seed,
                                **first["first_phase_kwargs"])
    sampler = GANOverSampler if kind == "gan" else SMOTifiedGAN
    epochs = settings.get("epochs") or epochs  # a preset (or the method) brings its own
    gan = dict(settings["gan"])
    foreign = sorted(set(gan) - set(sampler_settings(sampler.__name__)))
    if foreign:
        raise ValueError(f"the {kind} method sets {foreign}, which {sampler.__name__} does not take")
    own = first if kind == "smotified_gan" else {}
    return sampler(sampling_strategy=settings["sampling_strategy"], random_state=seed, epochs=int(epochs), **own, **gan)


def oversample_repeats(train_set: pd.DataFrame, oversampling: dict[str, Any], method: dict[str, Any],
               epochs: EpochsSpec, cell: dict[str, str]
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, list]:
    """Every repeat's augmented training set (original rows first), the new rows alone, the first phase's rows
    (SMOTified-GAN's generator input), the GANs' loss history and the fitted samplers: empty where the method
    makes none.

    Repeat ``r``'s sampler is seeded ``protocol.sampler_seed(oversampling, r)``; ``epochs`` is the GAN's, or the
    rule it follows (``protocol.epochs_for``). The GAN samplers of all repeats are fitted together
    (``fit_resample_many``: one stack of networks, the same rows as fitting them one by one up to rounding).
    """
    oversampling, method = block_settings(Oversampling, oversampling), block_settings(Method, method)
    repeats = split_repeats(train_set)
    epochs = _gan_epochs(epochs, method, oversampling, repeats[0][1])
    method = _neighbours_that_fit(method, oversampling, repeats, cell)
    samplers = [build_sampler(method, oversampling, epochs, sampler_seed(oversampling, r)) for r, _ in repeats]
    try:
        _check_first_phase(samplers, repeats)
        outputs = _fit_resample_all(samplers, [_xy(rows) for _, rows in repeats])
    except ValueError as error:
        raise ValueError(f"{cell['dataset']}.{cell['method']}: {error}") from error
    augmented = [_augmented(rows, *output).assign(**{REPEAT: r}) for (r, rows), output in zip(repeats, outputs)]
    new_rows = [frame.iloc[len(rows):] for frame, (_, rows) in zip(augmented, repeats)]
    fitted = [s for s in samplers if s is not None]
    return (_with_repeat(augmented), _with_repeat(new_rows), _first_phase_rows(samplers, repeats, train_set),
            _histories(samplers, repeats, cell), fitted)


# a threshold fold set's id in the ``repeat`` column: repeat r's fold k is r * FOLD_SETS + k
FOLD_SETS = 100
HELD_OUT = "held_out"


def threshold_fold_rows(train_set: pd.DataFrame, oversampling: dict[str, Any], method: dict[str, Any],
                        epochs: EpochsSpec, tuning: Mapping[str, Any], cell: dict[str, str],
                        samplers: list | None = None) -> pd.DataFrame:
    """The rows a cell's decision thresholds are tuned on, never a test row: each repeat's training rows cut into
    ``tuning.folds`` (``training.threshold``) stratified folds (``production.calibration.fold_of``, seeded
    ``threshold.seed +
    repeat``, the folds production cross-fits on); per fold, the method's over-sampler refitted on the other folds
    (``oversample_repeats``: the GANs of all folds in one stack) and the fold's own rows, unaugmented, marked ``held_out``.
    ``split: holdout``: the first fold alone (one inner validation split, one refit a repeat).

    A GAN method with ``gan_folds: reuse`` (the default) and ``samplers`` (``oversample_repeats``'s, one per
    repeat) trains no GAN per fold: a fold's new rows are the repeat's own trained generators' rows, fed from the
    other folds alone (SMOTified-GAN: their first phase; the plain GAN: fresh noise), so no held-out row is
    interpolated into them; the generators did see the held-out rows as real ones while they trained
    (docs/PROTOCOL.md, "Tuned thresholds of the GAN methods", measures what that changes). ``refit`` (or no
    ``samplers``, or ``rejection`` above 1, whose pool is chosen by the discriminator the saved samplers do not
    keep): a GAN trained per fold.

    The ``repeat`` column holds the fold set's id (``repeat * FOLD_SETS + fold``). No ``tuning`` (or
    ``folds: 0``), or a fold's training rows holding fewer than 2 minority rows where the over-sampler interpolates
    (a table of 4 minority rows in all, ``adapt_k_neighbors``; a warning names the cell): no rows, and the cell is
    scored at the fixed threshold only.
    """
    features = feature_columns(train_set)
    tuning = block_settings(TunedThreshold, tuning) if tuning is not None else None
    if not tuning or not tuning["folds"]:
        return _no_fold_rows(features)
    oversampling, method = block_settings(Oversampling, oversampling), block_settings(Method, method)
    fits, held = _fold_sets(train_set, tuning, cell)
    reusing = _reusable(samplers, tuning)
    logger.info("Threshold %s: %d fold set(s) over %d repeat(s), %s", "holdout" if tuning["split"] == "holdout"
                else "folds", len(fits), len(split_repeats(train_set)),
                "their rows from each repeat's trained generators (no GAN trained per fold)" if reusing
                else "the over-sampler refitted on each")
    try:
        if reusing:
            by_repeat = dict(zip([r for r, _ in split_repeats(train_set)], samplers))
            augmented = _from_trained_generators(fits, by_repeat, oversampling, method, cell)
        else:
            augmented = oversample_repeats(_with_repeat(fits), oversampling, method, epochs, cell)[0]
    except TooFewMinorityRows as error:
        logger.warning("%s.%s: no tuned threshold: a threshold fold's training rows are too few to refit the "
                       "over-sampler on (%s); the cell is scored at the fixed threshold only", cell["dataset"],
                       cell["method"], error)
        return _no_fold_rows(features)
    return pd.concat([augmented.assign(**{HELD_OUT: False}),
                      _with_repeat(held).astype({c: "float32" for c in features}).assign(**{HELD_OUT: True})],
                     ignore_index=True)


def _fold_sets(train_set: pd.DataFrame, tuning: Mapping[str, Any], cell: dict[str, str]
               ) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """Per repeat and fold (``threshold_fold_rows``): the other folds' rows and the fold's own, ``repeat`` set to the
    fold set's id."""
    from smotified_gan.core.production.calibration import fold_of

    fits, held = [], []
    for repeat, rows in split_repeats(train_set):
        rows = rows[[*feature_columns(train_set), TARGET]]
        try:
            fold = fold_of(rows[TARGET].to_numpy(), int(tuning["folds"]), int(tuning["seed"]) + repeat)
        except ValueError as error:
            raise ValueError(f"{cell['dataset']}.{cell['method']}: repeat {repeat}'s decision threshold: {error}") from error
        for k in range(1 if tuning["split"] == "holdout" else int(fold.max()) + 1):
            fits.append(rows[fold != k].assign(**{REPEAT: repeat * FOLD_SETS + k}))
            held.append(rows[fold == k].assign(**{REPEAT: repeat * FOLD_SETS + k}))
    return fits, held


def _reusable(samplers: list | None, tuning: Mapping[str, Any]) -> bool:
    """Whether the fold rows can come from the repeats' trained generators (``threshold_fold_rows``)."""
    from smotified_gan.core.samplers.base import BaseGANOverSampler

    return (tuning["gan_folds"] == "reuse" and bool(samplers)
            and all(isinstance(s, BaseGANOverSampler) for s in samplers)
            and all(float(getattr(s, "rejection", 1.0)) <= 1.0 for s in samplers))


def _from_trained_generators(fits: list[pd.DataFrame], samplers: Mapping[int, Any], oversampling: Mapping[str, Any],
                             method, cell: dict[str, str]) -> pd.DataFrame:
    """Each fold set's rows with the new rows its repeat's trained sampler makes from them: as many per class as
    the sampler's ``sampling_strategy`` asks of these rows; SMOTified-GAN refines a first phase run on these rows
    alone (seeded ``sampler_seed(oversampling, fold set)``, as a refit would be), the plain GAN samples fresh
    noise."""
    from imblearn.utils import check_sampling_strategy

    from smotified_gan.core.samplers import SMOTifiedGAN
    from smotified_gan.core.samplers.first_phase import first_phase_rows
    from smotified_gan.core.samplers.validation import check_minority_size

    method = _neighbours_that_fit(method, oversampling, [(None, rows) for rows in fits], cell)
    settings = method_settings(method, oversampling)[1]
    refining = any(isinstance(s, SMOTifiedGAN) for s in samplers.values())
    if refining and settings["first_phase"] != "random" and isinstance(settings["k_neighbors"], int):
        for rows in fits:
            try:
                check_minority_size(rows[TARGET].to_numpy(), {1: 1}, settings["k_neighbors"])
            except ValueError as error:
                raise ValueError(f"{cell['dataset']}.{cell['method']}: {error}") from error
    augmented = []
    for rows in fits:
        fold_set = int(rows[REPEAT].iloc[0])
        sampler = samplers[fold_set // FOLD_SETS]
        X, y = rows[feature_columns(rows)].to_numpy(np.float32), rows[TARGET].to_numpy()
        strategy = check_sampling_strategy(sampler.sampling_strategy, y, "over-sampling")
        seed = sampler_seed(oversampling, fold_set)
        new_X, new_y = [], []
        for index, (label, n) in enumerate(sorted(strategy.items(), key=lambda item: str(item[0]))):
            if n <= 0:
                continue
            if isinstance(sampler, SMOTifiedGAN):
                X_gan = np.clip(X, 0, 1) if sampler.output_activation == "sigmoid" else X
                X_syn, y_syn = first_phase_rows(X_gan, y, {label: n}, settings["first_phase"],
                                                settings["k_neighbors"], np.random.RandomState(seed),
                                                **settings["first_phase_kwargs"])
                new_X.append(sampler.refine(X_syn[y_syn == label], label))
            else:
                new_X.append(sampler.sample(int(n), label, seed + 1000 * index + 7))
            new_y.append(np.full(len(new_X[-1]), label, dtype=y.dtype))
        X_res = np.vstack([X, *new_X]) if new_X else X
        y_res = np.concatenate([y, *new_y]) if new_y else y
        augmented.append(_augmented(rows[[*feature_columns(rows), TARGET]], X_res, y_res).assign(**{REPEAT: fold_set}))
    return _with_repeat(augmented)


def _no_fold_rows(features: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float32") for c in features}).assign(
        **{TARGET: pd.Series(dtype="int8"), REPEAT: pd.Series(dtype="int16"), HELD_OUT: pd.Series(dtype=bool)})


def oversample_training_set(train_set: pd.DataFrame, method: dict[str, Any], oversampling: dict[str, Any],
                            epochs: int) -> pd.DataFrame:
    """The augmented training set of the method named in parameters (production retraining)."""
    return oversample_repeats(train_set, oversampling, method, epochs, {"dataset": "production", "method": "retrain"})[0]


def _gan_epochs(epochs: int | Mapping[str, Any], method, oversampling: Mapping[str, Any], train_set: pd.DataFrame) -> int:
    """The configured epochs, or the rule's for this table (``protocol.epochs_for``: the minority's training rows)."""
    gan = method_settings(method, oversampling)[1]["gan"]
    batch_size = gan.get("batch_size", GANSettings.model_fields["batch_size"].default)  # the sampler's own default
    return epochs_for(epochs, int((train_set[TARGET] == 1).sum()), int(batch_size))


class TooFewMinorityRows(ValueError):
    """A training set (a repeat's, or a threshold fold's) with fewer than 2 minority rows to interpolate from."""


def _neighbours_that_fit(method, oversampling: Mapping[str, Any], repeats: list[tuple], cell: dict[str, str]):
    """With ``oversampling.adapt_k_neighbors``: the method with its first phase's ``k_neighbors`` lowered to the
    smallest minority class of the repeats (or threshold fold sets) less one, where that is fewer than ``k + 1``
    rows, so a table with 4-9 minority rows in all keeps a first phase (k = 1 interpolates between two rows).
    Fewer than 2 minority rows: an error naming the cell. Logged; the method as it is when its neighbours fit (and
    always without the setting: ``_check_first_phase`` then stops a table that is too small, naming it)."""
    if not oversampling["adapt_k_neighbors"]:
        return method
    kind, settings = method_settings(method, oversampling)
    k = settings["k_neighbors"]
    if kind not in ("smote", "smotified_gan") or settings["first_phase"] == "random" or not isinstance(k, int):
        return method
    smallest = min(int((rows[TARGET] == 1).sum()) for _, rows in repeats)
    if smallest > k:
        return method
    if smallest < 2:
        raise TooFewMinorityRows(f"{cell.get('dataset', '?')}.{cell.get('method', '?')}: {smallest} minority row(s) "
                                 "to over-sample from: an interpolation needs 2 (a table this small is too small for "
                                 "this method)")
    logger.info("%s.%s: k_neighbors %d -> %d, the smallest training minority class holding %d rows",
                cell.get("dataset", "?"), cell.get("method", "?"), k, smallest - 1, smallest)
    return {**({"sampler": method} if isinstance(method, str) else dict(method)), "k_neighbors": smallest - 1}


def _check_first_phase(samplers: list, repeats: list[tuple]) -> None:
    """An imbalanced-learn sampler's neighbours against each repeat's minority rows, before it fails inside
    scikit-learn ("Expected n_neighbors <= n_samples_fit"); the GAN samplers check their own input."""
    from smotified_gan.core.samplers.validation import check_minority_size

    k = getattr(samplers[0], "k_neighbors", None)
    k = getattr(samplers[0], "n_neighbors", None) if k is None else k
    if isinstance(k, int) and not isinstance(k, bool):
        for _, rows in repeats:
            check_minority_size(rows[TARGET].to_numpy(), {1: 1}, k)


def _fit_resample_all(samplers: list, datasets: list[tuple]) -> list[tuple]:
    from smotified_gan.core.samplers.base import BaseGANOverSampler
    from smotified_gan.core.samplers.first_phase import neighbours_on_one_thread
    from smotified_gan.core.samplers.many import fit_resample_many

    if samplers[0] is None:
        return datasets
    if isinstance(samplers[0], BaseGANOverSampler):
        return fit_resample_many(samplers, datasets)
    with neighbours_on_one_thread():  # the same rows in a one-thread grid worker as in a two-thread `kedro run`
        return [sampler.fit_resample(X, y) for sampler, (X, y) in zip(samplers, datasets)]


def _xy(train_set: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    return train_set[feature_columns(train_set)], train_set[TARGET].to_numpy()


def _augmented(train_set: pd.DataFrame, X_res, y_res) -> pd.DataFrame:
    augmented = pd.DataFrame(np.asarray(X_res, dtype=np.float32), columns=feature_columns(train_set))
    augmented[TARGET] = np.asarray(y_res).astype("int8")
    logger.info("Augmented training set: %d original + %d synthetic rows, class counts %s", len(train_set),
                len(augmented) - len(train_set), augmented[TARGET].value_counts().sort_index().to_dict())
    return augmented


def _with_repeat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True).astype({REPEAT: "int16"})


def _first_phase_rows(samplers: list, repeats: list, train_set: pd.DataFrame) -> pd.DataFrame:
    """SMOTified-GAN's first-phase rows per repeat (its generator's input); no rows for the other methods."""
    features = feature_columns(train_set)
    frames = [pd.DataFrame(rows, columns=features).assign(**{TARGET: np.int8(label), REPEAT: repeat})
              for (repeat, _), sampler in zip(repeats, samplers)
              for label, rows in getattr(sampler, "first_phase_rows_", {}).items()]
    empty = pd.DataFrame({c: pd.Series(dtype="float32") for c in features}).assign(
        **{TARGET: pd.Series(dtype="int8"), REPEAT: pd.Series(dtype="int16")})
    return pd.concat([empty, *frames], ignore_index=True).astype({**{c: "float32" for c in features},
                                                                   TARGET: "int8", REPEAT: "int16"})


def _histories(samplers: list, repeats: list, cell: dict[str, str]) -> pd.DataFrame:
    """The GANs' loss histories with their ``repeat``, ``dataset`` and ``method``; no rows without a GAN."""
    frames = [s.history_.assign(**{REPEAT: r}) for (r, _), s in zip(repeats, samplers) if hasattr(s, "history_")]
    history = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=HISTORY_COLUMNS)
    return history.assign(**cell)
