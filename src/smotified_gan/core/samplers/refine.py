"""Second phase: train one GAN per over-sampled class and generate its new rows.

``refine_many`` does this for several fitting problems at once (the repeats
of an experiment cell): every (problem, class) GAN of the same shape joins one
stack of networks (``gan.train_gans``), which costs far less than training
them one after another on a CPU.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from smotified_gan.core.samplers.gan import GANConfig, generate, noise, train_gans
from smotified_gan.core.samplers.row_types import MAX_LEVELS, RowTypes, infer_row_types, nearest


@dataclass
class RefineProblem:
    """What one sampler's second phase needs.

    ``X``/``y``: the rows the GANs train on (per class, its own rows);
    ``sources[class]``: that class's generator input rows (SMOTified-GAN: the
    first phase's rows, whose refined versions replace them) or ``None``
    (plain GAN: Gaussian noise); ``to_generate``: class -> new rows;
    ``validation``: rows held out *before* the first phase, or ``None``.
    """

    X: np.ndarray
    y: np.ndarray
    sources: Mapping
    to_generate: Mapping
    seed: int
    validation: tuple[np.ndarray, np.ndarray] | None = None


@dataclass
class _Member:
    problem: int
    label: object
    real: np.ndarray
    source: np.ndarray | None
    inputs: np.ndarray
    seed: int
    validate: object
    n_new: int
    row_types: RowTypes | None


def refine_many(problems: Sequence[RefineProblem], config: GANConfig, keep_best: bool = False
                ) -> list[tuple[np.ndarray, np.ndarray, dict, pd.DataFrame]]:
    """For each problem, new rows for every class in ``to_generate``, each class's GAN trained on its own rows:
    (new rows, their labels, trained generators, history) per problem.

    Every (problem, class) GAN of the same shape joins one stack of networks.
    With ``validation``, every ``config.validation_every`` epochs a logistic
    regression is fitted on the rows plus the generated rows and its F1 on the
    validation rows is recorded; with ``keep_best`` the best generator is kept
    and training stops after ``config.patience`` checks without a gain.
    """
    members = [member for index, problem in enumerate(problems) for member in _members(index, problem, config)]
    groups: dict[tuple, list[_Member]] = {}
    for member in members:
        key = (member.real.shape, None if member.source is None else member.source.shape)
        groups.setdefault(key, []).append(member)
    trained = {}
    for group in groups.values():
        results = train_gans([m.real for m in group], [m.source for m in group], config, [m.seed for m in group],
                             [m.validate for m in group], [str(m.label) for m in group], keep_best)
        for member, result in zip(group, results):
            result.row_types = member.row_types
            trained[id(member)] = result
    outputs = []
    for index, problem in enumerate(problems):
        mine = [m for m in members if m.problem == index]
        y = np.asarray(problem.y)
        if not mine:
            outputs.append((np.empty((0, np.shape(problem.X)[1]), np.float32), np.empty(0, y.dtype), {}, pd.DataFrame()))
            continue
        rows = [_new_rows(trained[id(m)], m, problem, config) for m in mine]
        labels = [np.full(len(r), m.label, dtype=y.dtype) for r, m in zip(rows, mine)]
        history = pd.concat([pd.DataFrame(trained[id(m)].history).assign(**{"class": str(m.label)}) for m in mine],
                            ignore_index=True)
        outputs.append((np.vstack(rows), np.concatenate(labels), {m.label: trained[id(m)] for m in mine}, history))
    return outputs


def _members(index: int, problem: RefineProblem, config: GANConfig) -> list[_Member]:
    X = np.asarray(problem.X, dtype=np.float32)
    y = np.asarray(problem.y)
    members = []
    for class_index, (label, n_new) in enumerate(sorted(problem.to_generate.items(), key=lambda item: str(item[0]))):
        if n_new <= 0:
            continue
        source = problem.sources.get(label)
        source = None if source is None else np.asarray(source, dtype=np.float32)
        class_seed = problem.seed + 1000 * class_index
        width = source.shape[1] if source is not None else (config.noise_dim or X.shape[1])
        inputs = source if source is not None else noise(n_new, width, class_seed + 7)
        row_types = row_types_of(X, y, label, config)
        score = validation_detection if config.validation_score == "detection" else validation_f1
        validate = (None if problem.validation is None
                    else score(X, y, *problem.validation, label, inputs, config.device, row_types))
        members.append(_Member(index, label, X[y == label], source, inputs, class_seed, validate, int(n_new), row_types))
    return members


def row_types_of(X: np.ndarray, y: np.ndarray, label, config: GANConfig) -> RowTypes | None:
    """What a class's generated rows are put on: ``typed_rows`` (``row_types``: one-hot groups, discrete columns of
    at most ``snap_discrete`` values, 10 when it is 0, steps and ranges), else ``snap_discrete``'s discrete columns
    alone, else nothing."""
    if config.typed_rows:
        return infer_row_types(X, y, label, max_levels=config.snap_discrete or MAX_LEVELS)
    supports = discrete_supports(X, y, label, config.snap_discrete)
    return RowTypes.untyped(X.shape[1], supports) if supports else None


def discrete_supports(X: np.ndarray, y: np.ndarray, label, max_values: int) -> dict[int, np.ndarray]:
    """Per discrete column of ``X`` (at most ``max_values`` distinct values over every row, all classes), the
    sorted values that class ``label``'s rows take there; ``{}`` when ``max_values`` is 0."""
    if not max_values:
        return {}
    own = X[np.asarray(y) == label]
    return {column: np.unique(own[:, column]) for column in range(X.shape[1])
            if len(np.unique(X[:, column])) <= max_values}


