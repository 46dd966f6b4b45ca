"""Around ``retrain``: the queue, the run's evidence kept in memory, registration and the champion alias."""

from __future__ import annotations

from pathlib import Path

import mlflow
from kedro.framework.hooks import hook_impl

from smotified_gan.core.names import CHAMPION_DECISION, DECISION_SETTINGS, EVIDENCE


class ModelRegistryHook:
    """Around ``retrain``: one at a time per checkout and model name; then register the model kedro-mlflow logged,
    tag it with this run's own evidence, and move ``champion`` if the decision says so.

    ``before_pipeline_run`` (first): waits for any other retrain of the same
    model name in this checkout (``registry.RetrainQueue``), so that no other run
    rewrites this run's files before kedro-mlflow logs them. ``after_node_run``:
    keeps the run's evidence (``core.names.EVIDENCE``: the decision, the
    classifier, the contract, the holdout and its predictions) in memory, as the
    nodes made it. ``after_pipeline_run`` (last): registers, tags, crowns. A model
    rejected by the decision is registered without the alias and the run fails
    (``ChampionRejected``), so a scheduled job exits non-zero.
    """

    def __init__(self) -> None:
        self._queue = None
        self._evidence: dict = {}
        self._run_id: str | None = None

    @hook_impl(tryfirst=True)  # before kedro-mlflow starts the run
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        from smotified_gan.tracking.locks import RetrainQueue

        self._evidence, self._run_id = {}, None
        if CHAMPION_DECISION not in pipeline.all_outputs():
            return
        name = catalog.load("params:retrain.model_name")
        project = Path(run_params.get("project_path") or Path.cwd())
        self._queue = RetrainQueue(project / "data" / f".retrain-{_file_safe(name)}.lock", name)
        self._queue.acquire()

    @hook_impl
    def after_node_run(self, node, catalog, inputs, outputs, is_async, run_id) -> None:
        if self._queue is None:
            return
        self._evidence.update({name: value for name, value in outputs.items() if name in EVIDENCE})
        if CHAMPION_DECISION in outputs:
            self._evidence[DECISION_SETTINGS] = inputs[DECISION_SETTINGS]
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
        from smotified_gan.pipelines.retrain.evidence import recompare, version_tags
        from smotified_gan.tracking.locks import lock_file_for
        from smotified_gan.tracking.registry import register_and_crown

        evidence, name = self._evidence, catalog.load("params:retrain.model_name")
        fallback = Path(run_params.get("project_path") or Path.cwd()) / "data" / ".model_registry.lock"
        lock = lock_file_for(mlflow.get_tracking_uri(), fallback)
        register_and_crown(self._run_id, name, evidence[CHAMPION_DECISION], lock,
                           recompare=lambda version: recompare(evidence, name, version),
                           version_tags=version_tags(evidence),
                           recompared=lambda decision: self._rewrite_decision(catalog, decision))

    def _rewrite_decision(self, catalog, decision: dict) -> None:
        """After a re-comparison: ``champion_decision.json`` and the run's artifact of it say what the registry did,
        and the log says it in one line again (the first comparison's line is above it)."""
        from smotified_gan.pipelines.retrain.nodes import log_decision

        record = catalog.get(CHAMPION_DECISION)
        record.run_id = self._run_id  # the run has ended: log to it by id, as kedro-mlflow's dataset can
        record.save(decision)
        log_decision(decision, "Decision after re-comparison")


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
