"""MLflow set-up for every Kedro run: the store anchored at the project root, the experiment made once, the run's
tags, and the runs whose process died ended."""

from __future__ import annotations

import os
from pathlib import Path

import mlflow
from kedro.framework.hooks import hook_impl

from smotified_gan.tracking.runs import end_orphaned_runs, git_commit, process_identity, resolve_tracking_uri, sqlite_store_path


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

    from smotified_gan.tracking.locks import create_store_once

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


class RunTagsHook:
    """Tag the MLflow run with the git commit, the environment, the protocol's seeds (``protocol.seeds``) and its
    process; end the runs of this machine whose process ended without finishing them (``kill -9``)."""

    @hook_impl(trylast=True)  # after kedro-mlflow has started the run
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        run = mlflow.active_run()
        if run is None:
            return
        end_orphaned_runs(mlflow.MlflowClient(), run.info.experiment_id, run.info.run_id)
        tags = {"git_commit": git_commit(Path(run_params.get("project_path") or Path.cwd())),
                "kedro_env": str(run_params.get("env") or "local"), **process_identity()}
        blocks = ("params:split", "params:oversampling", "params:training")
        if all(block in catalog for block in blocks):
            from smotified_gan.core.parameters import settings_of
            from smotified_gan.core.protocol import describe_seeds

            tags["protocol.seeds"] = describe_seeds(*(settings_of(catalog.load(block)) for block in blocks))
        mlflow.set_tags(tags)
