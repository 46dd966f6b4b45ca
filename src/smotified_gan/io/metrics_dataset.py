"""kedro-mlflow's metrics dataset, logged in one request instead of one per metric."""

from __future__ import annotations

import time
from itertools import chain

from kedro.io import DatasetError
from kedro_mlflow.io.metrics import MlflowMetricsHistoryDataset

BATCH = 1000  # MLflow's limit of metrics per log_batch request


class MlflowMetricsBatchDataset(MlflowMetricsHistoryDataset):
    """``MlflowMetricsHistoryDataset`` (the same catalog entry, prefix and reading back) whose save is one
    ``log_batch`` per 1,000 metrics: a benchmark cell's 240 summary metrics took 1.5 s one by one on the SQLite store.

    Example catalog entry::

        "{dataset}.{method}.mlflow_metrics":
          type: smotified_gan.io.MlflowMetricsBatchDataset
          prefix: "{dataset}.{method}"
    """

    def _save(self, data) -> None:
        import mlflow
        from mlflow.entities import Metric

        if not self._logging_activated:
            return
        try:
            run_id = self.run_id  # the parent's: the configured run, else the active one
        except DatasetError:  # as the parent class: a metric without a run starts one
            run_id = mlflow.start_run().info.run_id
        now = int(time.time() * 1000)
        metrics = [Metric(key, float(value), now, int(step))
                   for key, value, step in chain.from_iterable(self._build_args_list_from_metric_item(k, v)
                                                               for k, v in data.items())]
        client = mlflow.MlflowClient()
        for start in range(0, len(metrics), BATCH):
            client.log_batch(run_id, metrics=metrics[start:start + BATCH])
