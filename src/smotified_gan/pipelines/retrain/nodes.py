"""Retraining nodes the experiment does not have: lineage, a hash holdout, the input contract, calibration, the decision.

The core of each lives in ``smotified_gan.production`` (framework-free); these
nodes wire it to the catalog and say what they did in the log.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.data.readers import RawData
from smotified_gan.data.tables import REPEAT, RESERVED, ROW_KEY, TARGET, DataValidationError, feature_columns
from smotified_gan.io.champion import ChampionModel
from smotified_gan.production.calibration import CalibratedClassifier, calibrate
from smotified_gan.production.contract import InputContract, column_kind, schema_differences
from smotified_gan.production.decision import Decision, DecisionRules, decide
from smotified_gan.production.holdout import in_holdout, row_keys, rows_digest

logger = logging.getLogger(__name__)


class SchemaChangeError(ValueError):
    """The production table's columns differ from the champion's: a new model lineage, said before any training."""


def check_lineage(table: pd.DataFrame, champion: ChampionModel | None, retrain: dict[str, Any]
                  ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table, admitted when its schema is the champion's; a ``SchemaChangeError`` in seconds when it is not.

    With ``retrain.on_schema_change: new_lineage`` a changed schema is
    admitted as a new lineage: its first model is not compared with the old
    champion, which cannot score it.
    """
    kinds = {column: column_kind(table[column]) for column in feature_columns(table)}
    if champion is None:
        return table, {"status": "first", "differences": []}
    differences = schema_differences(champion.column_kinds(), kinds)
    if not differences:
        return table, {"status": "same", "champion_version": champion.version, "differences": []}
    if retrain.get("on_schema_change", "stop") != "new_lineage":
        raise SchemaChangeError(
            f"the production table's columns differ from those of the champion {champion.name} v{champion.version}: "
            + "; ".join(differences) + ". A new table is a new model lineage: register it under a new name "
            "(production_model_name in conf/<env>/globals.yml), or run with --params "
            "retrain.on_schema_change=new_lineage to crown the first model of the new schema. Nothing was trained.")
    logger.warning("New lineage: the table's columns differ from %s v%d (%s); its first model is judged on its own",
                   champion.name, champion.version, "; ".join(differences))
    return table, {"status": "new", "champion_version": champion.version, "differences": differences}


def key_rows(raw: RawData | pd.DataFrame, table: pd.DataFrame, holdout: dict[str, Any], spec: dict[str, Any]) -> pd.DataFrame:
    """The table with each row's holdout key (``row_key``): a digest of ``retrain.holdout.key_column``, read from
    the raw rows (so the key may be a column the model never sees, e.g. one in ``drop_columns``), or without one
    of the row's feature values. Ingestion keeps every raw row, in order, so the two line up."""
    key_column = holdout.get("key_column")
    raw = RawData.of(raw, spec.get("source", "")).frame
    if key_column and key_column not in raw.columns:
        raise DataValidationError(f"dataset '{spec['id']}': retrain.holdout.key_column '{key_column}' is not a column "
                                  f"of the production table; its columns are {list(map(str, raw.columns))}")
    if len(raw) != len(table):
        raise ValueError(f"dataset '{spec['id']}': {len(raw)} raw rows but {len(table)} ingested rows")
    keys = row_keys(raw.reset_index(drop=True), key_column) if key_column else row_keys(table)
    return table.assign(**{ROW_KEY: keys})


