"""Batch scoring with the registered champion model."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from .nodes import score_batch


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(score_batch, ["production.batch", "production.champion", "params:scoring"], "production.predictions",
             name="score_batch"),
    ], tags=["scoring"])
