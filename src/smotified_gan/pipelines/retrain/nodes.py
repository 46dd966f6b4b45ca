"""Retraining nodes the experiment does not have: lineage, a hash holdout, the input contract, cross-fitted
calibration, the decision.

The core of each lives in ``smotified_gan.core.production`` (framework-free); these
nodes wire it to the catalog and say what they did in the log. Their
parameters arrive as the checked pydantic models of ``smotified_gan.core.parameters``
(Kedro builds them from the node's type hints); the blocks they share with the
experiment's nodes (the method, the training settings, the dataset) stay the
experiment's dicts.
"""

from __future__ import annotations

import json
import logging
import math
import time
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.core.data.readers import RawData
from smotified_gan.core.data.tables import REPEAT, RESERVED, ROW_KEY, TARGET, feature_columns
from smotified_gan.core.names import MINORITY_SCORE, PREDICTED_CLASS
from smotified_gan.core.oversampling import oversample_training_set
from smotified_gan.core.parameters import (
    AutoSettings,
    ClassifierSettings,
    Contract,
    DecisionSettings,
    Holdout,
    Oversampling,
    Sampling,
    ThresholdSettings,
)
from smotified_gan.core.production.calibration import CalibratedClassifier, Calibration, deployed_threshold
from smotified_gan.core.production.contract import InputContract
from smotified_gan.core.production.decision import decide, interval_text
from smotified_gan.core.production.holdout import keyed_table, lineage_differences, recipe, rows_digest, split_by_key
from smotified_gan.core.production.sampling import sample_majority
from smotified_gan.core.production.selection import Candidate, Scored, choose, score_candidates
from smotified_gan.core.protocol import EpochsSpec
from smotified_gan.core.training import lens_name, score_rows, train_classifier_runs, with_class_weight
from smotified_gan.io.champion import BrokenChampion, ChampionModel

# retrain.method: a method's settings, or "auto"; one name, not a Union, for Kedro's typed-parameter check
MethodSpec = Any

logger = logging.getLogger(__name__)


class LineageChangeError(ValueError):
    """The production table's columns or holdout settings differ from the champion's: said before any training."""


def check_lineage(table: pd.DataFrame, champion: ChampionModel | BrokenChampion | None, holdout: Holdout,
                  decision: DecisionSettings) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table, admitted when its columns and holdout recipe are the champion's; a ``LineageChangeError`` in
    seconds, naming what differs, when they are not. A column exported as floats of whole numbers where the champion
    was trained on integers (or as integers where it had floats) is the same column, converted (``as_kinds``).

    With ``retrain.decision.on_lineage_change: new_lineage`` a change is
    admitted as a new lineage: its first model is judged on its own (against
    no skill), not against the old champion. A champion that cannot be loaded
    starts a new lineage by itself (retrain is never stuck behind it). The
    champion's training-row keys are read here, before any training: if they
    cannot be read, the run stops.
    """
    if champion is None:
        return table, {"status": "first", "differences": []}
    if isinstance(champion, BrokenChampion):
        return table, {"status": "new", "champion_version": champion.version, "differences": [champion.reason]}
    table, differences, now = lineage_differences(table, champion.column_kinds(), champion.holdout_recipe(), holdout)
    if not differences:
        return table, _same_lineage(champion, now)
    if decision.on_lineage_change != "new_lineage":
        raise LineageChangeError(_lineage_refusal(champion, differences))
    logger.warning("New lineage: differs from %s v%d (%s); its first model is judged on its own", champion.name,
                   champion.version, "; ".join(differences))
    return table, {"status": "new", "champion_version": champion.version, "differences": differences}


def _same_lineage(champion: ChampionModel, now: dict[str, Any]) -> dict[str, Any]:
    champion.training_row_keys()  # read now: an unreadable record stops the run before training
    before = champion.holdout_recipe().get("test_size")
    if before is not None and before != now["test_size"]:
        logger.info("retrain.holdout.test_size %s -> %s since %s v%d: holdout rows the champion trained on are "
                    "left out of the comparison", before, now["test_size"], champion.name, champion.version)
    return {"status": "same", "champion_version": champion.version, "differences": []}


def _lineage_refusal(champion: ChampionModel, differences: list[str]) -> str:
    return (f"the production table or its holdout settings differ from those of the champion {champion.name} "
            f"v{champion.version}: " + "; ".join(differences) + ". Its holdout could then hold rows the champion "
            "trained on, unseen. Set them back, register the table under a new name (production_model_name in "
            "conf/<env>/globals.yml), or run with --params retrain.decision.on_lineage_change=new_lineage to judge "
            "the new model on its own. Nothing was trained.")


def key_rows(raw: RawData | pd.DataFrame, table: pd.DataFrame, holdout: Holdout, spec: dict[str, Any]) -> pd.DataFrame:
    """The table with its feature columns in name order and each row's holdout key (``row_key``).

    Name order: a table re-exported with its columns in another order trains
    the same model (and its input contract, hence every batch, is in that order).
    The key is a digest of ``retrain.holdout.key_column``, read from the raw
    rows (so it may be a column the model never sees, e.g. one in
    ``drop_columns``), or without one of the row's feature values
    (``production.holdout``). Ingestion keeps every raw row, in order, so the two
    line up.
    """
    raw = RawData.of(raw, spec.get("source", ""))
    return keyed_table(raw.frame, table, holdout.key_column, f"dataset '{spec['id']}'", raw.origin)


def split_holdout(table: pd.DataFrame, holdout: Holdout, spec: dict[str, Any]
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training rows, holdout rows (membership by a hash of the row: ``production.holdout.split_by_key``), and the
    training rows' and holdout rows' keys, which travel with the model's run so that a later retrain can check its
    holdout and tell the rows that arrived after it. Both tables carry ``repeat`` = 0 (production has one repeat of
    the experiment's protocol)."""
    train, test = (part.assign(**{REPEAT: 0}) for part in split_by_key(table, holdout.test_size, holdout.seed, spec["id"]))
    logger.info("Holdout by row hash (%s): %d of %d rows, %d minority; training rows %d, %d minority",
                holdout.key_column or "all feature values", len(test), len(table), int(test[TARGET].sum()),
                len(train), int(train[TARGET].sum()))
    return (train, test, pd.DataFrame({ROW_KEY: train[ROW_KEY].to_numpy(dtype=np.uint64)}),
            pd.DataFrame({ROW_KEY: test[ROW_KEY].to_numpy(dtype=np.uint64)}))