def split_holdout(table: pd.DataFrame, holdout: dict[str, Any], spec: dict[str, Any]
                  ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training rows, holdout rows (membership by a hash of the row: ``production.holdout``), and the training rows' keys.

    Both tables carry ``repeat`` = 0 (production has one repeat). The keys
    travel with the model's run, so a later retrain can check that no holdout
    row of its own was a training row of the champion.
    """
    keys = table[ROW_KEY].to_numpy(dtype=np.uint64)
    held = in_holdout(keys, float(holdout["test_size"]), int(holdout["seed"]))
    train, test = (table[mask].reset_index(drop=True).assign(**{REPEAT: 0}) for mask in (~held, held))
    if test[TARGET].sum() == 0:
        raise ValueError(f"dataset '{spec['id']}': the holdout ({len(test)} rows) holds no minority row: "
                         "raise retrain.holdout.test_size or add rows")
    logger.info("Holdout by row hash (%s): %d of %d rows, %d minority; training rows %d, %d minority",
                holdout.get("key_column") or "all feature values", len(test), len(table), int(test[TARGET].sum()),
                len(train), int(train[TARGET].sum()))
    return train, test, pd.DataFrame({"row_key": keys[~held]})


def build_input_contract(train_table: pd.DataFrame, training_rows: pd.DataFrame, holdout: dict[str, Any],
                         contract: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The raw input contract of the model (pandera schema, training distribution) and what it trained on."""
    rows = train_table[feature_columns(train_table)]
    meta = {"dataset": spec["id"], "label_column": spec["label_column"], "minority": spec["minority"],
            "dropped_columns": list(spec.get("drop_columns") or []),
            "training_rows": int(len(training_rows)), "training_rows_digest": rows_digest(training_rows["row_key"].to_numpy()),
            "holdout": {"key_column": holdout.get("key_column"), "test_size": float(holdout["test_size"]),
                        "seed": int(holdout["seed"])}}
    built = InputContract.from_training_rows(rows, bins=int(contract.get("drift_bins", 10)), meta=meta)
    logger.info("Input contract: %s", ", ".join(f"{c} ({k})" for c, k in built.kinds().items()))
    return built.to_dict()


def calibrate_best_run(classifiers, validation_set: pd.DataFrame, selection: dict[str, Any]) -> CalibratedClassifier:
    """Each run calibrated on the validation rows with its best threshold for ``selection.metric``; the best run kept.

    ``selection.calibration``: ``platt`` (default) or ``isotonic``.
    """
    X = validation_set[classifiers.feature_names].to_numpy()
    y = validation_set[TARGET].to_numpy()
    metric, method = selection["metric"], selection.get("calibration", "platt")
    fitted = [calibrate(scores, y, method, metric) for scores in classifiers.scores(X)]
    values = [value for _, value in fitted]
    best = int(np.argmax(values))
    calibration = fitted[best][0]
    logger.info("Validation %s per run (%s calibration, best threshold each): %s; keeping run %d (seed %d), "
                "threshold %.4f", metric, method, ", ".join(f"{v:.3f}" for v in values), best,
                classifiers.seeds[best], calibration.threshold)
    return CalibratedClassifier(classifiers.select(best), calibration)


def unlabelled_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A labelled table's rows in the raw schema without ``label``/``target``: what the deployed model is fed."""
    return table.drop(columns=[c for c in RESERVED if c in table.columns])


def conform_rows(contract: dict[str, Any], rows: pd.DataFrame) -> pd.DataFrame:
    """The deployed model's first step: rows held to its input contract (types as in training), else an error."""
    conformed, _ = InputContract.from_dict(contract).conform(rows, rows.attrs.get("source", "the rows to score"))
    return conformed


def decision_rules(retrain: dict[str, Any]) -> DecisionRules:
    bootstrap = retrain.get("bootstrap") or {}
    return DecisionRules(metric=retrain["champion_metric"], confidence=float(retrain.get("confidence", 0.9)),
                         min_improvement=float(retrain.get("min_improvement", 0.0)),
                         min_metric=float(retrain.get("min_metric", 0.0)),
                         min_holdout_minority=int(retrain.get("min_holdout_minority", 30)),
                         bootstrap=int(bootstrap.get("resamples", 2000)), seed=int(bootstrap.get("seed", 0)))


def compare_on_holdout(y: np.ndarray, rows: pd.DataFrame, predictions: pd.DataFrame, champion: ChampionModel | None,
                       rules: DecisionRules, keys: np.ndarray) -> dict[str, Any]:
    """The decision between the new model (``predictions`` on ``rows``) and ``champion``, on the holdout rows
    neither trained on (rows the champion trained on, after a change of the holdout settings, are left out)."""
    keep = np.ones(len(y), dtype=bool)
    if champion is not None:
        trained = champion.training_row_keys()
        if trained is not None:
            keep = ~np.isin(keys, trained)
    challenger = (predictions["minority_score"].to_numpy()[keep], predictions["predicted_class"].to_numpy()[keep])
    rival = None
    if champion is not None:
        theirs = champion.predict(rows[keep].reset_index(drop=True))
        rival = (theirs["minority_score"].to_numpy(), theirs["predicted_class"].to_numpy())
    decision = decide(y[keep], challenger, rival, rules, None if champion is None else champion.version)
    return {**decision.to_dict(), "holdout_rows_champion_trained_on": int((~keep).sum())}


def decide_champion(holdout_predictions: pd.DataFrame, holdout_table: pd.DataFrame, holdout_rows: pd.DataFrame,
                    champion: ChampionModel | None, lineage: dict[str, Any], retrain: dict[str, Any]) -> dict[str, Any]:
    """Reject, keep or promote the new model against the champion on the holdout (``smotified_gan.production.decision``)."""
    rival = None if lineage["status"] == "new" else champion
    decision = compare_on_holdout(holdout_table[TARGET].to_numpy(), holdout_rows, holdout_predictions, rival,
                                  decision_rules(retrain), holdout_table[ROW_KEY].to_numpy(dtype=np.uint64))
    decision["lineage"] = lineage["status"]
    log_decision(decision)
    return decision


def log_decision(decision: dict[str, Any]) -> None:
    if decision["underpowered"]:
        logger.warning("The holdout holds %d minority rows, fewer than retrain.min_holdout_minority: this decision is "
                       "underpowered (a difference of one or two rows decides it)", decision["holdout_minority_rows"])
    logger.info("Holdout %s: new model %.4f, champion %s -> %s: %s", decision["metric"], decision["challenger"],
                "none" if decision["champion"] is None else f"v{decision['champion_version']} {decision['champion']:.4f}",
                decision["outcome"], decision["reason"])


__all__ = ["Decision", "SchemaChangeError", "build_input_contract", "calibrate_best_run", "check_lineage",
           "compare_on_holdout", "conform_rows", "decide_champion", "split_holdout", "unlabelled_rows"]
