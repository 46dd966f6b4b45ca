"""A holdout that stays held out: membership is a function of the row (names and canonical values), not of the
table's size, its column order or how a reader typed its numbers."""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smotified_gan.core.data.tables import ROW_KEY, TARGET
from smotified_gan.core.parameters import Holdout
from smotified_gan.core.production.holdout import (
    KEY_RECIPE,
    in_holdout,
    recipe,
    recipe_differences,
    row_keys,
    rows_digest,
    split_by_key,
)
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


def test_keys_made_part_by_part_are_the_keys_of_the_whole_table_and_progress_is_said(monkeypatch, caplog):
    from smotified_gan.core.production import holdout

    table = labelled(own_table(3000, seed=4)).iloc[::-1]  # an index that is not 0..n-1
    whole = row_keys(table)
    monkeypatch.setattr(holdout, "KEY_CHUNK", 7)
    ticks = itertools.count(0.0, 30.0)  # each reading of the clock 30 s after the last: progress after each chunk
    monkeypatch.setattr("smotified_gan.core.progress.time.perf_counter", lambda: next(ticks))
    with caplog.at_level("INFO", logger="smotified_gan.core.production.holdout"):
        assert (row_keys(table) == whole).all()
    assert "Holdout keys: 7 of 3000 rows" in caplog.text and "Holdout keys: 2996 of 3000 rows" in caplog.text


def test_the_same_file_re_exported_with_its_columns_reordered_keeps_every_key():
    table = own_table(4000, seed=1)
    reordered = pd.read_csv(io.StringIO(table[table.columns[::-1]].to_csv(index=False)))
    original = pd.read_csv(io.StringIO(table.to_csv(index=False)))
    assert (row_keys(original[COLUMNS]) == row_keys(reordered[COLUMNS[::-1]])).all()
    # the name travels with the value: the same numbers under swapped names are other rows
    swapped = original[COLUMNS].rename(columns={"income": "balance", "balance": "income"})
    assert (row_keys(swapped) != row_keys(original[COLUMNS])).mean() > 0.99


def test_a_float_column_read_as_float32_or_float64_gives_the_same_keys():
    text = own_table(4000, seed=1).to_csv(index=False)
    wide = pd.read_csv(io.StringIO(text))[COLUMNS]
    narrow = pd.read_csv(io.StringIO(text), dtype={"income": "float32", "balance": "float32"})[COLUMNS]
    assert narrow["income"].dtype == np.float32 and (row_keys(wide) == row_keys(narrow)).all()


def test_integer_ids_beyond_two_to_the_53_keep_one_key_each():
    ids = pd.DataFrame({"customer_id": np.arange(4000, dtype=np.int64) + 2**60 + 1})
    assert len(set(row_keys(ids, "customer_id"))) == 4000
    as_text = pd.read_csv(io.StringIO(ids.to_csv(index=False)))  # pandas reads them back as exact int64
    assert (row_keys(as_text, "customer_id") == row_keys(ids, "customer_id")).all()


def test_equal_values_give_equal_keys_whatever_the_number_type():
    ints = pd.DataFrame({"a": [3, 4], "b": ["x", "y"]})
    floats = ints.astype({"a": "float64"})
    assert (row_keys(ints) == row_keys(floats)).all() and row_keys(ints)[0] != row_keys(ints)[1]
    duplicated = pd.concat([ints, ints], ignore_index=True)
    held = in_holdout(row_keys(duplicated), 0.5, 0)
    assert held[0] == held[2] and held[1] == held[3]  # a copy of a row is on its side


def test_a_key_column_decides_alone_and_the_seed_reshuffles():
    table = own_table(2000, seed=4)
    by_key = in_holdout(row_keys(table, "customer_id"), 0.25, 1)
    edited = table.assign(income=table["income"] + 1)  # other values, same keys: same holdout
    assert (in_holdout(row_keys(edited, "customer_id"), 0.25, 1) == by_key).all()
    assert (in_holdout(row_keys(table, "customer_id"), 0.25, 2) != by_key).mean() > 0.2
    with pytest.raises(ValueError, match=r"holdout key column\(s\) \['account'\] not in the table"):
        row_keys(table, "account")


def test_split_by_key_and_the_digest_of_what_was_trained_on():
    table = labelled(own_table(2000, seed=6))
    table[ROW_KEY] = row_keys(table)
    train, holdout = split_by_key(table, 0.2, 7, "own")
    assert len(train) + len(holdout) == len(table) and holdout[TARGET].sum() > 0
    assert (holdout[ROW_KEY].to_numpy() == table[ROW_KEY].to_numpy()[in_holdout(table[ROW_KEY].to_numpy(), 0.2, 7)]).all()
    keys = train[ROW_KEY].to_numpy()
    assert rows_digest(keys) == rows_digest(np.random.default_rng(0).permutation(keys))
    assert rows_digest(keys) != rows_digest(keys[1:])
    tiny = table.head(30).assign(**{TARGET: 0})
    tiny.loc[0, TARGET] = 1
    with pytest.raises(ValueError, match=r"dataset 'own': the (training|holdout) rows \(\d+\) hold [01] minority"):
        split_by_key(tiny, 0.2, 7, "own")