def sample_training_rows(train_table: pd.DataFrame, sampling: Sampling) -> tuple[pd.DataFrame, float]:
    """The training rows the models are fitted on: all of them, or beyond ``retrain.sampling.max_rows`` every
    minority row and a sample of the majority rows (``production.sampling``); the share of majority rows kept,
    which the calibration corrects for. The input contract and the decision still see every row."""
    rows, sample = sample_majority(train_table, sampling.max_rows, sampling.seed)
    logger.info("Fitting on %s (retrain.sampling.max_rows %s)", sample.describe(), sampling.max_rows)
    return rows, sample.rate


def build_input_contract(train_table: pd.DataFrame, training_rows: pd.DataFrame, holdout: Holdout,
                         contract: Contract, spec: dict[str, Any]) -> dict[str, Any]:
    """The raw input contract of the model (pandera schema, training distribution), what it trained on, and how
    its holdout was made (``production.holdout.recipe``: compared at the next retrain)."""
    rows = train_table[feature_columns(train_table)]
    meta = {"dataset": spec["id"], "label_column": spec["label_column"], "minority": spec["minority"],
            "dropped_columns": list(spec.get("drop_columns") or []),
            "training_rows": int(len(training_rows)), "training_rows_digest": rows_digest(training_rows[ROW_KEY].to_numpy()),
            "holdout": recipe(train_table, holdout.key_column, holdout.test_size, holdout.seed)}
    built = InputContract.from_training_rows(rows, bins=contract.drift_bins, meta=meta)
    logger.info("Input contract: %s", ", ".join(f"{c} ({k})" for c, k in built.kinds().items()))
    return built.to_dict()


