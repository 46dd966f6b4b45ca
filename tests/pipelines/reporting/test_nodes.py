import zlib

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from smotified_gan.core.metrics import RUN_METRICS
from smotified_gan.pipelines.evaluation.nodes import summarise_runs
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.reporting.nodes import compile_results, describe_data, paper_comparison
from smotified_gan.pipelines.reporting.nodes import test_significance as significance_tests
from smotified_gan.pipelines.reporting.pipeline import create_pipeline

METHODS = ("none", "smote", "gan", "smotified_gan")
GRID = {"methods": {"none": {"sampler": "none", "label": "No augmentation"}, "smote": {"sampler": "smote", "label": "SMOTE"},
                    "gan": {"sampler": "gan", "label": "GAN"},
                    "smotified_gan": {"sampler": "smotified_gan", "label": "SMOTified-GAN"}}}
REPORTING = {"reference_method": "smotified_gan", "test_metric": "f1", "alpha": 0.05,
             "paper_claims": [{"dataset": "ecoli", "method": "smotified_gan", "metric": "f1", "value": 0.922},
                              {"dataset": "wine", "method": "smotified_gan", "metric": "f1", "value": 0.527}]}


def per_run(dataset: str, method: str, shift: float, runs: int = 6, repeats: int = 5) -> pd.DataFrame:
    """Runs of a cell: each repeat has its own level (the split), the runs vary around it."""
    rng = np.random.default_rng(zlib.crc32(f"{dataset}/{method}".encode()))  # not hash(): salted per process
    frames = []
    for repeat in range(repeats):
        level = 0.5 + shift + rng.normal(0, 0.03)
        frame = pd.DataFrame({m: np.clip(rng.normal(level, 0.01, runs), 0, 1) for m in RUN_METRICS})
        frames.append(frame.assign(dataset=dataset, method=method, repeat=repeat, run=range(runs),
                                   seed=range(100 + runs * repeat, 100 + runs * (repeat + 1)), score_std=0.2,
                                   predicted_minority=0 if method == "none" else 5, test_rows=40, test_minority_rows=10))
    return pd.concat(frames, ignore_index=True)


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    return summarise_runs(frame, {"dataset": frame["dataset"].iloc[0], "method": frame["method"].iloc[0]})[0]


def test_results_carry_dataset_and_method_and_the_paper_comparison():
    summaries = [summary(per_run("ecoli", m, 0.1 * i)) for i, m in reversed(list(enumerate(METHODS)))]
    results = compile_results(GRID, *summaries)
    assert list(results.columns[:4]) == ["dataset", "method", "classifier", "metric"]
    assert {"mean", "std", "best", "runs", "repeat_mean", "repeat_std", "repeats"} <= set(results.columns)
    assert results["method"].drop_duplicates().tolist() == list(METHODS)  # the grid's order
    comparison = paper_comparison(results, REPORTING).set_index("dataset")
    ours = results.query("method == 'smotified_gan' and metric == 'f1'")["mean"].item()
    assert comparison.loc["ecoli", "ours_mean"] == pytest.approx(ours)
    assert np.isnan(comparison.loc["wine", "ours_mean"])  # not run
    with pytest.raises(ValueError, match="lack their 'dataset'/'method' columns"):
        compile_results(GRID, summaries[0].drop(columns="dataset"))


def test_significance_treats_the_repeat_as_the_replicate_and_corrects_for_multiplicity():
    runs = pd.concat([per_run(d, m, 0.1 * i) for d in ("a", "b", "c") for i, m in enumerate(METHODS)], ignore_index=True)
    results = compile_results(GRID, *[summary(f) for _, f in runs.groupby(["dataset", "method"])])
    cards = [{"dataset": d, "rows": 200, "minority_rows": 50} for d in ("a", "b", "c")]
    data = describe_data(runs, {"a": {"scaling": "quantile", "authors_scaling": "none"}}, *cards)
    assert data.set_index("dataset").loc["a", ["train_rows", "test_rows", "train_minority", "test_minority",
                                                "scaling"]].tolist() == [160, 40, 40, 10, "quantile"]
    tests, ranks, friedman = significance_tests(runs, results, data, REPORTING)
    assert len(tests) == 3 * 3 and (tests["repeats"] == 5).all() and (tests["mean_difference"] > 0).all()
    assert (tests["p_holm"] >= tests["p_value"]).all()
    assert ranks["method"].tolist() == ["smotified_gan", "gan", "smote", "none"]
    assert list(friedman) == ["network"]  # one test per lens
    assert friedman["network"]["datasets"] == 3
    assert friedman["network"]["critical_difference"] == pytest.approx(2.569 * np.sqrt(20 / 18), abs=1e-3)  # Demsar, q = 2.569


