"""The experiment grid on a Dask cluster: one isolated Kedro session per cell, one MLflow child run per cell.

``kedro grid run`` (``smotified_gan.cli``) calls ``run_grid``. Each dataset is
prepared once (ingestion + preprocessing), then every (dataset, method) cell
runs as its own ``KedroSession`` on a Dask worker (oversampling, training,
evaluation of that namespace only), inside an MLflow run that is a child of
one parent run per invocation. The gathering step is the project's own
``reporting`` pipeline, so the report is the same as ``kedro run``'s.

Resumable: a cell whose outputs exist and whose MLflow run FINISHED under
the same settings (``cell_fingerprint``: every parameter the cell reads) is
skipped; change a setting and the cells that read it run again. A failing
cell is retried (Dask ``retries``) and reported; the others go on. A worker
that dies mid-cell loses only that cell: Dask runs it again elsewhere, and its
orphaned MLflow run is marked KILLED.

Workers must see the project at the same path (one machine, or a shared
filesystem) and reach the tracking server. Parallel writers never share a
SQLite file: they all talk to one ``mlflow server``, started here on
127.0.0.1 unless ``tracking_uri`` names one.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)
EXPERIMENT = "smotified_gan_grid"
CELL_PIPELINES = ["oversampling", "training", "evaluation"]
PREPARE_PIPELINES = ["ingestion", "preprocessing"]


# -- the MLflow tracking server ----------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TrackingServer:
    """An ``mlflow server`` on 127.0.0.1 over the project's SQLite store, its artifacts proxied."""

    project: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> TrackingServer:
        mlflow_cli = Path(sys.executable).parent / "mlflow"
        log = open(self.project / "logs" / "mlflow-server.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [str(mlflow_cli), "server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
             "--backend-store-uri", f"sqlite:///{self.project / 'mlflow.db'}",
             "--artifacts-destination", str(self.project / "mlartifacts")],
            cwd=self.project, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlflow server exited with {self.process.returncode}: see logs/mlflow-server.log")
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        logger.info("MLflow tracking server on %s (store %s/mlflow.db)", self.uri, self.project)
                        return self
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"mlflow server did not answer on {self.uri} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


# -- what runs on a worker ---------------------------------------------------------------------------

def _kedro_run_as_child(project: str, session: dict[str, Any], tracking_uri: str, experiment_id: str, parent_id: str,
                        run_name: str, tags: dict[str, str], **run_args: Any) -> str:
    """One isolated KedroSession (``session``: its env, conf_source, runtime_params) inside a child MLflow run;
    returns the run id (FAILED if the session raised)."""
    import mlflow
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    os.environ["MLFLOW_TRACKING_URI"] = tracking_uri
    for name in ("MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_RUN_ID"):  # left by an earlier session
        os.environ.pop(name, None)
    mlflow.set_tracking_uri(tracking_uri)
    while mlflow.active_run():  # a worker process runs one task after another
        mlflow.end_run()
    mlflow.set_experiment(experiment_id=experiment_id)
    bootstrap_project(Path(project))
    run = mlflow.start_run(experiment_id=experiment_id, run_name=run_name, tags={"mlflow.parentRunId": parent_id, **tags})
    status = "FAILED"
    try:
        with KedroSession.create(project_path=Path(project), **session) as kedro_session:
            kedro_session.run(**run_args)
        status = "FINISHED"
    finally:
        while mlflow.active_run():  # kedro-mlflow may have re-entered the same run at node level
            mlflow.end_run(status)
    return run.info.run_id


def prepare_dataset(project: str, session: dict[str, Any], dataset: str, tracking_uri: str, experiment_id: str,
                    parent_id: str) -> str:
    """Ingestion and preprocessing of one dataset (the cells of that dataset wait for it)."""
    return _kedro_run_as_child(project, session, tracking_uri, experiment_id, parent_id, f"prepare {dataset}",
                               {"grid.stage": "prepare", "grid.dataset": dataset, "grid.env": str(session["env"])},
                               pipeline_names=PREPARE_PIPELINES, namespaces=[dataset])


def run_cell(project: str, session: dict[str, Any], dataset: str, method: str, tracking_uri: str, experiment_id: str,
             parent_id: str, tags: dict[str, str]) -> dict[str, Any]:
    """Oversampling, training and evaluation of one (dataset, method) cell, as its own Kedro session."""
    started = time.perf_counter()
    cell = f"{dataset}.{method}"
    run_id = _kedro_run_as_child(project, session, tracking_uri, experiment_id, parent_id, cell,
                                 {"grid.stage": "cell", "grid.cell": cell, "grid.dataset": dataset,
                                  "grid.method": method, "grid.env": str(session["env"]), **tags},
                                 pipeline_names=CELL_PIPELINES, namespaces=[cell])
    return {"cell": cell, "run_id": run_id, "seconds": time.perf_counter() - started}


# -- the driver ----------------------------------------------------------------------------------------

