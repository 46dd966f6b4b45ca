"""Project pipelines, registered under the names of their folders, for the grid in ``conf/``."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from smotified_gan.pipelines import (
    evaluation,
    ingestion,
    oversampling,
    preprocessing,
    reporting,
    retrain,
    scoring,
    training,
)
from smotified_gan.pipelines.grid import current


def register_pipelines() -> dict[str, Pipeline]:
    grid = current()  # set from the run's configuration by smotified_gan.hooks.GridHook
    pipelines = {
        "ingestion": ingestion.create_pipeline(grid.datasets),
        "preprocessing": preprocessing.create_pipeline(grid.datasets),
        "oversampling": oversampling.create_pipeline(grid),
        "training": training.create_pipeline(grid),
        "evaluation": evaluation.create_pipeline(grid),
        "reporting": reporting.create_pipeline(grid),
    }
    # `kedro run`: the whole experiment on the configured grid, then the report
    pipelines["__default__"] = sum(pipelines.values(), Pipeline([]))
    # production (--env prod): not part of the experiment
    pipelines["retrain"] = retrain.create_pipeline()
    pipelines["scoring"] = scoring.create_pipeline()
    return pipelines