def test_the_recipe_names_what_would_move_the_holdout_and_lets_test_size_change():
    table = labelled(own_table(100, seed=1))
    champion = recipe(table, None, 0.2, 2024)
    assert champion["recipe"] == KEY_RECIPE and champion["key_columns"] == sorted(COLUMNS)
    assert recipe_differences(champion, recipe(table, None, 0.3, 2024)) == []
    assert recipe_differences(champion, recipe(table, None, 0.2, 7)) == ["retrain.holdout.seed was 2024, is now 7"]
    keyed = recipe(own_table(100, seed=1), "customer_id", 0.2, 2024)
    assert "retrain.holdout.key_column was None, is now 'customer_id'" in recipe_differences(champion, keyed)
    old = {"key_column": None, "test_size": 0.2, "seed": 2024}  # a champion from before recipes
    assert recipe_differences(old, champion)[0].startswith("holdout keys were made by recipe 'v1 (values in column order)'")


def test_the_retrain_key_is_read_from_the_raw_rows_even_when_the_model_never_sees_it():
    """README's set-up: customer_id in drop_columns (not a feature) and the holdout's key_column."""
    from smotified_gan.core.data.tables import build_labelled_table, feature_columns
    from smotified_gan.pipelines.retrain.nodes import key_rows
    from tests.production.own_table import PRODUCTION_PARAMETERS

    spec = PRODUCTION_PARAMETERS["production"]["dataset"]
    raw = own_table(500, seed=5)
    table = build_labelled_table(raw, spec, "production")
    assert "customer_id" not in table.columns
    keyed = key_rows(raw, table, Holdout(test_size=0.2, seed=1, key_column="customer_id"), spec)
    assert (keyed[ROW_KEY].to_numpy() == row_keys(raw, "customer_id")).all()
    assert feature_columns(keyed) == sorted(feature_columns(table))  # in name order; the key is never a feature
    by_values = key_rows(raw, table, Holdout(test_size=0.2, seed=1), spec)
    assert (by_values[ROW_KEY].to_numpy() == row_keys(table)).all()
    with pytest.raises(ValueError, match=r"dataset 'production': retrain.holdout.key_column 'account' is not a column "
                                         r"of the production table; its columns are \['customer_id', 'age'"):
        key_rows(raw, table, Holdout(test_size=0.2, seed=1, key_column="account"), spec)


def _float_text(sign: int, exponent: float, cents: bool, nan: bool) -> str:
    if nan:
        return ""
    value = sign * 10.0**exponent
    return f"{value:.2f}" if cents else repr(value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([-1, 1]), st.floats(-4, 9), st.booleans(), st.booleans()),
                min_size=1, max_size=50))
def test_every_value_keys_the_same_read_as_float32_or_float64(values):
    """Magnitudes 1e-4 to 1e9, with and without cents, negative values and blanks (NaN): one CSV read both ways."""
    text = "amount\n" + "\n".join(_float_text(*v) for v in values) + "\n"
    wide = pd.read_csv(io.StringIO(text), dtype={"amount": "float64"}, skip_blank_lines=False)
    narrow = pd.read_csv(io.StringIO(text), dtype={"amount": "float32"}, skip_blank_lines=False)
    assert len(wide) == len(values) and (row_keys(wide) == row_keys(narrow)).all()


def test_amounts_in_the_hundred_thousands_with_cents_re_exported_through_float32_keep_every_key():
    """The issue's case: 721111.98 is 721112.0 in float32; the float64 read and the float32 re-export agree."""
    rng = np.random.default_rng(29)
    table = own_table(4000, seed=29).assign(amount=rng.uniform(1e5, 1e6, 4000).round(2))[COLUMNS + ["amount"]]
    original = pd.read_csv(io.StringIO(table.to_csv(index=False)))
    re_exported = table.astype({"income": "float32", "balance": "float32", "amount": "float32"})
    re_read = pd.read_csv(io.StringIO(re_exported[re_exported.columns[::-1]].to_csv(index=False)))
    assert (row_keys(original) == row_keys(re_read)).all()
    as_float32 = pd.read_csv(io.StringIO(table.to_csv(index=False)), dtype={"amount": "float32", "income": "float32"})
    assert (row_keys(original) == row_keys(as_float32)).all()
    assert (row_keys(pd.DataFrame({"a": [721111.98]})) == row_keys(pd.DataFrame({"a": [721112]}))).all()
