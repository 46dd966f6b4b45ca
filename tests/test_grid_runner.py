"""The grid on a real Dask LocalCluster (2 worker processes) against a real `mlflow server` on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient

from smotified_gan.runner import EXPERIMENT, TrackingServer, run_grid
from tests.conftest import GRID_METHODS, configure_grid_env

CELLS = sorted(f"{d}.{m}" for d in ("ecoli", "yeast") for m in GRID_METHODS)


def cell_runs(client: MlflowClient, parent_id: str) -> list:
    experiment = client.get_experiment_by_name(EXPERIMENT)
    runs = client.search_runs([experiment.experiment_id], filter_string="tags.`grid.stage` = 'cell'")
    return [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent_id]


def kill_a_worker_during_a_gan_cell(dask_client, tracking_uri: str, done: threading.Event) -> str | None:
    """SIGKILL the worker process running a GAN cell once that cell's MLflow run is RUNNING; the cell."""
    mlflow = MlflowClient(tracking_uri)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and not done.is_set():
        for worker, keys in dask_client.processing().items():
            cells = [str(k).split("-")[1] for k in keys if str(k).startswith("cell-") and "gan" in str(k)]
            experiment = mlflow.get_experiment_by_name(EXPERIMENT)
            if not cells or experiment is None:
                continue
            running = mlflow.search_runs([experiment.experiment_id], filter_string=(
                f"tags.`grid.cell` = '{cells[0]}' and attributes.status = 'RUNNING'"))
            if running:  # inside the cell: its Kedro session and its MLflow run have started
                pid = dask_client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                return cells[0]
        time.sleep(0.2)
    return None


@pytest.fixture(scope="module")
def grid_run(module_project):
    """The grid on 2 worker processes against a real mlflow server, one worker killed during a GAN cell."""
    from dask.distributed import Client, LocalCluster

    project = configure_grid_env(module_project)
    server = TrackingServer(project).start()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    dask_client = Client(cluster)
    outcome, done = {}, threading.Event()

    def drive():
        outcome["result"] = run_grid(project, env="gridtest", client=dask_client, tracking_uri=server.uri, retries=1,
                                     progress=lambda line: outcome.setdefault("lines", []).append(line))
        done.set()

    driver = threading.Thread(target=drive)
    driver.start()
    outcome["killed"] = kill_a_worker_during_a_gan_cell(dask_client, server.uri, done)
    driver.join(timeout=600)
    yield {**outcome, "project": project, "client": dask_client, "server": server, "mlflow": MlflowClient(server.uri)}
    dask_client.close()
    cluster.close()
    server.stop()
    assert server.process.poll() is not None  # the server was stopped


@pytest.mark.slow
@pytest.mark.integration
def test_a_worker_killed_mid_cell_loses_only_that_cell(grid_run):
    result, killed = grid_run["result"], grid_run["killed"]
    assert killed, f"no GAN cell was caught running: {result}"
    assert killed in CELLS
    assert result.ok and sorted(result.completed) == CELLS and result.skipped == [] and result.failed == {}
    assert any(f"{len(CELLS)}/{len(CELLS)} cells done" in line and "left" in line for line in grid_run["lines"])


@pytest.mark.slow
@pytest.mark.integration
def test_every_cell_has_one_finished_run_and_the_cut_attempt_is_marked_killed(grid_run):
    runs = cell_runs(grid_run["mlflow"], grid_run["result"].parent_run_id)
    assert sorted(r.data.tags["grid.cell"] for r in runs if r.info.status == "FINISHED") == CELLS
    assert (grid_run["killed"], "KILLED") in {(r.data.tags["grid.cell"], r.info.status) for r in runs}
    assert grid_run["mlflow"].get_run(grid_run["result"].parent_run_id).info.status == "FINISHED"


