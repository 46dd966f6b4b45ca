"""One evaluation namespace per (dataset, method) cell, the same template for every method."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.protocol import cell_name
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.grid_registry import current_grid

from .nodes import assess_synthetic_rows, evaluate_runs, summarise_runs


def template() -> Pipeline:
    return Pipeline([
        Node(evaluate_runs, ["classifiers", "augmented_train", "test_set", "cell", "thresholds"],
             ["run_metrics", "test_scores"],
             name="evaluate_runs"),
        Node(summarise_runs, ["run_metrics", "cell"], ["summary", "mlflow_metrics"], name="summarise_runs"),
        Node(assess_synthetic_rows, ["synthetic_rows", "test_set", "params:quality", "cell", "train_set"],
             "synthetic_quality",
             name="assess_synthetic_rows"),
    ])


def cell(dataset: str, method: str) -> Pipeline:
    return Pipeline(template(), namespace=cell_name(dataset, method), tags=[dataset, method],
                    inputs={"test_set": f"{dataset}.test_set", "train_set": f"{dataset}.train_set"},
                    parameters={"params:quality": "params:evaluation.quality"})


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current_grid()
    return Pipeline([cell(dataset, method) for dataset, method in grid.cells()], tags=["evaluation"])
