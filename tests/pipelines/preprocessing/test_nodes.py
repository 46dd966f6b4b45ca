import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan.core.data.tables import DataValidationError, feature_columns
from smotified_gan.core.preprocessing import build_model_inputs, fit_transformer
from smotified_gan.pipelines.preprocessing.nodes import split_dataset
from smotified_gan.pipelines.preprocessing.pipeline import create_pipeline

SPLIT = {"test_size": 0.25, "stratify": True, "seed": 3}


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
    assert set(train["repeat"]) == {0}  # one repeat unless asked
    again, _ = split_dataset(toy_table(), SPLIT, SPEC)
    assert train.equals(again)


def test_each_repeat_is_its_own_stratified_split_with_its_own_transformer():
    table = toy_table().assign(row=range(80))
    train, test = split_dataset(table, {**SPLIT, "repeats": 3}, SPEC)
    assert sorted(train["repeat"].unique()) == [0, 1, 2]
    tests = [set(test.loc[test["repeat"] == r, "row"]) for r in range(3)]
    for r in range(3):
        assert len(tests[r]) == 20 and int(test.loc[test["repeat"] == r, "target"].sum()) == 4
        # a repeat's training and test rows never overlap
        assert not tests[r] & set(train.loc[train["repeat"] == r, "row"])
    assert tests[0] != tests[1] != tests[2]  # seeds 3, 4, 5: different test rows
    # repeat 0 is the single-split protocol's split
    single, _ = split_dataset(table, SPLIT, SPEC)
    assert single["row"].tolist() == train.loc[train["repeat"] == 0, "row"].tolist()
    transformers = fit_transformer(train.drop(columns="row"), SPEC)
    assert sorted(transformers) == [0, 1, 2]
    for r, transformer in transformers.items():
        rows = train[train["repeat"] == r]
        assert transformer.named_steps["scale"].data_max_[3] == pytest.approx(rows["a"].max())
    train_set, test_set = build_model_inputs(transformers, train.drop(columns="row"), test.drop(columns="row"))
    assert train_set["repeat"].tolist() == train["repeat"].tolist() and len(test_set) == 60


def test_quantile_scaling_spreads_an_outlier_squeezed_feature_and_stays_in_the_unit_interval():
    table = toy_table(n=200, minority=40)
    table.loc[0, "a"] = 1e6  # one outlier: MinMax squeezes every other row near 0
    train, test = split_dataset(table, SPLIT, SPEC)
    minmax, _ = build_model_inputs(fit_transformer(train, SPEC), train, test)
    quantile, test_q = build_model_inputs(fit_transformer(train, {**SPEC, "scaling": "quantile"}), train, test)
    assert minmax["a"].quantile(0.9) < 0.01 and quantile["a"].std() > 0.25
    features = quantile[feature_columns(quantile)].to_numpy()
    assert features.min() == 0.0 and features.max() == pytest.approx(1.0)
    with pytest.raises(DataValidationError, match=r"dataset 'toy': scaling must be one of"):
        fit_transformer(train, {**SPEC, "scaling": "robust"})


def test_scaler_statistics_come_from_the_training_split_only():
    train, test = split_dataset(toy_table(), SPLIT, SPEC)
    transformer = fit_transformer(train, SPEC)[0]
    scaler = transformer.named_steps["scale"]
    columns = list(transformer.get_feature_names_out())
    assert columns == ["colour_b", "colour_g", "colour_r", "a", "b"]
    assert scaler.data_min_[3:] == pytest.approx(train[["a", "b"]].min().to_numpy())
    assert scaler.data_max_[3:] == pytest.approx(train[["a", "b"]].max().to_numpy())
    # a test value far outside the training range changes nothing
    test.loc[0, "a"] = 1e6
    assert fit_transformer(train, SPEC)[0].named_steps["scale"].data_max_[3] == scaler.data_max_[3]
    train_set, test_set = build_model_inputs({0: transformer}, train, test)
    assert train_set[feature_columns(train_set)].to_numpy().min() == 0.0
    assert train_set[feature_columns(train_set)].to_numpy().max() == pytest.approx(1.0)
    assert train_set.dtypes["a"] == np.float32 and train_set["target"].tolist() == train["target"].tolist()
    assert list(test_set.columns) == columns + ["target", "row_key", "repeat"]


def test_unseen_category_encodes_as_zeros():
    train, test = split_dataset(toy_table(), SPLIT, SPEC)
    test.loc[0, "colour"] = "purple"
    _, test_set = build_model_inputs(fit_transformer(train, SPEC), train, test)
    assert test_set.loc[0, ["colour_b", "colour_g", "colour_r"]].tolist() == [0, 0, 0]


def test_predefined_split_is_kept():
    table = toy_table().assign(split=["train"] * 50 + ["test"] * 30)
    train, test = split_dataset(table, SPLIT, SPEC)
    assert (len(train), len(test)) == (50, 30) and "split" not in train.columns


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
    # row_key: the row's position in the table, the same row in every repeat (not a feature)
    assert list(train_set.columns) == ["colour_b", "colour_g", "colour_r", "a", "b", "target", "row_key", "repeat"]