def choose_candidate(train_set: pd.DataFrame, majority_rate: float, method: MethodSpec, oversampling: Oversampling,
                     gan_epochs: int, training: dict[str, Any], classifier_epochs: EpochsSpec,
                     threshold: ThresholdSettings, auto: AutoSettings | None, decision: DecisionSettings
                     ) -> tuple[dict[str, Any], dict[str, Any], Calibration, pd.DataFrame, pd.DataFrame]:
    """The method and training settings the deployed model is fitted with, its calibration and threshold, each
    candidate's evidence, and the winner's out-of-fold scores.

    One candidate, or with ``auto`` every candidate of ``retrain.auto``, each cross-fitted on the same folds of
    the training rows by the nodes that train the deployed model (``production.selection``). The winner's
    calibration and threshold are fitted on its out-of-fold scores (``production.calibration.deployed_threshold``),
    corrected for ``majority_rate``, the share of majority rows ``train_set`` kept (``sample_training_rows``).
    """
    y = train_set[TARGET].to_numpy()
    scored, winner, reason, comparisons = score_and_choose(train_set, method, oversampling, gan_epochs, training,
                                                           classifier_epochs, threshold, auto, decision)
    calibration, value, why = deployed_threshold(winner.scores, y, threshold, _own_threshold(winner, training),
                                                 majority_rate)
    table = _candidate_table(scored, winner, reason, comparisons, decision.metric)
    _log_choice(winner, y, calibration, threshold.metric, value, table, f"{reason}; threshold: {why}")
    chosen = _training_for(training, winner.candidate.classifier, winner.candidate.method)
    return (dict(winner.candidate.method), chosen, calibration, table,
            pd.DataFrame({"out_of_fold_score": winner.scores, TARGET: y}))


def _own_threshold(winner: Scored, training: dict[str, Any]) -> float:
    """The winner's classifier's own threshold: the network's configured one, a scikit-learn model's 0.5."""
    if isinstance(winner.candidate.classifier, dict):
        return 0.5
    return ClassifierSettings.model_validate(training.get("network") or {}).threshold


def _log_choice(winner: Scored, y: np.ndarray, calibration: Calibration, metric: str, value: float,
                table: pd.DataFrame, reason: str) -> None:
    corrected = "" if calibration.majority_rate == 1.0 else (
        f", corrected for majority rows sampled at rate {calibration.majority_rate:.4g} (threshold and metric as on "
        "all training rows)")
    logger.info("Calibrated on the out-of-fold scores of %s (%d rows, %d minority): %s calibration%s, threshold %.4f, "
                "%s %.4f", winner.candidate.name, len(y), int(y.sum()), calibration.method, corrected,
                calibration.threshold, metric, value)
    if len(table) > 1:
        for row in table.itertuples():
            logger.info("Candidate %s: %s", row.candidate, row.summary)
        logger.info("Choice: %s", reason)


def score_and_choose(train_set: pd.DataFrame, method: MethodSpec, oversampling: dict[str, Any], gan_epochs: int,
                     training: dict[str, Any], classifier_epochs: EpochsSpec, threshold: ThresholdSettings,
                     auto: AutoSettings | None, decision: DecisionSettings
                     ) -> tuple[list[Scored], Scored, str, list[dict[str, Any]]]:
    """Every candidate's cross-fitted evidence (its cost counting the over-sampled rows it shares) and the choice:
    ``choose_candidate``'s core, which ``bench/auto_selection.py`` calls too."""
    candidates = _candidates(method, training, auto)
    fit_and_score, borrowed = _fitter(train_set, oversampling, gan_epochs, training, classifier_epochs)
    scored = score_candidates(train_set[TARGET].to_numpy(), candidates, fit_and_score, threshold.folds,
                              threshold.seed, threshold.calibration, threshold.metric, decision.metric,
                              decision.confidence, auto.max_seconds if auto is not None and len(candidates) > 1 else None)
    for result in scored:  # an over-sampler shared by several candidates costs each of them
        result.seconds += borrowed.get(result.candidate.name, 0.0)
    winner, reason, comparisons = choose(train_set[TARGET].to_numpy(), scored, decision.metric,
                                         decision.min_improvement, decision.seed)
    return scored, winner, reason, comparisons


def _candidates(method: MethodSpec, training: dict[str, Any], auto: AutoSettings | None) -> list[Candidate]:
    """``retrain.method: auto``: every method of ``retrain.auto`` crossed with every classifier of it (to choose the
    method for one classifier, list that one alone); ``retrain.training.classifier: auto`` with a fixed method: that
    method with every classifier; else the one configured candidate."""
    classifier = training["classifier"]
    methods = ({name: m.model_dump(exclude_defaults=True) for name, m in auto.methods.items()} if method == "auto"
               else {method_label(method): dict(method)})
    classifiers = ({name: _spec(c) for name, c in auto.classifiers.items()} if "auto" in (method, classifier)
                   else {lens_name(classifier): classifier})
    return [Candidate(f"{m} + {c}", methods[m], classifiers[c]) for m in methods for c in classifiers]


def _spec(classifier) -> str | dict[str, Any]:
    return classifier if isinstance(classifier, str) else classifier.model_dump(by_alias=True, exclude_none=True)


