"""Project pipelines, registered under the names of their folders."""

from __future__ import annotations

from kedro.pipeline import Pipeline

from smotified_gan.pipelines import evaluation, ingestion, oversampling, preprocessing, reporting, training


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = {
        "ingestion": ingestion.create_pipeline(),
        "preprocessing": preprocessing.create_pipeline(),
        "oversampling": oversampling.create_pipeline(),
        "training": training.create_pipeline(),
        "evaluation": evaluation.create_pipeline(),
        "reporting": reporting.create_pipeline(),
    }
    # `kedro run`: the whole experiment on every available dataset, then the report
    pipelines["__default__"] = sum(pipelines.values(), Pipeline([]))
    return pipelines
