import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from sklearn.metrics import f1_score

from smotified_gan.core.metrics import RUN_METRICS
from smotified_gan.core.training import train_classifier_runs
from smotified_gan.pipelines.evaluation.nodes import assess_synthetic_rows, evaluate_runs, summarise_runs
from smotified_gan.pipelines.evaluation.pipeline import create_pipeline
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.training.nodes import train_lenses
from tests.pipelines.training.test_nodes import TRAINING, augmented


@pytest.fixture(scope="module")
def trained():
    return train_classifier_runs(augmented(), TRAINING, epochs=10)


CELL = {"dataset": "toy", "method": "smote"}
QUALITY = {"seed": 0, "max_rows": 500, "min_real_rows": 20}


def test_evaluate_runs_gives_every_metric_of_every_run(trained):
    test = augmented(seed=2)
    per_run, scores = evaluate_runs(trained, augmented(), test, CELL)
    assert per_run["run"].tolist() == [0, 1, 2] and per_run["seed"].tolist() == [100, 101, 102]
    assert set(per_run["dataset"]) == {"toy"} and set(scores["method"]) == {"smote"}
    predictions = trained.predict(test[["a", "b", "c"]].to_numpy())
    for run in range(3):
        assert per_run.loc[run, "f1"] == pytest.approx(f1_score(test["target"], predictions[run]))
        assert per_run.loc[run, "predicted_minority"] == predictions[run].sum()
    assert (per_run["score_std"] > 1e-3).all() and (per_run["test_minority_rows"] == test["target"].sum()).all()
    assert [c for c in scores.columns if c.startswith("run_")] == ["run_0", "run_1", "run_2"] and len(scores) == len(test)
    with pytest.raises(ValueError, match=r"columns \['c'\] the classifiers were trained on are missing"):
        evaluate_runs(trained, augmented(), test.drop(columns="c"), CELL)


def test_each_repeat_is_scored_by_its_own_runs_on_its_own_test_rows():
    first, second = augmented(seed=0), augmented(seed=1)
    second["target"] = (second["a"] <= 0.6).astype("int8")  # the opposite rule
    train = pd.concat([first.assign(repeat=0), second.assign(repeat=1)], ignore_index=True)
    trained = train_classifier_runs(train, TRAINING, epochs=15)
    test_second = augmented(seed=5)
    test_second["target"] = (test_second["a"] <= 0.6).astype("int8")
    test = pd.concat([augmented(seed=4).assign(repeat=0), test_second.assign(repeat=1)], ignore_index=True)
    per_run, scores = evaluate_runs(trained, train, test, CELL)
    assert per_run["repeat"].tolist() == [0, 0, 0, 1, 1, 1] and per_run["seed"].tolist() == [100, 101, 102, 103, 104, 105]
    assert per_run["f1"].min() > 0.8  # each run on its own repeat's rule
    assert scores.groupby("repeat").size().tolist() == [200, 200]


def test_every_lens_is_evaluated_and_summarised_apart():
    training = {**TRAINING, "lenses": {"gradient_boosting": {"class": "sklearn.ensemble.HistGradientBoostingClassifier",
                                                             "runs": 1, "max_iter": 20}}}
    lenses = train_lenses(augmented(), training, epochs=5)
    assert list(lenses) == ["network", "gradient_boosting"] and len(lenses["gradient_boosting"].seeds) == 1
    per_run, scores = evaluate_runs(lenses, augmented(), augmented(seed=2), CELL)
    assert per_run.groupby("classifier", sort=False).size().to_dict() == {"network": 3, "gradient_boosting": 1}
    assert set(scores["classifier"]) == {"network", "gradient_boosting"}
    summary, metrics = summarise_runs(per_run, CELL)
    assert summary.groupby("classifier").size().to_dict() == {"gradient_boosting": len(RUN_METRICS), "network": len(RUN_METRICS)}
    gb = summary[(summary["classifier"] == "gradient_boosting") & (summary["metric"] == "f1")]["mean"].item()
    assert metrics["gradient_boosting.f1_mean"]["value"] == pytest.approx(gb) and "f1_mean" in metrics


def test_summary_and_mlflow_metrics_agree(trained):
    per_run, _ = evaluate_runs(trained, augmented(), augmented(seed=2), CELL)
    summary, metrics = summarise_runs(per_run, CELL)
    f1 = summary.set_index("metric").loc["f1"]
    assert f1["mean"] == pytest.approx(per_run["f1"].mean()) and f1["best"] == per_run["f1"].max()
    assert f1["repeat_mean"] == pytest.approx(f1["mean"]) and set(summary["dataset"]) == {"toy"}
    assert metrics["f1_mean"]["value"] == pytest.approx(f1["mean"]) and metrics["f1_best"]["step"] == 0
    assert "f1_repeat_mean" in metrics and "f1_repeat_std" not in metrics  # NaN with one repeat: not logged


