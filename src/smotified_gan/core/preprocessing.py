"""Leakage-free preprocessing: train/test split, then one-hot + scaling fitted on the training split only.

The generator ends in a sigmoid, so features end in [0, 1]. Every statistic
(category levels, minimum, maximum, quantiles) comes from the training rows;
the test rows are only transformed. The scaling is a per-dataset choice
(``scaling`` in the dataset's definition):

- ``minmax`` (default, the authors'): MinMax to [0, 1];
- ``quantile``: each feature mapped through its empirical distribution on the
  training rows (scikit-learn's ``QuantileTransformer``, uniform output), then
  MinMax. For features with extreme outliers (Shuttle), where MinMax squeezes
  almost every row into a sliver of [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, OneHotEncoder, QuantileTransformer

from smotified_gan.core.data.tables import LABEL, REPEAT, ROW_KEY, SPLIT, TARGET, DataValidationError, feature_columns


def split_train_test(table: pd.DataFrame, test_size: float, seed: int, stratify: bool = True,
                     dataset: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a labelled table; a table with a ``split`` column (Shuttle) keeps its own split."""
    if SPLIT in table.columns:
        train = table[table[SPLIT] == "train"].drop(columns=SPLIT).reset_index(drop=True)
        test = table[table[SPLIT] == "test"].drop(columns=SPLIT).reset_index(drop=True)
        if train.empty or test.empty:
            raise DataValidationError(f"dataset '{dataset}': its '{SPLIT}' column must hold both 'train' and 'test' rows")
        return train, test
    train, test = train_test_split(
        table, test_size=test_size, random_state=seed, stratify=table[TARGET] if stratify else None
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


SCALINGS = ("minmax", "quantile")


def fit_feature_transformer(train: pd.DataFrame, categorical: Sequence[str], scaling: str = "minmax",
                            dataset: str = "") -> Pipeline:
    """One-hot encode ``categorical`` columns, pass the rest through, scale everything to [0, 1].

    Fitted on ``train`` only. Categories unseen in training encode as all zeros.
    """
    if scaling not in SCALINGS:
        raise DataValidationError(f"dataset '{dataset}': scaling must be one of {SCALINGS}, got {scaling!r}")
    features = feature_columns(train)
    categorical = [c for c in features if c in set(categorical)]
    encoder = ColumnTransformer(
        [("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype="float64"), categorical)],
        remainder="passthrough",
        verbose_feature_names_out=False,
    )
    steps = [("encode", encoder)]
    if scaling == "quantile":
        steps.append(("quantile", QuantileTransformer(n_quantiles=min(1000, len(train)), output_distribution="uniform",
                                                      subsample=None, random_state=0)))
    transformer = Pipeline([*steps, ("scale", MinMaxScaler(feature_range=(0.0, 1.0)))])
    transformer.set_output(transform="pandas")
    transformer.fit(train[features])
    return transformer


def apply_feature_transformer(transformer: Pipeline, table: pd.DataFrame) -> pd.DataFrame:
    """Model input: transformed features (float32) plus ``target`` and ``row_key`` where the table has them;
    ``label`` is dropped."""
    features = transformer.transform(table[feature_columns(table)]).astype("float32")
    features.columns = [str(c) for c in features.columns]
    if TARGET in table.columns:
        features[TARGET] = table[TARGET].to_numpy().astype("int8")
    if ROW_KEY in table.columns:
        features[ROW_KEY] = table[ROW_KEY].to_numpy()
    return features


__all__ = ["LABEL", "apply_feature_transformer", "feature_columns",
           "fit_feature_transformer", "split_train_test"]


def fit_transformer(train: pd.DataFrame, spec: dict[str, Any]) -> dict[int, Pipeline]:
    """One-hot + the dataset's scaling (MinMax by default), fitted on each repeat's training split alone."""
    return {int(repeat): fit_feature_transformer(rows, spec.get("categorical", []), spec.get("scaling", "minmax"),
                                                 spec["id"])
            for repeat, rows in train.groupby(REPEAT, sort=True)}


def build_model_inputs(transformer: dict[int, Pipeline], train: pd.DataFrame, test: pd.DataFrame
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scaled features + ``target`` (+ ``repeat``) for both splits, each repeat with its own transformer."""
    return transform_rows(transformer, train), transform_rows(transformer, test)


def transform_rows(transformer: dict[int, Pipeline], rows: pd.DataFrame) -> pd.DataFrame:
    """Scaled features of rows (no label needed): the production model's first step.

    Rows with a ``repeat`` column go through that repeat's transformer; rows
    without one (new data) need a transformer fitted once (production's).
    """
    if REPEAT not in rows.columns:
        if len(transformer) != 1:
            raise ValueError(f"rows without a '{REPEAT}' column need one fitted transformer, got {len(transformer)}")
        return apply_feature_transformer(next(iter(transformer.values())), rows)
    parts = []
    for repeat, part in rows.groupby(REPEAT, sort=True):
        if int(repeat) not in transformer:
            raise ValueError(f"no transformer fitted for repeat {repeat}; fitted: {sorted(transformer)}")
        parts.append(apply_feature_transformer(transformer[int(repeat)], part).assign(**{REPEAT: int(repeat)}))
    return pd.concat(parts, ignore_index=True).astype({REPEAT: "int16"})
