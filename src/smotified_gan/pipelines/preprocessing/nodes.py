"""Preprocessing nodes: split (once per repeat); the transformer per repeat is ``core.preprocessing``'s.

Tables after the split carry a ``repeat`` column: the experiment repeats its
protocol ``split.repeats`` times (a fresh stratified split per repeat, seeds
``split.seed``, ``split.seed + 1``, ...: ``smotified_gan.core.protocol``), and every
later step works repeat by repeat. Production retraining has one repeat.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.core.data.tables import REPEAT, ROW_KEY
from smotified_gan.core.parameters import Split, as_block, settings_of

# a model registered before these moved to the core pickled its pipeline's node functions under this module
from smotified_gan.core.preprocessing import build_model_inputs, fit_transformer, split_train_test, transform_rows  # noqa: E402, F401
from smotified_gan.core.protocol import split_seed


def split_dataset(table: pd.DataFrame, split: Split, spec: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Train/test split per repeat (stratified by default, seed ``protocol.split_seed``), with a ``repeat`` column.

    A dataset with its own split files (Shuttle) keeps that split in every
    repeat; its repeats then differ only in the seeds of what follows. Every
    row keeps its position in the table as ``row_key`` (not a feature): the
    same row in several repeats is known as one (row quality groups by it).
    """
    split = as_block(Split, split)
    if ROW_KEY not in table.columns:
        table = table.assign(**{ROW_KEY: np.arange(len(table), dtype=np.int64)})
    trains, tests = [], []
    for repeat in range(split.repeats):
        train, test = split_train_test(table, split.test_size, split_seed(settings_of(split), repeat),
                                       split.stratify, spec["id"])
        trains.append(train.assign(**{REPEAT: repeat}))
        tests.append(test.assign(**{REPEAT: repeat}))
    return pd.concat(trains, ignore_index=True), pd.concat(tests, ignore_index=True)