@dataclass
class GridResult:
    parent_run_id: str
    cells: list[str]
    skipped: list[str]
    completed: list[str]
    failed: dict[str, str]
    report_run_id: str | None
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.failed and self.report_run_id is not None


def _project_state(project: Path, session: dict[str, Any]):
    """The grid, the parameters, a catalog and the cell and preparation pipelines, read the way `kedro run` reads them."""
    from kedro.framework.project import pipelines
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    from smotified_gan.pipelines import grid as experiment_grid

    bootstrap_project(project)
    with KedroSession.create(project_path=project, **session) as kedro_session:
        context = kedro_session.load_context()
        parameters = context.config_loader["parameters"]
        grid = experiment_grid.Grid.from_parameters(parameters)
        cell_pipeline, prepare_pipeline = (sum((pipelines[name] for name in names[1:]), pipelines[names[0]])
                                           for names in (CELL_PIPELINES, PREPARE_PIPELINES))
        return grid, parameters, context.catalog, cell_pipeline, prepare_pipeline


def cell_fingerprint(parameters: dict, cell_pipeline, prepare_pipeline, dataset: str, method: str) -> str:
    """A digest of every parameter the cell's nodes and its dataset's preparation read, so that a cell run under
    other settings is not taken for complete. Entries keyed by another dataset's id (another dataset's
    epochs, say) are left out: adding a dataset to the grid does not make the others run again."""
    others = set(parameters.get("datasets") or {}) - {dataset}

    def own(value):
        if isinstance(value, dict):
            return {key: own(item) for key, item in value.items() if key not in others}
        return value

    read = {}
    for pipeline, namespace in ((cell_pipeline, f"{dataset}.{method}"), (prepare_pipeline, dataset)):
        for name in pipeline.only_nodes_with_namespaces([namespace]).inputs():
            if name.startswith("params:"):
                value = parameters
                for key in name.removeprefix("params:").split("."):
                    value = value[key]
                read[name] = own(value)
    text = json.dumps(read, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _seeds(parameters: dict) -> str:
    """Every seed a cell uses: repeat r splits with split + r, over-samples with oversampling + r, and
    trains its runs with classifier + r * runs onwards."""
    training, split = parameters["training"], parameters["split"]
    repeats, runs = int(split.get("repeats", 1)), int(training["runs"])
    first_split, first_sampler = int(split["seed"]), int(parameters["oversampling"]["random_state"])
    return (f"split={first_split}..{first_split + repeats - 1};oversampling={first_sampler}..{first_sampler + repeats - 1};"
            f"classifier={training['seed']}..{training['seed'] + repeats * runs - 1};repeats={repeats}")


def _cell_outputs_exist(catalog, cell_pipeline, cell: str) -> bool:
    outputs = cell_pipeline.only_nodes_with_namespaces([cell]).outputs()
    return all(catalog.exists(name) for name in outputs if not name.endswith("mlflow_metrics"))


def _finished_cells(client, experiment_id: str, env: str | None) -> dict[str, list]:
    runs = client.search_runs([experiment_id], filter_string=f"tags.`grid.stage` = 'cell' and tags.`grid.env` = '{env}'",
                              max_results=5000)
    by_cell: dict[str, list] = {}
    for run in runs:
        by_cell.setdefault(run.data.tags["grid.cell"], []).append(run)
    return by_cell


def run_grid(project: Path, env: str | None = None, client=None, scheduler: str | None = None, workers: int = 2,
             tracking_uri: str | None = None, retries: int = 2, conf_source: str | None = None,
             params: dict[str, Any] | None = None, progress: Callable[[str], None] = logger.info) -> GridResult:
    """Run every cell of the environment's grid on Dask, then the report; see the module docstring.

    ``conf_source`` and ``params`` are ``kedro run``'s ``--conf-source`` and ``--params``: every session of
    the grid (preparation, cells, report) is created with them.
    """
    from dask.distributed import Client, LocalCluster
    from mlflow import MlflowClient

    from smotified_gan.hooks import git_commit

    started = time.perf_counter()
    project = Path(project).resolve()
    (project / "logs").mkdir(exist_ok=True)
    session = {"env": env, "conf_source": conf_source, "runtime_params": params or None}
    grid, parameters, catalog, cell_pipeline, prepare_pipeline = _project_state(project, session)
    fingerprints = {f"{d}.{m}": cell_fingerprint(parameters, cell_pipeline, prepare_pipeline, d, m)
                    for d, m in grid.cells()}
    server = None if tracking_uri else TrackingServer(project).start()
    tracking_uri = tracking_uri or server.uri
    own_client = client is None
    if own_client:
        cluster = None if scheduler else LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                      dashboard_address=None)
        client = Client(scheduler or cluster)
    try:
        mlflow_client = MlflowClient(tracking_uri)
        experiment = mlflow_client.get_experiment_by_name(EXPERIMENT)
        experiment_id = experiment.experiment_id if experiment else mlflow_client.create_experiment(EXPERIMENT)
        commit = git_commit(project)
        parent = mlflow_client.create_run(experiment_id, run_name=f"grid {env or 'local'} {time.strftime('%Y-%m-%d %H:%M')}",
                                          tags={"grid.env": str(env), "git_commit": commit,
                                                "grid.cells": str(len(grid.cells()))})
        parent_id = parent.info.run_id
        history = _finished_cells(mlflow_client, experiment_id, env)
        cells = [f"{d}.{m}" for d, m in grid.cells()]
        skipped = [cell for cell in cells
                   if any(r.info.status == "FINISHED" and r.data.tags.get("grid.config") == fingerprints[cell]
                          for r in history.get(cell, []))
                   and _cell_outputs_exist(catalog, cell_pipeline, cell)]
        todo = [(d, m) for d, m in grid.cells() if f"{d}.{m}" not in skipped]
        progress(f"grid: {len(cells)} cells, {len(skipped)} already complete (skipped), {len(todo)} to run "
                 f"on {len(client.scheduler_info()['workers'])} worker(s); MLflow parent run {parent_id} on {tracking_uri}")
        common = {"tracking_uri": tracking_uri, "experiment_id": experiment_id, "parent_id": parent_id}
        # every dataset is prepared before any cell starts: no cell reads a split while it is being written
        preparing = {client.submit(prepare_dataset, str(project), session, dataset, **common, retries=retries,
                                   pure=False, key=f"prepare-{dataset}-{parent_id[:8]}"): dataset
                     for dataset in dict.fromkeys(d for d, _ in todo)}
        unprepared = _collect(preparing, progress, "dataset", retries)
        tags = {"grid.seeds": _seeds(parameters), "git_commit": commit}
        futures = {client.submit(run_cell, str(project), session, dataset, method, **common,
                                 tags={**tags, "grid.config": fingerprints[f"{dataset}.{method}"]}, retries=retries,
                                 pure=False, key=f"cell-{dataset}.{method}-{parent_id[:8]}"): f"{dataset}.{method}"
                   for dataset, method in todo if dataset not in unprepared}
        failed = {f"{d}.{m}": f"dataset {d} could not be prepared: {unprepared[d]}" for d, m in todo if d in unprepared}
        failed.update(_collect(futures, progress, "cell", retries, started, len(futures)))
        completed = [f"{d}.{m}" for d, m in todo if f"{d}.{m}" not in failed]
        _mark_orphans_killed(mlflow_client, experiment_id, env, parent_id)
        report_run_id = None
        if not failed:
            report_run_id = _kedro_run_as_child(str(project), session, tracking_uri, experiment_id, parent_id, "report",
                                                {"grid.stage": "report", "grid.env": str(env)},
                                                pipeline_names=["reporting"])
            progress(f"grid: report written (MLflow run {report_run_id})")
        else:
            progress(f"grid: {len(failed)} cell(s) failed ({', '.join(sorted(failed))}); no report. "
                     "Run the command again to retry them: finished cells are skipped.")
        mlflow_client.set_terminated(parent_id, "FINISHED" if not failed else "FAILED")
        return GridResult(parent_id, cells, skipped, completed, failed, report_run_id, time.perf_counter() - started)
    finally:
        if own_client:
            client.close()
            if not scheduler:
                cluster.close()
        if server is not None:
            server.stop()


