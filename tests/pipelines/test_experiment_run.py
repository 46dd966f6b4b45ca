"""The whole experiment (`kedro run --env quick`) in one KedroSession, read back from its files and from MLflow."""

import warnings

import matplotlib.image
import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from mlflow import MlflowClient

from smotified_gan import SMOTifiedGAN
from smotified_gan.adapters.upstream_notices import KNOWN_NOTICES
from smotified_gan.core.metrics import ALL_METRICS
from smotified_gan.core.preprocessing import split_train_test
from smotified_gan.core.samplers import load_sampler
from tests.conftest import count_gan_stacks

pytestmark = [pytest.mark.slow, pytest.mark.integration]
# conf/quick's grid narrowed to the tables the assertions read (its pageblocks and wine add only time)
DATASETS = ["abalone", "ecoli", "ionosphere", "poker", "yeast"]
D = len(DATASETS)
METHODS = ["none", "smote", "gan", "smotified_gan", "smotified_gan_residual"]


GAN_FITS: list[int] = []  # the members of every stack of GANs the quick run trained
LEFT_ACTIVE: list[int] = []  # MLflow's active runs after the session ended


@pytest.fixture(scope="module")
def quick_run(module_project):
    """`kedro run --env quick` once (over ``DATASETS``): the project, the warnings the run raised (and every GAN
    stack it trained)."""
    bootstrap_project(module_project)
    with pytest.MonkeyPatch.context() as patch, KedroSession.create(
            project_path=module_project, env="quick", runtime_params={"grid": {"datasets": DATASETS}}) as session, \
            warnings.catch_warnings(record=True) as caught:
        stacks = count_gan_stacks(patch)
        warnings.simplefilter("always")
        session.run()
    from mlflow.tracking import fluent

    LEFT_ACTIVE.append(len(fluent._active_run_stack.get()))
    GAN_FITS.extend(stacks)
    return module_project, caught


def test_the_run_fits_the_gans_its_plan_needs_and_no_more(quick_run):
    """conf/quick: D datasets x 3 GAN methods (gan, smotified_gan, its residual variant) x 2 repeats, one minority
    class each: 6 D GANs, in one stack per cell. The threshold folds (2 per repeat) train none of their own
    (``threshold.gan_folds: reuse``), yet every GAN cell has its tuned threshold. A change that fits more than the
    plan needs (a GAN per fold: 18 D) fails here."""
    assert sum(GAN_FITS) == D * 3 * 2 and len(GAN_FITS) == D * 3
    results = pd.read_csv(quick_run[0] / "data" / "quick" / "08_reporting" / "results.csv")
    tuned = results[(results["metric"] == "f1_tuned") & results["method"].str.contains("gan")]
    assert len(tuned) >= D * 3 and tuned["mean"].notna().all()


def test_a_session_leaves_no_mlflow_run_active_for_the_next(quick_run):
    """kedro-mlflow re-opens the run at every node: nested (its template's default), each node pushed the same run
    onto MLflow's stack again, and a Python session (a notebook, a grid worker) kept hundreds of them."""
    assert LEFT_ACTIVE == [0]


@pytest.fixture(scope="module")
def reporting(quick_run):
    return quick_run[0] / "data" / "quick" / "08_reporting"


@pytest.fixture(scope="module")
def mlflow_run(quick_run):
    project = quick_run[0]
    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("smotified_gan")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    return client, runs[0]


def test_the_run_raises_no_warning_of_its_own(quick_run):
    ours = [f"{w.filename}:{w.lineno}: {w.message}" for w in quick_run[1]
            if "smotified_gan" in w.filename and not KNOWN_NOTICES.search(str(w.message))]
    assert ours == []  # the project's own code raises no warning during a run (but the documented Kedro nag)


def test_table3_has_every_cell_in_the_grids_order(reporting):
    results = pd.read_csv(reporting / "results.csv")
    assert list(results.columns) == ["dataset", "method", "classifier", "metric", "mean", "std", "best", "runs",
                                     "repeat_mean", "repeat_std", "repeats"]
    assert (results["classifier"] == "network").all()  # the default run reads every cell through the paper's network
    assert sorted(results["dataset"].unique()) == DATASETS
    assert results["method"].drop_duplicates().tolist() == METHODS  # the grid's order
    assert (results["runs"] == 3).all() and (results["repeats"] == 2).all()  # conf/quick: 2 repeats x 3 runs
    assert len(results) == D * 5 * len(ALL_METRICS)  # every threshold-dependent metric at 0.5 and tuned


