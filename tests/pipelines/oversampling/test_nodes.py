import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan import GANOverSampler, SMOTifiedGAN
from smotified_gan.io import SamplerDataset
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.oversampling.nodes import (
    build_sampler,
    gan_generate,
    gan_refine,
    keep_training_set,
    oversample_training_set,
    smote_oversample,
)
from smotified_gan.pipelines.oversampling.pipeline import create_pipeline

GAN = {"architecture": "paper", "learning_rate": 1e-4, "batch_size": 32, "log_every": 0, "device": "cpu",
       "early_stopping": False, "monitor_validation": False}
PARAMS = {
    "sampling_strategy": "auto", "random_state": 3,
    "first_phase": {"first_phase": "smote", "k_neighbors": 5, "first_phase_kwargs": {}},
    "gan": GAN,
}
FEATURES = ["a", "b", "c"]
SMOTE_METHOD, GAN_METHOD, SG = {"sampler": "smote"}, {"sampler": "gan"}, {"sampler": "smotified_gan"}


def train_set(n_major=90, n_minor=15):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(np.r_[rng.uniform(0, 0.7, (n_major, 3)), rng.uniform(0.3, 1, (n_minor, 3))].astype("float32"),
                         columns=FEATURES)
    frame["target"] = np.r_[np.zeros(n_major), np.ones(n_minor)].astype("int8")
    return frame


def xy(frame):
    return frame[FEATURES], frame["target"].to_numpy()


def test_nodes_build_the_published_samplers_from_parameters():
    assert build_sampler("none", PARAMS) is None
    smote = build_sampler("smote", PARAMS)
    assert isinstance(smote, SMOTE) and smote.k_neighbors == 5 and smote.random_state == 3
    gan = build_sampler("gan", PARAMS, epochs=7)
    assert isinstance(gan, GANOverSampler) and gan.epochs == 7 and gan.architecture == "paper"
    refined = build_sampler("smotified_gan", PARAMS, epochs=9)
    assert isinstance(refined, SMOTifiedGAN) and (refined.epochs, refined.k_neighbors, refined.random_state) == (9, 5, 3)
    with pytest.raises(ValueError, match="unknown oversampling method 'smot'"):
        build_sampler("smot", PARAMS)


def test_smote_node_equals_imblearn_smote_and_the_first_phase_of_smotified_gan():
    augmented, synthetic = smote_oversample(train_set(), PARAMS, SMOTE_METHOD)
    X_ref, y_ref = SMOTE(random_state=3, k_neighbors=5).fit_resample(*xy(train_set()))
    np.testing.assert_array_equal(augmented[FEATURES].to_numpy(), X_ref.to_numpy(np.float32))
    assert len(synthetic) == 75 and (synthetic["target"] == 1).all()
    _, _, first_phase, _, _ = gan_refine(train_set(), PARAMS, 1, SG)
    # same seed: the smote cell and SMOTified-GAN's first phase hold the very same rows (a paired comparison)
    np.testing.assert_array_equal(first_phase[FEATURES].to_numpy(), synthetic[FEATURES].to_numpy())


def test_same_seed_gives_the_same_rows_through_the_node_as_through_the_class():
    augmented, refined, first_phase, history, (sampler,) = gan_refine(train_set(), PARAMS, 4, SG)
    direct = SMOTifiedGAN(sampling_strategy="auto", random_state=3, first_phase="smote", k_neighbors=5,
                          epochs=4, **GAN)
    X_res, y_res = direct.fit_resample(*xy(train_set()))
    np.testing.assert_array_equal(augmented[FEATURES].to_numpy(), X_res.to_numpy(np.float32))
    np.testing.assert_array_equal(augmented["target"].to_numpy(), y_res)
    assert list(history["epoch"]) == [1, 2, 3, 4] and history["g_loss"].notna().all()
    pd.testing.assert_frame_equal(augmented.iloc[:105].drop(columns="repeat"), train_set())
    assert refined.shape == first_phase.shape == (75, 5) and set(refined["repeat"]) == {0}
    # the refined rows are the generator applied to exactly the first-phase rows
    np.testing.assert_allclose(sampler.refine(first_phase[FEATURES].to_numpy(), 1), refined[FEATURES].to_numpy(),
                               atol=1e-6)

    rows_node = gan_generate(train_set(), PARAMS, 2, GAN_METHOD)[0]
    rows_class = GANOverSampler(random_state=3, epochs=2, **GAN).fit_resample(*xy(train_set()))[0]
    np.testing.assert_array_equal(rows_node[FEATURES].to_numpy(), rows_class.to_numpy(np.float32))


def test_every_repeat_is_resampled_with_its_own_seed_and_the_gans_trained_together():
    first, second = train_set(), train_set().sample(frac=1.0, random_state=1).reset_index(drop=True)
    table = pd.concat([first.assign(repeat=0), second.assign(repeat=1)], ignore_index=True)
    augmented, refined, first_phase, history, samplers = gan_refine(table, PARAMS, 3, SG, {"dataset": "toy", "method": "sg"})
    assert augmented.groupby("repeat").size().tolist() == [180, 180] and len(samplers) == 2
    assert history.groupby("repeat").size().tolist() == [3, 3] and set(history["dataset"]) == {"toy"}
    for repeat, (frame, sampler) in enumerate(zip((first, second), samplers)):
        assert sampler.random_state == 3 + repeat
        alone = SMOTifiedGAN(random_state=3 + repeat, first_phase="smote", k_neighbors=5, epochs=3, **GAN)
        X_res, _ = alone.fit_resample(*xy(frame))
        rows = augmented.loc[augmented["repeat"] == repeat, FEATURES].to_numpy()
        np.testing.assert_allclose(rows, X_res.to_numpy(np.float32), atol=1e-5)  # the same up to rounding
        np.testing.assert_array_equal(first_phase.loc[first_phase["repeat"] == repeat, FEATURES].to_numpy(),
                                      alone.first_phase_rows_[1])
    smote_aug, smote_rows = smote_oversample(table, PARAMS, SMOTE_METHOD)
    assert smote_rows.groupby("repeat").size().tolist() == [75, 75]
    # a slice holding only later repeats keeps their numbers in every output
    later = table.assign(repeat=table["repeat"] + 3)
    _, refined, first_phase, history, _ = gan_refine(later, PARAMS, 2, SG)
    assert set(refined["repeat"]) == set(first_phase["repeat"]) == set(history["repeat"]) == {3, 4}