@pytest.mark.slow
@pytest.mark.integration
def test_a_cell_run_carries_its_coordinates_seeds_commit_and_metrics(grid_run):
    runs = cell_runs(grid_run["mlflow"], grid_run["result"].parent_run_id)
    sample = next(r for r in runs if r.info.status == "FINISHED" and r.data.tags["grid.cell"] == "ecoli.smotified_gan")
    assert sample.data.tags["grid.dataset"] == "ecoli" and sample.data.tags["grid.method"] == "smotified_gan"
    assert sample.data.tags["grid.seeds"] == "split=42..43;oversampling=42..43;classifier=1000..1005;repeats=2"
    assert len(sample.data.tags["git_commit"]) >= 7
    assert sample.data.metrics["ecoli.smotified_gan.f1_mean"] >= 0
    # every node's parameters, sent in batches as the session ends, and all there once the run FINISHED
    params = sample.data.params
    assert params["grid.methods.smotified_gan.sampler"] == "smotified_gan" and params["training.runs"] == "3"
    assert params["oversampling.random_state"] == "42" and params["evaluation.quality.min_real_rows"] == "20"
    assert len(params) >= 60


@pytest.mark.slow
@pytest.mark.integration
def test_the_report_gathers_every_cell_as_kedro_run_does(grid_run):
    results = pd.read_csv(grid_run["project"] / "data" / "gridtest" / "08_reporting" / "results.csv")
    assert sorted(f"{d}.{m}" for d, m in results[["dataset", "method"]].drop_duplicates().values) == CELLS
    report = grid_run["mlflow"].get_run(grid_run["result"].report_run_id)
    assert report.info.status == "FINISHED"
    assert "results.md" in {a.path for a in grid_run["mlflow"].list_artifacts(report.info.run_id)}


@pytest.mark.slow
@pytest.mark.integration
def test_a_second_invocation_skips_every_finished_cell(grid_run):
    again = run_grid(grid_run["project"], env="gridtest", client=grid_run["client"], tracking_uri=grid_run["server"].uri,
                     progress=lambda _: None)
    assert sorted(again.skipped) == CELLS and again.completed == [] and again.ok
    assert cell_runs(grid_run["mlflow"], again.parent_run_id) == []


@pytest.mark.slow
@pytest.mark.integration
def test_other_settings_rerun_the_cells_that_read_them_and_no_other(grid_run):
    first = cell_runs(grid_run["mlflow"], grid_run["result"].parent_run_id)
    changed = run_grid(grid_run["project"], env="gridtest", client=grid_run["client"],
                       tracking_uri=grid_run["server"].uri, params={"training": {"classifier_epochs": {"yeast": 2}}},
                       progress=lambda _: None)
    yeast = [cell for cell in CELLS if cell.startswith("yeast.")]
    assert sorted(changed.completed) == yeast and sorted(changed.skipped) == sorted(set(CELLS) - set(yeast))
    rerun = cell_runs(grid_run["mlflow"], changed.parent_run_id)
    assert sorted(r.data.tags["grid.cell"] for r in rerun if r.info.status == "FINISHED") == yeast
    assert {r.data.tags["grid.config"] for r in rerun}.isdisjoint(
        r.data.tags["grid.config"] for r in first if r.data.tags["grid.cell"] in yeast)


