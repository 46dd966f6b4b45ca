"""The MLflow side of retraining: register a logged model, move ``champion`` only when shown better, keep runs honest.

Framework-free (MLflow only). The decision itself (``smotified_gan.core.production.decision``)
is made on the holdout by the ``decide_champion`` node. Around it:

- **one retrain of a model name at a time per checkout** (``RetrainQueue``: a
  second run waits for the first, saying so every 30 s), so that no run's files
  are overwritten by another's before they are logged;
- **a version is tagged only with its own run's evidence**, handed over in memory;
- **alias moves under a lock** beside a SQLite store, after reading the champion
  again: if another checkout crowned a version since the comparison, the new
  model is compared with that version afresh (``recompare``);
- the locks (``tracking.locks``) and the runs whose process is gone (``tracking.runs``) have modules of their
  own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from smotified_gan.tracking.locks import locked

logger = logging.getLogger(__name__)
CHAMPION = "champion"


class ChampionRejected(RuntimeError):
    """The new model was registered but is not fit to serve: the job must fail, saying why."""


def logged_model_uri(client: MlflowClient, run_id: str, model_name: str = "model") -> str:
    """``models:/<model id>`` of the model the run logged under ``model_name`` (MLflow 3's logged models)."""
    run = client.get_run(run_id)
    logged = client.search_logged_models(experiment_ids=[run.info.experiment_id],
                                         filter_string=f"source_run_id='{run_id}' AND name='{model_name}'")
    if not logged:
        raise ValueError(f"run {run_id} logged no model named '{model_name}': nothing to register")
    return logged[0].model_uri


def _current_champion(client: MlflowClient, name: str):
    try:
        return client.get_model_version_by_alias(name, CHAMPION)
    except MlflowException:
        return None


def register_and_crown(run_id: str, name: str, decision: dict[str, Any], lock_file: Path,
                       recompare: Callable[[Any], dict[str, Any]], version_tags: dict[str, str] | None = None,
                       recompared: Callable[[dict[str, Any]], None] | None = None
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register ``runs:/<run_id>/model`` under ``name``; make it ``champion`` if the decision says so.

    ``recompare(model_version)`` decides afresh against a champion that
    changed since ``decision`` was made; ``recompared(new_decision)`` is then
    told, before anything else (a record of the first decision must be
    rewritten). Returns what happened (also the run's ``champion.*`` tags) and
    the decision it followed; the version's tags are that decision's.
    """
    client = MlflowClient()
    version = mlflow.register_model(logged_model_uri(client, run_id), name).version
    decision, current = _decide_under_lock(client, name, int(version), decision, lock_file, recompare)
    if recompared is not None and "recompared" in decision:
        recompared(decision)
    # the tags are the decision the registry acted on (after any re-comparison), never the first one
    _tag_version(client, name, version, {
        **figure_tags(decision, crowned_over_champion=decision["promote"] and decision["champion"] is not None),
        **(version_tags or {}), **decision_tags(decision), "decision": decision["outcome"]})
    outcome = _run_outcome(int(version), decision, current)
    for key, value in outcome.items():
        client.set_tag(run_id, f"champion.{key}", str(value)[:5000])
    logger.info("Registered %s v%s (holdout %s %.4f); champion: %s", name, version, decision["metric"],
                decision["challenger"], f"moved to v{version}" if decision["promote"] else
                (f"stays v{current.version}" if current is not None else "none") + f" ({decision['outcome']})")
    if decision["outcome"] == "reject":
        raise ChampionRejected(f"{name} v{version} is registered without the '{CHAMPION}' alias: {decision['reason']} "
                               f"({decision['holdout_minority_rows']} minority rows of {decision['holdout_rows']} in the "
                               f"holdout). The champion {'is still v' + str(current.version) if current else 'stays unset'}.")
    return outcome, decision


def _decide_under_lock(client: MlflowClient, name: str, version: int, decision: dict[str, Any], lock_file: Path,
                       recompare: Callable[[Any], dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    """Under the registry lock: the decision again if the champion moved since it was made, the look checked as
    still open, the alias moved on a promotion, and what this retrain learnt about the champion written on it.
    Returns the decision acted on and the champion it was made against (None: none)."""
    with locked(lock_file):
        current = _current_champion(client, name)
        seen = decision.get("champion_version") if decision.get("lineage") != "new" else _version_of(current)
        if decision["outcome"] != "reject" and _version_of(current) != seen:
            logger.info("The champion moved to v%s since the comparison: comparing with it again", current.version)
            decision = {**recompare(current), "lineage": decision.get("lineage"),
                        "recompared": f"the champion moved to v{current.version} after the first comparison "
                                      f"(against {_describe_version(seen)}); this is the comparison with v{current.version}"}
        decision = _look_still_open(decision, current)
        if decision["promote"]:
            client.set_registered_model_alias(name, CHAMPION, version)
        if current is not None and decision.get("champion_version") == _version_of(current):
            _tag_version(client, name, current.version, champion_tags(decision, version))
    return decision, current


def _tag_version(client: MlflowClient, name: str, version, tags: dict[str, Any]) -> None:
    for key, value in tags.items():
        client.set_model_version_tag(name, version, key, str(value)[:5000])


def _run_outcome(version: int, decision: dict[str, Any], current) -> dict[str, Any]:
    """What the run's ``champion.*`` tags say happened."""
    return {"model_version": version, "decision": decision["outcome"], "reason": decision["reason"],
            "metric": decision["metric"], "challenger_score": decision["challenger"],
            "champion_score": decision["champion"], "no_skill_score": decision["no_skill"],
            "no_skill_p_value": decision["no_skill_p_value"], "p_value": decision["p_value"],
            "underpowered": decision["underpowered"], "holdout_minority_rows": decision["holdout_minority_rows"],
            "look": decision.get("look"), "alpha": decision.get("alpha"),
            "champion_fresh_score": decision.get("champion_fresh"), "previous_champion_version": _version_of(current)}


def _look_still_open(decision: dict[str, Any], current) -> dict[str, Any]:
    """A promotion made at a look that another retrain made meanwhile (read again under the lock) is not one: each
    look at a champion is made once (``production.decision``)."""
    from smotified_gan.io.champion import LOOKS_SPENT

    if not decision["promote"] or current is None or decision.get("champion_version") != _version_of(current):
        return decision
    spent = int((current.tags or {}).get(LOOKS_SPENT, 0) or 0)
    if decision.get("look", 0) > spent:
        return decision
    return {**decision, "outcome": "keep", "promote": False,
            "reason": f"look {decision['look']} at v{current.version} was made by another retrain meanwhile: the "
                      f"champion stays ({decision['reason']})"}


def figure_tags(decision: dict[str, Any], crowned_over_champion: bool) -> dict[str, str]:
    """A new version's holdout figure, and which rows it comes from. A version crowned over a champion won on its
    figure, so that figure is selected (``selected_on_<metric>``) and its honest one is measured on the rows that
    arrive after its crown, by the retrains that follow (``champion_tags``)."""
    metric, interval = decision["metric"], decision.get("challenger_interval")
    figure = {f"holdout_{metric}": f"{decision['challenger']:.6f}",
              f"holdout_{metric}_interval": _interval(interval, decision["confidence"]),
              f"holdout_{metric}_rows": f"{decision['holdout_rows']} holdout rows ({decision['holdout_minority_rows']} "
                                        "minority) of its own retrain"}
    if not crowned_over_champion:
        return figure
    return {f"holdout_{metric}": "pending", f"holdout_{metric}_interval": "pending",
            f"holdout_{metric}_rows": "measured on the holdout rows that arrive after its crown, by later retrains",
            f"selected_on_{metric}": figure[f"holdout_{metric}"],
            f"selected_on_{metric}_interval": figure[f"holdout_{metric}_interval"]}


def champion_tags(decision: dict[str, Any], by_version: int) -> dict[str, str]:
    """What a retrain learnt about the champion it was compared with: its figure on the rows that arrived after its
    crown (never used to choose it), with its interval, and the looks made at it (``production.decision``)."""
    from smotified_gan.io.champion import LOOKS_SPENT

    tags: dict[str, str] = {}
    metric = decision["metric"]
    if decision.get("champion_fresh") is not None:
        tags.update({f"holdout_{metric}": f"{decision['champion_fresh']:.6f}",
                     f"holdout_{metric}_interval": _interval(decision.get("champion_interval"), decision["confidence"]),
                     f"holdout_{metric}_rows": f"{decision['fresh_rows']} holdout rows ({decision['fresh_minority_rows']} "
                                               f"minority) that arrived after its crown (retrain of v{by_version})"})
    if decision["outcome"] != "promote" and decision.get("p_value") is not None:
        tags[LOOKS_SPENT] = str(max(int(decision.get("look") or 0), int(decision.get("looks_spent") or 0)))
    return tags


def _interval(interval, confidence: float) -> str:
    from smotified_gan.core.production.decision import interval_text

    text = interval_text(interval)
    return f"{text} ({confidence:.0%} bootstrap over keys)" if text else "none"


def decision_tags(decision: dict[str, Any]) -> dict[str, str]:
    """A version's tags that come from its decision: its holdout, the no-skill figures, the test against the
    champion it was compared with."""
    return {"holdout_rows": str(decision["holdout_rows"]), "holdout_minority_rows": str(decision["holdout_minority_rows"]),
            "no_skill": f"{decision['no_skill']:.6f}", "no_skill_p_value": f"{decision['no_skill_p_value']:.6g}",
            "p_value_vs_champion": str(decision["p_value"]), "compared_with": _describe_version(
                decision.get("champion_version") if decision.get("champion") is not None else None)}


def _describe_version(version) -> str:
    return "no champion" if version is None else f"v{version}"


def _version_of(model_version) -> int | None:
    return None if model_version is None else int(model_version.version)
