"""Ids and keys exact whatever the export: read as integers (blanks and all), never through float64; a blank,
fractional, rounded or repeated id is named, never scored under a wrong id."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smotified_gan.core.data.tables import DataValidationError, build_labelled_table
from smotified_gan.core.parameters import Holdout, Scoring
from smotified_gan.core.production.contract import BatchValidationError
from smotified_gan.core.production.holdout import row_keys
from smotified_gan.core.production.ids import duplicates, exact_ids
from smotified_gan.core.production.scoring import row_ids as _row_ids
from smotified_gan.io import TableFileDataset
from smotified_gan.pipelines.retrain.nodes import key_rows
from tests.production.own_table import LABEL, PRODUCTION_PARAMETERS, own_table

BIG = [2**53 + 1, 2**63 - 1]


def big_ids(rows: int, blank: int | None) -> list:
    ids = [2**53 + 1 + i for i in range(rows - 1)] + [2**63 - 1]
    if blank is not None:
        ids[blank] = None
    return ids


def big_id_batch(rows: int = 300, blank: int | None = 7) -> pd.DataFrame:
    """The own table's batch with ids beyond 2**53 (the last 2**63 - 1), one of them blank, held exactly."""
    return own_table(rows, seed=3).drop(columns=LABEL).assign(customer_id=pd.array(big_ids(rows, blank), dtype="UInt64"))


def written(batch: pd.DataFrame, folder, suffix: str):
    path = folder / f"batch{suffix}"
    batch.to_csv(path, index=False) if suffix == ".csv" else batch.to_parquet(path)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_ids_beyond_two_to_the_53_with_a_blank_are_read_exactly(tmp_path, suffix):
    batch = big_id_batch()
    frame = TableFileDataset(str(written(batch, tmp_path, suffix))).load()
    ids = frame["customer_id"]
    assert ids.isna().sum() == 1 and ids.isna().idxmax() == 7
    assert ids.dropna().astype("uint64").tolist() == [v for v in big_ids(300, 7) if v is not None]
    assert ids.iloc[0] == 2**53 + 1 and ids.iloc[-1] == 2**63 - 1  # float64 would read 2**53 and 2**63
    # the other columns as pandas reads them by default
    default = pd.read_csv(tmp_path / "batch.csv") if suffix == ".csv" else pd.read_parquet(tmp_path / "batch.parquet")
    for column in ("age", "visits", "income", "balance"):
        assert frame[column].dtype == default[column].dtype and frame[column].equals(default[column])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_blank_id_in_a_batch_is_an_error_naming_its_row_and_count(tmp_path, suffix):
    path = written(big_id_batch(), tmp_path, suffix)
    frame = TableFileDataset(str(path)).load()
    with pytest.raises(BatchValidationError, match=rf"{path}: id column 'customer_id' \(scoring.id_column\): 1 blank "
                                                   r"value\(s\) \(first row 7\).*nothing was scored"):
        _row_ids(frame, Scoring(id_column="customer_id"), str(path))
    whole = TableFileDataset(str(written(big_id_batch(blank=None), tmp_path, suffix))).load()
    ids = _row_ids(whole, Scoring(id_column="customer_id"), str(path))
    assert ids.dtype.kind in "iu" and ids.iloc[0] == 2**53 + 1 and ids.iloc[-1] == 2**63 - 1
    assert ids.nunique() == len(whole) == 300


def test_ids_stored_as_floats_are_taken_when_whole_and_exact_and_named_when_not():
    assert exact_ids(pd.Series([1.0, 2.0, 3e15]), "ids").tolist() == [1, 2, 3_000_000_000_000_000]
    with pytest.raises(ValueError, match=r"ids: 2 value\(s\) that are not whole numbers \(first row 1: 2.5, row 2: "
                                         r"inf\).*1 value\(s\) at or beyond 2\*\*53 stored as floating point.*row 3"):
        exact_ids(pd.Series([1.0, 2.5, np.inf, 2.0**53]), "ids")
    with pytest.raises(ValueError, match=r"2 blank value\(s\) \(first row 1: ' ', row 2\)"):
        exact_ids(pd.Series(["A-1", " ", None]), "ids")
    assert exact_ids(pd.Series([" A-1", "B-2"]), "ids").tolist() == ["A-1", "B-2"]


def test_repeated_ids_fail_the_batch_by_default_and_are_flagged_under_warn():
    batch = pd.DataFrame({"customer_id": [5, 6, 5, 7, 6]})
    assert duplicates(batch["customer_id"]) == (2, "first row 2: 5, row 4: 6")
    with pytest.raises(BatchValidationError, match=r"2 row\(s\) repeat an id of an earlier row \(first row 2: 5, row 4: "
                                                   r"6\).*scoring.checks.duplicate_id: fail"):
        _row_ids(batch, Scoring(id_column="customer_id"), "b.csv")
    ids = _row_ids(batch, Scoring(id_column="customer_id", checks={"duplicate_id": "warn"}), "b.csv")
    assert ids.tolist() == [5, 6, 5, 7, 6]


def test_a_blank_key_in_the_training_table_is_named_before_any_split(tmp_path):
    spec = PRODUCTION_PARAMETERS["production"]["dataset"]
    table = own_table(400, seed=5).assign(customer_id=pd.array(big_ids(400, 17), dtype="UInt64"))
    table.to_csv(tmp_path / "own.csv", index=False)
    raw = TableFileDataset(str(tmp_path / "own.csv")).load()
    labelled = build_labelled_table(raw, spec, "production")
    with pytest.raises(DataValidationError, match=rf"dataset 'production' \({tmp_path / 'own.csv'}\): retrain.holdout."
                                                  r"key_column 'customer_id': 1 blank value\(s\) \(first row 17\).*"
                                                  r"nothing was trained"):
        key_rows(raw, labelled, Holdout(test_size=0.2, seed=1, key_column="customer_id"), spec)
    table["customer_id"] = pd.array(big_ids(400, None), dtype="UInt64")
    table.to_csv(tmp_path / "own.csv", index=False)
    raw = TableFileDataset(str(tmp_path / "own.csv")).load()
    keyed = key_rows(raw, build_labelled_table(raw, spec, "production"),
                     Holdout(test_size=0.2, seed=1, key_column="customer_id"), spec)
    assert keyed["row_key"].nunique() == 400  # one key per id: none collapsed by float64
    assert (keyed["row_key"].to_numpy() == row_keys(table.astype({"customer_id": "uint64"}), "customer_id")).all()