def method_label(method: dict[str, Any]) -> str:
    """A method's name in logs and tags: its ``label``, else its sampler (and preset)."""
    return method.get("label") or "+".join(str(method[k]) for k in ("sampler", "preset") if method.get(k))


def _training_for(training: dict[str, Any], classifier: str | dict[str, Any],
                  method: dict[str, Any] | None = None) -> dict[str, Any]:
    """Retrain's training settings for one classifier, with the method's class weights (``with_class_weight``)."""
    return with_class_weight({**training, "classifier": classifier}, method)


def _fitter(train_set: pd.DataFrame, oversampling: dict[str, Any], gan_epochs: int, training: dict[str, Any],
            classifier_epochs: EpochsSpec):
    """``fit_and_score(candidate, fit_rows, scored_rows)`` with the nodes that train the deployed model; a fold's
    over-sampled rows are kept for the next candidate with the same method (candidates run grouped by method),
    and the seconds they took are counted to every candidate that uses them (``borrowed``)."""
    cache: dict = {}
    borrowed: dict[str, float] = {}

    def fit_and_score(candidate: Candidate, fit_rows: np.ndarray, scored_rows: np.ndarray) -> np.ndarray:
        key = (repr(sorted(candidate.method.items())), fit_rows.tobytes())
        if key not in cache:
            if cache and next(iter(cache))[0] != key[0]:
                cache.clear()  # another method: its folds' rows are not needed again
            started = time.perf_counter()
            rows = train_set.iloc[fit_rows].reset_index(drop=True)
            cache[key] = (oversample_training_set(rows, candidate.method, oversampling, gan_epochs),
                          time.perf_counter() - started)
        else:
            borrowed[candidate.name] = borrowed.get(candidate.name, 0.0) + cache[key][1]
        classifiers = train_classifier_runs(cache[key][0],
                                            _training_for(training, candidate.classifier, candidate.method),
                                            classifier_epochs)
        return score_rows(classifiers, train_set.iloc[scored_rows].reset_index(drop=True))[MINORITY_SCORE].to_numpy()

    return fit_and_score, borrowed


def _candidate_table(scored: list[Scored], winner: Scored, reason: str, comparisons: list[dict],
                     metric: str) -> pd.DataFrame:
    """One row per candidate: what it is, its cross-fitted metric and interval, its cost, whether it won and why."""
    tested = {c["candidate"]: c for c in comparisons}
    return pd.DataFrame([{
        "candidate": s.candidate.name, "method": json.dumps(s.candidate.method, sort_keys=True),
        "classifier": lens_name(s.candidate.classifier), "metric": metric, "value": s.value,
        "low": s.interval[0], "high": s.interval[1], "seconds": round(s.seconds, 2), "skipped": s.skipped,
        "against": tested.get(s.candidate.name, {}).get("against", ""),
        "difference": tested.get(s.candidate.name, {}).get("difference", np.nan),
        "se": tested.get(s.candidate.name, {}).get("se", np.nan),
        "chosen": s is winner, "reason": reason if s is winner else "", "summary": s.describe(metric)}
        for s in scored])


def calibrate_model(classifiers, calibration: Calibration) -> CalibratedClassifier:
    """The runs trained on all training rows (their mean score) with the cross-fitted calibration and threshold."""
    return CalibratedClassifier(classifiers, calibration)


def unlabelled_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A labelled table's rows in the raw schema without ``label``/``target``: what the deployed model is fed."""
    return table.drop(columns=[c for c in RESERVED if c in table.columns])


def conform_rows(contract: dict[str, Any], rows: pd.DataFrame) -> pd.DataFrame:
    """The deployed model's first step: rows held to its input contract (types as in training), else an error."""
    conformed, _ = InputContract.from_dict(contract).conform(rows, rows.attrs.get("source", "the rows to score"))
    return conformed


