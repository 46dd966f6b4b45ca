"""One training namespace per (dataset, method) cell."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.pipelines.grid import Grid, current

from .nodes import train_classifier_runs


def cell(dataset: str, method: str) -> Pipeline:
    node = Node(train_classifier_runs, ["augmented_train", "params:training", "params:classifier_epochs"],
                "classifiers", name="train_classifier_runs")
    return Pipeline([node], namespace=f"{dataset}.{method}", tags=[dataset, method],
                    parameters={"params:training": "params:training",
                                "params:classifier_epochs": f"params:training.classifier_epochs.{dataset}"})


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current()
    return Pipeline([cell(dataset, method) for dataset, method in grid.cells()], tags=["training"])
