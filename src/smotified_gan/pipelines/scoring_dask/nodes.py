"""Scoring a batch larger than memory on Dask: the checks, drift figures and predictions of the ``scoring``
pipeline (their shared steps: ``core.production.scoring``), partition by partition, through the champion pinned
for the run.

``check_partitions`` reads every partition once: the model's input contract (every partition that breaks it named
by file and by its rows in the batch, in one error; nothing is written), the soft checks' counts and the drift
bins (``InputContract.tally``: added up over the partitions they are the counts of the whole batch, so the report,
PSI included, is the one the pandas path gives the same rows), the ids. The policies then judge the whole batch
as ``check_batch`` does. ``score_partitions`` scores each partition; its dataset
(``io.PartitionedPredictionsDataset``) writes the predictions whole or not at all. The cluster is the hook's
(``adapters.hooks.cluster``: a LocalCluster, or ``scoring.dask.scheduler``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.core.parameters import Scoring
from smotified_gan.core.production.contract import BatchValidationError, Tally, row_flags
from smotified_gan.core.production.ids import exact_ids
from smotified_gan.core.production.scoring import (
    batch_metrics,
    contract_of,
    judged_report,
    predictions_frame,
    with_duplicate_flags,
)
from smotified_gan.io.champion import ChampionModel
from smotified_gan.io.partitioned import SOURCE_COLUMN, computed

logger = logging.getLogger(__name__)


def check_partitions(batch, champion: ChampionModel, scoring: Scoring) -> tuple[pd.DataFrame, dict, dict[str, Any]]:
    """The batch's checks (``check_batch``'s report and MLflow metrics) and the plan ``score_partitions`` follows:
    each partition's first row in the batch, and the ids that more than one row carries."""
    import dask

    contract, started = contract_of(champion), time.perf_counter()
    parts = [dask.delayed(_check_part)(part, contract, scoring) for part in batch.to_delayed()]
    results = computed(parts, "Checking the batch against the champion's contract", "partitions")
    offsets = np.r_[0, np.cumsum([r["rows"] for r in results])].tolist()
    _raise_for_broken(results, offsets)
    duplicated = _duplicated_ids(batch, scoring) if scoring.id_column else []
    report = judged_report(contract.report(sum((r["tally"] for r in results), Tally.empty())), champion, scoring,
                           f"the batch ({len(results)} partitions)")
    logger.info("Checked %d rows in %d partitions against %s v%d in %.0f s", offsets[-1], len(results), champion.name,
                champion.version, time.perf_counter() - started)
    return report, batch_metrics(report, sum(r["flagged"] for r in results)), {"offsets": offsets[:-1],
                                                                                "duplicated_ids": duplicated}


def score_partitions(batch, champion: ChampionModel, scoring: Scoring, plan: dict[str, Any]):
    """Each partition's predictions (``score_batch``'s columns), lazily: the predictions dataset computes them."""
    import dask
    import dask.dataframe as dd

    contract, duplicated = contract_of(champion), set(plan["duplicated_ids"])
    # the columns and types, from two rows (dask would otherwise score the whole first partition to learn them)
    meta = _score_part(batch.head(2), 0, contract, champion.model, scoring, duplicated, champion.name,
                       champion.version).iloc[:0]
    model = dask.delayed(champion.model, name=f"champion-{champion.name}-{champion.version}", traverse=False)
    parts = [dask.delayed(_score_part)(part, offset, contract, model, scoring, duplicated, champion.name,
                                       champion.version)
             for part, offset in zip(batch.to_delayed(), plan["offsets"])]
    return dd.from_delayed(parts, meta=meta, verify_meta=False)


def _source(part: pd.DataFrame) -> str:
    files = part[SOURCE_COLUMN].unique() if SOURCE_COLUMN in part else []
    return str(files[0]) if len(files) else "a partition"