def test_the_corrected_test_widens_the_variance_by_the_test_share_of_the_data():
    """n_test / n_train from the data description, not its inverse: 40 test rows of 200 is 0.25."""
    runs = pd.concat([per_run("a", m, 0.02 * i) for i, m in enumerate(METHODS)], ignore_index=True)
    results = compile_results(GRID, *[summary(f) for _, f in runs.groupby(["dataset", "method"])])
    data = describe_data(runs, {}, {"dataset": "a", "rows": 200, "minority_rows": 50})
    tests, _, _ = significance_tests(runs, results, data, REPORTING)
    row = tests.set_index("versus").loc["none"]
    means = runs[runs["method"].isin(["smotified_gan", "none"])].groupby(["repeat", "method"])["f1"].mean().unstack()
    differences = (means["smotified_gan"] - means["none"]).to_numpy()
    by_hand = differences.mean() / np.sqrt((1 / 5 + 40 / 160) * differences.var(ddof=1))
    assert row["t"] == pytest.approx(by_hand) and row["test"] == "corrected resampled t"
    # a dataset that keeps its own split in every repeat: the plain paired t-test
    fixed = describe_data(runs, {"a": {"split_column": "split"}}, {"dataset": "a", "rows": 200, "minority_rows": 50})
    plain = significance_tests(runs, results, fixed, REPORTING)[0].set_index("versus").loc["none"]
    assert plain["t"] == pytest.approx(differences.mean() / np.sqrt(differences.var(ddof=1) / 5))
    assert plain["test"] == "paired t (fixed split)"


