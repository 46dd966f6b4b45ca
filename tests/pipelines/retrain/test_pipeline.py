"""Production retraining and batch scoring against a real SQLite MLflow store in a temp copy of the project."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import joblib
import mlflow
import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.framework.hooks import hook_impl
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DatasetError
from mlflow import MlflowClient

from smotified_gan.cli import EXIT_REJECTED
from smotified_gan.core.preprocessing import transform_rows
from smotified_gan.core.training import score_rows
from smotified_gan.tracking.registry import ChampionRejected
from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.integration]

NAME = "smotified_gan_classifier"
# small enough for a test, large enough that the paper's classifier learns Yeast (holdout F1 > 0)
FAST = {"retrain": {"gan_epochs": 5, "classifier_epochs": 10, "training": {"runs": 2}, "threshold": {"folds": 2}},
        "oversampling": {"gan": {"architecture": "paper", "log_every": 0, "monitor_validation": False}}}


@pytest.fixture
def prod_project(project_copy):
    (project_copy / "conf" / "prod" / "parameters_test_speed.yml").write_text(yaml.safe_dump(FAST))
    (project_copy / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    return project_copy


def client_of(project: Path) -> MlflowClient:
    return MlflowClient(f"sqlite:///{project / 'mlflow.db'}", registry_uri=f"sqlite:///{project / 'mlflow.db'}")


def run(project: Path, pipeline: str, runtime_params=None):
    while mlflow.active_run():  # as a new `kedro run` process would, start from no active run
        mlflow.end_run()
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="prod", runtime_params=runtime_params) as session:
        return session.run(pipeline_names=[pipeline])


def prod_data(project: Path) -> Path:
    return project / "data" / "prod"


def retrain_runs(client: MlflowClient):
    experiment = client.get_experiment_by_name("smotified_gan")
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time ASC"])
    return [r for r in runs if "champion.decision" in r.data.tags]


def test_retrain_registers_a_calibrated_champion_and_an_equal_model_leaves_it_in_place(prod_project):
    run(prod_project, "retrain")
    client = client_of(prod_project)
    champion = client.get_model_version_by_alias(NAME, "champion")
    assert int(champion.version) == 1
    [first] = retrain_runs(client)
    assert first.info.status == "FINISHED" and first.data.tags["champion.decision"] == "promote"
    score = float(first.data.tags["champion.challenger_score"])
    assert score > 0 and first.data.tags["champion.champion_score"] == "None"
    assert float(champion.tags["holdout_f1"]) == pytest.approx(score, abs=1e-6)
    # the registry shows what the model is: its calibration and threshold, its columns, what it trained on
    assert champion.tags["calibration"] == "platt" and 0 < float(champion.tags["threshold"]) < 1
    assert champion.tags["columns"] == "Alm:float, Erl:float, Gvh:float, Mcg:float, Mit:float, Nuc:float, Pox:float, Vac:float"
    keys = pd.read_parquet(prod_data(prod_project) / "03_primary" / "production" / "training_rows.parquet")
    assert int(champion.tags["training_rows"]) == len(keys) > 300

    # the MLflow model is contract + transformer + calibrated classifier: raw rows in, the pipeline's own scores out
    data = prod_data(prod_project)
    rows = pd.read_parquet(data / "03_primary" / "production" / "unlabelled_rows.parquet")
    expected = pd.read_parquet(data / "07_model_output" / "production" / "holdout_predictions.parquet")
    model = mlflow.pyfunc.load_model(f"models:/{NAME}@champion")
    assert [c.name for c in model.metadata.get_input_schema().inputs] == list(rows.columns) == [
        "Alm", "Erl", "Gvh", "Mcg", "Mit", "Nuc", "Pox", "Vac"]
    predicted = model.predict(rows)
    np.testing.assert_allclose(predicted["minority_score"], expected["minority_score"], atol=1e-6)
    assert predicted["predicted_class"].tolist() == expected["predicted_class"].tolist()
    assert set(predicted["predicted_class"]) == {0, 1}
    assert predicted["minority_score"].between(0, 1).all()  # a probability, calibrated on the validation rows

    # the same settings again: the same model; on this table's holdout (9 minority rows) no decision is made
    run(prod_project, "retrain")
    versions = sorted(int(v.version) for v in client.search_model_versions(f"name='{NAME}'"))
    assert versions == [1, 2]
    assert int(client.get_model_version_by_alias(NAME, "champion").version) == 1
    second = retrain_runs(client)[-1]
    assert second.data.tags["champion.decision"] == "keep"
    assert float(second.data.tags["champion.challenger_score"]) == pytest.approx(score, abs=1e-6)
    assert second.data.tags["champion.p_value"] == "None" and second.data.tags["champion.underpowered"] == "True"
    decision = json.loads((data / "08_reporting" / "production" / "champion_decision.json").read_text())
    assert decision["outcome"] == "keep" and decision["champion_version"] == 1 and decision["promote"] is False
    assert decision["holdout_rows_champion_trained_on"] == 0 and decision["lineage"] == "same"
    holdout = pd.read_parquet(data / "03_primary" / "production" / "test_table.parquet")
    assert (decision["holdout_rows"], decision["holdout_minority_rows"]) == (len(holdout), int(holdout["target"].sum()))
    assert decision["underpowered"] is True and decision["holdout_minority_rows"] == 9
    assert decision["advice"].startswith("a decision between two models needs 30 holdout minority rows")


def test_a_model_below_the_floor_is_registered_without_the_alias_and_the_job_fails(prod_project):
    with pytest.raises(ChampionRejected, match=r"smotified_gan_classifier v1 is registered without the 'champion' "
                                               r"alias: holdout f1 .* is below retrain.decision.min_metric 0.99"):
        run(prod_project, "retrain", {"retrain": {"decision": {"min_metric": 0.99}}})
    client = client_of(prod_project)
    [version] = client.search_model_versions(f"name='{NAME}'")
    assert version.aliases == [] and version.tags["decision"] == "reject"
    assert retrain_runs(client)[-1].data.tags["champion.decision"] == "reject"


def test_scoring_uses_the_champion_gives_the_pipeline_scores_and_never_overwrites(prod_project):
    predictions = prod_data(prod_project) / "07_model_output" / "production" / "predictions.csv"
    with pytest.raises(DatasetError, match=r"no model 'smotified_gan_classifier' with the alias 'champion'.*"
                                           r"run `kedro run --pipelines retrain --env prod` first"):
        run(prod_project, "scoring")
    assert not predictions.exists()

    run(prod_project, "retrain")
    run(prod_project, "scoring")
    run(prod_project, "scoring")
    versions = sorted(predictions.iterdir())
    assert len(versions) == 2  # versioned: the second batch did not overwrite the first
    scored = pd.read_csv(versions[-1] / "predictions.csv")
    assert list(scored.columns) == ["row_id", "minority_score", "predicted_class", "flagged", "flags", "model_name",
                                    "model_version"]
    assert scored["row_id"].tolist() == list(range(514)) and (scored["model_version"] == 1).all()
    assert len(sorted((predictions.parent / "batch_checks.csv").iterdir())) == 2  # a check report beside each

    # the same rows through the in-pipeline transformer and classifier give the same scores
    data = prod_data(prod_project)
    table = pd.read_parquet(data / "02_intermediate" / "production" / "table.parquet")
    transformer = joblib.load(data / "04_feature" / "production" / "feature_transformer.pkl")
    classifier = joblib.load(data / "06_models" / "production" / "classifier.pkl")
    direct = score_rows(classifier, transform_rows(transformer, table.drop(columns=["label", "target"])))
    np.testing.assert_allclose(scored["minority_score"], direct["minority_score"], atol=1e-5)
    assert scored["predicted_class"].tolist() == direct["predicted_class"].tolist()


BAD_BATCHES = [
    ("missing", lambda b: b.drop(columns="Gvh"), r"missing column\(s\) \['Gvh'\]"),
    ("extra", lambda b: b.assign(colour="red"), r"extra column\(s\) \['colour'\] the model was not trained on"),
    ("type", lambda b: b.assign(Alm=["high"] * len(b)), r"column 'Alm': \d+ value\(s\) are not numbers \(first row 0: 'high'"),
    ("nan", lambda b: b.assign(Mit=[np.nan] + b["Mit"].tolist()[1:]), r"column 'Mit': 1 missing value\(s\) \(first row 0"),
    ("inf", lambda b: b.assign(Nuc=b["Nuc"].tolist()[:3] + [np.inf] + b["Nuc"].tolist()[4:]),
     r"column 'Nuc': 1 infinite value\(s\) \(first row 3: inf\)"),
    ("empty", lambda b: b.head(0), r"holds no rows \(a header-only or empty file\): nothing to score"),
]


def point_batch_at(project: Path, name: str) -> Path:
    """conf/prod/catalog.yml's production.batch as a user's CSV, data/01_raw/<name>."""
    catalog_file = project / "conf" / "prod" / "catalog.yml"
    catalog = yaml.safe_load(catalog_file.read_text()) or {}
    catalog["production.batch"] = {"type": "smotified_gan.io.TableFileDataset", "filepath": f"data/01_raw/{name}"}
    catalog_file.write_text(yaml.safe_dump(catalog))
    return project / "data" / "01_raw" / name


def test_batches_that_break_the_contract_fail_naming_file_column_and_rows(prod_project):
    run(prod_project, "retrain")
    good = pd.read_parquet(prod_data(prod_project) / "03_primary" / "production" / "unlabelled_rows.parquet")
    batch_file = point_batch_at(prod_project, "batch.csv")
    outputs = prod_data(prod_project) / "07_model_output" / "production"
    for name, corrupt, message in BAD_BATCHES:
        corrupt(good).to_csv(batch_file, index=False)
        with pytest.raises(ValueError, match=re.escape(str(batch_file)) + "(?s:.*)" + message):
            run(prod_project, "scoring")
        assert not (outputs / "predictions.csv").exists() and not (outputs / "batch_checks.csv").exists(), name
    good.to_csv(batch_file, index=False)
    run(prod_project, "scoring")
    assert len(list((outputs / "predictions.csv").iterdir())) == 1


def readme_schedule_lines() -> dict[str, str]:
    readme = (PROJECT_ROOT / "docs" / "operations.md").read_text()  # the README links there for the schedule
    lines = {}
    for line in readme.splitlines():
        match = re.match(r"^(\S+ \S+ \S+ \S+ \S+) (/path/to/project/scripts/batch-job (retrain|scoring))$", line)
        if match:
            lines[match.group(3)] = match.group(2)
    return lines


@pytest.mark.nightly
def test_the_documented_cron_lines_run_as_cron_would(prod_project, tmp_path):
    lines = readme_schedule_lines()
    assert set(lines) == {"retrain", "scoring"}
    elsewhere, home = tmp_path / "cron-cwd", tmp_path / "cron-home"
    elsewhere.mkdir()
    home.mkdir()
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(home), "SHELL": "/bin/sh"}  # cron's minimal set
    results = {}
    for job in ("retrain", "scoring"):
        command = lines[job].replace("/path/to/project", str(prod_project))
        results[job] = subprocess.run(["/bin/sh", "-c", command], cwd=elsewhere, env=environment,
                                      stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        assert results[job].returncode == 0, results[job].stderr[-3000:]
    log = (prod_project / "logs" / "smotified_gan.log").read_text()
    assert "Registered smotified_gan_classifier v1" in log and "Scored 514 rows" in log
    assert len(list((prod_data(prod_project) / "07_model_output" / "production" / "predictions.csv").iterdir())) == 1
    assert not list(elsewhere.iterdir())  # nothing written in the working directory

    # an expected outcome is one sentence and its documented exit code, not a traceback: a rejected model
    rejected = subprocess.run(["/bin/sh", "-c", lines["retrain"].replace("/path/to/project", str(prod_project))
                               + " --params retrain.decision.min_metric=0.99"], cwd=elsewhere, env=environment,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    assert rejected.returncode == EXIT_REJECTED == 3, rejected.stderr[-3000:]
    assert "Not crowned: smotified_gan_classifier v2 is registered without the 'champion' alias" in rejected.stderr
    assert "Traceback" not in rejected.stdout + rejected.stderr

    # a failure exits non-zero: scoring a batch that is not there
    point_batch_at(prod_project, "none.csv")
    failed = subprocess.run(["/bin/sh", "-c", lines["scoring"].replace("/path/to/project", str(prod_project))],
                            cwd=elsewhere, env=environment, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=600)
    assert failed.returncode != 0 and "none.csv does not exist" in failed.stdout + failed.stderr

    # the guard: a job started while the same job runs does not start a second one
    lock = prod_project / "data" / ".batch-job-retrain.lock"
    with subprocess.Popen(["flock", str(lock), "sleep", "30"]) as holder:
        try:
            busy = subprocess.run(["/bin/sh", "-c", lines["retrain"].replace("/path/to/project", str(prod_project))],
                                  cwd=elsewhere, env=environment, stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, timeout=60)
        finally:
            holder.kill()
    assert busy.returncode == 75 and "'retrain' is already running" in busy.stderr


@pytest.mark.nightly
def test_two_retrains_at_once_against_one_store_both_finish_with_one_champion(prod_project, tmp_path):
    """Two deployments (two checkouts, their own data folders) retrain at the same moment into one SQLite store that
    does not exist yet: both create it, one waits for the other's tables."""
    store = f"sqlite:///{tmp_path / 'shared-store' / 'mlflow.db'}"
    (tmp_path / "shared-store").mkdir()
    second = tmp_path / "second-checkout"
    shutil.copytree(prod_project, second, symlinks=True)
    environment = {**os.environ, "DO_NOT_TRACK": "true", "MLFLOW_TRACKING_URI": store}
    jobs = [subprocess.Popen([str(project / ".venv" / "bin" / "kedro"), "run", "--pipelines", "retrain", "--env", "prod"],
                             cwd=project, env=environment, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for project in (prod_project, second)]
    outputs = [job.communicate(timeout=600)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], "\n".join(o[-3000:] for o in outputs)  # the store was empty
    client = MlflowClient(store, registry_uri=store)
    versions = client.search_model_versions(f"name='{NAME}'")
    assert sorted(int(v.version) for v in versions) == [1, 2]
    aliases = [client.get_model_version(NAME, str(v.version)).aliases for v in versions]
    champion = client.get_model_version_by_alias(NAME, "champion")
    assert sorted(map(len, aliases)) == [0, 1] and int(champion.version) in (1, 2)  # exactly one champion
    runs = retrain_runs(client)
    assert len(runs) == 2 and {r.info.status for r in runs} == {"FINISHED"}
    # the champion is the better of the two on the holdout (the first to finish, on a tie)
    scores = {r.data.tags["champion.model_version"]: float(r.data.tags["champion.challenger_score"]) for r in runs}
    assert scores[str(champion.version)] == max(scores.values())
    assert not (prod_project / "mlflow.db").exists() and not (second / "mlflow.db").exists()


def test_a_failure_in_the_middle_of_retrain_ends_with_its_own_error(prod_project):
    """Kedro's resume hint on kedro-mlflow's pipeline used to raise over the node's error at the very end."""
    done = subprocess.run([str(prod_project / ".venv" / "bin" / "kedro"), "run", "--pipelines", "retrain", "--env",
                           "prod", "--params", "retrain.method.k_neighbors=400"], cwd=prod_project,
                          capture_output=True, text=True, timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode != 0
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert "the first phase with k_neighbors=400 needs at least 401" in lines[-1], lines[-5:]
    assert "free for the inference pipeline" not in done.stdout + done.stderr


def test_batch_job_finds_kedro_without_a_project_venv(prod_project, tmp_path):
    (prod_project / ".venv").unlink()
    script = str(prod_project / "scripts" / "batch-job")
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    missing = subprocess.run([script, "scoring"], env=environment, capture_output=True, text=True, timeout=60)
    assert missing.returncode == 69 and "no kedro found: set SMOTIFIED_GAN_KEDRO" in missing.stderr
    told = subprocess.run([script, "scoring"], capture_output=True, text=True, timeout=300,
                          env={**environment, "SMOTIFIED_GAN_KEDRO": str(PROJECT_ROOT / ".venv" / "bin" / "kedro")})
    assert told.returncode != 0  # it ran kedro, which says there is no champion yet
    assert "run `kedro run --pipelines retrain --env prod` first" in told.stdout + told.stderr


class _CrownElsewhereAfterTheDecision:
    """After this run's decision (made against no champion), another checkout's first retrain crowns its model: a
    real second job, run to its end between this run's decision and its registration."""

    def __init__(self, other: Path, environment: dict) -> None:
        self.other, self.environment, self.output = other, environment, ""

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs, is_async, run_id) -> None:
        if node.name.endswith("decide_champion"):
            done = subprocess.run([str(self.other / ".venv" / "bin" / "kedro"), "run", "--pipelines", "retrain", "--env",
                                   "prod"], cwd=self.other, env=self.environment, capture_output=True, text=True,
                                  timeout=600)
            self.output = done.stdout + done.stderr
            assert done.returncode == 0, self.output[-3000:]


def test_a_decision_re_compared_at_registration_is_the_one_recorded_everywhere(prod_project, tmp_path, monkeypatch,
                                                                                caplog):
    """Two first retrains on one store: the second decided against no champion, then found v1 crowned and was
    compared again. Its file, its run's artifact, its version's tags and its log say the second comparison."""
    folder = tmp_path / "shared-store"
    folder.mkdir()
    store = f"sqlite:///{folder / 'mlflow.db'}"
    other = tmp_path / "other-checkout"
    shutil.copytree(prod_project, other, symlinks=True)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", store)
    crown = _CrownElsewhereAfterTheDecision(other, {**os.environ, "DO_NOT_TRACK": "true"})
    while mlflow.active_run():
        mlflow.end_run()
    bootstrap_project(prod_project)
    with caplog.at_level("INFO"), KedroSession.create(project_path=prod_project, env="prod") as session:
        session._hook_manager.register(crown)
        session.run(pipeline_names=["retrain"])

    client = MlflowClient(store, registry_uri=store)
    assert int(client.get_model_version_by_alias(NAME, "champion").version) == 1  # the other checkout's
    mine = client.get_model_version(NAME, "2")
    record = json.loads((prod_data(prod_project) / "08_reporting" / "production" / "champion_decision.json").read_text())
    artifact = json.loads(Path(client.download_artifacts(mine.run_id, "champion_decision.json", str(tmp_path))).read_text())
    assert record == artifact
    assert record["promote"] is False and record["outcome"] == "keep" and record["champion_version"] == 1
    assert record["recompared"].startswith("the champion moved to v1 after the first comparison (against no champion)")
    assert mine.tags["decision"] == "keep" and mine.tags["compared_with"] == "v1" and mine.aliases == []
    # this small table's holdout is under min_holdout_minority: a keep with the champion's figure and no test
    assert record["champion"] is not None and record["reason"].endswith("the champion stays")
    assert mine.tags["p_value_vs_champion"] == str(record["p_value"])
    assert float(mine.tags["holdout_f1"]) == pytest.approx(record["challenger"], abs=1e-6)
    [recompared] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Decision after re-comparison")]
    assert recompared.startswith("Decision after re-comparison: keep. Holdout f1 on") and "champion v1" in recompared
    # the store's artifacts live beside the store, not in whichever checkout created the experiment
    experiment = client.get_experiment_by_name("smotified_gan")
    assert experiment.artifact_location == (folder / "mlartifacts").as_uri()
    shutil.rmtree(other)
    assert mlflow.pyfunc.load_model(f"models:/{NAME}@champion") is not None
