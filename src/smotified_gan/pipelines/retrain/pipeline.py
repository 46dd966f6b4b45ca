"""Retrain the production model with the experiment's own nodes, and package its inference part for MLflow.

Training, under the namespace ``production``: ingestion (the experiment's
template), the lineage check against the champion (a changed schema or holdout
recipe stops here, before any training), a holdout by row hash, the
transformer and scaled sets (the preprocessing nodes), the input contract, the
candidate (the configured method and classifier, or with ``auto`` the one
chosen among ``retrain.auto``'s) with its calibration and threshold, all
cross-fitted on the training rows (beyond ``retrain.sampling.max_rows``: every
minority row and a sample of the majority rows, the calibration corrected for
it; each fold's over-sampler and classifier fitted on the other folds), the chosen method's sampler and the classifier's
seeded runs on all training rows (the experiment's nodes; the runs' mean score
is the model's), then the decision against the champion on the holdout. Inference (what MLflow serves): the rows held to the
input contract, the fitted transformer, the calibrated classifier.
kedro-mlflow logs the inference part as one pyfunc model, with the contract,
transformer and classifier as its artifacts;
``smotified_gan.adapters.hooks.ModelRegistryHook`` registers it and moves ``champion``.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline
from kedro_mlflow.pipeline.pipeline_ml import PipelineML

from smotified_gan.core.data.tables import ingest_dataset
from smotified_gan.core.names import PRODUCTION as NAMESPACE
from smotified_gan.core.oversampling import oversample_training_set
from smotified_gan.core.preprocessing import build_model_inputs, fit_transformer, transform_rows
from smotified_gan.core.training import score_rows, train_classifier_runs

from .nodes import (
    build_input_contract,
    calibrate_model,
    check_lineage,
    choose_candidate,
    conform_rows,
    decide_champion,
    key_rows,
    sample_training_rows,
    split_holdout,
    unlabelled_rows,
)

# what a caller of the MLflow model passes: rows in the raw training schema, without labels
MODEL_INPUT = f"{NAMESPACE}.unlabelled_rows"
def inference_pipeline() -> Pipeline:
    """Raw rows -> rows held to the contract -> scaled features -> minority probability and class: the deployed model."""
    ns = NAMESPACE
    return Pipeline([
        Node(conform_rows, [f"{ns}.input_contract", MODEL_INPUT], f"{ns}.model_rows", name="conform_rows"),
        Node(transform_rows, [f"{ns}.feature_transformer", f"{ns}.model_rows"], f"{ns}.model_features",
             name="transform_rows"),
        Node(score_rows, [f"{ns}.classifier", f"{ns}.model_features"], f"{ns}.model_output", name="score_rows"),
    ])


def _data() -> Pipeline:
    ns = NAMESPACE
    # the experiment's ingestion step, under the production namespace
    ingest = Pipeline([Node(ingest_dataset, ["raw", "params:dataset"], ["table", "card"], name="ingest_dataset")],
                      namespace=ns, parameters={"params:dataset": "params:production.dataset"})
    return ingest + Pipeline([
        Node(key_rows, [f"{ns}.raw", f"{ns}.table", "params:retrain.holdout", "params:production.dataset"],
             f"{ns}.keyed_table", name="key_rows"),
        Node(check_lineage, [f"{ns}.keyed_table", f"{ns}.previous_champion", "params:retrain.holdout",
                             "params:retrain.decision"], [f"{ns}.admitted_table", f"{ns}.lineage"], name="check_lineage"),
        Node(split_holdout, [f"{ns}.admitted_table", "params:retrain.holdout", "params:production.dataset"],
             [f"{ns}.train_table", f"{ns}.test_table", f"{ns}.training_rows", f"{ns}.holdout_rows"],
             name="split_holdout"),
        Node(sample_training_rows, [f"{ns}.train_table", "params:retrain.sampling"],
             [f"{ns}.fit_table", f"{ns}.majority_rate"], name="sample_training_rows"),
        Node(fit_transformer, [f"{ns}.fit_table", "params:production.dataset"], f"{ns}.feature_transformer",
             name="fit_transformer"),
        Node(build_model_inputs, [f"{ns}.feature_transformer", f"{ns}.fit_table", f"{ns}.test_table"],
             [f"{ns}.train_set", f"{ns}.test_set"], name="build_model_inputs"),
        Node(build_input_contract, [f"{ns}.train_table", f"{ns}.training_rows", "params:retrain.holdout",
                                    "params:retrain.contract", "params:production.dataset"],
             f"{ns}.input_contract", name="build_input_contract"),
    ], namespace=ns, prefix_datasets_with_namespace=False)


def _model() -> Pipeline:
    ns = NAMESPACE
    return Pipeline([
        Node(choose_candidate, [f"{ns}.train_set", f"{ns}.majority_rate", "params:retrain.method", "params:oversampling",
                                "params:retrain.gan_epochs", "params:retrain.training", "params:retrain.classifier_epochs",
                                "params:retrain.threshold", "params:retrain.auto", "params:retrain.decision"],
             [f"{ns}.chosen_method", f"{ns}.chosen_training", f"{ns}.calibration", f"{ns}.candidates",
              f"{ns}.out_of_fold_scores"], name="choose_candidate", namespace=ns),
        # the experiment's own nodes, on all training rows
        Node(oversample_training_set, [f"{ns}.train_set", f"{ns}.chosen_method", "params:oversampling",
                                       "params:retrain.gan_epochs"], f"{ns}.augmented_train",
             name="oversample_training_set", namespace=ns),
        Node(train_classifier_runs, [f"{ns}.augmented_train", f"{ns}.chosen_training", "params:retrain.classifier_epochs"],
             f"{ns}.classifiers", name="train_classifier_runs", namespace=ns),
        Node(calibrate_model, [f"{ns}.classifiers", f"{ns}.calibration"], f"{ns}.classifier", name="calibrate_model",
             namespace=ns),
        Node(unlabelled_rows, f"{ns}.test_table", MODEL_INPUT, name="unlabelled_rows", namespace=ns),
    ])


def training_pipeline() -> Pipeline:
    ns = NAMESPACE
    # the holdout is scored by the very nodes the MLflow model runs
    holdout = Pipeline(inference_pipeline(), outputs={f"{ns}.model_output": f"{ns}.holdout_predictions"},
                       namespace=ns, prefix_datasets_with_namespace=False)
    decide = Node(decide_champion, [f"{ns}.holdout_predictions", f"{ns}.test_table", MODEL_INPUT, f"{ns}.train_table",
                                    f"{ns}.previous_champion", f"{ns}.lineage", "params:retrain.decision",
                                    "params:retrain.holdout"],
                  f"{ns}.champion_decision", name="decide_champion", namespace=ns)
    return Pipeline([_data(), _model(), holdout, decide])


class RetrainPipeline(PipelineML):
    """kedro-mlflow's ``PipelineML``, except that Kedro's resume hint after a failure works on the training nodes.

    After a failed node Kedro computes ``from_nodes(...)`` to suggest how to
    resume; on a ``PipelineML`` that sub-pipeline fails kedro-mlflow's
    consistency check, whose error then replaced the node's own as the last
    thing the user read. Here the hint is computed on the plain training pipeline.
    """

    def from_nodes(self, *node_names: str) -> Pipeline:
        return self.training.from_nodes(*node_names)


# what loading the registered model needs (the versions installed when it was trained); said, not inferred:
# MLflow's inference loads the model in a subprocess (6.4 s of every retrain) and missed torch, kedro and pandera
MODEL_REQUIREMENTS = ("smotified-gan", "mlflow", "kedro", "kedro-mlflow", "torch", "scikit-learn", "pandas", "numpy",
                      "scipy", "pandera", "pyarrow", "cloudpickle")


def model_requirements() -> list[str]:
    from importlib.metadata import PackageNotFoundError, version

    pinned = []
    for name in MODEL_REQUIREMENTS:
        try:
            pinned.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pinned.append(name)
    return pinned


def create_pipeline(**kwargs) -> Pipeline:
    return RetrainPipeline(nodes=training_pipeline().tag("retrain").nodes, inference=inference_pipeline(),
                           input_name=MODEL_INPUT, kpm_kwargs={},
                           log_model_kwargs={"name": "model", "signature": "auto", "pip_requirements": model_requirements()})
