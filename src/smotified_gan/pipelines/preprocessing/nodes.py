"""Preprocessing nodes: split (once per repeat), fit the feature transformer on each training split, transform.

Tables after the split carry a ``repeat`` column: the experiment repeats its
protocol ``split.repeats`` times (a fresh stratified split per repeat, seeds
``split.seed``, ``split.seed + 1``, ...: ``smotified_gan.core.protocol``), and every
later step works repeat by repeat. Production retraining has one repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from smotified_gan.core.data.tables import REPEAT, ROW_KEY
from smotified_gan.core.preprocessing import apply_feature_transformer, fit_feature_transformer, split_train_test
from smotified_gan.core.protocol import split_seed


def split_dataset(table: pd.DataFrame, split: dict[str, Any], spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test split per repeat (stratified by default, seed ``protocol.split_seed``), with a ``repeat`` column.

    A dataset with its own split files (Shuttle) keeps that split in every
    repeat; its repeats then differ only in the seeds of what follows. Every
    row keeps its position in the table as ``row_key`` (not a feature): the
    same row in several repeats is known as one (row quality groups by it).
    """
    if ROW_KEY not in table.columns:
        table = table.assign(**{ROW_KEY: np.arange(len(table), dtype=np.int64)})
    trains, tests = [], []
    for repeat in range(int(split.get("repeats", 1))):
        train, test = split_train_test(table, split["test_size"], split_seed(split, repeat),
                                       split.get("stratify", True), spec["id"])
        trains.append(train.assign(**{REPEAT: repeat}))
        tests.append(test.assign(**{REPEAT: repeat}))
    return pd.concat(trains, ignore_index=True), pd.concat(tests, ignore_index=True)


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
