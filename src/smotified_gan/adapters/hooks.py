"""Project hooks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import mlflow
from kedro.framework.hooks import hook_impl

from smotified_gan.pipelines import grid as experiment_grid

DEFAULT_TRACKING_DB = "mlflow.db"


def resolve_tracking_uri(uri: str | None, project_path: Path) -> str:
    """A SQLite tracking URI anchored at the project root, whatever the current directory.

    ``None`` means ``sqlite:///<project>/mlflow.db``; a relative SQLite path
    (``sqlite:///mlflow.db``) is taken from the project root; anything else is
    returned as it is.
    """
    if uri is None:
        uri = f"sqlite:///{DEFAULT_TRACKING_DB}"
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix):].startswith("/"):
        return prefix + (Path(project_path).resolve() / uri[len(prefix):]).as_posix()
    return uri


class ParameterHook:
    """Parameters checked against their schema before any work, and torch's threads set from them.

    ``after_context_created``: ``smotified_gan.core.parameters.check_parameters`` on
    the run's parameters as configured (environment and ``--params`` merged,
    before Kedro builds the typed blocks the nodes take): a typo or an
    out-of-range value stops the run in its first second, every problem named.
    ``before_node_run``: kedro-mlflow logs a node's parameters by flattening
    dicts, so a typed block (a pydantic model, as Kedro hands it to the node) is
    shown to it as its dict; the node still gets the model. ``before_pipeline_run``:
    the production pipelines need ``production.dataset`` (``--env prod``);
    torch and the OpenMP/BLAS pools get ``runtime.threads`` threads (default: the
    cores this process may use, ``os.sched_getaffinity``).
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        from smotified_gan.core.parameters import check_parameters

        check_parameters(context.config_loader["parameters"])

    @hook_impl(tryfirst=True)
    def before_node_run(self, node, catalog, inputs, is_async, run_id) -> None:
        from pydantic import BaseModel

        for name, value in inputs.items():  # Kedro hands the hooks a copy of the node's inputs
            if isinstance(value, BaseModel):
                inputs[name] = value.model_dump(mode="json", by_alias=True)

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if "params:production.dataset" in pipeline.inputs() and catalog.load("params:production.dataset") is None:
            from smotified_gan.core.parameters import ParameterError

            raise ParameterError("production.dataset is not set: `retrain` and `scoring` run with --env prod, whose "
                                 "conf/prod/parameters_production.yml defines the production table")
        threads = (catalog.load("params:runtime") if "params:runtime" in catalog else {}).get("threads")
        set_threads(threads)


def set_threads(threads: int | None) -> int:
    """torch's intra-op threads and the BLAS/OpenMP pools: ``threads``, or the cores this process may use."""
    count = int(threads or len(os.sched_getaffinity(0)))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(count)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=count)
    return count