def snap(rows: np.ndarray, supports: Mapping[int, np.ndarray]) -> np.ndarray:
    """``rows`` with each value of a column in ``supports`` moved to the nearest of that column's values."""
    if not supports or not len(rows):
        return rows
    rows = np.array(rows, copy=True)
    for column, values in supports.items():
        rows[:, column] = nearest(rows[:, column], values)
    return rows


def generated_rows(generator, inputs: np.ndarray, row_types: RowTypes | None, device: str = "auto",
                   width: int | None = None) -> np.ndarray:
    """The rows a generator makes from ``inputs``, as the sampler returns them: typed (``row_types``:
    ``typed_rows`` or ``snap_discrete``; as generated without)."""
    rows = generate(generator, inputs, device=device, width=width)
    return row_types.apply(rows) if row_types is not None else rows


def _new_rows(trained, member: _Member, problem: RefineProblem, config: GANConfig) -> np.ndarray:
    """The member's generated rows, typed (``row_types_of``); from a larger pool (``rejection``), the ``n_new``
    chosen by ``select_rows``."""
    rows = generated_rows(trained.generator, member.inputs, member.row_types, config.device)
    if len(rows) <= member.n_new:
        return rows
    return select_rows(rows, trained.discriminator, np.asarray(problem.X, dtype=np.float32), np.asarray(problem.y),
                       member.label, member.n_new, config.majority_filter, member.seed)


def select_rows(rows: np.ndarray, discriminator, X: np.ndarray, y: np.ndarray, label, n: int,
                majority_filter: int = 0, seed: int = 0) -> np.ndarray:
    """``n`` of the pool's rows by discriminator rejection sampling (Azadi et al. 2019): row x is drawn with a
    weight exp(D(x)), D's logit estimating log p_real(x) / p_generated(x), so the kept rows follow the real
    class more closely than the pool. With ``majority_filter`` = k, rows whose k nearest real rows are mostly of
    other classes are drawn only when the others run out."""
    import torch

    with torch.no_grad():
        logit = discriminator(torch.as_tensor(rows, dtype=torch.float32)).squeeze(-1).double().numpy()
    claimed = np.zeros(len(rows), dtype=bool)
    if majority_filter:
        from sklearn.neighbors import NearestNeighbors

        k = min(int(majority_filter), len(X))
        _, neighbours = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(rows)
        claimed = (y[neighbours] != label).mean(axis=1) > 0.5
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for group in (np.flatnonzero(~claimed), np.flatnonzero(claimed)):
        take = min(n - len(chosen), len(group))
        if take > 0:
            weights = np.exp(logit[group] - logit[group].max())
            chosen += rng.choice(group, size=take, replace=False, p=weights / weights.sum()).tolist()
    return rows[np.sort(chosen)]


def validation_f1(X_fit, y_fit, X_val, y_val, label, inputs, device="auto", row_types=None):
    """The early-stopping score of a class's generator: a logistic regression fitted on the fit rows plus the
    generator's rows for ``inputs`` (typed by ``row_types``, as the rows the sampler will return are), its F1 for
    ``label`` on the validation rows."""
    positive_val = (y_val == label).astype(int)

    def score(generator) -> float:
        generated = generated_rows(generator, inputs, row_types, device)
        X_aug = np.vstack([X_fit, generated])
        y_aug = np.r_[(y_fit == label).astype(int), np.ones(len(generated), dtype=int)]
        model = LogisticRegression(max_iter=300).fit(X_aug, y_aug)
        return float(f1_score(positive_val, model.predict(X_val), zero_division=0))

    return score


def validation_detection(X_fit, y_fit, X_val, y_val, label, inputs, device="auto", row_types=None):
    """The early-stopping score of a class's generator by how well its rows pass for real ones: the grouped
    gradient-boosting detection AUC (``metrics.detection_auc``) of its rows for ``inputs`` (typed as the sampler
    returns them) against the class's held-out real rows; lower is better (``higher_is_better`` False)."""
    from smotified_gan.core.metrics import detection_auc

    real = np.asarray(X_val, dtype=np.float32)[np.asarray(y_val) == label]
    if len(real) < 5:
        raise ValueError(f"validation_score='detection' needs at least 5 held-out rows of class {label!r}, got "
                         f"{len(real)}: raise validation_fraction or score by f1")

    def score(generator) -> float:
        return detection_auc(real, generated_rows(generator, inputs, row_types, device), max_rows=500,
                             detector="boosting")

    score.column, score.higher_is_better = "val_detection_auc", False
    return score