def _check_part(part: pd.DataFrame, contract, scoring: Scoring) -> dict[str, Any]:
    """One partition's rows, tally and flagged rows; or its rows, file and why it breaks the contract."""
    source, rows = _source(part), part.drop(columns=[SOURCE_COLUMN], errors="ignore")
    try:
        if scoring.id_column:
            exact_ids(rows[scoring.id_column], f"{source}: id column '{scoring.id_column}' (scoring.id_column)",
                      BatchValidationError, scoring.max_rows_shown, "nothing was scored")
        conformed, soft = contract.conform(rows, source, scoring.id_column, scoring.max_rows_shown)
    except (BatchValidationError, KeyError) as error:
        return {"rows": len(part), "source": source, "error": str(error).strip("'\"")}
    return {"rows": len(part), "source": source, "tally": contract.tally(conformed),
            "flagged": int(soft["index"].dropna().nunique()) if len(soft) else 0}


def _raise_for_broken(results, offsets: list[int]) -> None:
    """One error naming every partition that breaks the contract: its file, its rows in the batch, its problems."""
    broken = [f"{r['source']} (rows {offsets[i]:,}-{offsets[i] + r['rows'] - 1:,} of the batch; the rows below "
              f"counted from its first): {_problems(r['error'])}" for i, r in enumerate(results) if "error" in r]
    if broken:
        raise BatchValidationError(f"{len(broken)} of {len(results)} partitions break the model's input contract; "
                                   "nothing was scored:\n- " + "\n- ".join(broken))


def _problems(message: str) -> str:
    """A partition's contract error without its preamble: its problems, one after the other."""
    listed = [line[2:] for line in message.splitlines() if line.startswith("- ")]
    return "; ".join(listed) if listed else message


def _duplicated_ids(batch, scoring: Scoring) -> list:
    """The ids more than one row of the batch carries (the policy ``scoring.checks.duplicate_id`` judges them)."""
    ids = batch[scoring.id_column].map_partitions(
        lambda values: exact_ids(values, scoring.id_column, BatchValidationError), meta=batch[scoring.id_column]._meta)
    counts = ids.value_counts(split_out=max(1, batch.npartitions // 8)).compute()
    repeated = counts[counts > 1]
    if len(repeated):
        message = (f"the batch: id column '{scoring.id_column}' (scoring.id_column): {int((repeated - 1).sum())} "
                   f"row(s) repeat an id of an earlier row (first ids {list(repeated.index[:scoring.max_rows_shown])})")
        if scoring.checks.duplicate_id == "fail":
            raise BatchValidationError(f"{message}; nothing was scored (scoring.checks.duplicate_id: fail)")
        logger.warning("%s; scored, flagged duplicate_id (scoring.checks.duplicate_id: warn)", message)
    return repeated.index.tolist()


def _score_part(part: pd.DataFrame, offset: int, contract, model, scoring: Scoring, duplicated: set,
                name: str, version: int) -> pd.DataFrame:
    source, rows = _source(part), part.drop(columns=[SOURCE_COLUMN], errors="ignore")
    ids = (exact_ids(rows[scoring.id_column], source) if scoring.id_column
           else pd.Series(np.arange(offset, offset + len(rows))))
    conformed, soft = contract.conform(rows, source, scoring.id_column, scoring.max_rows_shown)
    flags = with_duplicate_flags(row_flags(soft, conformed.index), ids.isin(duplicated).to_numpy())
    return predictions_frame(ids, _quietly(model.predict, conformed), flags, name, version)


def _quietly(predict, rows: pd.DataFrame) -> pd.DataFrame:
    """The champion's predictions without the INFO lines its Kedro pipeline logs at every call (about 15 a
    partition: thousands in a large batch's log, none of them news)."""
    kedro = logging.getLogger("kedro")
    level = kedro.level
    kedro.setLevel(logging.WARNING)
    try:
        return predict(rows)
    finally:
        kedro.setLevel(level)

