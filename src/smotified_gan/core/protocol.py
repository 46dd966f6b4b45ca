"""The experiment's protocol, said once: what a cell is, what a method runs, and which seeds repeat r uses.

Framework-free. Every place that needs one of these rules reads it here: the
preprocessing, oversampling and training nodes (the seeds), the pipelines and
the grid runner (cell names), the grid runner's ``grid.seeds`` tag and
fingerprints, the run's ``protocol.seeds`` tag, and the protocol line of
``results.md``.

- A **cell** is one (dataset, method) pair; its name, Kedro namespace and
  MLflow run name are ``<dataset>.<method>``.
- A **method** is a name, the sampler it runs (one of ``SAMPLERS``), an
  optional ``preset`` (``recommended``: the project's own refinement) and
  overrides of the ``oversampling`` parameters; ``method_settings`` merges them.
- **Repeat r** splits with ``split.seed + r``, seeds its over-sampler with
  ``oversampling.random_state + r`` and trains its classifier runs with
  ``training.seed + r * runs``, ``+ 1``, ... ``+ runs - 1``.
- **Epochs** per dataset are configured, or come from a rule of the table's
  size (``epochs_for``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# what a method may run: no augmentation, imbalanced-learn's first-phase sampler alone (SMOTE and its
# variants), the plain GAN (noise in), SMOTified-GAN (first-phase rows in)
SAMPLERS = ("none", "smote", "gan", "smotified_gan")
# the oversampling keys a method may override: the first phase's and the GAN's settings
METHOD_BLOCKS = ("gan",)


def cell_name(dataset: str, method: str) -> str:
    """A cell's name, its Kedro namespace and its MLflow run name."""
    return f"{dataset}.{method}"


def method_settings(method: str | Mapping[str, Any], oversampling: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The sampler a method runs and its ``oversampling`` settings with the method's overrides applied.

    ``method`` is a sampler name (``smote``) or a grid method's settings
    (``{sampler: smotified_gan, first_phase: borderline_smote}``): its ``gan``
    block overrides that of ``oversampling`` key by key, any other key
    replaces the one in ``oversampling``; ``label`` is the report's name for it.
    """
    method = {"sampler": method} if isinstance(method, str) else dict(method)
    sampler = method.pop("sampler", None)
    method.pop("label", None)
    method.pop("class_weight", None)  # the classifier's (training.nodes.with_class_weight), not the sampler's
    method.pop("datasets", None)  # the grid's
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; a method runs one of {list(SAMPLERS)}")
    settings = {key: value for key, value in oversampling.items() if key != "gan_epochs"}
    preset = method.pop("preset", None)
    if preset is not None:
        settings = _with_preset(settings, preset)
    for key, value in method.items():
        settings[key] = {**settings.get(key, {}), **value} if key in METHOD_BLOCKS else value
    return sampler, settings


PRESETS = ("recommended",)


def _with_preset(settings: dict[str, Any], preset: str) -> dict[str, Any]:
    """``settings`` with a preset's arguments on top: ``recommended`` is ``smotified_gan.RECOMMENDED`` (its epochs
    included, as ``epochs``), which the project's own refinement is; the preset sets every GAN setting it names
    and the defaults of the others, not the experiment's ``oversampling.gan`` (the authors')."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; known: {list(PRESETS)}")
    from smotified_gan.core.samplers.recommended import RECOMMENDED
    from smotified_gan.core.samplers.settings import GANSettings

    first = ("first_phase", "k_neighbors", "first_phase_kwargs")
    gan = {k: v for k, v in RECOMMENDED.items() if k in GANSettings.model_fields}
    # the experiment's own device, precision and logging, which say how to run, not what the method is
    keep = {k: v for k, v in (settings.get("gan") or {}).items() if k in ("device", "precision", "log_every")}
    return {**settings, **{k: v for k, v in RECOMMENDED.items() if k in first}, "gan": {**keep, **gan},
            "epochs": RECOMMENDED["epochs"]}


def split_seed(split: Mapping[str, Any], repeat: int) -> int:
    """Repeat ``repeat``'s train/test split seed."""
    return int(split["seed"]) + repeat


