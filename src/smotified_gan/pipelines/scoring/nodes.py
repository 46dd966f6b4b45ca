"""Batch scoring: hold the batch to the champion's input contract, count what is unusual, score, say which model did.

``check_batch`` validates the whole batch before any prediction (every
failing column and its first failing rows in one error naming the file;
nothing is written), counts the rows outside the training range and the
unseen categories per column, measures drift (PSI), and applies the
configured policy to each (``warn``: log, flag the rows, score anyway;
``fail``: stop). ``score_batch`` then scores the rows with the champion.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.core.names import MINORITY_SCORE, PREDICTED_CLASS
from smotified_gan.core.parameters import Scoring
from smotified_gan.core.production.contract import BatchValidationError, InputContract
from smotified_gan.core.production.ids import duplicates, exact_ids
from smotified_gan.io.champion import ChampionModel

logger = logging.getLogger(__name__)
CHECKS = ("out_of_range", "unseen_category", "drift")


def check_batch(batch: pd.DataFrame, champion: ChampionModel, scoring: Scoring
                ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The rows to score (``row_id``, the model's columns, ``flags``), the per-column checks and their MLflow metrics."""
    source = batch.attrs.get("source", "the batch")
    contract = champion.contract()
    if contract is None:
        raise BatchValidationError(f"{champion.name} v{champion.version} was registered without an input contract: "
                                   "retrain it (`kedro run --pipelines retrain --env prod`) before scoring")
    id_column = scoring.id_column
    if id_column and id_column not in batch.columns:
        raise BatchValidationError(f"{source}: the id column '{id_column}' (scoring.id_column) is not in the batch; "
                                   f"columns are {list(batch.columns)}")
    ids = _row_ids(batch, scoring, source)
    rows, soft = contract.conform(batch, source, id_column, scoring.max_rows_shown)
    assessment = contract.assess(rows, soft)
    report = _with_drift(assessment.report, scoring)
    _apply_policies(report, scoring, source)
    checked = rows.copy()
    checked.insert(0, "row_id", ids.to_numpy())
    checked["flags"] = _with_duplicate_flags(assessment.flags, ids).to_numpy()
    report.insert(0, "model_version", champion.version)
    report.insert(0, "source", source)
    return checked, report, _metrics(report, assessment.flagged_rows)


def _row_ids(batch: pd.DataFrame, scoring: Scoring, source: str) -> pd.Series:
    """The batch's ids, exact (``production.ids``): a blank or rounded id is an error; repeated ids follow
    ``scoring.checks.duplicate_id``. Without ``scoring.id_column``, the rows' positions."""
    if not scoring.id_column:
        return pd.Series(np.arange(len(batch)))
    what = f"{source}: id column '{scoring.id_column}' (scoring.id_column)"
    ids = exact_ids(batch[scoring.id_column], what, BatchValidationError, scoring.max_rows_shown, "nothing was scored")
    count, first = duplicates(ids, scoring.max_rows_shown)
    if count:
        message = (f"{what}: {count} row(s) repeat an id of an earlier row ({first}): their predictions could not be "
                   "told apart by id")
        if scoring.checks.duplicate_id == "fail":
            raise BatchValidationError(f"{message}; nothing was scored (scoring.checks.duplicate_id: fail; 'warn' "
                                       "scores them, flagged duplicate_id)")
        logger.warning("%s; scored, flagged duplicate_id (scoring.checks.duplicate_id: warn)", message)
    return ids


def _with_duplicate_flags(flags: pd.Series, ids: pd.Series) -> pd.Series:
    """Every row whose id another row of the batch carries too gets ``duplicate_id`` among its flags."""
    shared = ids.duplicated(keep=False).to_numpy()
    if not shared.any():
        return flags
    values = flags.to_numpy(dtype=object).copy()
    values[shared] = [f"{f};duplicate_id" if f else "duplicate_id" for f in values[shared]]
    return pd.Series(values, index=flags.index)


def _with_drift(report: pd.DataFrame, scoring: Scoring) -> pd.DataFrame:
    threshold, min_rows = scoring.drift.psi_threshold, scoring.drift.min_rows
    report = report.copy()
    report["drift"] = np.where(report["rows"] < min_rows, f"not judged (fewer than {min_rows} rows)",
                               np.where(report["psi"] >= threshold, "large", "stable"))
    return report


