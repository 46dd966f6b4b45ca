"""Project pipelines, registered under the names of their folders."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from smotified_gan.pipelines import ingestion, preprocessing


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = {
        "ingestion": ingestion.create_pipeline(),
        "preprocessing": preprocessing.create_pipeline(),
    }
    pipelines["__default__"] = sum(pipelines.values(), Pipeline([]))
    return pipelines
