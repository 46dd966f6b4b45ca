import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan.core.protocol import classifier_seeds
from smotified_gan.core.training import score_rows, train_classifier_runs
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.training.pipeline import create_pipeline

TRAINING = {
    "runs": 3,
    "seed": 100,
    "classifier": "network",
    "network": {"hidden": [16, 8], "learning_rate": 1e-2, "batch_size": 16, "loss": "mae", "threshold": 0.5, "device": "cpu"},
}


def augmented(n=200, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.uniform(size=(n, 3)).astype("float32"), columns=["a", "b", "c"])
    frame["target"] = (frame["a"] > 0.6).astype("int8")
    return frame


def test_train_classifier_runs_records_seeds_epochs_and_features():
    trained = train_classifier_runs(augmented(), TRAINING, epochs=4)
    assert trained.seeds == classifier_seeds(TRAINING) == [100, 101, 102]
    assert trained.feature_names == ["a", "b", "c"] and trained.loss_history.shape == (4, 3)
    assert trained.config.hidden == (16, 8) and trained.config.epochs == 4


def test_runs_of_every_repeat_train_on_their_own_repeat_with_their_own_seeds():
    # repeat 1's rule is the opposite of repeat 0's: a run trained on the wrong repeat would fail it
    first, second = augmented(seed=0), augmented(seed=1)
    second["target"] = (second["a"] <= 0.6).astype("int8")
    table = pd.concat([first.assign(repeat=0), second.assign(repeat=1)], ignore_index=True)
    trained = train_classifier_runs(table, TRAINING, epochs=15)
    assert trained.repeats == [0, 0, 0, 1, 1, 1]
    assert trained.seeds == classifier_seeds(TRAINING, 0) + classifier_seeds(TRAINING, 1) == [100, 101, 102, 103, 104, 105]
    for repeat, frame in ((0, first), (1, second)):
        predicted = trained.predict(frame[["a", "b", "c"]].to_numpy(), trained.runs_of(repeat))
        assert (predicted == frame["target"].to_numpy()).mean(axis=1).min() > 0.8
    # repeats of different sizes train one after another, with the same result shape
    uneven = pd.concat([first.assign(repeat=0), second.iloc[:150].assign(repeat=1)], ignore_index=True)
    assert train_classifier_runs(uneven, TRAINING, epochs=2).repeats == [0, 0, 0, 1, 1, 1]


def test_score_rows_averages_runs_and_thresholds():
    trained = train_classifier_runs(augmented(), TRAINING, epochs=10)
    rows = augmented(seed=1)
    scored = score_rows(trained, rows.drop(columns="target"))
    expected = trained.scores(rows[["a", "b", "c"]].to_numpy()).mean(axis=0)
    np.testing.assert_allclose(scored["minority_score"], expected, rtol=1e-6)
    assert scored["predicted_class"].tolist() == (expected > 0.5).astype(int).tolist()
    assert (scored["predicted_class"] == rows["target"]).mean() > 0.8  # it learned the rule a > 0.6
    with pytest.raises(ValueError, match=r"features \['c'\] the classifier was trained on are missing"):
        score_rows(trained, rows.drop(columns=["target", "c"]))


def test_training_slice_for_one_cell():
    pipeline = create_pipeline(Grid(datasets=("toy",), methods={"none": {"sampler": "none"}}))
    from smotified_gan.pipelines.oversampling.nodes import oversample_folds

    training = {**TRAINING, "threshold": {"folds": 2, "runs": 1}}
    folds = oversample_folds(augmented().assign(repeat=0), {"random_state": 0}, {"sampler": "none"}, 1, training, {})
    catalog = DataCatalog({"toy.none.augmented_train": MemoryDataset(augmented()),
                           "toy.none.threshold_folds": MemoryDataset(folds),
                           "params:training": MemoryDataset(training),
                           "params:grid.methods.none": MemoryDataset({"sampler": "none"}),
                           "params:training.classifier_epochs.toy": MemoryDataset(2),
                           "toy.none.classifiers": MemoryDataset(), "toy.none.thresholds": MemoryDataset()})
    SequentialRunner().run(pipeline, catalog)
    (trained,) = catalog.load("toy.none.classifiers").values()  # one lens: the paper's network
    assert trained.seeds == [100, 101, 102] and trained.loss_history.shape == (2, 3)
    assert {n.name for n in pipeline.nodes} == {"toy.none.train_lenses", "toy.none.tune_thresholds"}
    thresholds = catalog.load("toy.none.thresholds")
    assert thresholds[["classifier", "repeat", "rows"]].values.tolist() == [["network", 0, 200]]
