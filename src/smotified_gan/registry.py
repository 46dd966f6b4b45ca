"""The MLflow model registry side of retraining: register a logged model, move ``champion`` only when shown better.

Framework-free (MLflow only). The decision itself (``smotified_gan.production.decision``)
is made on the holdout by the ``decide_champion`` node. Two retrains may finish
at the same moment: the alias is moved under a file lock, after reading the
champion again; if another retrain crowned a version since the comparison,
the new model is compared with that version afresh (``recompare``).
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

logger = logging.getLogger(__name__)
CHAMPION = "champion"


class ChampionRejected(RuntimeError):
    """The new model was registered but is not fit to serve: the job must fail, saying why."""


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


def register_and_crown(run_id: str, name: str, decision: dict[str, Any], lock_file: Path,
                       recompare: Callable[[Any], dict[str, Any]], version_tags: dict[str, str] | None = None
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register ``runs:/<run_id>/model`` under ``name``; make it ``champion`` if the decision says so.

    ``recompare(model_version)`` decides afresh against a champion that
    changed since ``decision`` was made. Returns what happened (also the
    run's ``champion.*`` tags) and the decision it followed.
    """
    client = MlflowClient()
    version = mlflow.register_model(logged_model_uri(client, run_id), name).version
    for key, value in {f"holdout_{decision['metric']}": f"{decision['challenger']:.6f}", **(version_tags or {})}.items():
        client.set_model_version_tag(name, version, key, str(value)[:5000])
    with _locked(lock_file):
        current = _current_champion(client, name)
        seen = decision.get("champion_version") if decision.get("lineage") != "new" else _version_of(current)
        if decision["outcome"] != "reject" and _version_of(current) != seen:
            logger.info("The champion moved to v%s since the comparison: comparing with it again", current.version)
            decision = {**recompare(current), "lineage": decision.get("lineage")}
        if decision["promote"]:
            client.set_registered_model_alias(name, CHAMPION, version)
    client.set_model_version_tag(name, version, "decision", decision["outcome"])
    outcome = {"model_version": int(version), "decision": decision["outcome"], "reason": decision["reason"],
               "metric": decision["metric"], "challenger_score": decision["challenger"],
               "champion_score": decision["champion"], "lower_bound": decision["lower_bound"],
               "underpowered": decision["underpowered"], "holdout_minority_rows": decision["holdout_minority_rows"],
               "previous_champion_version": _version_of(current)}
    for key, value in outcome.items():
        client.set_tag(run_id, f"champion.{key}", str(value)[:5000])
    logger.info("Registered %s v%s (holdout %s %.4f); champion %s: %s", name, version, decision["metric"],
                decision["challenger"], "none before" if current is None else f"v{current.version}",
                f"moved to v{version}" if decision["promote"] else
                ("kept" if current is not None else "none") + f" ({decision['outcome']}: {decision['reason']})")
    if decision["outcome"] == "reject":
        raise ChampionRejected(f"{name} v{version} is registered without the '{CHAMPION}' alias: {decision['reason']} "
                               f"({decision['holdout_minority_rows']} minority rows of {decision['holdout_rows']} in the "
                               f"holdout). The champion {'is still v' + str(current.version) if current else 'stays unset'}.")
    return outcome, decision


def _version_of(model_version) -> int | None:
    return None if model_version is None else int(model_version.version)