@pytest.mark.integration
def test_a_cells_fingerprint_changes_with_what_it_reads_and_only_that(grid_project, monkeypatch):
    from smotified_gan import RECOMMENDED
    from smotified_gan.runner.execute import _project_state
    from smotified_gan.runner.plan import cell_fingerprint

    def fingerprints(params=None):
        _, parameters, _, cells, prepare = _project_state(grid_project, {"env": "gridtest", "conf_source": None,
                                                                         "runtime_params": params})
        return {cell: cell_fingerprint(parameters, cells, prepare, *cell.split(".")) for cell in CELLS}

    base = fingerprints()
    assert len(set(base.values())) == len(CELLS)
    assert fingerprints() == base
    # another dataset's epochs, or a dataset added to the grid, leave a cell's fingerprint alone
    assert fingerprints({"oversampling": {"gan_epochs": {"yeast": 7}}, "grid": {"datasets": ["ecoli", "yeast", "wine"]},
                         "training": {"classifier_epochs": {"wine": 2}}})["ecoli.smotified_gan"] == base["ecoli.smotified_gan"]
    # yeast's GAN epochs: read by every yeast cell (one oversampling template for all methods), no ecoli cell
    changed = fingerprints({"oversampling": {"gan_epochs": {"yeast": 7}}})
    assert {c for c in CELLS if changed[c] != base[c]} == {c for c in CELLS if c.startswith("yeast.")}
    # the split is read by the dataset's preparation: every cell of every dataset
    assert all(a != b for a, b in zip(fingerprints({"split": {"test_size": 0.3}}).values(), base.values(), strict=True))
    # a preset's arguments are code: a version of the project that changes them makes its cells run again
    preset = {"grid": {"methods": {"smotified_gan": {"sampler": "smotified_gan", "preset": "recommended"}}}}
    before = fingerprints(preset)
    monkeypatch.setitem(RECOMMENDED, "identity_penalty", RECOMMENDED["identity_penalty"] + 1)
    after = fingerprints(preset)
    assert {c for c in CELLS if after[c] != before[c]} == {"ecoli.smotified_gan", "yeast.smotified_gan"}


def test_kedro_grid_run_parses_params_and_conf_source_as_kedro_run_does(tmp_path):
    import click

    from smotified_gan.cli import cli

    command = cli.commands["grid"].commands["run"]
    context = command.make_context("run", ["--params", "split.repeats=1,training.runs=3,grid.env=x",
                                           "--conf-source", str(tmp_path)])
    assert context.params["params"] == {"split": {"repeats": 1}, "training": {"runs": 3}, "grid": {"env": "x"}}
    assert context.params["conf_source"] == str(tmp_path)
    with pytest.raises(click.UsageError, match="must contain a key and a value"):
        command.make_context("run", ["--params", "split.repeats"])


def test_the_plan_skips_what_finished_under_the_same_settings_and_starts_the_longest_first():
    from smotified_gan.runner.plan import plan_grid

    cells = [("ecoli", "none", "none"), ("ecoli", "gan", "gan"), ("yeast", "gan", "gan")]
    fingerprints = {"ecoli.none": "a", "ecoli.gan": "b", "yeast.gan": "c"}
    finished = {"ecoli.none": ["a"], "ecoli.gan": ["old"], "yeast.gan": ["c"]}
    costs = {"ecoli.none": 1.0, "ecoli.gan": 5.0, "yeast.gan": 9.0}
    plan = plan_grid(cells, fingerprints, finished, outputs_exist=lambda cell: cell != "yeast.gan", costs=costs)
    assert [(c.name, c.complete) for c in plan] == [("yeast.gan", False), ("ecoli.gan", False), ("ecoli.none", True)]


def test_cell_costs_follow_the_epochs_rules_presets_and_lenses_of_the_keel_environment():
    """`kedro grid run --env keel` plans with epochs rules, a preset's own epochs and a lens: none of them a KeyError,
    and the order is the work's: a GAN cell of a large table first, no augmentation on a small one last."""
    from smotified_gan import settings
    from smotified_gan.runner.plan import estimated_cost

    project = Path(__file__).resolve().parents[1]
    arguments = {**settings.CONFIG_LOADER_ARGS, "default_run_env": "keel"}
    parameters = settings.CONFIG_LOADER_CLASS(str(project / "conf"), **arguments)["parameters"]
    satimage = {"rows": 6435, "minority_rows": 626}
    haberman = {"rows": 306, "minority_rows": 81}
    cost = {(d, m): estimated_cost(parameters, d, m, card)
            for d, card in (("satimage", satimage), ("haberman", haberman)) for m in parameters["grid"]["methods"]}
    assert cost[("satimage", "refined")] > cost[("satimage", "smote")] > cost[("haberman", "smote")]
    assert cost[("haberman", "smotified_gan")] > cost[("haberman", "none")]
    assert max(cost, key=cost.get)[0] == "satimage" and min(cost, key=cost.get) == ("haberman", "none")
    without_lens = {**parameters, "training": {**parameters["training"], "lenses": {}}}
    assert estimated_cost(without_lens, "haberman", "none", haberman) < cost[("haberman", "none")]


