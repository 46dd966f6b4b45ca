"""The paper's classifier (FIGURE 5), trained as many seeded runs at once.

Dense 256 ReLU -> Dense 128 ReLU -> Dense 1 (linear), Adam lr 1e-3, mean
absolute error against 0/1 labels, batch 32, minority predicted when the
output > 0.5 (the authors' Keras model; weights Glorot-uniform, biases zero).
``loss="bce"`` selects a sigmoid output with binary cross-entropy instead.

The runs are independent and identical in shape, so they are stacked: one
batched matrix product trains all of them, each with its own seed for the
initial weights and for the order of its mini-batches. Adam works element by
element, so this is the same as training them one after another.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from smotified_gan.core.parameters import ClassifierSettings
from smotified_gan.core.progress import Progress
from smotified_gan.core.stacking import StackedMLP  # a registered model pickled the class under this module
from smotified_gan.core.torch_utils import PRECISIONS, adam, autocast, resolve_device

logger = logging.getLogger(__name__)

LOSSES = ("mae", "bce")
# bytes of one layer's activations (all runs, one chunk of rows) when scoring: 1 MB, a chunk that stays in the
# CPU's cache (1M rows through a 10-run network: 7.6-8.0 s at 1 MB against 13.6-23 s at 64 MB on 2 threads, 15.4 s
# against 17.2 s at 4 MB on 1 thread)
SCORING_BUDGET = 1 * 2**20


_DEFAULTS = ClassifierSettings()


@dataclass
class ClassifierConfig:
    """The paper's network and how it trains, its defaults ``parameters.ClassifierSettings``'s (``training.network``)."""

    hidden: tuple[int, ...] = tuple(_DEFAULTS.hidden)
    learning_rate: float = _DEFAULTS.learning_rate
    batch_size: int = _DEFAULTS.batch_size
    epochs: int = 10
    # stop after this many optimiser steps, mid-epoch if need be (a large table's step budget); None: whole epochs
    max_steps: int | None = None
    loss: str = _DEFAULTS.loss
    threshold: float = _DEFAULTS.threshold
    device: str = _DEFAULTS.device
    precision: str = _DEFAULTS.precision
    # "balanced": each run's minority rows weigh majority / minority of its training set in the loss (Keras'
    # class_weight, scikit-learn's "balanced" up to a constant); None: every row weighs 1
    class_weight: str | None = _DEFAULTS.class_weight

    def __post_init__(self):
        if self.class_weight not in (None, "balanced"):
            raise ValueError(f"classifier class_weight must be None or 'balanced', got {self.class_weight!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"classifier precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.loss not in LOSSES:
            raise ValueError(f"classifier loss must be one of {LOSSES}, got {self.loss!r}")
        self.hidden = tuple(self.hidden)


@dataclass
class TrainedClassifiers:
    """The stacked runs, their seeds and settings, and the loss per epoch and run.

    ``repeats[i]`` is the repeat of the experiment whose training set run ``i``
    trained on (all 0 outside the repeated protocol).
    """

    model: StackedMLP
    seeds: list[int]
    config: ClassifierConfig
    feature_names: list[str]
    loss_history: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    seconds: float = 0.0
    repeats: list[int] = field(default_factory=list)

    def __post_init__(self):
        self.repeats = list(self.repeats) or [0] * len(self.seeds)

    def runs_of(self, repeat: int) -> list[int]:
        """The indices of the runs trained on ``repeat``'s training set."""
        return [i for i, r in enumerate(self.repeats) if r == repeat]

    def scores(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        """Scores per run and row, shape (runs, rows): the linear output (mae) or a probability (bce).

        ``runs``: indices of the runs to evaluate (all by default). Rows go
        through in chunks sized so that one layer's activations for all runs
        stay near ``SCORING_BUDGET`` bytes, whatever the number of rows.
        """
        self.model.eval()
        members = None if runs is None else torch.as_tensor(runs, dtype=torch.long)
        count = len(self.seeds) if runs is None else len(runs)
        chunk_rows = max(256, SCORING_BUDGET // (4 * count * max(self.config.hidden)))
        X_t = torch.from_numpy(np.array(X, dtype=np.float32))  # a writable copy
        # copied out chunk by chunk: keeping the small output tensors alive pins the large freed activation
        # blocks in the allocator (measured: +33 MB a chunk, 8.9 GB for 568k rows x 30 runs)
        result = np.empty((count, len(X_t)), dtype=np.float32)
        with torch.no_grad():
            for start in range(0, len(X_t), chunk_rows):
                chunk = X_t[start:start + chunk_rows]
                raw = self.model(chunk.unsqueeze(0).expand(count, -1, -1).contiguous(), members)
                result[:, start:start + len(chunk)] = (torch.sigmoid(raw) if self.config.loss == "bce" else raw).numpy()
        return result

    @property
    def threshold(self) -> float:
        """A row is called minority when its score is above this."""
        return self.config.threshold

    def predict(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        """0/1 predictions per run and row (minority when the score > threshold)."""
        return (self.scores(X, runs) > self.threshold).astype(np.int8)

    def select(self, run: int) -> TrainedClassifiers:
        """The one run ``run`` (an index into ``seeds``) as a stack of one, to deploy on its own."""
        if not 0 <= run < len(self.seeds):
            raise ValueError(f"run {run} is not one of the {len(self.seeds)} trained runs")
        model = StackedMLP(self.model.weights[0].shape[1], self.config.hidden, [0])
        with torch.no_grad():
            for target, source in zip(model.parameters(), self.model.parameters()):
                target.copy_(source[run:run + 1])
        return TrainedClassifiers(model=model, seeds=[self.seeds[run]], config=self.config,
                                  feature_names=self.feature_names, loss_history=self.loss_history[:, run:run + 1],
                                  seconds=self.seconds, repeats=[self.repeats[run]])


def train_classifiers(X: np.ndarray, y: np.ndarray, config: ClassifierConfig, seeds: list[int],
                      feature_names: list[str] | None = None, sets: list[int] | None = None) -> TrainedClassifiers:
    """Train one classifier per seed, all at once.

    ``X`` (rows, d) and ``y`` (rows,): every run trains on the same data. Or
    ``X`` (sets, rows, d) and ``y`` (sets, rows): several training sets of one
    size (the repeats of an experiment cell), run ``i`` training on set
    ``sets[i]``, which is also its ``repeats[i]`` in the result.
    """
    X, y, sets, sizes = _training_sets(X, y, seeds, sets)
    device = resolve_device(config.device)
    model = StackedMLP(X.shape[2], config.hidden, seeds).to(device)
    optimiser = adam(model.parameters(), config.learning_rate)
    X_t, y_t = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)
    member_sets = torch.as_tensor(sets, dtype=torch.long, device=device)[:, None]
    positive_weight = None
    if config.class_weight == "balanced":  # per training set: majority rows / minority rows
        minority = y.sum(axis=1)
        positive_weight = torch.as_tensor(((sizes - minority) / minority)[sets], dtype=torch.float32,
                                          device=device)[:, None]
    orders = [torch.Generator().manual_seed(int(seed)) for seed in seeds]
    batches = math.ceil(X.shape[1] / config.batch_size)
    steps = min(config.epochs * batches, config.max_steps or config.epochs * batches)
    history = np.zeros((math.ceil(steps / batches), len(seeds)))
    progress = Progress(f"Training {len(seeds)} classifier run(s) on {X.shape[1]:,} rows", steps, "steps", logger)
    started = time.perf_counter()
    model.train()
    for epoch in range(len(history)):
        permutations = torch.stack([_order(int(sizes[r]), X.shape[1], g) for r, g in zip(sets, orders)]).to(device)
        limit = min(batches, steps - epoch * batches)
        history[epoch] = _train_epoch(model, optimiser, X_t, y_t, member_sets, permutations[:, :limit * config.batch_size],
                                      config, lambda step, e=epoch: progress.update(e * batches + step,
                                                                                    f"epoch {e + 1} of {len(history)}"),
                                      positive_weight)
    model.cpu()
    return TrainedClassifiers(model=model, seeds=list(map(int, seeds)), config=config,
                              feature_names=list(feature_names or []), loss_history=history,
                              seconds=time.perf_counter() - started, repeats=sets)


def _training_sets(X, y, seeds: list[int], sets: list[int] | None
                   ) -> tuple[np.ndarray, np.ndarray, list[int], np.ndarray]:
    """(sets, rows, d) and (sets, rows) float32 copies, each run's set and each set's own row count; an error for
    unusable sets. ``X``/``y`` may be lists of sets of different sizes: each is padded to the largest (the padding
    is never drawn: ``_order``)."""
    if isinstance(X, (list, tuple)):
        sizes = np.array([len(part) for part in X], dtype=np.int64)
        width = int(sizes.max()) if len(sizes) else 0
        X = np.stack([np.pad(np.asarray(part, dtype=np.float32), ((0, width - len(part)), (0, 0))) for part in X])
        y = np.stack([np.pad(np.asarray(part, dtype=np.float32), (0, width - len(part))) for part in y])
    else:
        X = np.array(X, dtype=np.float32)  # writable copies: pandas 3 hands out read-only arrays
        y = np.array(y, dtype=np.float32)
        if X.ndim == 2:
            X, y = X[None], y[None]
        sizes = np.full(len(X), X.shape[1], dtype=np.int64)
    sets = list(sets) if sets is not None else [0] * len(seeds)
    if len(sets) != len(seeds) or not all(0 <= r < len(X) for r in sets):
        raise ValueError(f"sets must give each of the {len(seeds)} runs one of the {len(X)} training sets")
    for labels, size in zip(y, sizes):
        if size == 0 or len(np.unique(labels[:size])) < 2:
            raise ValueError(f"the training set needs rows of both classes, got {int(size)} rows and classes "
                             f"{np.unique(labels[:size])}")
    return X, y, sets, sizes


def _order(size: int, width: int, generator: torch.Generator) -> torch.Tensor:
    """One epoch's order of a set of ``size`` rows in a stack ``width`` rows wide: a permutation of its rows, then
    (a set smaller than the widest) as many of its rows again, drawn at random, so every run takes the same steps."""
    order = torch.randperm(size, generator=generator)
    if size < width:
        order = torch.cat([order, torch.randint(0, size, (width - size,), generator=generator)])
    return order


def _train_epoch(model: StackedMLP, optimiser, X: torch.Tensor, y: torch.Tensor, member_sets: torch.Tensor,
                 permutations: torch.Tensor, config: ClassifierConfig, on_step=None,
                 positive_weight: torch.Tensor | None = None) -> np.ndarray:
    """One pass of every run over its own training set (``X[member_sets[i]]``, never copied per run) in its own
    order (``permutations``, (runs, rows): all rows, or the first ones when a step budget ends the epoch early);
    the runs' mean losses. ``on_step(steps done)`` after each step (progress). ``positive_weight`` (runs, 1): the
    weight of a minority row's loss per run (class weights)."""
    runs, rows = permutations.shape
    pick = member_sets
    totals = torch.zeros(runs, device=X.device)
    for step, start in enumerate(range(0, rows, config.batch_size), start=1):
        index = permutations[:, start:start + config.batch_size]
        with autocast(X.device, config.precision):
            outputs = model(X[pick, index]).float()
        targets = y[pick, index]
        if config.loss == "mae":
            losses = (outputs - targets).abs()
        else:
            losses = nn.functional.binary_cross_entropy_with_logits(outputs, targets, reduction="none")
        if positive_weight is not None:
            losses = losses * (1 + (positive_weight - 1) * targets)
        per_run = losses.mean(dim=1)
        optimiser.zero_grad(set_to_none=True)
        per_run.sum().backward()  # runs share no weights: each gets its own gradient
        optimiser.step()
        totals += per_run.detach() * index.shape[1]
        if on_step is not None:
            on_step(step)
    return (totals / rows).cpu().numpy()


@dataclass
class SklearnRuns:
    """scikit-learn classifiers, one per run, with the stacked network's interface (scores per run and row).

    A run is the classifier fitted with ``random_state`` = its seed (when the
    estimator takes one) on its repeat's training set; its score is the
    probability of the minority class (``predict_proba``), the threshold 0.5.
    """

    models: list
    seeds: list[int]
    feature_names: list[str]
    spec: dict
    repeats: list[int] = field(default_factory=list)
    seconds: float = 0.0
    threshold: float = 0.5

    def __post_init__(self):
        self.repeats = list(self.repeats) or [0] * len(self.seeds)
        self.loss_history = np.empty((0, len(self.seeds)))

    def runs_of(self, repeat: int) -> list[int]:
        return [i for i, r in enumerate(self.repeats) if r == repeat]

    def scores(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        chosen = range(len(self.models)) if runs is None else runs
        X = np.asarray(X, dtype=np.float32)
        return np.stack([self.models[i].predict_proba(X)[:, 1] for i in chosen]).astype(np.float32)

    def predict(self, X: np.ndarray, runs: list[int] | None = None) -> np.ndarray:
        return (self.scores(X, runs) > self.threshold).astype(np.int8)

    def select(self, run: int) -> SklearnRuns:
        if not 0 <= run < len(self.seeds):
            raise ValueError(f"run {run} is not one of the {len(self.seeds)} trained runs")
        return SklearnRuns([self.models[run]], [self.seeds[run]], self.feature_names, self.spec, [self.repeats[run]],
                           self.seconds, self.threshold)


def sklearn_estimator(spec: dict):
    """The estimator ``spec`` names: ``{class: <import path>, **arguments}``; a clear error when it cannot be had."""
    import importlib

    path = spec.get("class", "")
    module_name, _, name = path.rpartition(".")
    try:
        estimator_class = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(f"classifier class {path!r} cannot be imported ({error}): give a full import path, e.g. "
                         "sklearn.ensemble.HistGradientBoostingClassifier") from error
    estimator = estimator_class(**{k: v for k, v in spec.items() if k != "class"})
    if not hasattr(estimator, "predict_proba"):
        raise ValueError(f"classifier {path} has no predict_proba: its scores could not be ranked or calibrated")
    return estimator


def train_sklearn_runs(X: np.ndarray, y: np.ndarray, spec: dict, seeds: list[int], feature_names: list[str] | None = None,
                       sets: list[int] | None = None) -> SklearnRuns:
    """One fitted copy of ``spec``'s estimator per seed, run ``i`` on training set ``sets[i]`` (as ``train_classifiers``)."""
    from sklearn.base import clone

    X, y, sets, sizes = _training_sets(X, y, seeds, sets)
    template = sklearn_estimator(spec)
    started = time.perf_counter()
    models = []
    for seed, index in zip(seeds, sets):
        model = clone(template)
        if "random_state" in model.get_params():
            model.set_params(random_state=int(seed))
        models.append(model.fit(X[index, :sizes[index]], y[index, :sizes[index]].astype(int)))
    return SklearnRuns(models, list(map(int, seeds)), list(feature_names or []), dict(spec), sets,
                       time.perf_counter() - started)
