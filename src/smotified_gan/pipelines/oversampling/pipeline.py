"""One oversampling namespace per (dataset, method) cell: ``<dataset>.<method>``."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.pipelines.grid import Grid, current

from .nodes import gan_generate, gan_refine, keep_training_set, smote_oversample


def template(sampler: str) -> Pipeline:
    """The node a method's sampler needs: none, smote, gan or smotified_gan."""
    nodes = {
        "none": Node(keep_training_set, "train_set", "augmented_train", name="keep_training_set"),
        "smote": Node(smote_oversample, ["train_set", "params:oversampling", "params:method"],
                      ["augmented_train", "synthetic_rows"], name="smote_oversample"),
        "gan": Node(gan_generate, ["train_set", "params:oversampling", "params:gan_epochs", "params:method", "cell"],
                    ["augmented_train", "synthetic_rows", "gan_history", "sampler"], name="gan_generate"),
        "smotified_gan": Node(gan_refine, ["train_set", "params:oversampling", "params:gan_epochs", "params:method",
                                           "cell"],
                              ["augmented_train", "synthetic_rows", "first_phase_rows", "gan_history", "sampler"],
                              name="gan_refine"),
    }
    if sampler not in nodes:
        raise ValueError(f"unknown sampler {sampler!r}; known: {sorted(nodes)}")
    return Pipeline([nodes[sampler]])


def cell(dataset: str, method: str, sampler: str) -> Pipeline:
    """A sampler's template under the namespace ``<dataset>.<method>``, reading ``<dataset>.train_set``."""
    # Kedro prefixes parameters with the namespace unless they are mapped here
    parameters = {}
    if sampler != "none":
        parameters = {"params:oversampling": "params:oversampling", "params:method": f"params:grid.methods.{method}"}
    if sampler in ("gan", "smotified_gan"):
        parameters["params:gan_epochs"] = f"params:oversampling.gan_epochs.{dataset}"
    return Pipeline(template(sampler), namespace=f"{dataset}.{method}", inputs={"train_set": f"{dataset}.train_set"},
                    parameters=parameters or None, tags=[dataset, method])


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current()
    return Pipeline([cell(dataset, method, grid.sampler(method)) for dataset, method in grid.cells()],
                    tags=["oversampling"])
