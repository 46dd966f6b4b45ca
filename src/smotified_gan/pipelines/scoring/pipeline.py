"""Batch scoring with the registered champion model: check the batch against its input contract, then score it."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from .nodes import check_batch, log_batch_checks, score_batch


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(check_batch, ["production.batch", "production.champion", "params:scoring"],
             ["production.checked_batch", "production.batch_checks", "production.scoring_metrics"], name="check_batch"),
        Node(log_batch_checks, "production.batch_checks", "production.batch_checks_artifact", name="log_batch_checks"),
        Node(score_batch, ["production.checked_batch", "production.champion"], "production.predictions",
             name="score_batch"),
    ], tags=["scoring"])
