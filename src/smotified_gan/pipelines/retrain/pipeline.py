"""Retrain the production model with the experiment's own nodes, and package its inference part for MLflow.

Training: ingestion and preprocessing templates under the namespace
``production`` (the holdout split is the preprocessing test split), a
validation split, the configured method's sampler, the paper's classifier
(``runs`` seeded runs, the best on the validation split kept), then the
holdout comparison with the current champion. Inference (what MLflow serves):
the fitted feature transformer, then the classifier. kedro-mlflow's
``pipeline_ml_factory`` logs the inference part as one pyfunc model;
``smotified_gan.hooks.ModelRegistryHook`` registers it and moves ``champion``.
"""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline
from kedro_mlflow.pipeline import pipeline_ml_factory

from smotified_gan.pipelines.ingestion.pipeline import template as ingestion_template
from smotified_gan.pipelines.oversampling.nodes import oversample_training_set
from smotified_gan.pipelines.preprocessing.nodes import split_dataset, transform_rows
from smotified_gan.pipelines.preprocessing.pipeline import template as preprocessing_template
from smotified_gan.pipelines.training.nodes import score_rows, train_classifier_runs

from .nodes import decide_champion, select_best_run, unlabelled_rows

NAMESPACE = "production"
# what a caller of the MLflow model passes: rows in the raw training schema, without labels
MODEL_INPUT = f"{NAMESPACE}.unlabelled_rows"


def inference_pipeline() -> Pipeline:
    """Raw rows -> scaled features -> minority score and class: the deployed model."""
    return Pipeline([
        Node(transform_rows, [f"{NAMESPACE}.feature_transformer", MODEL_INPUT], f"{NAMESPACE}.model_features",
             name="transform_rows"),
        Node(score_rows, [f"{NAMESPACE}.classifier", f"{NAMESPACE}.model_features"], f"{NAMESPACE}.model_output",
             name="score_rows"),
    ])


def training_pipeline() -> Pipeline:
    data = Pipeline([
        Pipeline(ingestion_template(), namespace=NAMESPACE, parameters={"params:dataset": "params:production.dataset"}),
        Pipeline(preprocessing_template(), namespace=NAMESPACE,
                 parameters={"params:dataset": "params:production.dataset", "params:split": "params:retrain.holdout"}),
    ])
    ns = NAMESPACE
    model = Pipeline([
        # the same split node as preprocessing, on the scaled training rows
        Node(split_dataset, [f"{ns}.train_set", "params:retrain.validation", "params:production.dataset"],
             [f"{ns}.fit_set", f"{ns}.validation_set"], name="split_dataset", namespace=f"{ns}.validation"),
        Node(oversample_training_set, [f"{ns}.fit_set", "params:retrain.method", "params:oversampling",
                                       "params:retrain.gan_epochs"], f"{ns}.augmented_train",
             name="oversample_training_set", namespace=ns),
        Node(train_classifier_runs, [f"{ns}.augmented_train", "params:retrain.training", "params:retrain.classifier_epochs"],
             f"{ns}.classifiers", name="train_classifier_runs", namespace=ns),
        Node(select_best_run, [f"{ns}.classifiers", f"{ns}.validation_set", "params:retrain.selection"],
             f"{ns}.classifier", name="select_best_run", namespace=ns),
        Node(unlabelled_rows, f"{ns}.test_table", MODEL_INPUT, name="unlabelled_rows", namespace=ns),
    ])
    # the holdout is scored by the very nodes the MLflow model runs
    holdout = Pipeline(inference_pipeline(), outputs={f"{ns}.model_output": f"{ns}.holdout_predictions"},
                       namespace=ns, prefix_datasets_with_namespace=False)
    decide = Node(decide_champion, [f"{ns}.holdout_predictions", f"{ns}.test_table", MODEL_INPUT,
                                    f"{ns}.previous_champion", "params:retrain"],
                  f"{ns}.champion_decision", name="decide_champion", namespace=ns)
    return Pipeline([data, model, holdout, decide])


def create_pipeline(**kwargs) -> Pipeline:
    return pipeline_ml_factory(training=training_pipeline().tag("retrain"), inference=inference_pipeline(),
                               input_name=MODEL_INPUT, log_model_kwargs={"name": "model"})
