"""The experiment grid on a Dask cluster (``kedro grid run``): plan the cells, then run them.

- ``plan``: which cells run and which are already complete (``plan_grid``, pure:
  no Dask, no MLflow), each cell's settings fingerprint and estimated cost;
- ``tracking``: the ``mlflow server`` every worker logs to, as a context manager;
- ``execute``: ``run_grid``, one isolated Kedro session per cell on Dask, one
  MLflow child run per cell, then the project's own report.
"""

from smotified_gan.runner.execute import EXPERIMENT, GridResult, run_grid
from smotified_gan.runner.plan import CellPlan, cell_fingerprint, plan_grid
from smotified_gan.tracking.server import TrackingServer

__all__ = ["EXPERIMENT", "CellPlan", "GridResult", "TrackingServer", "cell_fingerprint", "plan_grid", "run_grid"]
