import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan.metrics import METRICS
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.reporting.nodes import compile_results, paper_comparison
from smotified_gan.pipelines.reporting.nodes import test_significance as significance_tests
from smotified_gan.pipelines.reporting.pipeline import create_pipeline

METHODS = ("none", "smote", "gan", "smotified_gan")
REPORTING = {"reference_method": "smotified_gan", "test_metric": "f1",
             "paper_claims": [{"dataset": "ecoli", "method": "smotified_gan", "metric": "f1", "value": 0.922},
                              {"dataset": "wine", "method": "smotified_gan", "metric": "f1", "value": 0.527}]}


def per_run(shift: float, runs: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(int(shift * 100))
    frame = pd.DataFrame({m: np.clip(rng.normal(0.5 + shift, 0.02, runs), 0, 1) for m in METRICS})
    return frame.assign(run=range(runs), seed=range(100, 100 + runs))


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    from smotified_gan.pipelines.evaluation.nodes import summarise_runs

    return summarise_runs(frame)[0]


def test_results_carry_dataset_and_method_and_the_paper_comparison():
    summaries = {f"ecoli.{m}": summary(per_run(0.1 * i)) for i, m in enumerate(METHODS)}
    results = compile_results(**summaries)
    assert list(results.columns) == ["dataset", "method", "metric", "mean", "std", "best", "runs"]
    assert results["method"].drop_duplicates().tolist() == list(METHODS)  # the paper's order
    comparison = paper_comparison(results, REPORTING).set_index("dataset")
    ours = results.query("method == 'smotified_gan' and metric == 'f1'")["mean"].item()
    assert comparison.loc["ecoli", "ours_mean"] == pytest.approx(ours)
    assert np.isnan(comparison.loc["wine", "ours_mean"])  # not run


def test_significance_and_ranks():
    frames = []
    for dataset in ("a", "b", "c"):
        for i, method in enumerate(METHODS):
            frames.append(per_run(0.1 * i).assign(dataset=dataset, method=method))
    runs = pd.concat(frames, ignore_index=True)
    results = compile_results(**{f"{d}.{m}": summary(f.drop(columns=["dataset", "method"]))
                                 for f in frames for d, m in [(f["dataset"][0], f["method"][0])]})
    tests, ranks, friedman = significance_tests(runs, results, REPORTING)
    assert len(tests) == 3 * 3 and (tests["mean_difference"] > 0).all()
    assert ranks["method"].tolist() == ["smotified_gan", "gan", "smote", "none"]
    assert friedman["datasets"] == 3 and friedman["p_value"] < 0.05


def test_reporting_slice_on_two_cells_per_method():
    grid = Grid(datasets=("a", "b"), methods={m: {"sampler": m} for m in METHODS})
    pipeline = create_pipeline(grid)
    catalog = DataCatalog({"params:reporting": MemoryDataset(REPORTING),
                           "params:training": MemoryDataset({"runs": 6, "seed": 100})})
    rng = np.random.default_rng(0)
    for dataset, method in grid.cells():
        frame = per_run(0.05 * METHODS.index(method))
        catalog[f"{dataset}.{method}.summary"] = MemoryDataset(summary(frame))
        catalog[f"{dataset}.{method}.run_metrics"] = MemoryDataset(frame)
        target = np.r_[np.ones(10), np.zeros(30)].astype("int8")
        scores = pd.DataFrame({f"run_{r}": rng.uniform(size=40) + target * 0.3 for r in range(6)})
        catalog[f"{dataset}.{method}.test_scores"] = MemoryDataset(scores.assign(target=target))
        if method != "none":
            catalog[f"{dataset}.{method}.synthetic_quality"] = MemoryDataset(
                {"detection_auc": 0.7, "ks_distance": 0.2, "synthetic_rows": 30, "real_test_rows": 10})
        if method == "smotified_gan":
            catalog[f"{dataset}.{method}.gan_history"] = MemoryDataset(pd.DataFrame(
                {"epoch": [1, 2], "g_loss": [0.7, 0.6], "d_loss": [0.7, 0.69], "val_f1": [np.nan, 0.5]}))
    for name in pipeline.outputs():
        catalog[name] = MemoryDataset()
    SequentialRunner().run(pipeline, catalog)
    markdown = catalog.load("results_markdown")
    assert "| a | SMOTified-GAN |" in markdown and "| b | No augmentation |" in markdown
    significance_rows = [line for line in markdown.splitlines() if line.startswith(("| a | ", "| b | "))
                         and line.count("|") == 5 and "+" in line]
    assert len(significance_rows) == 2 * 3  # SMOTified-GAN vs the three others, per dataset
    assert "- SMOTified-GAN: 1.00" in markdown  # best average rank
    assert markdown.count("| 0.700 | 0.200 | 30 | 10 |") == 2 * 3  # the synthetic-row quality table
    assert "Minority rows in each test split (every metric but the accuracies rests on them): a 10, b 10." in markdown
    assert "chosen on the test set" in markdown and "Unit of replication: the classifier's seed" in markdown
    assert catalog.load("figure6_pr_curves").axes[0].get_title() == "a"
