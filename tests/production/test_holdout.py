"""A holdout that stays held out: membership is a function of the row, not of the table's size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smotified_gan.data.tables import TARGET
from smotified_gan.production.holdout import in_holdout, row_keys, rows_digest, split_by_key
from tests.production.own_table import COLUMNS, own_table


def labelled(table: pd.DataFrame) -> pd.DataFrame:
    return table[COLUMNS].assign(**{TARGET: (table["fraud"] == "yes").astype("int8")})


def test_a_held_out_row_stays_held_out_as_the_table_grows():
    first = labelled(own_table(3000, seed=2))
    grown = pd.concat([first, labelled(own_table(1000, seed=3))], ignore_index=True)
    before = in_holdout(row_keys(first), 0.2, 2024)
    after = in_holdout(row_keys(grown), 0.2, 2024)
    assert (after[:len(first)] == before).all()
    assert 0.17 < after.mean() < 0.23  # about test_size of the rows


def test_a_key_column_decides_alone_and_the_seed_reshuffles():
    table = own_table(2000, seed=4)
    by_key = in_holdout(row_keys(table, "customer_id"), 0.25, 1)
    edited = table.assign(income=table["income"] + 1)  # other values, same keys: same holdout
    assert (in_holdout(row_keys(edited, "customer_id"), 0.25, 1) == by_key).all()
    assert (in_holdout(row_keys(table, "customer_id"), 0.25, 2) != by_key).mean() > 0.2
    with pytest.raises(ValueError, match=r"holdout key column\(s\) \['account'\] not in the table"):
        row_keys(table, "account")


def test_equal_values_give_equal_keys_whatever_the_number_type():
    ints = pd.DataFrame({"a": [3, 4], "b": ["x", "y"]})
    floats = ints.astype({"a": "float64"})
    assert (row_keys(ints) == row_keys(floats)).all() and row_keys(ints)[0] != row_keys(ints)[1]
    duplicated = pd.concat([ints, ints], ignore_index=True)
    held = in_holdout(row_keys(duplicated), 0.5, 0)
    assert held[0] == held[2] and held[1] == held[3]  # a copy of a row is on its side


def test_split_by_key_and_the_digest_of_what_was_trained_on():
    table = labelled(own_table(2000, seed=6))
    train, holdout = split_by_key(table, 0.2, 7)
    assert len(train) + len(holdout) == len(table) and holdout[TARGET].sum() > 0
    keys = row_keys(train)
    assert rows_digest(keys) == rows_digest(np.random.default_rng(0).permutation(keys))
    assert rows_digest(keys) != rows_digest(keys[1:])


def test_the_retrain_key_is_read_from_the_raw_rows_even_when_the_model_never_sees_it():
    """README's set-up: customer_id in drop_columns (not a feature) and the holdout's key_column."""
    from smotified_gan.data.tables import ROW_KEY, build_labelled_table, feature_columns
    from smotified_gan.pipelines.retrain.nodes import key_rows
    from tests.production.own_table import PRODUCTION_PARAMETERS

    spec = PRODUCTION_PARAMETERS["production"]["dataset"]
    raw = own_table(500, seed=5)
    table = build_labelled_table(raw, spec, "production")
    assert "customer_id" not in table.columns
    keyed = key_rows(raw, table, {"key_column": "customer_id"}, spec)
    assert (keyed[ROW_KEY].to_numpy() == row_keys(raw, "customer_id")).all()
    assert feature_columns(keyed) == feature_columns(table)  # the key is never a feature
    by_values = key_rows(raw, table, {"key_column": None}, spec)
    assert (by_values[ROW_KEY].to_numpy() == row_keys(table)).all()
    with pytest.raises(ValueError, match=r"dataset 'production': retrain.holdout.key_column 'account' is not a column "
                                         r"of the production table; its columns are \['customer_id', 'age'"):
        key_rows(raw, table, {"key_column": "account"}, spec)
