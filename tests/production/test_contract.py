"""The raw input contract: what a batch must be, what is counted, and drift."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from smotified_gan.core.production.contract import BatchValidationError, InputContract, Tally, schema_differences
from tests.production.own_table import COLUMNS, own_table


@pytest.fixture(scope="module")
def training_rows() -> pd.DataFrame:
    return own_table(2000, seed=1)[COLUMNS]


@pytest.fixture(scope="module")
def contract(training_rows) -> InputContract:
    # stored and read back, as it travels inside the registered model
    return InputContract.from_dict(json.loads(json.dumps(InputContract.from_training_rows(training_rows).to_dict())))


def through_csv(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)))


def test_the_contract_records_types_ranges_and_categories(contract, training_rows):
    assert contract.kinds() == {"age": "integer", "visits": "integer", "income": "float", "balance": "float",
                                "region": "category"}
    assert contract.ranges()["age"] == (int(training_rows["age"].min()), int(training_rows["age"].max()))
    assert contract.ranges()["income"] == pytest.approx((training_rows["income"].min(), training_rows["income"].max()))
    assert contract.categories() == {"region": ["east", "north", "south", "west"]}
    assert contract.digest() == InputContract.from_training_rows(training_rows.sample(frac=1, random_state=0)).digest()


def test_the_training_rows_always_conform_even_read_back_from_a_csv(contract, training_rows):
    for batch in (training_rows, through_csv(training_rows), through_csv(training_rows)[COLUMNS[::-1]]):
        rows, soft = contract.conform(batch, "train.csv")
        assert list(rows.columns) == COLUMNS and rows["age"].dtype == "int64" and rows["income"].dtype == "float64"
        assessment = contract.assess(rows, soft)
        assert assessment.flagged_rows == 0
        assert assessment.report["psi"].max() < 1e-9  # the same rows: no drift at all


def test_whole_floats_in_an_integer_column_are_integers_but_fractions_are_not(contract, training_rows):
    batch = training_rows.head(20).astype({"age": "float64"})
    rows, _ = contract.conform(batch, "b.csv")
    assert rows["age"].dtype == "int64" and rows["age"].tolist() == training_rows["age"].head(20).tolist()
    batch.loc[3, "age"] = 40.5
    with pytest.raises(BatchValidationError, match=r"b\.csv .*\n- column 'age': 1 value\(s\) are not whole numbers, but "
                                                   r"the model was trained on integers \(first row 3: 40\.5\)"):
        contract.conform(batch, "b.csv")


def test_every_hard_failure_is_reported_at_once_with_its_rows(contract, training_rows):
    batch = training_rows.head(30).copy().astype({"income": "float64"}).drop(columns="visits").assign(colour="red")
    batch.loc[[4, 9], "income"] = [np.inf, -np.inf]
    batch.loc[7, "region"] = None
    batch["balance"] = batch["balance"].astype(object)
    batch.loc[2, "balance"] = "n/a"
    with pytest.raises(BatchValidationError) as error:
        contract.conform(batch, "data/01_raw/batch.csv")
    message = str(error.value)
    assert message.startswith("data/01_raw/batch.csv does not match the model's input contract; nothing was scored")
    for expected in ("missing column(s) ['visits']", "extra column(s) ['colour'] the model was not trained on",
                     "column 'income': 2 infinite value(s) (first row 4: inf, row 9: -inf)",
                     "column 'region': 1 missing value(s) (first row 7: None)",
                     "column 'balance': 1 value(s) are not numbers (first row 2: 'n/a')"):
        assert expected in message, message


def test_an_id_column_and_the_columns_training_dropped_are_set_aside(training_rows):
    contract = InputContract.from_training_rows(training_rows, meta={"dropped_columns": ["customer_id"]})
    batch = own_table(50, seed=5).drop(columns="fraud").assign(ticket=range(50))
    rows, _ = contract.conform(batch, "b.csv", id_column="ticket")
    assert list(rows.columns) == COLUMNS


@pytest.mark.parametrize("text", ["age,visits,income,balance,region\n", ""])
def test_an_empty_batch_says_so(contract, text):
    batch = pd.read_csv(io.StringIO(text)) if text else pd.DataFrame()
    with pytest.raises(BatchValidationError, match=r"new\.csv holds no rows \(a header-only or empty file\)"):
        contract.conform(batch, "new.csv")


def test_rows_out_of_range_and_unseen_categories_are_counted_and_flagged(contract, training_rows):
    batch = training_rows.head(40).copy()
    high, low = contract.ranges()["income"][1], contract.ranges()["age"][0]
    batch.loc[[1, 5], "income"] = [high * 10, 1e12]
    batch.loc[5, "age"] = low - 3
    batch.loc[[5, 8, 9], "region"] = ["mars", "mars", "moon"]
    assessment = contract.assess(*contract.conform(batch, "b.csv"))
    report = assessment.report.set_index("column")
    assert report.loc["income", ["out_of_range_rows", "below_min", "above_max"]].tolist() == [2, 0, 2]
    assert report.loc["age", ["out_of_range_rows", "below_min", "above_max"]].tolist() == [1, 1, 0]
    assert report.loc["region", "unseen_category_rows"] == 3 and report.loc["region", "unseen_values"] == "mars, moon"
    assert report.loc[["visits", "balance"], "out_of_range_rows"].tolist() == [0, 0]
    flagged = assessment.flags[assessment.flags != ""].to_dict()
    assert flagged == {1: "out_of_range:income", 5: "out_of_range:age,income;unseen_category:region",
                       8: "unseen_category:region", 9: "unseen_category:region"}


def test_psi_is_small_for_a_fresh_sample_and_large_for_a_shifted_one(contract):
    fresh = own_table(3000, seed=9)[COLUMNS]
    shifted = fresh.assign(income=fresh["income"] * 1.6, region="west")
    psi = contract.assess(*contract.conform(fresh, "fresh")).report.set_index("column")["psi"]
    moved = contract.assess(*contract.conform(shifted, "shifted")).report.set_index("column")["psi"]
    assert psi.max() < 0.05
    assert moved["income"] > 0.25 and moved["region"] > 0.25 and moved["age"] < 0.05


def test_the_tallies_of_a_batchs_parts_give_the_whole_batchs_report(contract):
    """Dask scores a batch part by part: the counts, the unseen categories named and the PSI it reports from the
    parts' summed tallies are the ones the whole batch gets at once."""
    batch = own_table(3000, seed=4)[COLUMNS]
    batch = batch.assign(income=np.where(np.arange(3000) > 1800, batch["income"] * 1.7, batch["income"]),
                         region=np.where(np.arange(3000) % 97 == 0, [f"r{i % 13}" for i in range(3000)], batch["region"]))
    whole = contract.assess(*contract.conform(batch, "whole")).report
    parts = [contract.tally(contract.conform(batch.iloc[start:end], "part")[0])
             for start, end in [(0, 7), (7, 1000), (1000, 2500), (2500, 3000)]]
    summed = contract.report(sum(parts, Tally.empty()))
    pd.testing.assert_frame_equal(summed, whole)
    assert whole.set_index("column").loc["income", "psi"] > 0.25 and whole["out_of_range_rows"].sum() > 0
    assert whole.set_index("column").loc["region", "unseen_values"].count(",") == 9  # the first 10 unseen, sorted