def test_synthetic_quality_needs_enough_real_rows():
    test = augmented(seed=3)
    rng = np.random.default_rng(0)
    synthetic = pd.DataFrame(rng.uniform(size=(50, 3)).astype("float32"), columns=["a", "b", "c"]).assign(target=1)
    quality = assess_synthetic_rows(synthetic, test, QUALITY, CELL)
    assert quality["synthetic_rows"] == 50 and quality["real_test_rows"] == int(test["target"].sum())
    assert 0 <= quality["detection_auc"] <= 1 and 0 <= quality["ks_distance"] <= 1 and quality["note"] == ""
    assert quality["energy_distance"] > 0
    few = assess_synthetic_rows(synthetic, test.sort_values("target").iloc[: len(test) - int(test.target.sum()) + 3],
                                QUALITY, CELL)
    assert few["real_test_rows"] == 3 and np.isnan(few["detection_auc"]) and np.isnan(few["ks_distance"])
    assert few["note"].startswith("n/a: 3 distinct real minority test rows over 1 repeats")
    none = assess_synthetic_rows(synthetic.iloc[:0], test, QUALITY, CELL)
    assert none["synthetic_rows"] == 0 and none["note"] == "no synthetic rows: the method adds none"


def test_a_tiny_test_minority_is_pooled_over_the_repeats():
    """Each repeat's synthetic rows against its own real rows; 8 real rows a repeat, 24 pooled over three."""
    rng = np.random.default_rng(1)
    tests, synthetic = [], []
    for repeat in range(3):
        majority = pd.DataFrame(rng.uniform(0, 0.5, (40, 3)), columns=["a", "b", "c"]).assign(target=0)
        minority = pd.DataFrame(rng.uniform(0.5, 1, (8, 3)), columns=["a", "b", "c"]).assign(target=1)
        tests.append(pd.concat([majority, minority]).assign(repeat=repeat))
        far = pd.DataFrame(rng.uniform(0, 0.3, (30, 3)), columns=["a", "b", "c"]).assign(target=1)
        synthetic.append(far.assign(repeat=repeat))
    quality = assess_synthetic_rows(pd.concat(synthetic), pd.concat(tests), QUALITY, CELL)
    assert quality["pooled_real_rows"] == 24 and quality["real_test_rows"] == 8 and quality["repeats"] == 3
    assert quality["detection_auc"] > 0.9  # rows where no real minority row lies are told apart


def test_evaluation_slice_for_one_cell(trained):
    pipeline = create_pipeline(Grid(datasets=("toy",), methods={"smote": {"sampler": "smote"}}))
    synthetic = augmented(seed=4).assign(target=1)
    thresholds = pd.DataFrame([{"classifier": "network", "repeat": 0, "kind": "platt", "x": "[10.0, -5.0]", "y": "[]",
                                "threshold": 0.3, "metric": "f1", "out_of_fold": 0.9, "rows": 200, "minority_rows": 80}])
    catalog = DataCatalog({"toy.smote.classifiers": MemoryDataset(trained),
                           "toy.smote.thresholds": MemoryDataset(thresholds),
                           "toy.smote.augmented_train": MemoryDataset(augmented()),
                           "toy.smote.synthetic_rows": MemoryDataset(synthetic),
                           "toy.test_set": MemoryDataset(augmented(seed=2)),
                           "toy.train_set": MemoryDataset(augmented()),
                           "params:evaluation.quality": MemoryDataset(QUALITY),
                           "toy.smote.cell": MemoryDataset(CELL)})
    for name in pipeline.outputs():
        catalog[name] = MemoryDataset()
    SequentialRunner().run(pipeline, catalog)
    assert (catalog.load("toy.smote.summary")["runs"] == 3).all()
    assert "f1_mean" in catalog.load("toy.smote.mlflow_metrics")
    assert catalog.load("toy.smote.synthetic_quality")["synthetic_rows"] == 200
    assert set(catalog.load("toy.smote.summary")["classifier"]) == {"network"}
    # the tuned metrics: each run's scores through the cell's calibration, called minority above 0.3
    test = augmented(seed=2)
    runs = evaluate_runs(trained, augmented(), test, CELL, thresholds)[0]
    scores = trained.scores(test[["a", "b", "c"]].to_numpy(np.float32))
    calls = 1 / (1 + np.exp(-(10.0 * scores - 5.0))) > 0.3
    assert runs["f1_tuned"].tolist() == pytest.approx([f1_score(test["target"], c) for c in calls])
    assert runs["f1"].tolist() == pytest.approx([f1_score(test["target"], s > 0.5) for s in scores])
    assert (runs["tuned_threshold"] == 0.3).all()
