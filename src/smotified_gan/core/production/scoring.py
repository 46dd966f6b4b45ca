"""Scoring a batch against the champion's input contract: the shared steps of ``scoring`` (one frame) and
``scoring_dask`` (part by part): the ids, the policies that judge a batch's report, its MLflow metrics, the
predictions' columns.

A batch's report (``InputContract.assess`` or, over partitions, ``InputContract.report`` of the summed
tallies) gets its drift verdicts (PSI at or above ``scoring.drift.psi_threshold``, judged from
``scoring.drift.min_rows`` rows) and is judged by the policies: ``warn`` logs the finding and the rows are
flagged; ``fail`` stops the batch, as does a column beyond ``scoring.max_share``. The champion is anything with
``name``, ``version`` and ``contract()`` (``io.ChampionModel``).
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

logger = logging.getLogger(__name__)
CHECKS = ("out_of_range", "unseen_category", "drift")


def contract_of(champion) -> InputContract:
    """The champion's input contract; an error saying what to run for a model registered without one."""
    contract = champion.contract()
    if contract is None:
        raise BatchValidationError(f"{champion.name} v{champion.version} was registered without an input contract: "
                                   "retrain it (`kedro run --pipelines retrain --env prod`) before scoring")
    return contract


def judged_report(report: pd.DataFrame, champion, scoring: Scoring, source: str) -> pd.DataFrame:
    """A batch's per-column report with its drift verdicts, judged by the policies (an error for those set to
    ``fail``, naming ``source``), and the batch and model it is of."""
    report = _with_drift(report, scoring)
    _apply_policies(report, scoring, source)
    report.insert(0, "model_version", champion.version)
    report.insert(0, "source", source)
    return report


def row_ids(batch: pd.DataFrame, scoring: Scoring, source: str) -> pd.Series:
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


def with_duplicate_flags(flags: pd.Series, shared: np.ndarray) -> pd.Series:
    """``flags`` with ``duplicate_id`` added on every row whose id another row of the batch carries (``shared``)."""
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


def batch_metrics(report: pd.DataFrame, flagged_rows: int) -> dict[str, Any]:
    """The batch's figures for MLflow: ``scoring.rows``, ``scoring.flagged_rows``, ``scoring.<column>.psi``, ..."""
    values = {"rows": int(report["rows"].iloc[0]), "flagged_rows": flagged_rows}
    for r in report.itertuples():
        name = _METRIC_NAME.sub("_", str(r.column))
        values.update({f"{name}.psi": r.psi, f"{name}.out_of_range_rows": r.out_of_range_rows,
                       f"{name}.unseen_category_rows": r.unseen_category_rows})
    return {key: {"value": float(value), "step": 0} for key, value in values.items() if np.isfinite(value)}


def batch_checks_artifact(checks: pd.DataFrame) -> pd.DataFrame:
    """The batch's checks as they are, for the scoring run's MLflow artifacts."""
    return checks


def predictions_frame(ids: pd.Series, predicted: pd.DataFrame, flags: pd.Series, name: str, version: int) -> pd.DataFrame:
    """The predictions' columns: row_id, the minority score, the predicted class, flagged, flags, the model."""
    return pd.DataFrame({"row_id": ids.to_numpy(), MINORITY_SCORE: predicted[MINORITY_SCORE].to_numpy(),
                         PREDICTED_CLASS: predicted[PREDICTED_CLASS].to_numpy(),
                         "flagged": (flags != "").to_numpy(), "flags": flags.to_numpy(),
                         "model_name": name, "model_version": version})


