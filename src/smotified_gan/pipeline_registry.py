"""Project pipelines, registered under the names of their folders, for the grid in ``conf/``."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from smotified_gan.pipelines.grid_registry import REGISTRY

EXPERIMENT = ("ingestion", "preprocessing", "oversampling", "training", "evaluation", "reporting")


def register_pipelines() -> dict[str, Pipeline]:
    """Every folder of ``pipelines/`` under its name, built for the grid of the run's configuration.

    ``find_pipelines`` imports only the folders a run asks for (``kedro run
    --pipelines ingestion`` never imports torch), so the fixed cost of a small
    scheduled job stays small. ``__default__`` (``kedro run``) is the experiment
    grid; ``retrain``, ``scoring`` and ``scoring_dask`` (a batch larger than memory) are production jobs, run by
    name. Built
    once per process for a grid and a request (``GridRegistry.pipelines_for``).
    """
    return REGISTRY.pipelines_for(_build)


def _build() -> dict[str, Pipeline]:
    pipelines = find_pipelines(raise_errors=True)
    experiment = [pipelines[name] for name in EXPERIMENT if name in pipelines]
    if len(experiment) == len(EXPERIMENT):
        pipelines["__default__"] = sum(experiment, Pipeline([]))
    return pipelines
