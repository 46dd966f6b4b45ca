"""One ingestion namespace per dataset, then the data cards gathered in one table."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.data.tables import ingest_dataset
from smotified_gan.pipelines.grid_registry import current_grid

from .nodes import data_card_tags, gather_data_cards


def template() -> Pipeline:
    return Pipeline([
        Node(ingest_dataset, inputs=["raw", "params:dataset"], outputs=["table", "card"], name="ingest_dataset"),
    ])


def create_pipeline(datasets: list[str] | tuple[str, ...] | None = None, **kwargs) -> Pipeline:
    datasets = datasets if datasets is not None else current_grid().datasets
    per_dataset = [
        Pipeline(template(), namespace=name, parameters={"params:dataset": f"params:datasets.{name}"}, tags=[name])
        for name in datasets
    ]
    gather = Node(gather_data_cards, inputs=[f"{name}.card" for name in datasets], outputs="data_cards",
                  name="gather_data_cards")
    tags = Node(data_card_tags, "data_cards", "data_tags", name="data_card_tags")
    return Pipeline([*per_dataset, gather, tags], tags=["ingestion"])
