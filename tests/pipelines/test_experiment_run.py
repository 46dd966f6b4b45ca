"""The whole experiment (`kedro run --env quick`) in a KedroSession, read back from MLflow."""

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
from smotified_gan.samplers import load_sampler
from smotified_gan.upstream_notices import KNOWN_NOTICES

DATASETS = ["abalone", "ecoli", "ionosphere", "pageblocks", "poker", "wine", "yeast"]
METHODS = ["none", "smote", "gan", "smotified_gan", "smotified_gan_residual"]


def runs_of(project):
    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("smotified_gan")
    return client, client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])


def test_quick_experiment_is_complete_in_mlflow(project_copy, tmp_path):
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy, env="quick") as session, \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session.run()
    ours = [f"{w.filename}:{w.lineno}: {w.message}" for w in caught
            if "smotified_gan" in w.filename and not KNOWN_NOTICES.search(str(w.message))]
    assert ours == []  # the project's own code raises no warning during a run (but the documented Kedro nag)

    reporting = project_copy / "data" / "quick" / "08_reporting"
    results = pd.read_csv(reporting / "results.csv")
    assert list(results.columns) == ["dataset", "method", "metric", "mean", "std", "best", "runs", "repeat_mean",
                                     "repeat_std", "repeats"]
    assert sorted(results["dataset"].unique()) == DATASETS
    assert results["method"].drop_duplicates().tolist() == METHODS  # the grid's order
    assert (results["runs"] == 3).all() and (results["repeats"] == 2).all()  # conf/quick: 2 repeats x 3 runs
    assert len(results) == 7 * 5 * 9
    run_table = pd.read_csv(reporting / "run_metrics.csv")
    assert len(run_table) == 7 * 5 * 2 * 3 and sorted(run_table["seed"].unique()) == list(range(1000, 1006))
    markdown = (reporting / "results.md").read_text()
    assert "| ecoli | SMOTified-GAN |" in markdown and "| ecoli | SMOTified-GAN (residual) |" in markdown
    assert "| ecoli | 336 | 268 / 68 | 16 / 4 | minmax | none |" in markdown  # what the numbers stand on
    assert "| shuttle | SMOTified-GAN | pr_auc | 0.949 | not run |" in markdown
    assert "Unit of replication: the repeat" in markdown and "Nemenyi critical difference" in markdown
    assert "| poker | SMOTified-GAN | n/a: 3 real minority test rows per repeat" in markdown
    quality = pd.read_csv(reporting / "synthetic_quality.csv")
    assert len(quality) == 7 * 4
    # with fewer than 20 real minority test rows per repeat a detector means nothing: only abalone and ionosphere qualify
    assert sorted(quality.dropna(subset=["detection_auc"])["dataset"].unique()) == ["abalone", "ionosphere"]
    assert quality["detection_auc"].dropna().between(0, 1).all() and quality["ks_distance"].dropna().between(0, 1).all()
    significance = pd.read_csv(reporting / "significance.csv")
    assert len(significance) == 7 * 4 and (significance["repeats"] == 2).all()
    assert (significance["p_holm"].dropna() >= significance["p_value"].dropna()).all()

    client, runs = runs_of(project_copy)
    assert len(runs) == 1
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert run.data.params["training.runs"] == "3"
    assert run.data.params["oversampling.first_phase.first_phase"] == "smote"
    for dataset in DATASETS:
        for method in METHODS:
            for metric in ("f1_mean", "f1_std", "f1_best", "precision_mean", "recall_mean", "pr_auc_mean"):
                assert f"{dataset}.{method}.{metric}" in run.data.metrics
    expected = results.set_index(["dataset", "method", "metric"]).loc[("ecoli", "smotified_gan", "f1"), "mean"]
    assert run.data.metrics["ecoli.smotified_gan.f1_mean"] == pytest.approx(expected)
    assert len(run.data.tags["git_commit"]) >= 7 and run.data.tags["kedro_env"] == "quick"
    assert run.data.tags["data.ecoli.sha256"].startswith("bfcc2430")
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    for name in ("figure4_f1.png", "figure6_pr_curves.png", "figure7_gan_losses.png", "critical_difference.png",
                 "results.csv", "results.md"):
        assert name in artifacts
    # the fitted GAN samplers are logged in their own format, and load back to refine rows
    assert {a.path for a in client.list_artifacts(run.info.run_id, "models/ecoli")} == {
        "models/ecoli/gan", "models/ecoli/smotified_gan", "models/ecoli/smotified_gan_residual"}
    logged = client.download_artifacts(run.info.run_id, "models/ecoli/smotified_gan/sampler.pt", str(tmp_path))
    samplers = load_sampler(logged)  # one per repeat
    assert len(samplers) == 2 and all(isinstance(s, SMOTifiedGAN) for s in samplers)
    cell = project_copy / "data" / "quick" / "04_feature" / "ecoli" / "smotified_gan"
    first_phase = pd.read_parquet(cell / "first_phase_rows.parquet")
    refined = pd.read_parquet(cell / "synthetic_rows.parquet")
    for repeat, sampler in enumerate(samplers):
        rows = first_phase[first_phase["repeat"] == repeat].drop(columns=["target", "repeat"]).to_numpy()
        np.testing.assert_allclose(sampler.refine(rows, label=1),
                                   refined[refined["repeat"] == repeat].drop(columns=["target", "repeat"]).to_numpy(),
                                   atol=1e-6)
    for name in ("figure4_f1.png", "figure6_pr_curves.png", "figure7_gan_losses.png", "critical_difference.png"):
        image = matplotlib.image.imread(client.download_artifacts(run.info.run_id, name, str(tmp_path)))
        assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
    downloaded = pd.read_csv(client.download_artifacts(run.info.run_id, "results.csv", str(tmp_path)))
    assert downloaded.equals(results)
    assert not (project_copy / "mlruns").exists()
    assert (project_copy / "mlartifacts").is_dir()

    # a failing node marks its MLflow run FAILED, never FINISHED. (kedro-mlflow's hook is a
    # process-wide singleton: as a new `kedro run` process would, start from no active run.)
    while mlflow.active_run():
        mlflow.end_run()
    if torch.cuda.is_available():
        pytest.skip("the failing node asks for CUDA, which this machine has")
    with KedroSession.create(project_path=project_copy, env="quick",
                             runtime_params={"training": {"classifier": {"device": "cuda"}}}) as session:
        with pytest.raises(ValueError, match="CUDA is not available"):
            session.run(pipeline_names=["training"], namespaces=["ecoli.none"])
    _, runs = runs_of(project_copy)
    assert [r.info.status for r in runs] == ["FINISHED", "FAILED"]
