"""Project hooks."""

from __future__ import annotations

import os
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

    ``after_context_created``: ``smotified_gan.parameters.check_parameters`` on
    the run's parameters (environment and ``--params`` merged): a typo or an
    out-of-range value stops the run in its first second. ``before_pipeline_run``:
    the production pipelines need ``production.dataset`` (``--env prod``);
    torch and the OpenMP/BLAS pools get ``runtime.threads`` threads (default: the
    cores this process may use, ``os.sched_getaffinity``).
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        from smotified_gan.parameters import check_parameters

        check_parameters(context.params)

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if "params:production.dataset" in pipeline.inputs() and catalog.load("params:production.dataset") is None:
            from smotified_gan.parameters import ParameterError

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
        config["mlflow"] = mlflow_conf
        _create_experiment_once(mlflow_conf, context)


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

    if mlflow.active_run() or (mlflow_conf.get("tracking") or {}).get("experiment") is None:
        return  # a caller's run (the Dask grid's cells): kedro-mlflow leaves mlflow.yml aside, and so does this
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
    """Tag the MLflow run with the git commit, the environment and the protocol's seeds (``protocol.seeds``)."""

    @hook_impl(trylast=True)  # after kedro-mlflow has started the run
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if mlflow.active_run() is None:
            return
        tags = {"git_commit": git_commit(Path(run_params.get("project_path") or Path.cwd())),
                "kedro_env": str(run_params.get("env") or "local")}
        blocks = ("params:split", "params:oversampling", "params:training")
        if all(block in catalog for block in blocks):
            from smotified_gan.protocol import describe_seeds

            tags["protocol.seeds"] = describe_seeds(*(catalog.load(block) for block in blocks))
        mlflow.set_tags(tags)


class GridHook:
    """Build the pipelines for the grid of the run's configuration (``kedro run --env paper``: the paper's 11 datasets).

    Every new Kedro context hands its grid (``grid`` in the environment's
    parameters, ``--params`` included) to ``smotified_gan.grid_registry``,
    which rebuilds Kedro's pipeline registry when the grid changed.
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        from smotified_gan.grid_registry import REGISTRY

        REGISTRY.bind(experiment_grid.Grid.from_parameters(context.config_loader["parameters"]))


class ModelRegistryHook:
    """After ``retrain``: register the model kedro-mlflow logged, and move ``champion`` if the decision says so.

    A model rejected by the decision (it calls no holdout row minority, or
    scores below ``retrain.min_metric``) is registered without the alias and
    the run fails (``ChampionRejected``), so a scheduled job exits non-zero.
    """

    DECISION = "production.champion_decision"

    def __init__(self) -> None:
        self._run_id: str | None = None

    @hook_impl(trylast=True)  # after kedro-mlflow has started the run
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        run = mlflow.active_run()
        self._run_id = run.info.run_id if run is not None and self.DECISION in pipeline.all_outputs() else None

    @hook_impl(trylast=True)  # after kedro-mlflow has logged the model
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if self._run_id is None:
            return
        from smotified_gan.registry import lock_file_for, register_and_crown

        run_id, self._run_id = self._run_id, None
        retrain = catalog.load("params:retrain")
        fallback = Path(run_params.get("project_path") or Path.cwd()) / "data" / ".model_registry.lock"
        lock = lock_file_for(mlflow.get_tracking_uri(), fallback)
        register_and_crown(run_id, retrain["model_name"], catalog.load(self.DECISION), lock,
                           recompare=lambda version: _recompare(catalog, retrain, version),
                           version_tags=_version_tags(catalog))


def _recompare(catalog, retrain: dict, version) -> dict:
    """The decision of this run's model against a registered version that became champion meanwhile."""
    from smotified_gan.io.champion import load_model_version
    from smotified_gan.pipelines.retrain.nodes import compare_on_holdout, decision_rules

    champion = load_model_version(retrain["model_name"], version)
    holdout = catalog.load("production.test_table")
    return compare_on_holdout(holdout["target"].to_numpy(), catalog.load("production.unlabelled_rows"),
                              catalog.load("production.holdout_predictions"), champion, decision_rules(retrain),
                              holdout["row_key"].to_numpy(dtype="uint64"))


def _version_tags(catalog) -> dict[str, str]:
    """What a registered version shows in the registry: its calibration, threshold, schema and training rows."""
    from smotified_gan.production.contract import InputContract

    classifier = catalog.load("production.classifier")
    contract = InputContract.from_dict(catalog.load("production.input_contract"))
    return {"calibration": classifier.calibration.method, "threshold": f"{classifier.threshold:.6f}",
            "schema_digest": contract.digest(), "columns": ", ".join(f"{c}:{k}" for c, k in contract.kinds().items()),
            "training_rows": str(contract.meta.get("training_rows")),
            "training_rows_digest": str(contract.meta.get("training_rows_digest"))}