def compare_on_holdout(y: np.ndarray, rows: pd.DataFrame, predictions: pd.DataFrame,
                       champion: ChampionModel | None, settings: DecisionSettings, keys: np.ndarray) -> dict[str, Any]:
    """The decision between the new model (``predictions`` on ``rows``) and ``champion``, on the holdout rows
    neither trained on: rows the champion trained on (after ``test_size`` grew, say) are left out and counted. The
    rows that arrived after the champion's crown (not in its own run's holdout) give its honest figure; the looks
    already made at it come from its version's tags (``production.decision``)."""
    keys = np.asarray(keys)
    keep = np.ones(len(y), dtype=bool)
    fresh, looks = None, 0
    if champion is not None:
        keep = ~np.isin(keys, champion.training_row_keys())
        if (~keep).any():
            logger.warning("%d holdout rows were training rows of %s v%d: left out of the comparison",
                           int((~keep).sum()), champion.name, champion.version)
        judged = champion.holdout_row_keys()
        fresh = ~np.isin(keys[keep], judged) if judged is not None else None
        looks = champion.looks_spent()
    challenger = (predictions[MINORITY_SCORE].to_numpy()[keep], predictions[PREDICTED_CLASS].to_numpy()[keep])
    rival = None
    if champion is not None:
        theirs = champion.predict(rows[keep].reset_index(drop=True))
        rival = (theirs[MINORITY_SCORE].to_numpy(), theirs[PREDICTED_CLASS].to_numpy())
    decision = decide(y[keep], challenger, rival, settings, None if champion is None else champion.version,
                      groups=keys[keep], looks_spent=looks, fresh=fresh)
    return {**decision.to_dict(), "holdout_rows_champion_trained_on": int((~keep).sum())}


def decide_champion(holdout_predictions: pd.DataFrame, holdout_table: pd.DataFrame, holdout_rows: pd.DataFrame,
                    train_table: pd.DataFrame, champion: ChampionModel | BrokenChampion | None, lineage: dict[str, Any],
                    decision: DecisionSettings, holdout: Holdout) -> dict[str, Any]:
    """Reject, keep or promote the new model against the champion on the holdout (``smotified_gan.core.production.decision``)."""
    rival = None if lineage["status"] in ("new", "first") else champion
    verdict = compare_on_holdout(holdout_table[TARGET].to_numpy(), holdout_rows, holdout_predictions, rival, decision,
                                 holdout_table[ROW_KEY].to_numpy(dtype=np.uint64))
    verdict["lineage"] = lineage["status"]
    table_minority = int(holdout_table[TARGET].sum()) + int(train_table[TARGET].sum())
    verdict["advice"] = rows_needed(verdict, table_minority, holdout.test_size) if verdict["underpowered"] else ""
    log_decision(verdict)
    return verdict


def rows_needed(verdict: dict[str, Any], table_minority: int, test_size: float) -> str:
    """How many minority rows a decision needs, and what holdout size would give them on this table (which holds
    ``table_minority`` minority rows in all)."""
    needed, held = verdict["min_holdout_minority"], verdict["holdout_minority_rows"]
    size = needed / table_minority if table_minority else math.inf
    how = (f"retrain.holdout.test_size {math.ceil(size * 100) / 100:.2f} would hold about that many"
           if size <= 0.5 else f"the table holds {table_minority} minority rows in all (holdout and training): "
                               f"a holdout of {needed} would leave half of them or fewer to train on: more rows are needed")
    return (f"a decision between two models needs {needed} holdout minority rows (retrain.decision."
            f"min_holdout_minority), this holdout holds {held} (retrain.holdout.test_size {test_size:g}): {how}")


def log_decision(decision: dict[str, Any], label: str = "Decision") -> None:
    """The decision in one line (what a person reads in the job's log), saying which rows each figure comes from,
    and the advice when it is underpowered."""
    if decision.get("advice"):
        logger.warning("Underpowered holdout: %s", decision["advice"])
    metric = decision["metric"]
    rows = f"{decision['holdout_rows']} holdout rows ({decision['holdout_minority_rows']} minority)"
    if decision["champion"] is None:
        champion = "no champion"
    else:
        honest = ("no row has arrived since its crown" if decision.get("champion_fresh") is None else
                  f"{decision['champion_fresh']:.4f} {interval_text(decision.get('champion_interval'))} on the "
                  f"{decision['fresh_rows']} rows ({decision['fresh_minority_rows']} minority) that arrived after its crown")
        champion = f"champion v{decision['champion_version']} {decision['champion']:.4f} (honest figure: {honest})"
    logger.info("%s: %s. Holdout %s on %s: new model %.4f %s, %s, no skill %.4f: %s", label, decision["outcome"], metric,
                rows, decision["challenger"], interval_text(decision.get("challenger_interval")), champion,
                decision["no_skill"], decision["reason"])


__all__ = ["LineageChangeError", "build_input_contract", "calibrate_model", "check_lineage",
           "choose_candidate", "compare_on_holdout", "conform_rows", "decide_champion", "sample_training_rows",
           "split_holdout", "unlabelled_rows"]
