"""Project hooks."""

from __future__ import annotations

import os
from pathlib import Path

from kedro.framework.hooks import hook_impl

DEFAULT_TRACKING_DB = "mlflow.db"


def resolve_tracking_uri(uri: str | None, project_path: Path) -> str:
    """A SQLite tracking URI anchored at the project root, whatever the current directory.

    ``None`` means ``sqlite:///<project>/mlflow.db``; a relative SQLite path
    (``sqlite:///mlflow.db``) is taken from the project root; anything else is
    returned as it is.
    """
    if uri is None:
        uri = f"sqlite:///{DEFAULT_TRACKING_DB}"
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix):].startswith("/"):
        return prefix + (Path(project_path).resolve() / uri[len(prefix):]).as_posix()
    return uri


class ProjectTrackingUriHook:
    """Resolve ``mlflow.yml``'s tracking URI against the project root before kedro-mlflow reads it.

    kedro-mlflow would take ``sqlite:///mlflow.db`` relative to the current
    directory (and ``None`` as the ``./mlruns`` file store that MLflow 3.13+
    refuses). ``MLFLOW_TRACKING_URI`` in the environment still wins.
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        config = context.config_loader
        config.config_patterns.setdefault("mlflow", ["mlflow*", "mlflow*/**", "**/mlflow*"])
        try:
            mlflow_conf = dict(config["mlflow"])
        except Exception:  # noqa: BLE001 - no mlflow.yml: kedro-mlflow falls back to its defaults
            mlflow_conf = {}
        server = dict(mlflow_conf.get("server") or {})
        uri = os.environ.get("MLFLOW_TRACKING_URI") or server.get("mlflow_tracking_uri")
        server["mlflow_tracking_uri"] = resolve_tracking_uri(uri, context.project_path)
        mlflow_conf["server"] = server
        config["mlflow"] = mlflow_conf
