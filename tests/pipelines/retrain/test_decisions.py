"""Champion decisions on a user's own table, through real Kedro sessions and a real SQLite MLflow store: nothing
useless or unproven crowned, a holdout that cannot move unseen, one run's evidence per version."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.framework.hooks import hook_impl
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DatasetError
from mlflow import MlflowClient

from smotified_gan.pipelines.retrain.nodes import LineageChangeError
from smotified_gan.tracking.locks import create_store_once
from smotified_gan.tracking.registry import ChampionRejected
from tests.pipelines.retrain.test_own_table import latest, use_own_table
from tests.pipelines.retrain.test_pipeline import FAST, NAME, client_of, prod_data, retrain_runs, run
from tests.production.own_table import LABEL, own_table

pytestmark = [pytest.mark.slow, pytest.mark.integration]
STUMP = {"class": "sklearn.tree.DecisionTreeClassifier", "max_depth": 1}


@pytest.fixture
def project(project_copy):
    (project_copy / "conf" / "prod" / "parameters_test_speed.yml").write_text(yaml.safe_dump(FAST))
    (project_copy / ".venv").symlink_to(Path(__file__).resolve().parents[3] / ".venv")
    return project_copy


def decision_of(project: Path) -> dict:
    return json.loads((prod_data(project) / "08_reporting" / "production" / "champion_decision.json").read_text())


def holdout_keys(project: Path) -> set:
    table = pd.read_parquet(prod_data(project) / "03_primary" / "production" / "test_table.parquet")
    return set(table["row_key"].tolist())


def test_a_table_with_fifteen_minority_rows_and_no_signal_crowns_nothing_and_the_job_fails(project):
    table = own_table(4000, seed=3)
    labels = np.r_[["yes"] * 15, ["no"] * (len(table) - 15)]
    table[LABEL] = np.random.default_rng(0).permutation(labels)  # labels that owe nothing to the columns
    use_own_table(project, table)
    with pytest.raises(ChampionRejected, match=r"v1 is registered without the 'champion' alias: holdout f1 \d\.\d+ is not "
                                               r"shown better than no skill \(calling every row minority"):
        run(project, "retrain", {"retrain": {"threshold": {"folds": 5}}})  # the default folds: 8+ minority rows to fit
    client = client_of(project)
    [version] = client.search_model_versions(f"name='{NAME}'")
    assert version.aliases == [] and version.tags["decision"] == "reject"
    assert decision_of(project)["holdout_minority_rows"] < 10


def test_a_clearly_better_model_is_crowned_an_equal_one_is_not_and_a_real_overlap_is_caught(project):
    use_own_table(project, own_table(4000, seed=5))
    run(project, "retrain", {"retrain": {"training": {"classifier": STUMP, "runs": 1}}})
    client = client_of(project)
    assert decision_of(project)["outcome"] == "promote"  # a stump has skill: it beats calling everyone minority
    run(project, "retrain")  # the paper's network on the same rows: clearly better
    better = decision_of(project)
    assert better["outcome"] == "promote" and better["p_value"] < 0.1 and better["holdout_minority_rows"] >= 30
    assert int(client.get_model_version_by_alias(NAME, "champion").version) == 2
    run(project, "retrain", {"retrain": {"training": {"seed": 77}}})  # as good, other seeds: not crowned
    equal = decision_of(project)
    assert equal["outcome"] == "keep" and equal["p_value"] >= 0.1
    assert int(client.get_model_version_by_alias(NAME, "champion").version) == 2

    # a larger holdout holds rows the champion trained on: the check finds exactly them and leaves them out
    champion = client.get_model_version(NAME, "2")
    trained = set(pd.read_parquet(client.download_artifacts(champion.run_id, "training_rows/training_rows.parquet"))
                  ["row_key"])
    run(project, "retrain", {"retrain": {"holdout": {"test_size": 0.3}}})
    grown = decision_of(project)
    overlap = holdout_keys(project) & trained
    assert len(overlap) > 300 and grown["holdout_rows_champion_trained_on"] == len(overlap)
    assert grown["holdout_rows"] == len(holdout_keys(project)) - len(overlap)


def test_reordered_columns_and_float32_reads_keep_the_holdout_and_a_new_seed_stops_retrain(project):
    table = own_table(2000, seed=11)
    use_own_table(project, table)
    run(project, "retrain")
    first_holdout, client = holdout_keys(project), client_of(project)
    scores = client.get_model_version(NAME, "1").tags["holdout_f1"]

    reordered = pd.read_csv(io.StringIO(table[table.columns[::-1]].to_csv(index=False)))
    use_own_table(project, reordered)
    run(project, "retrain")
    same = decision_of(project)
    assert holdout_keys(project) == first_holdout and same["lineage"] == "same"
    assert same["holdout_rows_champion_trained_on"] == 0
    # the columns are taken in name order, so the same rows train the same model: nothing to crown
    assert client.get_model_version(NAME, "2").tags["holdout_f1"] == scores and same["outcome"] == "keep"

    narrow = table.astype({"income": "float32", "balance": "float32"})
    narrow.to_parquet(project / "data" / "01_raw" / "own.parquet")
    catalog = project / "conf" / "prod" / "catalog.yml"
    entries = yaml.safe_load(catalog.read_text())
    entries["production.raw"]["filepath"] = "data/01_raw/own.parquet"
    catalog.write_text(yaml.safe_dump(entries))
    run(project, "retrain")
    assert holdout_keys(project) == first_holdout and decision_of(project)["holdout_rows_champion_trained_on"] == 0

    started = time.perf_counter()
    with pytest.raises(LineageChangeError, match=r"retrain.holdout.seed was 2024, is now 7.*Nothing was trained"):
        run(project, "retrain", {"retrain": {"holdout": {"seed": 7}}})
    assert time.perf_counter() - started < 60
    assert len(client.search_model_versions(f"name='{NAME}'")) == 3


def test_a_third_label_stops_retrain_naming_it_and_its_count(project):
    table = own_table(1000, seed=2)
    table.loc[:149, LABEL] = "maybe"
    use_own_table(project, table)
    with pytest.raises(Exception, match=r"label\(s\) outside the minority rule \['yes'\] and not said to be majority: "
                                        r"'no' \(\d+ rows\), 'maybe' \(150 rows\)"):
        run(project, "retrain")
    assert not client_of(project).search_model_versions(f"name='{NAME}'")


def test_a_champion_whose_artifacts_are_gone_is_named_and_retrain_moves_on(project):
    use_own_table(project, own_table(2000, seed=11))
    run(project, "retrain")
    client = client_of(project)
    champion = client.get_model_version_by_alias(NAME, "champion")
    shutil.rmtree(project / "mlartifacts")
    with pytest.raises(DatasetError, match=rf"{NAME} v1 holds the 'champion' alias but cannot be loaded from "
                                           r".*Move on with `kedro run --pipelines retrain --env prod`"):
        run(project, "scoring")
    run(project, "retrain")  # not stuck: its model is judged on its own and crowned
    moved = decision_of(project)
    assert moved["lineage"] == "new" and moved["outcome"] == "promote"
    assert int(client.get_model_version_by_alias(NAME, "champion").version) == int(champion.version) + 1
    run(project, "scoring")
    scored = latest(prod_data(project) / "07_model_output" / "production" / "predictions.csv", "predictions.csv")
    assert (scored["model_version"] == 2).all()


class MoveTheAlias:
    """Between the two scoring nodes, another job crowns version 2."""

    def __init__(self, tracking: str) -> None:
        self.tracking = tracking

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs, is_async, run_id) -> None:
        if node.name == "check_batch":
            MlflowClient(self.tracking, registry_uri=self.tracking).set_registered_model_alias(NAME, "champion", "2")


def test_a_scoring_run_scores_with_the_version_it_checked_even_if_the_alias_moves(project):
    use_own_table(project, own_table(2000, seed=11))
    run(project, "retrain")
    run(project, "retrain", {"retrain": {"training": {"seed": 5}}})  # v2, registered, not crowned
    client = client_of(project)
    assert int(client.get_model_version_by_alias(NAME, "champion").version) == 1
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env="prod") as session:
        session._hook_manager.register(MoveTheAlias(f"sqlite:///{project / 'mlflow.db'}"))  # a test's own hook
        session.run(pipeline_names=["scoring"])
    assert int(client.get_model_version_by_alias(NAME, "champion").version) == 2  # it did move
    outputs = prod_data(project) / "07_model_output" / "production"
    assert (latest(outputs / "predictions.csv", "predictions.csv")["model_version"] == 1).all()
    assert (latest(outputs / "batch_checks.csv", "batch_checks.csv")["model_version"] == 1).all()


def kedro_run(project: Path, *params: str) -> subprocess.Popen:
    return subprocess.Popen([str(project / ".venv" / "bin" / "kedro"), "run", "--pipelines", "retrain", "--env", "prod",
                             *(["--params", ",".join(params)] if params else [])], cwd=project,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.nightly
def test_two_retrains_in_one_checkout_on_an_empty_store_queue_and_tag_their_own_evidence(project, monkeypatch):
    use_own_table(project, own_table(2000, seed=11))
    assert not (project / "mlflow.db").exists()
    jobs = [kedro_run(project), kedro_run(project, "retrain.training.seed=5", "retrain.threshold.metric=g_mean")]
    outputs = [job.communicate(timeout=900)[0] for job in jobs]
    assert [job.returncode for job in jobs] == [0, 0], "\n".join(o[-3000:] for o in outputs)
    assert any("Waiting for the retrain of smotified_gan_classifier" in o for o in outputs)
    client = client_of(project)
    rows = pd.read_parquet(prod_data(project) / "03_primary" / "production" / "unlabelled_rows.parquet")
    y = (pd.read_parquet(prod_data(project) / "03_primary" / "production" / "test_table.parquet")["target"]).to_numpy()
    import mlflow

    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI"):  # this process's MLflow state is another test's
        monkeypatch.setenv(name, f"sqlite:///{project / 'mlflow.db'}")
    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    mlflow.set_registry_uri(f"sqlite:///{project / 'mlflow.db'}")
    for retrain in retrain_runs(client):
        version = client.get_model_version(NAME, retrain.data.tags["champion.model_version"])
        assert version.run_id == retrain.info.run_id
        # the tag is written to 6 decimals (tracking.registry): equal to that precision
        assert float(version.tags["holdout_f1"]) == pytest.approx(float(retrain.data.tags["champion.challenger_score"]),
                                                                  abs=5e-7)
        predicted = mlflow.pyfunc.load_model(f"models:/{NAME}/{version.version}").predict(rows)["predicted_class"]
        tp = int(((predicted == 1) & (y == 1)).sum())
        f1 = 2 * tp / (int(predicted.sum()) + int(y.sum()))
        assert f1 == pytest.approx(float(version.tags["holdout_f1"]), abs=1e-6)  # the tags are this model's own
    thresholds = {v.tags["threshold"] for v in client.search_model_versions(f"name='{NAME}'")}
    assert len(thresholds) == 2


def test_a_killed_retrain_is_marked_killed_by_the_next_run_and_logs_are_one_line_each(project):
    use_own_table(project, own_table(2000, seed=11))
    job = kedro_run(project)
    deadline = time.time() + 300
    store, client = project / "mlflow.db", None
    while time.time() < deadline:
        if client is None and store.exists():  # the job creates the store's tables under its lock: wait for them
            create_store_once(f"sqlite:///{store}", lambda: client_of(project).search_experiments())
            client = client_of(project)
        experiment = client.get_experiment_by_name("smotified_gan") if client else None
        running = client.search_runs([experiment.experiment_id], "attributes.status = 'RUNNING'") if experiment else []
        if running and "process.pid" in running[0].data.tags:
            break
        time.sleep(0.5)
    job.kill()
    job.wait()
    [killed] = running
    assert client.get_run(killed.info.run_id).info.status == "RUNNING"
    done = subprocess.run([str(project / ".venv" / "bin" / "kedro"), "run", "--pipelines", "retrain", "--env", "prod"],
                          cwd=project, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout[-3000:]
    ended = client.get_run(killed.info.run_id)
    assert ended.info.status == "KILLED" and "had ended without finishing" in ended.data.tags["ended_by"]
    assert f"Marked 1 run(s) KILLED whose process ended without finishing them (killed?): {killed.info.run_id}" in done.stdout
    # a normal run, read as a cron mail would show it: every record one line, no notice that means nothing here
    records = [line for line in done.stdout.splitlines() if line.strip()]
    stamped = [line for line in records if line[:4].isdigit()]
    assert len(stamped) > 0.9 * len(records)
    decision = [line for line in records if "Decision: " in line]
    assert len(decision) == 1 and re.search(r"Holdout f1 on \d+ holdout rows \(\d+ minority\): new model", decision[0])
    for notice in ("Union type hint", "exists()", "tracking_uri", "CloudPickle", "model_fields", "is deprecated"):
        assert notice not in done.stdout + done.stderr, notice
