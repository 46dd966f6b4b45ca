import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan.pipelines.oversampling.nodes import (
    assemble_training_set,
    gan_generate,
    gan_refine,
    keep_training_set,
    smote_oversample,
)
from smotified_gan.pipelines.oversampling.pipeline import create_pipeline
from smotified_gan.samplers.bundle import GeneratorBundle

PARAMS = {
    "sampling_strategy": "auto", "seed": 3,
    "first_phase": {"sampler": "smote", "k_neighbors": 5, "kwargs": {}},
    "gan": {"architecture": "paper", "learning_rate": 1e-4, "batch_size": 32, "log_every": 0, "device": "cpu"},
    "early_stopping": {"enabled": False},
}


def train_set(n_major=90, n_minor=15):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(np.r_[rng.uniform(0, 0.7, (n_major, 3)), rng.uniform(0.3, 1, (n_minor, 3))].astype("float32"),
                         columns=["a", "b", "c"])
    frame["target"] = np.r_[np.zeros(n_major), np.ones(n_minor)].astype("int8")
    return frame


def test_smote_oversample_rows_and_counts():
    rows = smote_oversample(train_set(), PARAMS)
    assert list(rows.columns) == ["a", "b", "c", "target"] and len(rows) == 75 and (rows["target"] == 1).all()
    half = smote_oversample(train_set(), {**PARAMS, "sampling_strategy": 0.5})
    assert len(half) == 45 - 15


def test_gan_refine_replaces_first_phase_rows():
    first = smote_oversample(train_set(), PARAMS)
    refined, history, bundle = gan_refine(train_set(), first, PARAMS, epochs=4)
    assert refined.shape == first.shape and not np.allclose(refined[["a", "b", "c"]], first[["a", "b", "c"]])
    assert list(history["epoch"]) == [1, 2, 3, 4]
    assert isinstance(bundle, GeneratorBundle) and bundle.feature_names == ["a", "b", "c"]
    again = bundle.refine(first[["a", "b", "c"]].to_numpy(), label=1, device="cpu")
    assert np.allclose(again, refined[["a", "b", "c"]].to_numpy(), atol=1e-6)


def test_gan_generate_from_noise():
    rows, history, bundle = gan_generate(train_set(), PARAMS, epochs=2)
    assert len(rows) == 75 and len(history) == 2 and bundle.sample(4, label=1, device="cpu").shape == (4, 3)


def test_assemble_keeps_originals_first():
    original = train_set()
    augmented = assemble_training_set(original, smote_oversample(original, PARAMS))
    pd.testing.assert_frame_equal(augmented.iloc[: len(original)], original)
    assert augmented["target"].value_counts().to_dict() == {0: 90, 1: 90}
    assert keep_training_set(original).equals(original)
    with pytest.raises(ValueError, match="synthetic rows have columns"):
        assemble_training_set(original, original.drop(columns="c"))


def test_bad_training_set_is_reported():
    broken = train_set()
    broken.loc[3, "b"] = np.nan
    with pytest.raises(ValueError, match="first in column 'b'"):
        smote_oversample(broken, PARAMS)
    with pytest.raises(ValueError, match=r"class 1 has 4 row\(s\)"):
        smote_oversample(train_set(n_minor=4), PARAMS)


def test_all_four_methods_as_a_pipeline_slice():
    catalog = DataCatalog({
        "toy.train_set": MemoryDataset(train_set()),
        "params:oversampling": MemoryDataset(PARAMS),
        "params:oversampling.gan_epochs.toy": MemoryDataset(2),
    })
    pipeline = create_pipeline(["toy"])
    outputs = sorted(o for o in pipeline.outputs() if o.endswith("augmented_train"))
    assert outputs == [f"toy.{m}.augmented_train" for m in ("gan", "none", "smote", "smotified_gan")]
    for name in outputs:
        catalog[name] = MemoryDataset()
    SequentialRunner().run(pipeline, catalog)
    sizes = {name.split(".")[1]: len(catalog.load(name)) for name in outputs}
    assert sizes == {"none": 105, "smote": 180, "gan": 180, "smotified_gan": 180}
    assert {n.name for n in pipeline.nodes} >= {"toy.smotified_gan.gan_refine", "toy.gan.gan_generate",
                                                 "toy.smote.smote_oversample", "toy.none.keep_training_set"}


def test_validation_f1_monitor_records_a_curve_without_stopping():
    params = {**PARAMS, "gan": {**PARAMS["gan"], "validation_every": 2, "patience": 1},
              "early_stopping": {"enabled": False, "monitor": True, "validation_fraction": 0.25}}
    first = smote_oversample(train_set(), params)
    _, history, bundle = gan_refine(train_set(), first, params, epochs=6)
    assert history["epoch"].tolist() == [1, 2, 3, 4, 5, 6]  # patience is ignored when only monitoring
    assert history["val_f1"].notna().tolist() == [False, True, False, True, False, True]
    assert history["val_f1"].dropna().between(0, 1).all()
    assert bundle.best_epochs == {1: None}
