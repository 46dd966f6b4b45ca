import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan.data.tables import DataValidationError
from smotified_gan.pipelines.preprocessing.nodes import build_model_inputs, fit_transformer, split_dataset
from smotified_gan.pipelines.preprocessing.pipeline import create_pipeline

SPLIT = {"test_size": 0.25, "stratify": True, "seed": 3, "k_neighbors": 5}


def toy_table(n=80, minority=16, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "a": rng.normal(10, 3, n), "b": rng.uniform(-5, 5, n), "colour": rng.choice(["r", "g", "b"], n),
        "label": ["pos"] * minority + ["neg"] * (n - minority),
        "target": np.r_[np.ones(minority), np.zeros(n - minority)].astype("int8"),
    })


SPEC = {"id": "toy", "categorical": ["colour"]}


def test_split_is_stratified_and_seeded():
    train, test = split_dataset(toy_table(), SPLIT, SPEC)
    assert (len(train), len(test)) == (60, 20)
    assert (int(train["target"].sum()), int(test["target"].sum())) == (12, 4)
    again, _ = split_dataset(toy_table(), SPLIT, SPEC)
    assert train.equals(again)


def test_scaler_statistics_come_from_the_training_split_only():
    train, test = split_dataset(toy_table(), SPLIT, SPEC)
    transformer = fit_transformer(train, SPEC)
    scaler = transformer.named_steps["scale"]
    columns = list(transformer.get_feature_names_out())
    assert columns == ["colour_b", "colour_g", "colour_r", "a", "b"]
    assert scaler.data_min_[3:] == pytest.approx(train[["a", "b"]].min().to_numpy())
    assert scaler.data_max_[3:] == pytest.approx(train[["a", "b"]].max().to_numpy())
    # a test value far outside the training range changes nothing
    test.loc[0, "a"] = 1e6
    assert fit_transformer(train, SPEC).named_steps["scale"].data_max_[3] == scaler.data_max_[3]
    train_set, test_set = build_model_inputs(transformer, train, test)
    assert train_set.drop(columns="target").to_numpy().min() == 0.0
    assert train_set.drop(columns="target").to_numpy().max() == pytest.approx(1.0)
    assert train_set.dtypes["a"] == np.float32 and train_set["target"].tolist() == train["target"].tolist()
    assert list(test_set.columns) == columns + ["target"]


def test_unseen_category_encodes_as_zeros():
    train, test = split_dataset(toy_table(), SPLIT, SPEC)
    test.loc[0, "colour"] = "purple"
    _, test_set = build_model_inputs(fit_transformer(train, SPEC), train, test)
    assert test_set.loc[0, ["colour_b", "colour_g", "colour_r"]].tolist() == [0, 0, 0]


def test_predefined_split_is_kept():
    table = toy_table().assign(split=["train"] * 50 + ["test"] * 30)
    train, test = split_dataset(table, SPLIT, SPEC)
    assert (len(train), len(test)) == (50, 30) and "split" not in train.columns


def test_too_few_minority_rows_in_training_split():
    with pytest.raises(DataValidationError, match=r"dataset 'toy': the training split has 5 minority rows; SMOTE"):
        split_dataset(toy_table(minority=7), {**SPLIT, "test_size": 0.3}, SPEC)


def test_pipeline_slice_runs_on_a_catalog():
    catalog = DataCatalog({
        "toy.table": MemoryDataset(toy_table()),
        "params:datasets.toy": MemoryDataset(SPEC),
        "params:split": MemoryDataset(SPLIT),
    })
    for name in ("toy.train_set", "toy.test_set"):
        catalog[name] = MemoryDataset()
    SequentialRunner().run(create_pipeline(["toy"]), catalog)
    train_set, test_set = catalog.load("toy.train_set"), catalog.load("toy.test_set")
    assert (len(train_set), len(test_set)) == (60, 20)
    assert list(train_set.columns) == ["colour_b", "colour_g", "colour_r", "a", "b", "target"]
