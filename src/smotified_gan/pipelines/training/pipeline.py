"""One training namespace per (dataset, method) cell: every lens (``training.classifier`` and ``training.lenses``)."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.protocol import cell_name
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.grid_registry import current_grid

from .nodes import train_lenses, tune_thresholds


def cell(dataset: str, method: str, epochs: str) -> Pipeline:
    inputs = ["params:training", "params:classifier_epochs", "params:method"]
    nodes = [Node(train_lenses, ["augmented_train", *inputs], "classifiers", name="train_lenses"),
             Node(tune_thresholds, ["threshold_folds", *inputs], "thresholds", name="tune_thresholds")]
    return Pipeline(nodes, namespace=cell_name(dataset, method), tags=[dataset, method],
                    parameters={"params:training": "params:training", "params:classifier_epochs": epochs,
                                "params:method": f"params:grid.methods.{method}"})


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current_grid()
    return Pipeline([cell(dataset, method, grid.epochs_parameter("classifier_epochs", dataset))
                     for dataset, method in grid.cells()], tags=["training"])
