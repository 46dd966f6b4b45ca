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
from typing import Any

import pandas as pd

from smotified_gan.core.names import PREDICTED_CLASS
from smotified_gan.core.parameters import Scoring
from smotified_gan.core.production.contract import BatchValidationError, InputContract
from smotified_gan.core.production.scoring import (
    batch_metrics,
    contract_of,
    judged_report,
    predictions_frame,
    row_ids,
    with_duplicate_flags,
)
from smotified_gan.io.champion import ChampionModel

logger = logging.getLogger(__name__)


def check_batch(batch: pd.DataFrame, champion: ChampionModel, scoring: Scoring
                ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The rows to score (``row_id``, the model's columns, ``flags``), the per-column checks and their MLflow metrics."""
    source = batch.attrs.get("source", "the batch")
    contract = contract_of(champion)
    id_column = scoring.id_column
    if id_column and id_column not in batch.columns:
        raise BatchValidationError(f"{source}: the id column '{id_column}' (scoring.id_column) is not in the batch; "
                                   f"columns are {list(batch.columns)}")
    ids = row_ids(batch, scoring, source)
    rows, soft = contract.conform(batch, source, id_column, scoring.max_rows_shown)
    assessment = contract.assess(rows, soft)
    report = judged_report(assessment.report, champion, scoring, source)
    checked = rows.copy()
    checked.insert(0, "row_id", ids.to_numpy())
    checked["flags"] = with_duplicate_flags(assessment.flags, ids.duplicated(keep=False).to_numpy()).to_numpy()
    return checked, report, batch_metrics(report, assessment.flagged_rows)


def score_batch(checked: pd.DataFrame, champion: ChampionModel) -> pd.DataFrame:
    """One row per input row: its id, minority probability, predicted class, flags and the model version that scored it."""
    predicted = champion.predict(checked.drop(columns=["row_id", "flags"]))
    scored = predictions_frame(checked["row_id"], predicted, checked["flags"], champion.name, champion.version)
    logger.info("Scored %d rows with %s v%d: %d predicted minority, %d flagged", len(scored), champion.name,
                champion.version, int(scored[PREDICTED_CLASS].sum()), int(scored["flagged"].sum()))
    return scored


__all__ = ["BatchValidationError", "InputContract", "check_batch", "score_batch"]