def test_the_seeds_the_run_logged_are_the_seeds_its_nodes_used(quick_run, mlflow_run, reporting):
    _, run = mlflow_run
    assert run.data.tags["protocol.seeds"] == "split=42..43;oversampling=42..43;classifier=1000..1005;repeats=2"
    runs = pd.read_csv(reporting / "run_metrics.csv")
    assert len(runs) == D * 5 * 2 * 3
    assert sorted(runs["seed"].unique()) == list(range(1000, 1006))  # the classifier runs' seeds
    assert set(runs.loc[runs["repeat"] == 1, "seed"]) == {1003, 1004, 1005}
    data = quick_run[0] / "data" / "quick"
    samplers = load_sampler(data / "05_model_input" / "ecoli" / "smotified_gan" / "sampler.pt")
    assert [s.random_state for s in samplers] == [42, 43]  # the over-samplers' seeds
    table = pd.read_parquet(data / "02_intermediate" / "ecoli" / "table.parquet")
    test = pd.read_parquet(data / "03_primary" / "ecoli" / "test_table.parquet")
    for repeat, seed in enumerate((42, 43)):  # the splits' seeds
        expected = split_train_test(table, 0.2, seed, True, "ecoli")[1]
        got = test[test["repeat"] == repeat].drop(columns="repeat").reset_index(drop=True)
        # each row keeps its position in the table as row_key: the rows the split gives, each traced to its source
        pd.testing.assert_frame_equal(got.drop(columns="row_key"), expected)
        source = table.loc[got["row_key"]].reset_index(drop=True)
        pd.testing.assert_frame_equal(source, got.drop(columns="row_key"))


def test_results_md_says_what_the_numbers_stand_on(reporting):
    markdown = (reporting / "results.md").read_text()
    assert "| ecoli | SMOTified-GAN |" in markdown and "| ecoli | SMOTified-GAN (residual) |" in markdown
    assert "| ecoli | 336 | 268 / 68 | 16 / 4 | minmax | none |" in markdown  # what the numbers stand on
    assert "| shuttle | SMOTified-GAN | pr_auc | 0.949 | not run |" in markdown
    assert "Unit of replication: the repeat" in markdown and "Nemenyi critical difference" in markdown
    assert "| poker | SMOTified-GAN | n/a: 6 distinct real minority test rows over 2 repeats, fewer than the 20" in markdown
    assert "split=42..43;oversampling=42..43;classifier=1000..1005;repeats=2" in markdown


def test_synthetic_row_quality_only_where_the_test_minority_can_bear_it(reporting):
    quality = pd.read_csv(reporting / "synthetic_quality.csv")
    assert len(quality) == D * 5 and (quality.loc[quality["method"] == "none", "synthetic_rows"] == 0).all()
    # pooled over the repeats, fewer than 20 distinct real minority test rows mean nothing: abalone and ionosphere
    # qualify; yeast (2 x 10 test minority rows, 19 distinct: one row is in both repeats' test splits), poker
    # (2 x 3) and ecoli do not (nor do conf/quick's wine and pageblocks, not run here)
    assert sorted(quality.dropna(subset=["detection_auc"])["dataset"].unique()) == ["abalone", "ionosphere"]
    assert (quality.loc[quality["dataset"] == "yeast", "pooled_real_rows"] < 20).all()
    assert (quality.dropna(subset=["energy_distance"])["pooled_real_rows"] >= 20).all()
    assert quality["detection_auc"].dropna().between(0, 1).all() and quality["ks_distance"].dropna().between(0, 1).all()
    judged = quality.dropna(subset=["detection_auc"])
    assert judged[["boosting_detection_auc", "dcr_ratio", "dcr_copies", "dcr_p"]].notna().all().all()
    assert judged["boosting_detection_auc"].between(0, 1).all() and judged["giveaway_columns"].str.contains(r" \(0\.").all()
    assert "| DCR ratio | copies | giveaway columns |" in (reporting / "results.md").read_text()


def test_every_comparison_is_tested_over_the_repeats(reporting):
    significance = pd.read_csv(reporting / "significance.csv")
    assert len(significance) == D * 4 and (significance["repeats"] == 2).all() and (significance["df"] == 1).all()
    assert (significance["p_holm"].dropna() >= significance["p_value"].dropna()).all()


