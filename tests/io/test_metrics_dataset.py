"""The cells' MLflow metrics, logged in one request, read back as kedro-mlflow's dataset reads them."""

import mlflow

from smotified_gan.io import MlflowMetricsBatchDataset


def test_metrics_are_logged_to_the_active_run_with_their_prefix_and_steps(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    experiment = mlflow.set_experiment("metrics")  # this store's own, never one another test left active
    dataset = MlflowMetricsBatchDataset(prefix="ecoli.smote")
    many = {f"m{i}": {"value": i / 10, "step": 0} for i in range(1200)}  # more than one request's 1,000
    with mlflow.start_run(experiment_id=experiment.experiment_id) as run:
        dataset.save({"f1_mean": {"value": 0.5, "step": 0},
                      "loss": [{"value": 1.0, "step": 0}, {"value": 0.25, "step": 1}], **many})
        assert dataset.load()["ecoli.smote.f1_mean"] == {"value": 0.5, "step": 0}
    client = mlflow.MlflowClient()
    logged = client.get_run(run.info.run_id).data.metrics
    assert len(logged) == 1202 and logged["ecoli.smote.m1199"] == 119.9
    history = client.get_metric_history(run.info.run_id, "ecoli.smote.loss")
    assert [(m.step, m.value) for m in history] == [(0, 1.0), (1, 0.25)]