class ProjectTrackingUriHook:
    """Resolve ``mlflow.yml``'s tracking URI against the project root before kedro-mlflow reads it.

    kedro-mlflow would take ``sqlite:///mlflow.db`` relative to the current
    directory (and ``None`` as the ``./mlruns`` file store that MLflow 3.13+
    refuses). ``MLFLOW_TRACKING_URI`` in the environment still wins.
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        config = context.config_loader
        config.config_patterns.setdefault("mlflow", ["mlflow*", "mlflow*/**", "**/mlflow*"])
        try:
            mlflow_conf = dict(config["mlflow"])
        except Exception:  # noqa: BLE001 - no mlflow.yml: kedro-mlflow falls back to its defaults
            mlflow_conf = {}
        server = dict(mlflow_conf.get("server") or {})
        uri = os.environ.get("MLFLOW_TRACKING_URI") or server.get("mlflow_tracking_uri")
        server["mlflow_tracking_uri"] = resolve_tracking_uri(uri, context.project_path)
        mlflow_conf["server"] = server
        _resolve_artifact_location(mlflow_conf, context.project_path)
        config["mlflow"] = mlflow_conf
        _create_experiment_once(mlflow_conf, context)


def _resolve_artifact_location(mlflow_conf: dict, project_path: Path) -> None:
    """A relative ``artifact_location`` as a file URI beside the SQLite store (the project root for the default
    ``mlflow.db``; any other store's folder), else under the project root.

    An experiment keeps the artifact location it was created with: resolved
    against the checkout that happened to create it, every other checkout
    sharing the store would write its models into that checkout's folder, and
    deleting that checkout would break their champions. (kedro-mlflow would
    resolve it against the project, logging that it converted a "tracking uri".)
    """
    experiment = (mlflow_conf.get("tracking") or {}).get("experiment") or {}
    kwargs = experiment.get("create_experiment_kwargs") or {}
    location = kwargs.get("artifact_location")
    if location and "://" not in str(location) and not Path(location).is_absolute():
        store = sqlite_store_path(mlflow_conf["server"]["mlflow_tracking_uri"])
        base = store.parent if store is not None else Path(project_path).resolve()
        kwargs["artifact_location"] = (base / location).as_uri()


def sqlite_store_path(uri: str) -> Path | None:
    """The file of a ``sqlite:///`` tracking URI (absolute once resolved), else None."""
    prefix = "sqlite:///"
    return Path("/" + uri[len(prefix):].lstrip("/")) if uri.startswith(prefix) else None


def _create_experiment_once(mlflow_conf: dict, context, attempts: int = 3) -> None:
    """kedro-mlflow's own set-up (tracking URI, experiment), retried when another job created the experiment first.

    kedro-mlflow looks the experiment up, then creates it: two scheduled jobs
    starting together against a fresh store both try to create it, and the
    second fails on the store's unique name. Here the loser finds it on retry;
    kedro-mlflow's own set-up, which follows, then finds it too.
    """
    import mlflow
    from kedro_mlflow.config.kedro_mlflow_config import KedroMlflowConfig
    from mlflow.exceptions import MlflowException

    from smotified_gan.tracking.registry import create_store_once

    if mlflow.active_run() or (mlflow_conf.get("tracking") or {}).get("experiment") is None:
        return  # a caller's run (the Dask grid's cells): kedro-mlflow leaves mlflow.yml aside, and so does this
    uri = mlflow_conf["server"]["mlflow_tracking_uri"]
    # the store's tables are created by its first client, under the store's lock
    create_store_once(uri, lambda: mlflow.MlflowClient(uri).search_experiments(max_results=1))
    for attempt in range(attempts):
        try:
            KedroMlflowConfig.model_validate({**mlflow_conf}).setup(context)
            return
        except MlflowException as error:
            if "already exists" not in str(error) or attempt == attempts - 1:
                raise


def git_commit(project_path: Path) -> str:
    """The project's git commit (with ``-dirty`` when tracked files changed), or ``unknown``."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_path, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=project_path,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


class RunTagsHook:
    """Tag the MLflow run with the git commit, the environment, the protocol's seeds (``protocol.seeds``) and its
    process; mark FAILED the runs of this machine whose process ended without finishing them (``kill -9``)."""

    @hook_impl(trylast=True)  # after kedro-mlflow has started the run
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        from smotified_gan.tracking.registry import end_orphaned_runs, process_identity

        run = mlflow.active_run()
        if run is None:
            return
        end_orphaned_runs(mlflow.MlflowClient(), run.info.experiment_id, run.info.run_id)
        tags = {"git_commit": git_commit(Path(run_params.get("project_path") or Path.cwd())),
                "kedro_env": str(run_params.get("env") or "local"), **process_identity()}
        blocks = ("params:split", "params:oversampling", "params:training")
        if all(block in catalog for block in blocks):
            from smotified_gan.core.protocol import describe_seeds

            tags["protocol.seeds"] = describe_seeds(*(catalog.load(block) for block in blocks))
        mlflow.set_tags(tags)


class GridHook:
    """Build the pipelines for the grid of the run's configuration (``kedro run --env paper``: the paper's 11 datasets).

    Every new Kedro context hands its grid (``grid`` in the environment's
    parameters, ``--params`` included) to ``smotified_gan.pipelines.grid_registry``,
    which rebuilds Kedro's pipeline registry when the grid changed.
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        from smotified_gan.pipelines.grid_registry import REGISTRY

        REGISTRY.bind(experiment_grid.Grid.from_parameters(context.config_loader["parameters"]))


