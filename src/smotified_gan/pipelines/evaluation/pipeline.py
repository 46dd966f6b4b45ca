"""One evaluation namespace per (dataset, method) cell."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.pipelines.grid import Grid, current

from .nodes import assess_synthetic_rows, evaluate_runs, summarise_runs


def template(sampler: str) -> Pipeline:
    nodes = [
        Node(evaluate_runs, ["classifiers", "augmented_train", "test_set", "cell"], ["run_metrics", "test_scores"],
             name="evaluate_runs"),
        Node(summarise_runs, ["run_metrics", "cell"], ["summary", "mlflow_metrics"], name="summarise_runs"),
    ]
    if sampler != "none":
        nodes.append(Node(assess_synthetic_rows, ["synthetic_rows", "test_set", "params:quality", "cell"],
                          "synthetic_quality", name="assess_synthetic_rows"))
    return Pipeline(nodes)


def cell(dataset: str, method: str, sampler: str) -> Pipeline:
    parameters = None if sampler == "none" else {"params:quality": "params:evaluation.quality"}
    return Pipeline(template(sampler), namespace=f"{dataset}.{method}", tags=[dataset, method],
                    inputs={"test_set": f"{dataset}.test_set"}, parameters=parameters)


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current()
    return Pipeline([cell(dataset, method, grid.sampler(method)) for dataset, method in grid.cells()],
                    tags=["evaluation"])
