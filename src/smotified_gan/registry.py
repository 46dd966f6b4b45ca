"""The MLflow model registry side of retraining: register a logged model, move ``champion`` only to a better one.

Framework-free (MLflow only). Two retrains may finish at the same moment: the
alias is moved under a file lock, after reading the champion again, and each
version carries its holdout score as a tag so that a champion that changed
since the comparison is compared again by its recorded score.
"""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

logger = logging.getLogger(__name__)
CHAMPION = "champion"


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _current_champion(client: MlflowClient, name: str):
    try:
        return client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None


def logged_model_uri(client: MlflowClient, run_id: str, model_name: str = "model") -> str:
    """``models:/<model id>`` of the model the run logged under ``model_name`` (MLflow 3's logged models)."""
    run = client.get_run(run_id)
    logged = client.search_logged_models(experiment_ids=[run.info.experiment_id],
                                         filter_string=f"source_run_id='{run_id}' AND name='{model_name}'")
    if not logged:
        raise ValueError(f"run {run_id} logged no model named '{model_name}': nothing to register")
    return logged[0].model_uri


def lock_file_for(tracking_uri: str, fallback: Path) -> Path:
    """The lock that serialises alias moves: beside a SQLite store, so every project using it shares it."""
    prefix = "sqlite:///"
    return Path(tracking_uri[len(prefix):] + ".lock") if tracking_uri.startswith(prefix) else fallback


def register_and_crown(run_id: str, name: str, decision: dict[str, Any], lock_file: Path) -> dict[str, Any]:
    """Register ``runs:/<run_id>/model`` under ``name``; make it ``champion`` if ``decision`` says it won.

    Returns what happened (also written to the run's tags): the new version,
    ``promoted`` or ``kept``, both scores and the champion before.
    """
    client = MlflowClient()
    metric, score = decision["metric"], float(decision["challenger"])
    version = mlflow.register_model(logged_model_uri(client, run_id), name).version
    client.set_model_version_tag(name, version, f"holdout_{metric}", f"{score:.6f}")
    with _locked(lock_file):
        current = _current_champion(client, name)
        if current is None:
            promote, rival = True, None
        elif str(current.version) == str(decision["champion_version"]):
            promote, rival = bool(decision["promote"]), decision["champion"]
        else:  # another retrain moved the alias since this one compared: compare with its recorded score
            rival = float(current.tags.get(f"holdout_{metric}", "-inf"))
            promote = score > rival
        if promote:
            client.set_registered_model_alias(name, CHAMPION, version)
    outcome = {"model_version": int(version), "decision": "promoted" if promote else "kept",
               "metric": metric, "challenger_score": score, "champion_score": rival,
               "previous_champion_version": None if current is None else int(current.version)}
    for key, value in outcome.items():
        client.set_tag(run_id, f"champion.{key}", str(value))
    logger.info("Registered %s v%s (holdout %s %.4f); champion %s: %s", name, version, metric, score,
                "none before" if current is None else f"v{current.version} ({rival})",
                f"moved to v{version}" if promote else f"kept at v{current.version}")
    return outcome
