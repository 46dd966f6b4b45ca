import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from sklearn.metrics import f1_score

from smotified_gan.pipelines.evaluation.nodes import assess_synthetic_rows, evaluate_runs, summarise_runs
from smotified_gan.pipelines.evaluation.pipeline import create_pipeline
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.training.nodes import train_classifier_runs
from tests.pipelines.training.test_nodes import TRAINING, augmented


@pytest.fixture(scope="module")
def trained():
    return train_classifier_runs(augmented(), TRAINING, epochs=10)


def test_evaluate_runs_gives_every_metric_of_every_run(trained):
    test = augmented(seed=2)
    per_run, scores = evaluate_runs(trained, augmented(), test)
    assert per_run["run"].tolist() == [0, 1, 2] and per_run["seed"].tolist() == [100, 101, 102]
    predictions = trained.predict(test[["a", "b", "c"]].to_numpy())
    for run in range(3):
        assert per_run.loc[run, "f1"] == pytest.approx(f1_score(test["target"], predictions[run]))
    assert list(scores.columns) == ["target", "run_0", "run_1", "run_2"] and len(scores) == len(test)
    with pytest.raises(ValueError, match=r"columns \['c'\] the classifiers were trained on are missing"):
        evaluate_runs(trained, augmented(), test.drop(columns="c"))


def test_summary_and_mlflow_metrics_agree(trained):
    per_run, _ = evaluate_runs(trained, augmented(), augmented(seed=2))
    summary, metrics = summarise_runs(per_run)
    f1 = summary.set_index("metric").loc["f1"]
    assert f1["mean"] == pytest.approx(per_run["f1"].mean()) and f1["best"] == per_run["f1"].max()
    assert metrics["f1_mean"]["value"] == pytest.approx(f1["mean"]) and metrics["f1_best"]["step"] == 0
    assert len(metrics) == 3 * len(summary)


def test_synthetic_quality_needs_enough_real_rows():
    test = augmented(seed=3)
    rng = np.random.default_rng(0)
    synthetic = pd.DataFrame(rng.uniform(size=(50, 3)).astype("float32"), columns=["a", "b", "c"]).assign(target=1)
    quality = assess_synthetic_rows(synthetic, test, {"seed": 0, "max_rows": 500})
    assert quality["synthetic_rows"] == 50 and quality["real_test_rows"] == int(test["target"].sum())
    assert 0 <= quality["detection_auc"] <= 1 and 0 <= quality["ks_distance"] <= 1
    few = assess_synthetic_rows(synthetic, test.sort_values("target").iloc[: len(test) - int(test.target.sum()) + 3],
                                {"seed": 0, "max_rows": 500})
    assert few["real_test_rows"] == 3 and np.isnan(few["detection_auc"])


def test_evaluation_slice_for_one_cell(trained):
    pipeline = create_pipeline(Grid(datasets=("toy",), methods={"smote": {"sampler": "smote"}}))
    synthetic = augmented(seed=4).assign(target=1)
    catalog = DataCatalog({"toy.smote.classifiers": MemoryDataset(trained),
                           "toy.smote.augmented_train": MemoryDataset(augmented()),
                           "toy.smote.synthetic_rows": MemoryDataset(synthetic),
                           "toy.test_set": MemoryDataset(augmented(seed=2)),
                           "params:evaluation.quality": MemoryDataset({"seed": 0, "max_rows": 500})})
    for name in pipeline.outputs():
        catalog[name] = MemoryDataset()
    SequentialRunner().run(pipeline, catalog)
    assert (catalog.load("toy.smote.summary")["runs"] == 3).all()
    assert "f1_mean" in catalog.load("toy.smote.mlflow_metrics")
    assert catalog.load("toy.smote.synthetic_quality")["synthetic_rows"] == 200