def sampler_seed(oversampling: Mapping[str, Any], repeat: int) -> int:
    """Repeat ``repeat``'s over-sampler seed (``random_state``)."""
    return int(oversampling["random_state"]) + repeat


def classifier_seeds(training: Mapping[str, Any], repeat: int = 0) -> list[int]:
    """Repeat ``repeat``'s classifier run seeds: ``seed + repeat * runs`` onwards (repeat 0: ``seed .. seed + runs - 1``)."""
    runs = int(training["runs"])
    return [int(training["seed"]) + repeat * runs + run for run in range(runs)]


def describe_seeds(split: Mapping[str, Any], oversampling: Mapping[str, Any], training: Mapping[str, Any]) -> str:
    """Every seed of every repeat in one line: the ``grid.seeds`` and ``protocol.seeds`` tags."""
    last = int(split.get("repeats", 1)) - 1
    return (f"split={split_seed(split, 0)}..{split_seed(split, last)};"
            f"oversampling={sampler_seed(oversampling, 0)}..{sampler_seed(oversampling, last)};"
            f"classifier={classifier_seeds(training, 0)[0]}..{classifier_seeds(training, last)[-1]};repeats={last + 1}")


def protocol_line(split: Mapping[str, Any], oversampling: Mapping[str, Any], training: Mapping[str, Any]) -> str:
    """The protocol as ``results.md`` states it, from the same rules the nodes use."""
    repeats, runs = int(split.get("repeats", 1)), int(training["runs"])
    stratified = "stratified " if split.get("stratify", True) else ""
    split_from, sampler_from, runs_from = split_seed(split, 0), sampler_seed(oversampling, 0), classifier_seeds(training)[0]
    return (f"Protocol: {repeats} repeat(s) per (dataset, method) cell. Repeat r: a {stratified}"
            f"{1 - split['test_size']:.0%}/{split['test_size']:.0%} split with seed {split_from} + r (datasets "
            f"with their own split files keep them), the transformer fitted on its training split, the "
            f"over-sampler seeded {sampler_from} + r, then {runs} classifier runs with seeds "
            f"{runs_from} + {runs}r .. {runs_from} + {runs}r + {runs - 1} "
            f"({describe_seeds(split, oversampling, training)}).")


# a node's epochs: a number, or a rule ({steps, min, max}: ``epochs_for``); one name for it, not a Union, so
# that Kedro's typed-parameter validation passes it through without a warning
EpochsSpec = Any
RULE = "rule"  # the entry of an epochs block that serves every dataset without one of its own


def dataset_epochs(epochs: Mapping[str, Any], dataset: str, default: int = 100) -> int | Mapping[str, Any]:
    """A dataset's configured epochs (``oversampling.gan_epochs`` or ``training.classifier_epochs``), else the
    block's ``rule`` (the entry ``Grid.epochs_parameter`` hands the dataset's nodes), else ``default``."""
    return epochs.get(dataset, epochs.get(RULE, default))


def epochs_for(epochs: int | Mapping[str, Any], rows: int, batch_size: int) -> int:
    """A dataset's epochs: the configured number, or its rule's (``{steps, min, max}``):
    ``clip(round(steps / ceil(rows / batch_size)), min, max)``, about ``steps`` optimiser steps whatever the size.

    ``rows``: what one epoch passes over (a GAN: the class's training rows; the
    classifier: twice the majority's training rows, the balanced set's size,
    the same for every method of a dataset).
    """
    if not isinstance(epochs, Mapping):
        return int(epochs)
    batches = max(1, math.ceil(rows / batch_size))
    return max(1, int(min(max(round(epochs["steps"] / batches), epochs.get("min", 1)), epochs.get("max", 10**9))))


def step_limit(epochs: int | Mapping[str, Any], rows: int, batch_size: int) -> int | None:
    """The optimiser steps a rule with ``min: 0`` stops after when ``steps`` is less than one epoch (a large
    table: the classifier sees a part of one epoch); None otherwise (whole epochs, ``epochs_for``)."""
    if not isinstance(epochs, Mapping) or epochs.get("min", 1) != 0:
        return None
    return int(epochs["steps"]) if epochs["steps"] < math.ceil(rows / batch_size) else None