def test_reporting_slice_on_two_datasets():
    grid = Grid(datasets=("a", "b"), methods=GRID["methods"])
    pipeline = create_pipeline(grid)
    catalog = DataCatalog({"params:reporting": MemoryDataset(REPORTING), "params:grid": MemoryDataset(GRID),
                           "params:training": MemoryDataset({"runs": 6, "seed": 100}),
                           "params:split": MemoryDataset({"repeats": 5, "test_size": 0.2, "seed": 42}),
                           "params:oversampling": MemoryDataset({"random_state": 7}),
                           "params:datasets": MemoryDataset({"a": {"scaling": "minmax", "authors_scaling": "none"}}),
                           **{f"{d}.card": MemoryDataset({"dataset": d, "rows": 200, "minority_rows": 50}) for d in "ab"}})
    rng = np.random.default_rng(0)
    for dataset, method in grid.cells():
        frame = per_run(dataset, method, 0.05 * METHODS.index(method))
        catalog[f"{dataset}.{method}.summary"] = MemoryDataset(summary(frame))
        catalog[f"{dataset}.{method}.run_metrics"] = MemoryDataset(frame)
        target = np.r_[np.ones(10), np.zeros(30)].astype("int8")
        scores = pd.concat([pd.DataFrame({f"run_{r}": rng.uniform(size=40) + target * 0.3 for r in range(6)})
                            .assign(target=target, repeat=repeat) for repeat in range(5)], ignore_index=True)
        catalog[f"{dataset}.{method}.test_scores"] = MemoryDataset(scores.assign(dataset=dataset, method=method))
        # every cell has every output (the same template), empty where the method makes none
        catalog[f"{dataset}.{method}.synthetic_quality"] = MemoryDataset(
            {"dataset": dataset, "method": method, "detection_auc": float("nan"), "ks_distance": float("nan"),
             "synthetic_rows": 0 if method == "none" else 30, "real_test_rows": 10, "repeats": 5,
             "note": "no synthetic rows" if method == "none" else "n/a: 10 real minority test rows"})
        history = pd.DataFrame({"epoch": [1, 2], "g_loss": [0.7, 0.6], "d_loss": [0.7, 0.69], "val_f1": [np.nan, 0.5],
                                "repeat": 0, "dataset": dataset, "method": method})
        catalog[f"{dataset}.{method}.gan_history"] = MemoryDataset(
            history if method == "smotified_gan" else history.iloc[:0])
    for name in pipeline.outputs():
        catalog[name] = MemoryDataset()
    SequentialRunner().run(pipeline, catalog)
    markdown = catalog.load("results_markdown")
    assert "| a | 200 | 160 / 40 | 40 / 10 | minmax | none |" in markdown  # what the numbers stand on
    assert "| a | SMOTified-GAN |" in markdown and "| b | No augmentation |" in markdown
    assert "(best of 6: " in markdown and "chosen on the test set" in markdown
    assert "## Over the 5 repeats: mean ± std of the per-repeat means" in markdown
    assert "Unit of replication: the repeat" in markdown and "Holm-adjusted over all 6 comparisons" in markdown
    significance_rows = [line for line in markdown.splitlines() if line.startswith(("| a | ", "| b | "))
                         and line.count("|") == 10 and "versus" not in line and line.rstrip().endswith(("yes |", "no |"))]
    assert len(significance_rows) == 2 * 3  # SMOTified-GAN vs the three others, per dataset
    assert "| a | No augmentation | 0 / 30 | 30 / 30 |" in markdown  # the collapse flags
    assert markdown.count("n/a: 10 real minority test rows") == 2 * 3 and "no synthetic rows" not in markdown
    assert "seeded 7 + r" in markdown and "split=42..46;oversampling=7..11;classifier=100..129;repeats=5" in markdown
    assert "- SMOTified-GAN: 1.00" in markdown  # best average rank
    assert catalog.load("figure6_pr_curves").axes[0].get_title() == "a"
    assert catalog.load("figure7_gan_losses").axes[0].get_title() == "a: SMOTified-GAN"
    assert catalog.load("critical_difference") is not None


def test_one_repeat_reports_no_test_rather_than_a_meaningless_one():
    from smotified_gan.pipelines.reporting.nodes import write_results_markdown

    runs = pd.concat([per_run(d, m, 0.1 * i, repeats=1) for d in ("a", "b") for i, m in enumerate(METHODS)],
                     ignore_index=True)
    results = compile_results(GRID, *[summary(f) for _, f in runs.groupby(["dataset", "method"])])
    data = describe_data(runs, {}, *[{"dataset": d, "rows": 200, "minority_rows": 50} for d in "ab"])
    tests, ranks, friedman = significance_tests(runs, results, data, REPORTING)
    assert tests["p_value"].isna().all() and not tests["significant"].any()
    quality = pd.DataFrame(columns=["dataset", "method", "detection_auc", "ks_distance", "synthetic_rows",
                                    "real_test_rows", "note"])
    markdown = write_results_markdown(results, paper_comparison(results, REPORTING), tests, ranks, friedman, quality,
                                      data, runs, {"repeats": 1, "test_size": 0.2, "seed": 42}, {"random_state": 7},
                                      {"runs": 6, "seed": 100}, GRID, REPORTING)
    assert "One repeat: there is no replicate to test with" in markdown and "Unit of replication" not in markdown
    assert "| yes |" not in markdown and "failed" not in markdown
    failed = {"b.smote": "TypeError: SMOTE.__init__() got an unexpected\nkeyword | argument"}
    listed = write_results_markdown(results, paper_comparison(results, REPORTING), tests, ranks, friedman, quality,
                                    data, runs, {"repeats": 1, "test_size": 0.2, "seed": 42}, {"random_state": 7},
                                    {"runs": 6, "seed": 100}, {**GRID, "failed": failed}, REPORTING)
    assert "## Cells that failed" in listed and "**1 cell(s) failed and are in none of the figures below**" in listed
    assert "| b.smote | TypeError: SMOTE.__init__() got an unexpected keyword / argument |" in listed
    assert listed.index("## Cells that failed") < listed.index(markdown.splitlines()[4])  # before the data


