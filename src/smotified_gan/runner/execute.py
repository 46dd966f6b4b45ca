"""Run a planned grid on Dask: one isolated Kedro session per cell inside one MLflow child run, then the report.

Resumable: a cell whose outputs exist and whose MLflow run FINISHED under the
same settings is skipped (``plan.plan_grid``). A failing cell is retried
(Dask ``retries``) and reported; the others go on. A worker that dies mid-cell
loses only that cell: Dask runs it again elsewhere, and its orphaned MLflow
run is marked KILLED. Workers must see the project at the same path (one
machine, or a shared filesystem) and reach the tracking server.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smotified_gan.adapters.cluster import dask_client, worker_threads
from smotified_gan.core.progress import Progress as CoreProgress
from smotified_gan.core.protocol import cell_name, describe_seeds
from smotified_gan.runner.plan import (
    CELL_PIPELINES,
    PREPARE_PIPELINES,
    CellPlan,
    cell_fingerprint,
    estimated_cost,
    plan_grid,
)
from smotified_gan.tracking.runs import end_orphaned_run, git_commit
from smotified_gan.tracking.server import TrackingServer

logger = logging.getLogger(__name__)
EXPERIMENT = "smotified_gan_grid"


# -- what runs on a worker ---------------------------------------------------------------------------

# What kedro-mlflow, kedro-viz and Kedro say of every session the grid opens inside its own MLflow run, on purpose:
# the run was already active (and so mlflow.yml is not read; the grid passes the tracking URI itself), kedro-viz
# records no workflow events for a run of a pipeline's part, kedro-mlflow registers its resolver again, Kedro found
# no typed parameter. Nothing for the person reading the grid's log to do, once a session (740 sessions a grid).
_GRID_SESSION_NOTICES = re.compile(
    r"mlflow run .*is already active|mlflow run was already active|^mlflow_config\.|was already opened before "
    r"launching 'kedro run'|^Workflow tracking is disabled|^Registering new custom resolver: 'km\.random_name'|"
    r"^No typed parameter requirements found")
_GRID_SESSION_LOGGERS = ("kedro_mlflow.framework.hooks.mlflow_hook", "kedro_viz.integrations.kedro.run_hooks",
                         "kedro.validation.parameter_validator")
# MLflow prints the run's and the experiment's addresses at each end of a run (kedro-mlflow re-enters the cell's run
# at every node: 8 pairs of lines a cell); the grid's first line names its parent run.
_NO_URLS = "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"


class _GridSessionNotices(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _GRID_SESSION_NOTICES.search(record.getMessage())


@contextmanager
def _params_in_batches():
    """kedro-mlflow logs every parameter of every node in its own request (``mlflow.log_param``): about 200 a cell,
    2-3 s of a 10-15 s cheap cell. Inside a grid session they are kept, per run, and sent in batches of MLflow's
    limit (100) when the session ends, before the cell's run does. A parameter logged twice with two values is
    sent at once, so that MLflow refuses it where it would have. (MLflow's asynchronous logging, tried before,
    sends them one by one from a thread pool unless given a buffering interval, and waits up to 1 s for its queue
    at each flush and each run's end: 2 s a cell.)"""
    import mlflow

    pending: dict[str, dict[str, str]] = {}
    log_param = mlflow.log_param

    def kept(key: str, value: Any, synchronous: bool | None = None) -> Any:
        run = mlflow.active_run()
        params = pending.setdefault(run.info.run_id, {}) if run is not None and synchronous is not False else None
        if params is None or params.get(key, str(value)) != str(value):
            _send_params(pending)
            return log_param(key, value, synchronous=synchronous)
        params[key] = str(value)
        return value

    mlflow.log_param = kept
    try:
        yield
    finally:
        mlflow.log_param = log_param
        _send_params(pending)


def _send_params(pending: dict[str, dict[str, str]], batch: int = 100) -> None:
    from mlflow import MlflowClient
    from mlflow.entities import Param

    client = MlflowClient()
    for run_id, params in pending.items():
        items = [Param(key, value) for key, value in params.items()]
        for start in range(0, len(items), batch):
            client.log_batch(run_id, params=items[start:start + batch], synchronous=True)
    pending.clear()


@contextmanager
def _quiet_grid_session():
    loggers = [logging.getLogger(name) for name in _GRID_SESSION_LOGGERS]
    notices = _GridSessionNotices()
    for target in loggers:
        target.addFilter(notices)
    before = os.environ.get(_NO_URLS)
    os.environ[_NO_URLS] = "true"
    try:
        yield
    finally:
        for target in loggers:
            target.removeFilter(notices)
        if before is None:
            os.environ.pop(_NO_URLS, None)
        else:
            os.environ[_NO_URLS] = before


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
    with _quiet_grid_session():
        run = mlflow.start_run(experiment_id=experiment_id, run_name=run_name,
                               tags={"mlflow.parentRunId": parent_id, **tags})
        status = "FAILED"
        try:
            with _params_in_batches(), KedroSession.create(project_path=Path(project), **session) as kedro_session:
                kedro_session.run(**run_args)
            status = "FINISHED"
        finally:
            while mlflow.active_run():  # kedro-mlflow may have re-entered the same run at node level
                mlflow.end_run(status)
    return run.info.run_id


def _one_table(session: dict[str, Any], dataset: str) -> dict[str, Any]:
    """``session`` for a run of one table's nodes: its runtime parameters narrow the grid to that table.

    Kedro sums, filters and checks the types of every node of the pipelines a session runs before it runs any: on
    the 95-table grid, 4,500 nodes, about 2 s a cell. Built for the table alone, the pipelines hold its cells'
    nodes only, the same nodes with the same inputs (a cell's nodes read no ``grid`` parameter)."""
    return _with_grid(session, datasets=[dataset])


def _with_grid(session: dict[str, Any], **grid: Any) -> dict[str, Any]:
    """``session`` with these ``grid`` keys added to its runtime parameters (the caller's other keys kept)."""
    params = dict(session.get("runtime_params") or {})
    params["grid"] = {**(params.get("grid") or {}), **grid}
    return {**session, "runtime_params": params}


def prepare_dataset(project: str, session: dict[str, Any], dataset: str, tracking_uri: str, experiment_id: str,
                    parent_id: str) -> str:
    """Ingestion and preprocessing of one dataset (the cells of that dataset wait for it)."""
    session = _one_table(session, dataset)
    return _kedro_run_as_child(project, session, tracking_uri, experiment_id, parent_id, f"prepare {dataset}",
                               {"grid.stage": "prepare", "grid.dataset": dataset, "grid.env": str(session["env"])},
                               pipeline_names=PREPARE_PIPELINES, namespaces=[dataset])


def run_cell(project: str, session: dict[str, Any], cell: CellPlan, tracking_uri: str, experiment_id: str,
             parent_id: str, tags: dict[str, str]) -> dict[str, Any]:
    """Oversampling, training and evaluation of one (dataset, method) cell, as its own Kedro session."""
    started = time.perf_counter()
    session = _one_table(session, cell.dataset)
    run_id = _kedro_run_as_child(project, session, tracking_uri, experiment_id, parent_id, cell.name,
                                 {"grid.stage": "cell", "grid.cell": cell.name, "grid.dataset": cell.dataset,
                                  "grid.method": cell.method, "grid.env": str(session["env"]),
                                  "grid.config": cell.fingerprint, **tags},
                                 pipeline_names=CELL_PIPELINES, namespaces=[cell.name])
    return {"cell": cell.name, "run_id": run_id, "seconds": time.perf_counter() - started}


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


@dataclass
class Progress:
    """'k/n cells done, ... s elapsed, about ... s left' lines, one per finished cell.

    What is left comes from the cells' planned costs (``plan.estimated_cost``, ``costs``; 1 a cell where none is
    given): the seconds since the cells started, per unit of cost done, times the cost left (``core.progress``'s
    estimate). Counted in cells, as before, the longest cells (run first) made a 2-hour grid read 14 hours left
    after its first cells."""

    total: int
    emit: Callable[[str], None]
    started: float = 0.0
    costs: dict[str, float] | None = None
    done: int = 0
    failed: int = 0
    cost_done: float = 0.0

    def __post_init__(self):
        self.started = self.started or time.perf_counter()
        cost_total = sum(map(self._cost, self.costs)) if self.costs else float(self.total)
        self._eta = CoreProgress("grid", cost_total, "cost", logger)  # from the first cell on

    def _cost(self, name: str) -> float:
        return float((self.costs or {}).get(name) or 1.0)

    def finished(self, failed: bool, name: str = "") -> None:
        self.done, self.failed = self.done + 1, self.failed + int(failed)
        self.cost_done += self._cost(name)
        left = self._eta.left(self.cost_done)[1]
        self.emit(f"grid: {self.done}/{self.total} cells done ({self.failed} failed), "
                  f"{time.perf_counter() - self.started:.0f} s elapsed, about {left:.0f} s left")


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


def _cell_runs(client, experiment_id: str, env: str | None) -> dict[str, list]:
    """Every MLflow run of every cell of this environment, whatever its status."""
    runs = client.search_runs([experiment_id], filter_string=f"tags.`grid.stage` = 'cell' and tags.`grid.env` = '{env}'",
                              max_results=5000)
    by_cell: dict[str, list] = {}
    for run in runs:
        by_cell.setdefault(run.data.tags["grid.cell"], []).append(run)
    return by_cell


def _outputs_exist(catalog, cell_pipeline) -> Callable[[str], bool]:
    def exist(cell: str) -> bool:
        outputs = cell_pipeline.only_nodes_with_namespaces([cell]).outputs()
        return all(catalog.exists(name) for name in outputs if not name.endswith("mlflow_metrics"))
    return exist


def _warm_workers(client) -> None:
    """Each worker imports what a cell's session needs (Kedro, MLflow, torch, the project's pipelines: about 8 s of
    CPU) as a task of its own, now, while the tracking server boots, rather than on its first cell."""
    from dask.distributed import fire_and_forget

    for worker in client.scheduler_info()["workers"]:
        fire_and_forget(client.submit(_import_session_modules, workers=[worker], allow_other_workers=False,
                                      pure=False, key=f"warm-up-{worker}"))


# what a cell's session imports first (about 8 s): Kedro, kedro-mlflow, MLflow, and the nodes with torch beneath
_SESSION_MODULES = ("kedro.framework.session", "kedro_mlflow.framework.hooks", "mlflow",
                    "smotified_gan.pipelines.oversampling.nodes", "smotified_gan.pipelines.training.nodes",
                    "smotified_gan.pipelines.evaluation.nodes")


def _import_session_modules() -> None:
    import importlib

    for module in _SESSION_MODULES:
        importlib.import_module(module)


def run_grid(project: Path, env: str | None = None, client=None, scheduler: str | None = None, workers: int = 2,
             tracking_uri: str | None = None, retries: int = 2, conf_source: str | None = None,
             params: dict[str, Any] | None = None, progress: Callable[[str], None] = logger.info,
             connect_timeout: float = 30) -> GridResult:
    """Plan the environment's grid, run it on Dask, then the report; see the module docstring.

    ``conf_source`` and ``params`` are ``kedro run``'s ``--conf-source`` and ``--params``: every session of
    the grid (preparation, cells, report) is created with them. The tracking server and the cluster this
    starts are stopped however it ends.
    """
    started = time.perf_counter()
    project = Path(project).resolve()
    (project / "logs").mkdir(exist_ok=True)
    session = {"env": env, "conf_source": conf_source, "runtime_params": params or None}
    state = _project_state(project, session)
    threads = worker_threads(workers, scheduler) if client is None else None
    with ExitStack() as stack:
        dask = stack.enter_context(dask_client(client, scheduler, workers, threads, connect_timeout))
        _warm_workers(dask)  # while the tracking server boots (8-15 s)
        if tracking_uri is None:
            tracking_uri = stack.enter_context(TrackingServer(project)).uri
        return _execute(project, session, state, dask, tracking_uri, retries, progress, started, threads)


@dataclass
class _Tracking:
    """Where the grid's runs go: the tracking server, the experiment and this invocation's parent run."""

    client: Any
    uri: str
    experiment_id: str
    parent_id: str
    commit: str

    @classmethod
    def open(cls, uri: str, project: Path, env: str | None, cells: int) -> _Tracking:
        from mlflow import MlflowClient


        client = MlflowClient(uri)
        experiment = client.get_experiment_by_name(EXPERIMENT)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(EXPERIMENT)
        commit = git_commit(project)
        parent = client.create_run(experiment_id, run_name=f"grid {env or 'local'} {time.strftime('%Y-%m-%d %H:%M')}",
                                   tags={"grid.env": str(env), "git_commit": commit, "grid.cells": str(cells)})
        return cls(client, uri, experiment_id, parent.info.run_id, commit)

    @property
    def common(self) -> dict[str, str]:
        """What every task needs to log under this parent run."""
        return {"tracking_uri": self.uri, "experiment_id": self.experiment_id, "parent_id": self.parent_id}


def _execute(project: Path, session: dict[str, Any], state, client, tracking_uri: str, retries: int,
             emit: Callable[[str], None], started: float, threads: int | None) -> GridResult:
    grid, parameters, catalog, cell_pipeline, prepare_pipeline = state
    tracking = _Tracking.open(tracking_uri, project, session["env"], len(grid.cells()))
    plan = _plan(grid, parameters, catalog, cell_pipeline, prepare_pipeline, tracking.client, tracking.experiment_id,
                 session["env"])
    todo = [cell for cell in plan if not cell.complete]
    emit(f"grid: {len(plan)} cells, {len(plan) - len(todo)} already complete (skipped), {len(todo)} to run "
         f"on {len(client.scheduler_info()['workers'])} worker(s); MLflow parent run {tracking.parent_id} on {tracking_uri}")
    cell_session = {**session, "runtime_params": _with_threads(session["runtime_params"], threads)}
    failed = _run_cells(project, cell_session, todo, parameters, client, tracking, retries, emit, started)
    _mark_orphans_killed(tracking.client, tracking.experiment_id, session["env"], tracking.parent_id)
    report_run_id = _report(project, session, tracking, emit, failed) if len(failed) < len(plan) else None
    if failed:
        emit(f"grid: {len(failed)} cell(s) failed ({', '.join(sorted(failed))}); "
             + ("the report covers the others and lists these with why. " if report_run_id else "no report. ")
             + "Run the command again to retry them: finished cells are skipped.")
    tracking.client.set_terminated(tracking.parent_id, "FINISHED" if not failed else "FAILED")
    return GridResult(tracking.parent_id, [cell.name for cell in plan], [cell.name for cell in plan if cell.complete],
                      [cell.name for cell in todo if cell.name not in failed], failed, report_run_id,
                      time.perf_counter() - started)


def _run_cells(project: Path, session: dict[str, Any], todo: list[CellPlan], parameters: dict, client,
               tracking: _Tracking, retries: int, emit: Callable[[str], None], started: float) -> dict[str, str]:
    """Prepare every dataset first (no cell reads a split while it is written), then every cell, longest first;
    the cells that failed, with why."""
    preparing = {client.submit(prepare_dataset, str(project), session, dataset, **tracking.common, retries=retries,
                               pure=False, key=f"prepare-{dataset}-{tracking.parent_id[:8]}"): dataset
                 for dataset in dict.fromkeys(cell.dataset for cell in todo)}
    unprepared = _collect(preparing, emit, "dataset", retries)
    tags = {"grid.seeds": describe_seeds(parameters["split"], parameters["oversampling"], parameters["training"]),
            "git_commit": tracking.commit}
    # Dask runs higher priorities first: the long tail does not start last
    futures = {client.submit(run_cell, str(project), session, cell, **tracking.common, tags=tags, retries=retries,
                             pure=False, priority=len(todo) - rank, key=f"cell-{cell.name}-{tracking.parent_id[:8]}"):
               cell.name for rank, cell in enumerate(todo) if cell.dataset not in unprepared}
    failed = {cell.name: f"dataset {cell.dataset} could not be prepared: {unprepared[cell.dataset]}"
              for cell in todo if cell.dataset in unprepared}
    costs = {cell.name: cell.cost for cell in todo if cell.dataset not in unprepared}
    failed.update(_collect(futures, emit, "cell", retries, Progress(len(futures), emit, started, costs)))
    return failed


def _report(project: Path, session: dict[str, Any], tracking: _Tracking, emit: Callable[[str], None],
            failed: dict[str, str]) -> str:
    """The report session, over every cell but those that failed (``grid.failed``: it lists them, with why)."""
    session = _with_grid(session, failed=dict(failed)) if failed else session
    run_id = _kedro_run_as_child(str(project), session, tracking.uri, tracking.experiment_id, tracking.parent_id,
                                 "report", {"grid.stage": "report", "grid.env": str(session["env"])},
                                 pipeline_names=["reporting"])
    emit(f"grid: report written (MLflow run {run_id})")
    return run_id


def _with_threads(runtime_params: dict[str, Any] | None, threads: int | None) -> dict[str, Any] | None:
    """The cells' runtime parameters with ``runtime.threads`` = each worker's share of the cores (unless set)."""
    if threads is None:
        return runtime_params
    params = dict(runtime_params or {})
    params["runtime"] = {"threads": threads, **(params.get("runtime") or {})}
    return params


def _plan(grid, parameters, catalog, cell_pipeline, prepare_pipeline, mlflow_client, experiment_id, env) -> list[CellPlan]:
    cells = [(d, m, grid.sampler(m)) for d, m in grid.cells()]
    fingerprints = {cell_name(d, m): cell_fingerprint(parameters, cell_pipeline, prepare_pipeline, d, m) for d, m, _ in cells}
    finished = {cell: [r.data.tags.get("grid.config") for r in runs if r.info.status == "FINISHED"]
                for cell, runs in _cell_runs(mlflow_client, experiment_id, env).items()}
    costs = {cell_name(d, m): estimated_cost(parameters, d, m, _card(catalog, d)) for d, m, _ in cells}
    return plan_grid(cells, fingerprints, finished, _outputs_exist(catalog, cell_pipeline), costs)


def _card(catalog, dataset: str) -> dict[str, Any] | None:
    """The dataset's data card from an earlier preparation (rows, minority rows), if there is one."""
    name = f"{dataset}.card"
    try:
        return catalog.load(name) if catalog.exists(name) else None
    except Exception:  # noqa: BLE001 - a cost estimate falls back to defaults
        return None


def _collect(futures: dict, emit: Callable[[str], None], what: str, retries: int,
             progress: Progress | None = None) -> dict[str, str]:
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
            emit(f"grid: {what} {name} FAILED after {retries} retries: {failed[name]}")
        future.release()
        if progress is not None:
            progress.finished(name in failed, name)
    return failed


def _mark_orphans_killed(client, experiment_id: str, env: str | None, parent_id: str) -> None:
    """A run left RUNNING by a worker that died mid-cell: the cell ran again, so that run is ended as orphaned."""
    for runs in _cell_runs(client, experiment_id, env).values():
        for run in runs:
            if run.info.status == "RUNNING" and run.data.tags.get("mlflow.parentRunId") == parent_id:
                end_orphaned_run(client, run.info.run_id, f"grid run {parent_id}: its worker died mid-cell; the cell "
                                                          "ran again")
                logger.info("grid: run %s of cell %s was cut short (its worker died); the cell ran again",
                            run.info.run_id, run.data.tags["grid.cell"])
