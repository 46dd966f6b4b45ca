"""Parameters checked before any work; the run's threads."""

from __future__ import annotations

import os
import sys

from kedro.framework.hooks import hook_impl


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

        from smotified_gan.core.parameters import Block

        for name, value in inputs.items():  # Kedro hands the hooks a copy of the node's inputs
            if isinstance(value, Block):  # the settings as configured (a method: only what it sets)
                inputs[name] = value.settings(mode="json")
            elif isinstance(value, BaseModel):
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
