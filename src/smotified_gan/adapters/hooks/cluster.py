"""A Dask cluster for the pipelines whose nodes compute on one (tag ``dask``: ``scoring_dask``)."""

from __future__ import annotations

import logging
from contextlib import ExitStack

from kedro.framework.hooks import hook_impl

from smotified_gan.adapters.cluster import dask_client, worker_threads
from smotified_gan.adapters.upstream_notices import silence_upstream_notices
from smotified_gan.core.parameters import Scoring, as_block

logger = logging.getLogger(__name__)
DASK_TAG = "dask"


class DaskClusterHook:
    """Before a pipeline with ``dask`` nodes: a client on ``scoring.dask.scheduler`` (an address: a cluster someone
    else runs) or on a LocalCluster of ``scoring.dask.workers`` processes (one thread each, their share of the
    cores), the default scheduler of every Dask computation of the run; closed, cluster and all, however the run
    ends. Other pipelines start nothing."""

    def __init__(self) -> None:
        self._stack: ExitStack | None = None

    @hook_impl
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if not any(DASK_TAG in node.tags for node in pipeline.nodes):
            return
        from dask.distributed import WorkerPlugin

        settings = as_block(Scoring, catalog.load("params:scoring")).dask
        self._stack = ExitStack()
        # Dask's own start and stop (about 50 lines a run in this process) say nothing a person reading the job's
        # log can act on: its warnings and errors stay
        distributed = logging.getLogger("distributed")
        self._stack.callback(distributed.setLevel, distributed.level)
        distributed.setLevel(logging.WARNING)
        client = self._stack.enter_context(dask_client(None, settings.scheduler, settings.workers,
                                                       worker_threads(settings.workers, settings.scheduler)))
        client.register_plugin(type("QuietNotices", (WorkerPlugin,), {"setup": _quiet_worker})())
        logger.info("Dask: %d worker(s) on %s", len(client.scheduler_info()["workers"]),
                    settings.scheduler or "a LocalCluster of this machine")

    @hook_impl
    def after_pipeline_run(self) -> None:
        self._close()

    @hook_impl
    def on_pipeline_error(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


def _quiet_worker(plugin, worker=None) -> None:
    """A worker says no more than this process does: the libraries' known notices silenced (mlflow's "add type
    hints" as the champion is unpickled, each worker)."""
    silence_upstream_notices()
