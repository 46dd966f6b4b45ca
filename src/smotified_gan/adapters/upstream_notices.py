"""Keep known upstream notices, which say nothing about this project, out of the run log.

``silence_upstream_notices()`` runs as a ``kedro.init`` entry point (before
Kedro loads plugin commands, whose import shows one of these) and again from
``settings.py`` (for sessions created from Python). It installs warnings
filters and, because MLflow shows its notice inside
``warnings.simplefilter("once")``, which outranks any filter set beforehand,
also a log filter on ``py.warnings``, where Kedro routes warnings, and on
``mlflow.pyfunc``, which logs one of them itself.
"""

from __future__ import annotations

import logging
import re
import warnings

_NOTICES = (
    # kedro and kedro-mlflow still call omegaconf's deprecated register_new_resolver()
    r"register_new_resolver\(\) is deprecated",
    # kedro-mlflow's KedroPipelineModel.predict() has no type hints (MLflow >= 2.20)
    r"Add type hints to the `predict` method",
    # the retrain model has a signature (the raw schema); MLflow still asks for an input example
    r"An input example was not provided when logging the model",
    # integer columns in the retrain model's signature: its input contract refuses missing values before MLflow sees them
    r"Inferred schema contains integer column\(s\)",
    # kedro-mlflow logs the retrain model as a Python object (its KedroPipelineModel), not from a file
    r"Passing a Python object as `python_model` causes it to be serialized using CloudPickle",
    # the experiment grid reads namespaced outputs ("ecoli.card") from one gathering
    # node, the kedro-viz demo project's pattern, which Kedro nags about
    r"One or more dataset names contain '\.' characters",
    # Kedro 1.7 reads the fields of the typed parameter blocks it builds through the deprecated instance attribute
    r"Accessing the 'model_fields' attribute on the instance is deprecated",
    # shown while the tests start MLflow's SQLite store and servers (pydantic, SQLAlchemy, pandas deprecations)
    r"Support for class-based `config` is deprecated",
    r"The ``noload`` loader strategy is deprecated",
    r"Passing a list to DataFrame.from_dict is deprecated",
    # kedro-viz's run hooks write their stats into a project folder; the packaged project, run from a plain
    # directory (python -m smotified_gan --conf-source ...), has none, and nothing is lost
    r"No Kedro project found in .*; skipping write",
    r"Could not find a Kedro project to create stats file",
    # MLflow's post-import hooks (for autologging) load statsmodels, imported after MLflow, with the legacy loader
    r"the load_module\(\) method is deprecated",
)
KNOWN_NOTICES = re.compile("|".join(_NOTICES))


class UpstreamNoticeFilter(logging.Filter):
    """Drop captured warnings that match a known upstream notice."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not KNOWN_NOTICES.search(record.getMessage())


def pytest_filters() -> list[str]:
    """The same notices as pytest ``filterwarnings`` lines (tests/conftest.py adds them: one list for both)."""
    return [f"ignore:.*{message}" for message in _NOTICES]


def silence_upstream_notices() -> None:
    for message in _NOTICES:
        warnings.filterwarnings("ignore", message=f".*{message}")
    logging.captureWarnings(True)  # warnings go through logging (and the filter below), one line each
    # py.warnings: where Kedro routes warnings; mlflow.pyfunc and kedro-viz's hooks log theirs themselves
    for name in ("py.warnings", "mlflow.pyfunc", "kedro_viz.integrations.kedro.hooks",
                 "kedro_viz.integrations.kedro.hooks_utils"):
        target = logging.getLogger(name)
        if not any(isinstance(f, UpstreamNoticeFilter) for f in target.filters):
            target.addFilter(UpstreamNoticeFilter())