def _collect(futures: dict, progress: Callable[[str], None], what: str, retries: int, started: float | None = None,
             total: int | None = None) -> dict[str, str]:
    """Wait for every future; the names that failed, with why. A finished future is released at once, so
    that a worker dying later does not make Dask compute its (already saved) result again."""
    from dask.distributed import as_completed

    failed, done = {}, set()
    for future in as_completed(list(futures)):
        name = futures[future]
        if name in done:  # a result lost with its worker is reported once more: it is already counted
            continue
        done.add(name)
        try:
            future.result()
        except Exception as error:  # noqa: BLE001 - reported, the others go on
            failed[name] = f"{type(error).__name__}: {error}"[:500]
            progress(f"grid: {what} {name} FAILED after {retries} retries: {failed[name]}")
        future.release()
        if started is not None:
            elapsed = time.perf_counter() - started
            left = elapsed / len(done) * (total - len(done))
            progress(f"grid: {len(done)}/{total} cells done ({len(failed)} failed), {elapsed:.0f} s elapsed, "
                     f"about {left:.0f} s left")
    return failed


def _mark_orphans_killed(client, experiment_id: str, env: str | None, parent_id: str) -> None:
    """A run left RUNNING by a worker that died mid-cell: the cell ran again, so that run is KILLED."""
    for runs in _finished_cells(client, experiment_id, env).values():
        for run in runs:
            if run.info.status == "RUNNING" and run.data.tags.get("mlflow.parentRunId") == parent_id:
                client.set_terminated(run.info.run_id, "KILLED")
                logger.info("grid: run %s of cell %s was cut short (its worker died); the cell ran again",
                            run.info.run_id, run.data.tags["grid.cell"])
