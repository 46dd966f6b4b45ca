"""One oversampling namespace per (dataset, method) cell: ``<dataset>.<method>``."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.pipelines.grid import METHODS, available_datasets

from .nodes import gan_generate, gan_refine, keep_training_set, smote_oversample


def template(method: str) -> Pipeline:
    """The node a method needs: none, smote, gan or smotified_gan."""
    nodes = {
        "none": Node(keep_training_set, "train_set", "augmented_train", name="keep_training_set"),
        "smote": Node(smote_oversample, ["train_set", "params:oversampling"], ["augmented_train", "synthetic_rows"],
                      name="smote_oversample"),
        "gan": Node(gan_generate, ["train_set", "params:oversampling", "params:gan_epochs"],
                    ["augmented_train", "synthetic_rows", "gan_history", "sampler"], name="gan_generate"),
        "smotified_gan": Node(gan_refine, ["train_set", "params:oversampling", "params:gan_epochs"],
                              ["augmented_train", "synthetic_rows", "first_phase_rows", "gan_history", "sampler"],
                              name="gan_refine"),
    }
    if method not in nodes:
        raise ValueError(f"unknown method {method!r}; known: {sorted(nodes)}")
    return Pipeline([nodes[method]])


def cell(dataset: str, method: str) -> Pipeline:
    """A method's template under the namespace ``<dataset>.<method>``, reading ``<dataset>.train_set``."""
    # Kedro prefixes parameters with the namespace unless they are mapped here
    parameters = {} if method == "none" else {"params:oversampling": "params:oversampling"}
    if "gan" in method:
        parameters["params:gan_epochs"] = f"params:oversampling.gan_epochs.{dataset}"
    return Pipeline(template(method), namespace=f"{dataset}.{method}", inputs={"train_set": f"{dataset}.train_set"},
                    parameters=parameters or None, tags=[dataset, method])


def create_pipeline(datasets: list[str] | None = None, methods: tuple[str, ...] = METHODS, **kwargs) -> Pipeline:
    names = datasets if datasets is not None else available_datasets()
    return Pipeline([cell(dataset, method) for dataset in names for method in methods])
