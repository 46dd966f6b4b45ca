"""Ingestion of the seven packaged datasets through the real catalog entries."""

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog

from smotified_gan.core.data.readers import parse_table
from smotified_gan.core.data.tables import ingest_dataset
from smotified_gan.pipelines.ingestion.nodes import gather_data_cards
from tests.conftest import shared_file

# PROTOCOL.md, TABLE 1 (raw feature columns, before one-hot)
EXPECTED = {
    "abalone": (4177, 8, 839), "ecoli": (336, 7, 20), "ionosphere": (351, 33, 126),
    "pageblocks": (472, 10, 28), "poker": (1477, 10, 17), "wine": (656, 11, 18), "yeast": (514, 8, 51),
}


PACKAGED_DATASETS = tuple(EXPECTED)


@pytest.fixture(scope="module")
def packaged(raw_catalog, parameters):
    catalog = DataCatalog.from_config({f"{n}.raw": raw_catalog[f"{n}.raw"] for n in PACKAGED_DATASETS})
    return {n: ingest_dataset(catalog.load(f"{n}.raw"), parameters["datasets"][n]) for n in PACKAGED_DATASETS}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_counts(packaged, name):
    table, card = packaged[name]
    rows, features, minority = EXPECTED[name]
    assert (len(table), card["features"], int(table["target"].sum())) == (rows, features, minority)
    assert (card["rows"], card["minority_rows"], card["status"]) == (rows, minority, "ok")
    assert len(card["sha256"]) == 64


def test_first_keel_row_is_kept(packaged):
    ecoli, _ = packaged["ecoli"]
    # first @data line of ecoli4.dat: 0.49, 0.29, 0.48, 0.50, 0.56, 0.24, 0.35, negative
    assert ecoli.iloc[0, :7].tolist() == pytest.approx([0.49, 0.29, 0.48, 0.50, 0.56, 0.24, 0.35])
    assert ecoli.loc[0, "label"] == "negative"


def test_packaged_abalone_matches_the_uci_copy(packaged):
    table, _ = packaged["abalone"]
    uci = pd.read_csv(shared_file("abalone.csv"))
    assert len(uci) == len(table)
    assert (uci["Sex"].to_numpy() == table["Sex"].to_numpy()).all()
    assert uci.iloc[:, 1:8].to_numpy() == pytest.approx(table.iloc[:, 1:8].to_numpy())
    assert int((uci["Class_number_of_rings"] <= 7).sum()) == 839


def test_keel_ionosphere_is_uci_without_its_all_zero_second_column(packaged):
    # KEEL drops UCI's all-zero second column, rounds to 3 decimals and reorders
    # the rows: as a set of (features, label) rows the two files are identical.
    table, card = packaged["ionosphere"]
    uci = pd.read_csv(shared_file("ionosphere.csv"))
    assert (uci["feature2"] == 0).all()
    uci_rows = np.c_[uci.drop(columns=["feature2", "label"]).to_numpy().round(3), uci["label"] == "b"]
    keel_rows = np.c_[table.iloc[:, :33].to_numpy(), table["label"] == "b"]
    assert np.array_equal(np.array(sorted(map(tuple, uci_rows))), np.array(sorted(map(tuple, keel_rows))))
    assert "33 features" in card["notes"]


def test_abalone_sex_is_kept_categorical(packaged):
    table, _ = packaged["abalone"]
    assert sorted(table["Sex"].unique()) == ["F", "I", "M"]


def test_a_plain_dataframe_is_ingested_with_its_definition(parameters):
    frame = pd.DataFrame({"x": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "y": list("aabbbbbb")})
    spec = {"id": "own", "source": "my file", "label_column": "y", "minority": {"labels": ["a"]},
            "min_minority_rows": 2}
    table, card = ingest_dataset(frame, spec)
    assert table["target"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]
    assert (card["dataset"], card["rows"], card["minority_rows"], card["sha256"]) == ("own", 8, 2, "")


def test_gather_data_cards_types_and_order(packaged):
    cards = gather_data_cards(packaged["ecoli"][1], {**packaged["wine"][1], "rows": None})
    assert cards["dataset"].tolist() == ["ecoli", "wine"]
    assert str(cards["rows"].dtype) == "Int64" and cards["rows"].isna().tolist() == [False, True]


def test_bad_junk_in_a_packaged_format_is_reported():
    content = b"@relation r\n@attribute a real [0,1]\n@attribute Class {p, n}\n@data\n0.1, p\nzz, n\n"
    with pytest.raises(ValueError, match=r"x\.dat: column 'a' must be numeric but row 1 holds 'zz'"):
        parse_table(content, "x.dat", "keel")
