"""One preprocessing namespace per dataset."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.preprocessing import build_model_inputs, fit_transformer
from smotified_gan.pipelines.grid_registry import current_grid

from .nodes import split_dataset


def template() -> Pipeline:
    return Pipeline([
        Node(split_dataset, ["table", "params:split", "params:dataset"], ["train_table", "test_table"],
             name="split_dataset"),
        Node(fit_transformer, ["train_table", "params:dataset"], "feature_transformer", name="fit_transformer"),
        Node(build_model_inputs, ["feature_transformer", "train_table", "test_table"], ["train_set", "test_set"],
             name="build_model_inputs"),
    ])


def create_pipeline(datasets: list[str] | tuple[str, ...] | None = None, **kwargs) -> Pipeline:
    datasets = datasets if datasets is not None else current_grid().datasets
    return Pipeline([
        Pipeline(template(), namespace=name,
                 parameters={"params:dataset": f"params:datasets.{name}", "params:split": "params:split"}, tags=[name])
        for name in datasets
    ], tags=["preprocessing"])
