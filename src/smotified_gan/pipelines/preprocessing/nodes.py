"""Preprocessing nodes: split, fit the feature transformer on the training split, transform both."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sklearn.pipeline import Pipeline

from smotified_gan.preprocessing import (
    apply_feature_transformer,
    check_minority_floor,
    fit_feature_transformer,
    split_train_test,
)


def split_dataset(table: pd.DataFrame, split: dict[str, Any], spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test split (stratified by default; Shuttle keeps its own files)."""
    train, test = split_train_test(table, split["test_size"], split["seed"], split.get("stratify", True), spec["id"])
    check_minority_floor(train, split["k_neighbors"], spec["id"])
    return train, test


def fit_transformer(train: pd.DataFrame, spec: dict[str, Any]) -> Pipeline:
    """One-hot + MinMax, fitted on the training split alone."""
    return fit_feature_transformer(train, spec.get("categorical", []))


def build_model_inputs(transformer: Pipeline, train: pd.DataFrame, test: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scaled features + ``target`` for both splits."""
    return apply_feature_transformer(transformer, train), apply_feature_transformer(transformer, test)


def transform_rows(transformer: Pipeline, rows: pd.DataFrame) -> pd.DataFrame:
    """Scaled features of raw rows (no label needed): the production model's first step."""
    return apply_feature_transformer(transformer, rows)
