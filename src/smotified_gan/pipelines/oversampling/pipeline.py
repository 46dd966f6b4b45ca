"""One oversampling namespace per (dataset, method) cell: ``<dataset>.<method>``, the same template for every method."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.protocol import cell_name
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.grid_registry import current_grid

from .nodes import oversample, oversample_folds


def template() -> Pipeline:
    """The method's sampler on the training set; five outputs, empty where the method makes none."""
    return Pipeline([
        Node(oversample, ["train_set", "params:oversampling", "params:method", "params:gan_epochs", "cell"],
             ["augmented_train", "synthetic_rows", "first_phase_rows", "gan_history", "sampler"], name="oversample"),
        Node(oversample_folds, ["train_set", "params:oversampling", "params:method", "params:gan_epochs",
                                "params:training", "cell", "sampler"], "threshold_folds", name="oversample_folds"),
    ])


def cell(dataset: str, method: str, epochs: str) -> Pipeline:
    """The template under the namespace ``<dataset>.<method>``, reading ``<dataset>.train_set`` and ``epochs``."""
    # Kedro prefixes parameters with the namespace unless they are mapped here
    return Pipeline(template(), namespace=cell_name(dataset, method), inputs={"train_set": f"{dataset}.train_set"},
                    parameters={"params:oversampling": "params:oversampling", "params:training": "params:training",
                                "params:method": f"params:grid.methods.{method}", "params:gan_epochs": epochs},
                    tags=[dataset, method])


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current_grid()
    return Pipeline([cell(dataset, method, grid.epochs_parameter("gan_epochs", dataset))
                     for dataset, method in grid.cells()], tags=["oversampling"])