def test_schema_differences_name_each_column():
    before = {"age": "integer", "income": "float", "region": "category"}
    after = {"age": "float", "income": "float", "colour": "category"}
    assert schema_differences(before, after) == ["columns the champion was trained on are gone: ['region']",
                                                 "new columns: ['colour']", "'age' was integer, is now float"]
    assert schema_differences(before, dict(before)) == []


def test_rare_categories_are_pooled_so_drift_rarely_cries_wolf_and_still_sees_drift():
    """Ten levels at 1.5% each: unpooled, 100-row batches without drift gave PSI >= 0.25 about a third of the time."""
    from smotified_gan.core.production.contract import population_stability

    rng = np.random.default_rng(5)
    levels, shares = ["common"] + [f"rare{i}" for i in range(10)], [0.85] + [0.015] * 10
    reference = InputContract.from_training_rows(pd.DataFrame({"c": rng.choice(levels, 20000, p=shares)})).reference["c"]
    batches = [pd.Series(rng.choice(levels, 100, p=shares)) for _ in range(300)]
    pooled = np.mean([population_stability(b, reference) >= 0.25 for b in batches])
    unpooled = np.mean([population_stability(b, reference, min_expected=0) >= 0.25 for b in batches])
    assert pooled <= 0.05 < unpooled
    drifted = pd.Series(rng.choice(levels, 100, p=[0.5] + [0.05] * 10))
    assert population_stability(drifted, reference) >= 0.25
