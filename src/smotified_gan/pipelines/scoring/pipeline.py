"""Batch scoring with the registered champion model: check the batch against its input contract, then score it."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.production.scoring import batch_checks_artifact

from .nodes import check_batch, score_batch


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(check_batch, ["production.batch", "production.champion", "params:scoring"],
             ["production.checked_batch", "production.batch_checks", "production.scoring_metrics"], name="check_batch"),
        Node(batch_checks_artifact, "production.batch_checks", "production.batch_checks_artifact", name="batch_checks_artifact"),
        Node(score_batch, ["production.checked_batch", "production.champion"], "production.predictions",
             name="score_batch"),
    ], tags=["scoring"])

