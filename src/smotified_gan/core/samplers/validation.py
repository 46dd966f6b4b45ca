"""Input checks shared by every sampler: say what is wrong and what to do, before torch sees the data."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from smotified_gan.core.data.tables import minority_floor

# how far past [0, 1] a feature may lie (rounding) and still be clipped instead of refused
UNIT_TOLERANCE = 1e-6


def column_names(X) -> list[str]:
    if isinstance(X, pd.DataFrame):
        return [str(c) for c in X.columns]
    return [f"x{i}" for i in range(np.shape(X)[1])] if np.ndim(X) == 2 else []


def check_resampling_input(X, y, unit_interval: bool) -> None:
    """Raise ``ValueError`` for input no sampler here can use.

    ``unit_interval`` asks that every feature lie in [0, 1], the range of the
    sigmoid generator's output, up to ``UNIT_TOLERANCE`` (MinMaxScaler's output
    can pass 1 by a rounding error; the samplers clip such values).
    """
    values = _numeric_values(X)
    labels = _labels(y, len(values))
    _check_finite(values, column_names(X))
    _check_classes(labels)
    if unit_interval:
        _check_unit_interval(values, column_names(X))


def _numeric_values(X) -> np.ndarray:
    """X as a 2-D float array with rows and columns, or an error saying what to encode."""
    if isinstance(X, pd.DataFrame):
        numeric = pd.api.types.is_numeric_dtype
        bad = [str(c) for c, dtype in X.dtypes.items() if not (numeric(dtype) and not pd.api.types.is_bool_dtype(dtype))]
        if bad:
            raise ValueError(f"X has non-numeric column(s) {bad}: encode them (e.g. one-hot) before resampling")
        values = X.to_numpy(dtype="float64")
    else:
        try:
            values = np.asarray(X, dtype="float64")
        except (TypeError, ValueError) as exc:
            raise ValueError(f"X must be numeric: {exc}; encode categorical columns before resampling") from exc
    if values.ndim != 2:
        raise ValueError(f"X must be 2-dimensional (rows x features), got shape {values.shape}")
    if 0 in values.shape:
        raise ValueError(f"X has {values.shape[0]} row(s) and {values.shape[1]} column(s): there is nothing to resample")
    return values


def _labels(y, rows: int) -> np.ndarray:
    labels = np.asarray(y)
    if labels.ndim == 2 and labels.shape[1] == 1:  # a one-column DataFrame of labels
        labels = labels.ravel()
    if len(labels) != rows:
        raise ValueError(f"X has {rows} rows but y has {len(labels)} labels: they must have the same length")
    if pd.isna(pd.Series(labels)).any():
        raise ValueError("y has missing labels: drop those rows before resampling")
    return labels


def _check_finite(values: np.ndarray, names: list[str]) -> None:
    non_finite = ~np.isfinite(values)
    if non_finite.any():
        first = int(np.argmax(non_finite.any(axis=0)))
        raise ValueError(f"X has {int(non_finite.sum())} NaN or infinite value(s), first in column '{names[first]}': "
                         "impute or drop them before resampling")


def _check_classes(labels: np.ndarray) -> None:
    counts = Counter(labels.tolist())
    if len(counts) < 2:
        raise ValueError(f"y has a single class ({next(iter(counts))}): over-sampling needs at least two classes")


def _check_unit_interval(values: np.ndarray, names: list[str]) -> None:
    low, high = values.min(axis=0), values.max(axis=0)
    outside = np.flatnonzero((low < -UNIT_TOLERANCE) | (high > 1 + UNIT_TOLERANCE))
    if len(outside):
        i = outside[0]
        raise ValueError(
            f"feature '{names[i]}' ranges over [{low[i]:.4g}, {high[i]:.4g}] but the sigmoid generator only "
            f"outputs values in (0, 1) ({len(outside)} column(s) outside [0, 1]): scale the features to [0, 1] "
            "(e.g. MinMaxScaler) or set output_activation='identity'"
        )


def check_minority_size(y, to_generate: dict, k_neighbors: int) -> None:
    """SMOTE-style samplers need ``k_neighbors + 1`` rows in every class they over-sample."""
    counts = Counter(np.asarray(y).tolist())
    for label, n_new in to_generate.items():
        label = label.item() if isinstance(label, np.generic) else label
        if n_new > 0 and counts[label] < minority_floor(k_neighbors):
            raise ValueError(
                f"class {label!r} has {counts[label]} row(s); the first phase with k_neighbors={k_neighbors} needs "
                f"at least {minority_floor(k_neighbors)}: lower k_neighbors or collect more minority rows"
            )
