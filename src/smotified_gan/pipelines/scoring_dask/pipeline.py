"""A batch larger than memory (``production.large_batch``), checked and scored partition by partition on Dask into
the ``scoring`` pipeline's checks and metrics; the ``dask`` tag has ``adapters.hooks.cluster`` start the cluster."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.production.scoring import batch_checks_artifact

from .nodes import check_partitions, score_partitions


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(check_partitions, ["production.large_batch", "production.champion", "params:scoring"],
             ["production.batch_checks", "production.scoring_metrics", "production.partition_plan"],
             name="check_partitions"),
        Node(batch_checks_artifact, "production.batch_checks", "production.batch_checks_artifact", name="batch_checks_artifact"),
        Node(score_partitions, ["production.large_batch", "production.champion", "params:scoring",
                                "production.partition_plan"], "production.large_predictions", name="score_partitions"),
    ], tags=["scoring_dask", "dask"])
