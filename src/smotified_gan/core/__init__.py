"""The core: samplers, classifier, metrics, the experiment protocol, production rules, data, reports.

Nothing here imports Kedro, MLflow, Dask or a higher layer of the package (``lint-imports`` holds it): every
Kedro node, hook and MLflow call sits above and calls down into these modules.
"""