def test_local_workers_get_their_share_of_the_cores_and_glibcs_own_memory_trimming(monkeypatch):
    """Dask's default MALLOC_TRIM_THRESHOLD_=65536 made a GAN cell 1.6-1.9x slower in a worker than in a process;
    Dask also leaves it in the starting process's environment (here: as an earlier cluster in this process did)."""
    import socket
    import warnings

    from smotified_gan.adapters.cluster import dask_client

    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    with socket.socket() as held, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:  # Dask's default HTTP port taken, as another cluster on this machine would
            held.bind(("127.0.0.1", 8787))
            held.listen()
        except OSError:
            pass  # already taken
        with dask_client(None, None, workers=2, threads=1) as client:
            environments = client.run(lambda: {k: os.environ.get(k)
                                               for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")})
    assert not [w for w in caught if "8787" in str(w.message)]  # no 'Port 8787 is already in use' warning
    assert len(environments) == 2
    assert all(env == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1"} for env in environments.values())
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536"  # this process's environment put back as it was


def test_a_grid_sessions_log_drops_the_plugins_notices_about_the_run_the_grid_opened_and_nothing_else(caplog):
    """kedro-mlflow's and kedro-viz's lines about a session started inside an MLflow run the grid opened on purpose,
    as they print them (kedro-mlflow 2.0, kedro-viz 12), five a session: gone from the grid's log; any other warning
    of theirs stays, and so do they outside a grid session."""
    import logging

    from smotified_gan.runner.execute import _quiet_grid_session

    mlflow_hook = logging.getLogger("kedro_mlflow.framework.hooks.mlflow_hook")
    viz = logging.getLogger("kedro_viz.integrations.kedro.run_hooks")
    notices = [
        (mlflow_hook, "The mlflow run f51137e6708c485a88457270e07be3df is already active. Configuration is inferred "
                      "from the environment, and mlflow.yml is ignored."),
        (mlflow_hook, "mlflow_config.server.mlflow_tracking_uri='sqlite:////tmp/x/mlflow.db'"),
        (mlflow_hook, "mlflow_config.tracking.run.id='f51137e6708c485a88457270e07be3df'"),
        (mlflow_hook, "mlflow_config.tracking.experiment.name='smotified_gan_grid'"),
        (mlflow_hook, "A mlflow run was already active (run_id='f51137e6708c485a88457270e07be3df') before the "
                      "KedroSession was started. This run will be used for logging."),
        (mlflow_hook, "The run 'f51137e6708c485a88457270e07be3df' was already opened before launching 'kedro run' so it "
                      "is not closed. You should close it manually."),
        (viz, "Workflow tracking is disabled for non-sequential runners. `.viz/kedro_pipeline_events.json` will be "
              "created only during a sequential run."),
        (mlflow_hook, "Registering new custom resolver: 'km.random_name'"),
        (logging.getLogger("kedro.validation.parameter_validator"),
         "No typed parameter requirements found, returning original parameters"),
    ]
    other = "Failed to log parameter 'x': too long"
    from mlflow.environment_variables import MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT as no_urls

    assert not no_urls.get()
    with caplog.at_level(logging.WARNING):
        with _quiet_grid_session():
            assert no_urls.get()  # MLflow's 'View run ... at' lines, 8 pairs a cell, not printed
            for target, message in notices:
                target.warning(message)
            mlflow_hook.warning(other)
        assert [r.getMessage() for r in caplog.records] == [other] and not no_urls.get()
        caplog.clear()
        for target, message in notices:  # outside a grid session, as the plugins say them
            target.warning(message)
    assert len(caplog.records) == len(notices)


def test_a_grid_sessions_parameters_are_sent_in_batches_and_all_there_when_its_run_ends(tmp_path, monkeypatch):
    """Inside a grid session kedro-mlflow's one call a parameter is kept and sent in batches of 100 as the session
    ends (before the run does); a parameter given two values is refused at once, as MLflow refuses it; afterwards
    ``mlflow.log_param`` is MLflow's own again."""
    import mlflow
    from mlflow.exceptions import MlflowException

    from smotified_gan.runner.execute import _params_in_batches

    for name in ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID"):
        monkeypatch.delenv(name, raising=False)
    batches = []
    real_log_batch = MlflowClient.log_batch

    def counted(self, run_id, metrics=(), params=(), tags=(), synchronous=None):
        batches.append(len(params))
        return real_log_batch(self, run_id, metrics=metrics, params=params, tags=tags, synchronous=synchronous)

    monkeypatch.setattr(MlflowClient, "log_batch", counted)
    real_log_param = mlflow.log_param
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        client = MlflowClient()
        with mlflow.start_run(experiment_id=client.create_experiment("batched")) as run:
            with _params_in_batches():
                for i in range(150):
                    assert mlflow.log_param(f"oversampling.p{i}", i) == i
                mlflow.log_param("oversampling.p7", 7)  # the same value again: kept once
                assert client.get_run(run.info.run_id).data.params == {}  # nothing sent yet
                with pytest.raises(MlflowException, match="oversampling.p3"):
                    mlflow.log_param("oversampling.p3", "changed")
                assert len(client.get_run(run.info.run_id).data.params) == 150  # sent before the refusal
                mlflow.log_param("training.runs", 1)
            assert mlflow.log_param is real_log_param
            assert batches == [100, 50, 1]
            params = client.get_run(run.info.run_id).data.params  # before the run ends
            assert len(params) == 151 and params["oversampling.p149"] == "149" and params["oversampling.p3"] == "3"
    finally:
        mlflow.set_tracking_uri(previous)


def test_a_cells_session_narrows_the_grid_to_its_table_and_keeps_the_callers_parameters():
    """Kedro prepares every node of the pipelines a session runs: a cell's session builds them for its table alone."""
    from smotified_gan.runner.execute import _one_table

    session = {"env": "keel", "conf_source": None,
               "runtime_params": {"runtime": {"threads": 1}, "grid": {"methods": {"smote": {"sampler": "smote"}}}}}
    narrowed = _one_table(session, "pima")
    assert narrowed["runtime_params"] == {"runtime": {"threads": 1}, "grid": {
        "methods": {"smote": {"sampler": "smote"}}, "datasets": ["pima"]}}
    assert session["runtime_params"]["grid"] == {"methods": {"smote": {"sampler": "smote"}}}  # the caller's, untouched
    assert _one_table({"env": None}, "wdbc")["runtime_params"] == {"grid": {"datasets": ["wdbc"]}}


def test_the_time_left_is_the_planned_cost_left_at_the_pace_of_the_cells_done(monkeypatch):
    """The longest cells run first: after a long one, what is left is the cheap cells' cost at the pace the long
    one went, not the count of cells left times its time."""
    from smotified_gan.runner import execute

    clock = [1000.0]
    monkeypatch.setattr(execute.time, "perf_counter", lambda: clock[0])
    lines = []
    progress = execute.Progress(3, lines.append, started=900.0, costs={"t.gan": 90.0, "t.smote": 9.0, "t.none": 1.0})
    clock[0] = 1090.0
    progress.finished(False, "t.gan")
    clock[0] = 1099.0
    progress.finished(True, "t.smote")
    assert lines == ["grid: 1/3 cells done (0 failed), 190 s elapsed, about 10 s left",
                     "grid: 2/3 cells done (1 failed), 199 s elapsed, about 1 s left"]
    clock[0] = 1000.0
    counted = execute.Progress(4, lines.append)  # no costs: a cell each
    clock[0] = 1120.0
    counted.finished(False, "t.x")
    assert lines[-1] == "grid: 1/4 cells done (0 failed), 120 s elapsed, about 360 s left"
    assert counted.started == 1000.0