def _apply_policies(report: pd.DataFrame, scoring: Scoring, source: str) -> None:
    """Log every finding; raise for the checks whose policy is ``fail``."""
    policies = {check: getattr(scoring.checks, check) for check in CHECKS}
    findings = {
        "out_of_range": [f"'{r.column}' {r.out_of_range_rows} row(s) outside [{r.training_min:g}, {r.training_max:g}] "
                         f"({r.below_min} below, {r.above_max} above)"
                         for r in report.itertuples() if r.out_of_range_rows],
        "unseen_category": [f"'{r.column}' {r.unseen_category_rows} row(s) with categories never seen in training "
                            f"({r.unseen_values})" for r in report.itertuples() if r.unseen_category_rows],
        "drift": [f"'{r.column}' PSI {r.psi:.3f}" for r in report.itertuples() if r.drift == "large"],
    }
    failing = []
    for check, found in findings.items():
        if found:
            logger.warning("%s, %s: %s (scoring.checks.%s: %s)", source, check.replace("_", " "), "; ".join(found),
                           check, policies[check])
            if policies[check] == "fail":
                failing.append(f"{check.replace('_', ' ')}: " + "; ".join(found))
    failing += _over_max_share(report, scoring)
    if failing:
        raise BatchValidationError(f"{source} fails the checks set to 'fail' in scoring.checks or the shares of "
                                   "scoring.max_share; nothing was scored:\n- " + "\n- ".join(failing))


def _over_max_share(report: pd.DataFrame, scoring: Scoring) -> list[str]:
    """Columns where more of the batch's rows than ``scoring.max_share`` allows hold unseen categories or numbers
    outside the training range: a renamed, re-cased or re-scaled column, whatever the per-row policy says."""
    limits = {"unseen_category": scoring.max_share.unseen_category, "out_of_range": scoring.max_share.out_of_range}
    found = []
    for r in report.itertuples():
        for check, limit in limits.items():
            count = getattr(r, f"{check}_rows")
            if limit is not None and r.rows and count / r.rows > limit:
                what = ("categories never seen in training: " + r.unseen_values if check == "unseen_category" else
                        f"numbers outside the training range [{r.training_min:g}, {r.training_max:g}]")
                found.append(f"{check.replace('_', ' ')}: '{r.column}' {count} of {r.rows} rows ({count / r.rows:.0%}) "
                             f"hold {what} (above scoring.max_share.{check} {limit:g}: the column looks renamed, "
                             "re-cased or re-scaled)")
    return found


_METRIC_NAME = re.compile(r"[^0-9A-Za-z_\-. /]")


def _metrics(report: pd.DataFrame, flagged_rows: int) -> dict[str, Any]:
    """The batch's figures for MLflow: ``scoring.rows``, ``scoring.flagged_rows``, ``scoring.<column>.psi``, ..."""
    values = {"rows": int(report["rows"].iloc[0]), "flagged_rows": flagged_rows}
    for r in report.itertuples():
        name = _METRIC_NAME.sub("_", str(r.column))
        values.update({f"{name}.psi": r.psi, f"{name}.out_of_range_rows": r.out_of_range_rows,
                       f"{name}.unseen_category_rows": r.unseen_category_rows})
    return {key: {"value": float(value), "step": 0} for key, value in values.items() if np.isfinite(value)}


def log_batch_checks(checks: pd.DataFrame) -> pd.DataFrame:
    """The batch's checks as they are, for the scoring run's MLflow artifacts."""
    return checks


def score_batch(checked: pd.DataFrame, champion: ChampionModel) -> pd.DataFrame:
    """One row per input row: its id, minority probability, predicted class, flags and the model version that scored it."""
    rows = checked.drop(columns=["row_id", "flags"])
    predicted = champion.predict(rows)
    scored = pd.DataFrame({"row_id": checked["row_id"].to_numpy(),
                           MINORITY_SCORE: predicted[MINORITY_SCORE].to_numpy(),
                           PREDICTED_CLASS: predicted[PREDICTED_CLASS].to_numpy(),
                           "flagged": (checked["flags"] != "").to_numpy(), "flags": checked["flags"].to_numpy(),
                           "model_name": champion.name, "model_version": champion.version})
    logger.info("Scored %d rows with %s v%d: %d predicted minority, %d flagged", len(scored), champion.name,
                champion.version, int(scored[PREDICTED_CLASS].sum()), int(scored["flagged"].sum()))
    return scored


__all__ = ["BatchValidationError", "InputContract", "check_batch", "score_batch"]
