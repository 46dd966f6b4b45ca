"""Generated rows typed like the real ones: what a detector of synthetic rows otherwise reads first.

A generator outputs every column as a real number. Real rows do not look like that: a one-hot encoded category
has exactly one column at 1, a flag or a code takes a few values, a count moves in whole steps, every column stays
within the range the class's rows take, and a column that is constant in the class stays constant. A gradient
boosting detector tells such rows from real ones by these columns alone (``bench/detectors.py``: the giveaway
columns of the default run's tables are one-hot and binary ones). ``RowTypes`` is what one class's real rows
show, inferred from the training rows alone (the caller passes a plain array, as imbalanced-learn's API has it),
and ``apply`` puts generated rows on it:

- **one-hot groups**: columns taking only 0 and 1 whose sum is exactly 1 in every training row (every class); a
  generated row gets a 1 in the group's column it rates highest among the categories the class takes;
- **discrete columns** (at most ``max_levels`` distinct values over every training row): the nearest value the
  class's own rows take there;
- **steps**: a column whose distinct values are all whole multiples of one step apart (a count, an age in years,
  after min-max scaling) with at most ``max_steps`` steps in its range: the nearest step (the very value real rows
  hold there where one does: a value one float32 rounding away from a real one is a giveaway to a tree);
- **range**: every column clipped to the class's observed minimum and maximum (a column constant in the class
  stays constant).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# a column with this many distinct values or fewer (every class) is discrete: snapped to the class's values
MAX_LEVELS = 10
# a column on a step grid is snapped to it when its range holds this many steps or fewer
MAX_STEPS = 1000
# how far (a fraction of the step) a value may lie off its grid and still count as on it (float32 scaling)
STEP_TOLERANCE = 1e-3


@dataclass
class RowTypes:
    """What one class's real rows look like column by column (module docstring); ``apply`` types generated rows."""

    low: np.ndarray
    high: np.ndarray
    groups: list[list[int]] = field(default_factory=list)
    allowed: list[list[int]] = field(default_factory=list)  # per group: the columns the class's rows set to 1
    grids: dict[int, np.ndarray] = field(default_factory=dict)  # column -> the sorted values it is snapped to

    def apply(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` typed: one-hot groups one-hot, discrete columns on the class's values, step columns on their
        steps, every value within the class's range (a copy; the input is left as it is)."""
        rows = np.array(rows, dtype=np.float32, copy=True)
        if not len(rows):
            return rows
        for group, allowed in zip(self.groups, self.allowed):
            scores = np.full((len(rows), len(group)), -np.inf, dtype=np.float32)
            keep = [i for i, column in enumerate(group) if column in allowed]
            scores[:, keep] = rows[:, [group[i] for i in keep]]
            hot = np.asarray(group)[scores.argmax(axis=1)]
            rows[:, group] = 0.0
            rows[np.arange(len(rows)), hot] = 1.0
        for column, values in self.grids.items():
            rows[:, column] = nearest(rows[:, column], values)
        return np.clip(rows, self.low, self.high).astype(np.float32)

    def to_plain(self) -> dict:
        """Plain lists and numbers (the weights-only torch format of a saved sampler holds these)."""
        return {"low": self.low.tolist(), "high": self.high.tolist(), "groups": self.groups, "allowed": self.allowed,
                "grids": {int(c): v.tolist() for c, v in self.grids.items()}}

    @classmethod
    def from_plain(cls, plain: dict) -> RowTypes:
        return cls(np.asarray(plain["low"], dtype=np.float32), np.asarray(plain["high"], dtype=np.float32),
                   [list(map(int, g)) for g in plain["groups"]], [list(map(int, a)) for a in plain["allowed"]],
                   {int(c): np.asarray(v, dtype=np.float32) for c, v in plain["grids"].items()})

    @classmethod
    def untyped(cls, width: int, grids: dict[int, np.ndarray] | None = None) -> RowTypes:
        """No typing but ``grids`` (``snap_discrete``'s, or a sampler saved before row types)."""
        return cls(np.full(width, -np.inf, dtype=np.float32), np.full(width, np.inf, dtype=np.float32),
                   grids=dict(grids or {}))


def nearest(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Each of ``values`` moved to the nearest value of the sorted ``grid``."""
    grid = np.asarray(grid, dtype=values.dtype)
    above = np.clip(np.searchsorted(grid, values), 0, len(grid) - 1)
    below = np.clip(above - 1, 0, len(grid) - 1)
    return np.where(np.abs(values - grid[below]) <= np.abs(grid[above] - values), grid[below], grid[above])


def infer_row_types(X: np.ndarray, y: np.ndarray, label, max_levels: int = MAX_LEVELS,
                    max_steps: int = MAX_STEPS) -> RowTypes:
    """Class ``label``'s ``RowTypes`` from the training rows ``X`` (every class: which columns are one-hot, discrete
    or on steps) and its own rows (the values, categories and range it takes)."""
    X = np.asarray(X, dtype=np.float32)
    own = X[np.asarray(y) == label]
    if not len(own):
        raise ValueError(f"class {label!r} has no training rows to read its column types from")
    groups = one_hot_groups(X)
    grouped = {c for g in groups for c in g}
    allowed = [[c for c in group if own[:, c].max() == 1.0] for group in groups]
    grids = {}
    for column in range(X.shape[1]):
        if column in grouped:
            continue
        levels = np.unique(X[:, column])
        if len(levels) <= max_levels:
            grids[column] = np.unique(own[:, column])
        elif (step := grid_step(levels, max_steps)) is not None:
            grids[column] = step_values(levels, step)
    return RowTypes(own.min(axis=0), own.max(axis=0), groups, allowed, grids)


def step_values(levels: np.ndarray, step: float) -> np.ndarray:
    """Every step from the first of ``levels`` to the last: the level real rows hold at a step where there is one,
    else the step's own value."""
    origin = float(levels[0])
    count = int(round((float(levels[-1]) - origin) / step))
    values = (origin + np.arange(count + 1) * step).astype(np.float32)
    values[np.round((levels.astype(np.float64) - origin) / step).astype(int)] = levels
    return np.unique(values)


def one_hot_groups(X: np.ndarray) -> list[list[int]]:
    """Groups of 0/1 columns (two or more) whose sum is exactly 1 in every row, found greedily: the 0/1 columns in
    order, each joining the open group whose columns it never shares a row's 1 with, a group kept when its sum is
    1 throughout."""
    binary = [c for c in range(X.shape[1]) if np.isin(X[:, c], (0.0, 1.0)).all() and len(np.unique(X[:, c])) == 2]
    groups: list[list[int]] = []
    for column in binary:
        for group in groups:
            if not (X[:, group].sum(axis=1) * X[:, column]).any():
                group.append(column)
                break
        else:
            groups.append([column])
    return [g for g in groups if len(g) > 1 and np.all(X[:, g].sum(axis=1) == 1.0)]


def grid_step(levels: np.ndarray, max_steps: int = MAX_STEPS) -> float | None:
    """The step of a column whose sorted distinct ``levels`` all lie on ``levels[0] + k * step`` (within
    ``STEP_TOLERANCE`` of a step), with at most ``max_steps`` steps from the first to the last; else None."""
    gaps = np.diff(levels.astype(np.float64))
    if not len(gaps):
        return None
    step = float(gaps.min())
    if step <= 0 or (levels[-1] - levels[0]) / step > max_steps:
        return None
    offsets = (levels.astype(np.float64) - levels[0]) / step
    return step if np.all(np.abs(offsets - np.round(offsets)) <= STEP_TOLERANCE * max(1.0, offsets.max() / 100)) else None
