"""The experiment's classifiers: lenses (specs), their runs per repeat over ``core.classifier``, tuned thresholds.

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

from smotified_gan.core.classifier import (
    ClassifierConfig,
    SklearnRuns,
    sklearn_estimator,
    train_classifiers,
    train_sklearn_runs,
)
from smotified_gan.core.data.tables import TARGET, feature_columns, split_repeats
from smotified_gan.core.names import MINORITY_SCORE, PREDICTED_CLASS
from smotified_gan.core.parameters import Training, block_settings
from smotified_gan.core.protocol import EpochsSpec, classifier_seeds, epochs_for, step_limit
from smotified_gan.core.torch_utils import resolve_device, resolve_precision

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
    return dict(training.get(NETWORK) or {})


def train_classifier_runs(augmented_train: pd.DataFrame, training: dict[str, Any], epochs: EpochsSpec):
    """``training.classifier`` trained ``runs`` times per repeat on that repeat's training set, repeat ``r``'s runs
    seeded ``protocol.classifier_seeds(training, r)``; ``epochs`` (the network's) is a number or its rule.

    The network's runs of every repeat train as one stack when the repeats' sets have the same size (they do
    after a stratified split).
    """
    return _train(augmented_train, *_settings(training["classifier"], training), epochs)


def with_class_weight(training: dict[str, Any], method: dict[str, Any] | str | None) -> dict[str, Any]:
    """``training`` with the method's ``class_weight`` (``balanced``) given to every classifier it names: the
    network's loss weighs each minority row majority / minority (``ClassifierConfig.class_weight``), a
    scikit-learn classifier gets ``class_weight="balanced"``; one that takes no class weights is an error naming
    it. Without one, ``training`` as it is."""
    weight = method.get("class_weight") if isinstance(method, dict) else None
    if not weight:
        return training

    def weighted(spec):
        if not isinstance(spec, dict):
            return spec
        if "class_weight" not in sklearn_estimator({k: v for k, v in spec.items() if k != "runs"}).get_params():
            raise ValueError(f"the method's class_weight: {weight} needs classifiers that take class weights; "
                             f"{spec['class']} does not")
        return {**spec, "class_weight": weight}

    return {**training, "network": {**training["network"], "class_weight": weight},
            "classifier": weighted(training["classifier"]),
            **({"lenses": {name: weighted(spec) for name, spec in training["lenses"].items()}} if "lenses" in training
               else {})}  # retrain trains one classifier, no lenses


def lens_runs(augmented_train: pd.DataFrame, training: dict[str, Any], epochs: EpochsSpec,
                 method: dict[str, Any] | None = None) -> dict:
    """Every lens of the experiment on the cell's training set: ``training.classifier`` under its ``lens_name``,
    then each of ``training.lenses`` (a lens's ``runs`` may override ``training.runs``); the method's class weights
    on each (``with_class_weight``)."""
    training = with_class_weight(block_settings(Training, training), method)
    trained = {}
    for name, spec in _lenses(training).items():
        trained[name] = _train(augmented_train, *_settings(spec, training), epochs)
    return trained


def tuned_thresholds(threshold_folds: pd.DataFrame, training: dict[str, Any], epochs: EpochsSpec,
                    method: dict[str, Any] | None = None) -> pd.DataFrame:
    """Per lens and repeat: the calibration and decision threshold its runs are scored with (the evaluation's
    ``*_tuned`` metrics), fitted on rows no classifier scored with it trained on.

    ``threshold_folds`` (``threshold_fold_rows``): per fold of a repeat's training rows, the over-sampled other folds
    and the fold's own rows. Each lens is trained ``training.threshold.runs`` times on each fold set's over-sampled
    rows and scores its held-out rows (the runs' mean); the repeat's out-of-fold scores then get their calibration
    and threshold from ``production.calibration.decide_threshold``, the function retrain's threshold comes from
    (``threshold.rule``: by default the lens's own 0.5 unless the ``metric``-best threshold is shown better out of
    fold; one fold, ``split: holdout``, cannot show it). One row per (classifier, repeat), the calibration in
    ``kind``/``x``/``y``/``threshold`` (``calibration_of`` reads it back) and the rule's reason in ``decision``; no
    rows without threshold folds.
    """
    import json

    from smotified_gan.core.oversampling import FOLD_SETS, HELD_OUT
    from smotified_gan.core.production.calibration import decide_threshold

    columns = ["classifier", "repeat", "kind", "x", "y", "threshold", "metric", "out_of_fold", "rows", "minority_rows",
               "decision"]
    if not len(threshold_folds):
        return pd.DataFrame(columns=columns)
    training = block_settings(Training, training)
    tuning = training["threshold"]
    training = with_class_weight(training, method)
    held_out = threshold_folds[HELD_OUT].to_numpy(dtype=bool)
    fit_rows, scored = threshold_folds[~held_out].drop(columns=HELD_OUT), threshold_folds[held_out].drop(columns=HELD_OUT)
    rows = []
    for name, spec in _lenses(training).items():
        spec, settings = _settings(spec, training)
        trained = _train(fit_rows, spec, {**settings, "runs": int(tuning["runs"])}, epochs)
        by_repeat: dict[int, list] = {}
        for fold_set, part in split_repeats(scored):
            scores = trained.scores(part[trained.feature_names].to_numpy(np.float32), trained.runs_of(fold_set))
            by_repeat.setdefault(fold_set // FOLD_SETS, []).append(
                (scores.mean(axis=0), part[TARGET].to_numpy(), np.full(len(part), fold_set % FOLD_SETS)))
        for repeat, parts in sorted(by_repeat.items()):
            scores, y, fold = (np.concatenate([p[i] for p in parts]) for i in range(3))
            calibration, value, decision = decide_threshold(
                scores, y, fold, trained.threshold, tuning["calibration"], tuning["metric"],
                tuning["rule"], tuning["margin"], tuning["seed"] + repeat)
            rows.append({"classifier": name, "repeat": repeat, "kind": calibration.method,
                         "x": json.dumps(calibration.x), "y": json.dumps(calibration.y),
                         "threshold": calibration.threshold, "metric": tuning["metric"], "out_of_fold": value,
                         "rows": len(y), "minority_rows": int(y.sum()), "decision": decision})
        logger.info("Tuned %s's decision threshold on %d repeat(s) of out-of-fold scores", name, len(by_repeat))
    return pd.DataFrame(rows, columns=columns)


def calibration_of(thresholds: pd.DataFrame, classifier: str, repeat: int):
    """The ``Calibration`` ``tuned_thresholds`` fitted for a lens's repeat (None when it fitted none)."""
    import json

    from smotified_gan.core.production.calibration import Calibration

    match = thresholds[(thresholds["classifier"] == classifier) & (thresholds["repeat"] == repeat)]
    if not len(match):
        return None
    row = match.iloc[0]
    return Calibration(row["kind"], tuple(json.loads(row["x"])), tuple(json.loads(row["y"])), float(row["threshold"]))


def _lenses(training: dict[str, Any]) -> dict[str, Any]:
    """Every lens of the experiment: ``training.classifier`` under its ``lens_name``, then ``training.lenses``."""
    return {lens_name(training["classifier"]): training["classifier"], **training["lenses"]}


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
    majority, batch_size = int((repeats[0][1][TARGET] == 0).sum()), int(spec.get("batch_size", ClassifierConfig.batch_size))
    config = ClassifierConfig(**{**spec, "epochs": epochs_for(epochs, 2 * majority, batch_size),
                                 "max_steps": step_limit(epochs, 2 * majority, batch_size)})
    epochs = config.epochs
    # one stack for the runs of every repeat (sets of different sizes, as threshold fold sets are, padded)
    trained = train_classifiers([rows[features].to_numpy() for _, rows in repeats],
                                [rows[TARGET].to_numpy() for _, rows in repeats], config, seeds, features,
                                sets=[index for index, _ in enumerate(repeats) for _ in range(runs)])
    trained.repeats = [r for r, _ in repeats for _ in range(runs)]
    device = resolve_device(config.device)
    logger.info("Trained %d classifier runs x %s (%d repeat(s), %d rows each) in %.1f s (%s on %s)", len(trained.seeds),
                f"{config.max_steps} steps" if config.max_steps else f"{epochs} epochs", len(repeats),
                len(repeats[0][1]), trained.seconds, resolve_precision(device, config.precision), device.type)
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
    return pd.DataFrame({MINORITY_SCORE: scores.astype("float64"),
                         PREDICTED_CLASS: (scores > classifiers.threshold).astype("int64")},
                        index=features.index)