class ModelRegistryHook:
    """Around ``retrain``: one at a time per checkout and model name; then register the model kedro-mlflow logged,
    tag it with this run's own evidence, and move ``champion`` if the decision says so.

    ``before_pipeline_run`` (first): waits for any other retrain of the same
    model name in this checkout (``registry.RetrainQueue``), so that no other run
    rewrites this run's files before kedro-mlflow logs them. ``after_node_run``:
    keeps the run's evidence (``retrain.pipeline.EVIDENCE``: the decision, the
    classifier, the contract, the holdout and its predictions) in memory, as the
    nodes made it. ``after_pipeline_run`` (last): registers, tags, crowns. A model
    rejected by the decision is registered without the alias and the run fails
    (``ChampionRejected``), so a scheduled job exits non-zero.
    """

    DECISION = "production.champion_decision"

    def __init__(self) -> None:
        self._queue = None
        self._evidence: dict = {}
        self._run_id: str | None = None

    @hook_impl(tryfirst=True)  # before kedro-mlflow starts the run
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        from smotified_gan.tracking.registry import RetrainQueue

        self._evidence, self._run_id = {}, None
        if self.DECISION not in pipeline.all_outputs():
            return
        name = catalog.load("params:retrain.model_name")
        project = Path(run_params.get("project_path") or Path.cwd())
        self._queue = RetrainQueue(project / "data" / f".retrain-{_file_safe(name)}.lock", name)
        self._queue.acquire()

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs, is_async, run_id) -> None:
        if self._queue is None:
            return
        from smotified_gan.pipelines.retrain.pipeline import EVIDENCE  # here: other pipelines never import it
        self._evidence.update({name: value for name, value in outputs.items() if name in EVIDENCE})
        if self.DECISION in outputs:
            self._evidence["params:retrain.decision"] = inputs["params:retrain.decision"]
            self._run_id = mlflow.active_run().info.run_id if mlflow.active_run() else None

    @hook_impl(trylast=True)  # after kedro-mlflow has logged the model
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if self._queue is None:
            return
        try:
            if self._run_id is not None:
                self._register(run_params, catalog)
        finally:
            self._release()

    @hook_impl
    def on_pipeline_error(self, error, run_params, pipeline, catalog) -> None:
        self._release()

    def _release(self) -> None:
        if self._queue is not None:
            self._queue.release()
        self._queue, self._evidence = None, {}

    def _register(self, run_params, catalog) -> None:
        from smotified_gan.tracking.registry import lock_file_for, register_and_crown

        evidence, name = self._evidence, catalog.load("params:retrain.model_name")
        fallback = Path(run_params.get("project_path") or Path.cwd()) / "data" / ".model_registry.lock"
        lock = lock_file_for(mlflow.get_tracking_uri(), fallback)
        register_and_crown(self._run_id, name, evidence[self.DECISION], lock,
                           recompare=lambda version: _recompare(evidence, name, version),
                           version_tags=_version_tags(evidence),
                           recompared=lambda decision: self._rewrite_decision(catalog, decision))

    def _rewrite_decision(self, catalog, decision: dict) -> None:
        """After a re-comparison: ``champion_decision.json`` and the run's artifact of it say what the registry did,
        and the log says it in one line again (the first comparison's line is above it)."""
        from smotified_gan.pipelines.retrain.nodes import log_decision

        record = catalog.get(self.DECISION)
        record.run_id = self._run_id  # the run has ended: log to it by id, as kedro-mlflow's dataset can
        record.save(decision)
        log_decision(decision, "Decision after re-comparison")


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _recompare(evidence: dict, name: str, version) -> dict:
    """The decision of this run's model against a registered version that became champion meanwhile."""
    from smotified_gan.io.champion import load_model_version
    from smotified_gan.pipelines.retrain.nodes import compare_on_holdout

    holdout = evidence["production.test_table"]
    return compare_on_holdout(holdout["target"].to_numpy(), evidence["production.unlabelled_rows"],
                              evidence["production.holdout_predictions"], load_model_version(name, version),
                              evidence["params:retrain.decision"], holdout["row_key"].to_numpy(dtype="uint64"))


def _version_tags(evidence: dict) -> dict[str, str]:
    """What a registered version shows in the registry, from its own run: the candidate it is (with ``auto``, every
    candidate's cross-fitted score and the reason for the choice), calibration, threshold, schema, training rows,
    holdout recipe (the decision's figures are added by ``registry.register_and_crown``, after any re-comparison)."""
    from smotified_gan.core.production.contract import InputContract

    classifier = evidence["production.classifier"]
    contract = InputContract.from_dict(evidence["production.input_contract"])
    candidates = evidence["production.candidates"]
    chosen = candidates[candidates["chosen"]].iloc[0]
    auto = ({"candidate." + re.sub(r"[^\w\-. /]", "_", row.candidate): row.summary for row in candidates.itertuples()}
            if len(candidates) > 1 else {})
    return {"candidate": chosen["candidate"], **({"candidate.choice": chosen["reason"]} if auto else {}), **auto,
            "calibration": classifier.calibration.method, "threshold": f"{classifier.threshold:.6f}",
            "schema_digest": contract.digest(), "columns": ", ".join(f"{c}:{k}" for c, k in contract.kinds().items()),
            "training_rows": str(contract.meta.get("training_rows")),
            "training_rows_digest": str(contract.meta.get("training_rows_digest")),
            "holdout_recipe": str(contract.meta.get("holdout"))}