def test_one_finished_mlflow_run_holds_the_parameters_metrics_and_tags(mlflow_run, reporting):
    _, run = mlflow_run
    assert run.info.status == "FINISHED"
    assert run.data.params["training.runs"] == "3" and run.data.params["oversampling.first_phase"] == "smote"
    for dataset in DATASETS:
        for method in METHODS:
            for metric in ("f1_mean", "f1_std", "f1_best", "precision_mean", "recall_mean", "pr_auc_mean"):
                assert f"{dataset}.{method}.{metric}" in run.data.metrics
    results = pd.read_csv(reporting / "results.csv")
    expected = results.set_index(["dataset", "method", "metric"]).loc[("ecoli", "smotified_gan", "f1"), "mean"]
    assert run.data.metrics["ecoli.smotified_gan.f1_mean"] == pytest.approx(expected)
    assert len(run.data.tags["git_commit"]) >= 7 and run.data.tags["kedro_env"] == "quick"
    assert run.data.tags["data.ecoli.sha256"].startswith("bfcc2430")


def test_the_report_and_its_figures_are_artifacts_of_the_run(mlflow_run, reporting, tmp_path, quick_run):
    client, run = mlflow_run
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    for name in ("figure4_f1.png", "figure6_pr_curves.png", "figure7_gan_losses.png", "critical_difference.png",
                 "results.csv", "results.md"):
        assert name in artifacts
    for name in ("figure4_f1.png", "figure6_pr_curves.png", "figure7_gan_losses.png", "critical_difference.png"):
        image = matplotlib.image.imread(client.download_artifacts(run.info.run_id, name, str(tmp_path)))
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
    downloaded = pd.read_csv(client.download_artifacts(run.info.run_id, "results.csv", str(tmp_path)))
    assert downloaded.equals(pd.read_csv(reporting / "results.csv"))
    assert not (quick_run[0] / "mlruns").exists() and (quick_run[0] / "mlartifacts").is_dir()


def test_the_logged_samplers_refine_exactly_the_first_phase_rows(mlflow_run, quick_run, tmp_path):
    client, run = mlflow_run
    assert {a.path for a in client.list_artifacts(run.info.run_id, "models/ecoli")} == {
        f"models/ecoli/{method}" for method in METHODS}  # every cell logs its samplers (none: an empty list)
    assert load_sampler(client.download_artifacts(run.info.run_id, "models/ecoli/none/sampler.pt", str(tmp_path))) == []
    logged = client.download_artifacts(run.info.run_id, "models/ecoli/smotified_gan/sampler.pt", str(tmp_path))
    samplers = load_sampler(logged)  # one per repeat
    assert len(samplers) == 2 and all(isinstance(s, SMOTifiedGAN) for s in samplers)
    cell = quick_run[0] / "data" / "quick" / "04_feature" / "ecoli" / "smotified_gan"
    first_phase = pd.read_parquet(cell / "first_phase_rows.parquet")
    refined = pd.read_parquet(cell / "synthetic_rows.parquet")
    for repeat, sampler in enumerate(samplers):
        rows = first_phase[first_phase["repeat"] == repeat].drop(columns=["target", "repeat"]).to_numpy()
        np.testing.assert_allclose(sampler.refine(rows, label=1),
                                   refined[refined["repeat"] == repeat].drop(columns=["target", "repeat"]).to_numpy(),
                                   atol=1e-6)


def test_a_failing_node_marks_its_mlflow_run_failed(quick_run, mlflow_run):
    # (kedro-mlflow's hook is a process-wide singleton: as a new `kedro run` process would, start from no active run)
    while mlflow.active_run():
        mlflow.end_run()
    if torch.cuda.is_available():
        pytest.skip("the failing node asks for CUDA, which this machine has")
    with KedroSession.create(project_path=quick_run[0], env="quick",
                             runtime_params={"training": {"network": {"device": "cuda"}}}) as session:
        with pytest.raises(ValueError, match="CUDA is not available"):
            session.run(pipeline_names=["training"], namespaces=["ecoli.none"])
    client, first = mlflow_run
    runs = client.search_runs([first.info.experiment_id], order_by=["attributes.start_time ASC"])
    assert [r.info.status for r in runs] == ["FINISHED", "FAILED"]