def test_the_compact_layout_reads_every_lens_apart_with_win_tie_loss_against_the_reference():
    from smotified_gan.pipelines.reporting.nodes import compare_methods, figure_critical_difference, write_results_markdown

    methods = {"smote": {"sampler": "smote", "label": "SMOTE"}, "better": {"sampler": "smote", "label": "Better"},
               "same": {"sampler": "smote", "label": "Same"}}
    shifts = {"smote": 0.0, "better": 0.3, "same": 0.0}  # 0.3: shown on every table even after Holm over 12 tests
    datasets = [f"t{i}" for i in range(6)]
    frames = []
    for lens, scale in (("network", 1.0), ("gradient_boosting", -1.0)):  # the second lens sees the opposite
        for d in datasets:
            for m in methods:
                frames.append(per_run(d, m, scale * shifts[m]).assign(classifier=lens))
    runs = pd.concat(frames, ignore_index=True)
    results = compile_results({"methods": methods},
                              *[summarise_runs(f, {"dataset": d, "method": m})[0]
                                for (d, m), f in runs.groupby(["dataset", "method"], sort=False)])
    assert results["classifier"].drop_duplicates().tolist() == ["network", "gradient_boosting"]  # primary first
    data = describe_data(runs, {}, *[{"dataset": d, "rows": 200, "minority_rows": 50} for d in datasets])
    reporting = {**REPORTING, "reference_method": "smote", "layout": "compact"}
    tests, ranks, friedman = significance_tests(runs, results, data, reporting)
    quality = pd.DataFrame(columns=["dataset", "method", "detection_auc", "ks_distance", "synthetic_rows",
                                    "real_test_rows", "note"])
    across = compare_methods(results, reporting)
    markdown = write_results_markdown(results, paper_comparison(results, reporting), tests, ranks, friedman, quality,
                                      data, runs, {"repeats": 5, "test_size": 0.2, "seed": 42}, {"random_state": 7},
                                      {"runs": 6, "seed": 100}, {"methods": methods}, reporting, across)
    # across tables: 6 tables cannot pass Wilcoxon + Holm over 2 methods (the exact p is at least 2/64, x 2)
    network_across = across[(across["classifier"] == "network")].set_index("method")
    assert network_across.loc["better", "p_value"] == pytest.approx(2 / 64) and network_across.loc["better", "wins"] == 6
    assert network_across.loc["better", "p_holm"] == pytest.approx(4 / 64)
    assert network_across.loc["better", "verdict"] == "not shown" and network_across.loc["better", "p_better"] > 0.9
    assert "## Against SMOTE across tables (classifier: gradient_boosting)" in markdown
    assert "| f1 | Better | 6 | +0.2" in markdown and "| f1 | Better | 6 | -0.3" in markdown
    assert "## Results (classifier: network)" in markdown and "## Results (classifier: gradient_boosting)" in markdown
    assert "**F1 at 0.5**" in markdown and "**PR-AUC**" in markdown and "**balanced accuracy**" in markdown
    assert "TABLE 3" not in markdown  # the compact layout leaves the paper's verbose table out
    sections = markdown.split("## Against SMOTE (classifier")
    assert len(sections) == 3
    network, boosting = sections[1], sections[2]
    assert "| Better | 6 | 0 | 0 |" in network and "| Better | 0 | 0 | 6 |" in boosting  # won everywhere, lost everywhere
    same = [line for line in network.splitlines() if line.startswith("| Same |")][0]
    assert int(same.split("|")[3]) >= 4  # mostly ties
    assert set(ranks["classifier"]) == {"network", "gradient_boosting"} and set(friedman) == {"network", "gradient_boosting"}
    figure = figure_critical_difference(ranks, friedman, {"methods": methods})
    assert len(figure.axes) == 2 and figure.axes[1].get_title().startswith("gradient_boosting:")