def test_fitted_sampler_round_trips_through_its_catalog_dataset(tmp_path):
    _, refined, first_phase, _, (sampler,) = gan_refine(train_set(), PARAMS, 3, SG)
    dataset = SamplerDataset(filepath=str(tmp_path / "models" / "sampler.pt"))
    assert not dataset.exists()
    dataset.save(sampler)
    loaded = dataset.load()
    assert isinstance(loaded, SMOTifiedGAN) and loaded.get_params() == sampler.get_params()
    assert list(loaded.feature_names_in_) == FEATURES
    np.testing.assert_array_equal(loaded.refine(first_phase[FEATURES].to_numpy(), 1),
                                  sampler.refine(first_phase[FEATURES].to_numpy(), 1))
    # weights only: the file loads without unpickling any code
    import torch
    assert torch.load(tmp_path / "models" / "sampler.pt", weights_only=True)["class"] == "SMOTifiedGAN"
    _, _, _, gans = gan_generate(train_set(), PARAMS, 2, GAN_METHOD)
    dataset.save(gans)  # the experiment's list: one sampler per repeat, in one file
    (loaded_gan,) = dataset.load()
    assert isinstance(loaded_gan, GANOverSampler)


def test_production_node_runs_the_method_named_in_parameters():
    frame = train_set()
    assert oversample_training_set(frame, "none", PARAMS, 2).equals(keep_training_set(frame))
    for method, node in ((SMOTE_METHOD, smote_oversample), (SG, gan_refine)):
        args = (frame, PARAMS, method) if node is smote_oversample else (frame, PARAMS, 2, method)
        expected = node(*args)[0]
        pd.testing.assert_frame_equal(oversample_training_set(frame, method, PARAMS, 2), expected)
    # a method's own overrides of the shared settings: here a Borderline-SMOTE first phase
    borderline = {"sampler": "smotified_gan", "first_phase": {"first_phase": "borderline_smote"}}
    assert build_sampler(borderline, PARAMS, 2).first_phase == "borderline_smote"
    assert build_sampler(borderline, PARAMS, 2).k_neighbors == 5  # the rest of the block is kept


def test_bad_training_set_is_reported():
    broken = train_set()
    broken.loc[3, "b"] = np.nan
    with pytest.raises(ValueError, match="first in column 'b'"):
        gan_refine(broken, PARAMS, 1, SG)
    with pytest.raises(ValueError, match=r"class 1 has 4 row\(s\)"):
        gan_refine(train_set(n_minor=4), PARAMS, 1, SG)


def test_all_four_methods_as_a_pipeline_slice():
    catalog = DataCatalog({
        "toy.train_set": MemoryDataset(train_set()),
        "params:oversampling": MemoryDataset(PARAMS),
        "params:oversampling.gan_epochs.toy": MemoryDataset(2),
    })
    methods = {m: {"sampler": m} for m in ("none", "smote", "gan", "smotified_gan")}
    pipeline = create_pipeline(Grid(datasets=("toy",), methods=methods))
    catalog["params:grid.methods.smote"] = MemoryDataset({"sampler": "smote"})
    catalog["params:grid.methods.gan"] = MemoryDataset({"sampler": "gan"})
    catalog["params:grid.methods.smotified_gan"] = MemoryDataset({"sampler": "smotified_gan"})
    for method in ("gan", "smotified_gan"):
        catalog[f"toy.{method}.cell"] = MemoryDataset({"dataset": "toy", "method": method})
    outputs = sorted(o for o in pipeline.outputs() if o.endswith("augmented_train"))
    assert outputs == [f"toy.{m}.augmented_train" for m in ("gan", "none", "smote", "smotified_gan")]
    for name in pipeline.outputs():
        catalog[name] = MemoryDataset()
    SequentialRunner().run(pipeline, catalog)
    sizes = {name.split(".")[1]: len(catalog.load(name)) for name in outputs}
    assert sizes == {"none": 105, "smote": 180, "gan": 180, "smotified_gan": 180}
    assert isinstance(catalog.load("toy.smotified_gan.sampler")[0], SMOTifiedGAN)
    assert {n.name for n in pipeline.nodes} == {"toy.smotified_gan.gan_refine", "toy.gan.gan_generate",
                                                 "toy.smote.smote_oversample", "toy.none.keep_training_set"}


def test_validation_f1_monitor_records_a_curve_without_stopping():
    params = {**PARAMS, "gan": {**GAN, "validation_every": 2, "patience": 1, "monitor_validation": True,
                                "validation_fraction": 0.25}}
    _, _, _, history, (sampler,) = gan_refine(train_set(), params, 6, SG)
    assert history["epoch"].tolist() == [1, 2, 3, 4, 5, 6]  # patience is ignored when only monitoring
    assert history["val_f1"].notna().tolist() == [False, True, False, True, False, True]
    assert history["val_f1"].dropna().between(0, 1).all()
    assert sampler.best_epochs_ == {1: None}
