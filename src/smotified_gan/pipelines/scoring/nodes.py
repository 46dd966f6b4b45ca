"""Batch scoring: check new rows against the champion's signature, score them, say which model did."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from smotified_gan.io.champion import ChampionModel

logger = logging.getLogger(__name__)
_NUMERIC = {"double", "float", "long", "integer"}


def check_batch_schema(batch: pd.DataFrame, schema, id_column: str | None = None) -> pd.DataFrame:
    """The rows the model takes (``id_column`` set aside), or a ``ValueError`` naming the file and the columns.

    Columns must be exactly the signature's (none missing, none extra), of its
    types (numbers where it has numbers, text where it has text), with no
    missing value.
    """
    source = batch.attrs.get("source", "the batch")
    expected = {spec.name: spec.type.name for spec in schema.inputs}
    given = [c for c in batch.columns if c != id_column]
    problems = []
    missing = [c for c in expected if c not in batch.columns]
    extra = [c for c in given if c not in expected]
    if missing:
        problems.append(f"missing column(s) {missing}")
    if extra:
        problems.append(f"extra column(s) {extra} the model was not trained on")
    present = [c for c in expected if c in batch.columns]
    wrong = [f"'{c}' should hold {expected[c]} values but holds {batch[c].dtype}" for c in present
             if (expected[c] in _NUMERIC) != pd.api.types.is_numeric_dtype(batch[c])]
    if wrong:
        problems.append("wrong type: " + "; ".join(wrong))
    empty = {c: int(batch[c].isna().sum()) for c in present if batch[c].isna().any()}
    if empty:
        problems.append("missing values: " + ", ".join(f"'{c}' ({n} row(s))" for c, n in empty.items()))
    if problems:
        raise ValueError(f"{source} does not match the champion model's input signature: " + "; ".join(problems)
                         + f". Expected columns: {list(expected)}")
    return batch[list(expected)]


def score_batch(batch: pd.DataFrame, champion: ChampionModel, scoring: dict[str, Any]) -> pd.DataFrame:
    """One row per input row: its id, minority score, predicted class and the model version that scored it."""
    id_column = scoring.get("id_column")
    rows = check_batch_schema(batch, champion.input_schema(), id_column)
    predicted = champion.predict(rows)
    row_id = batch[id_column].to_numpy() if id_column else range(len(batch))
    scored = pd.DataFrame({"row_id": row_id, "minority_score": predicted["minority_score"].to_numpy(),
                           "predicted_class": predicted["predicted_class"].to_numpy(),
                           "model_name": champion.name, "model_version": champion.version})
    logger.info("Scored %d rows of %s with %s v%d: %d predicted minority", len(scored),
                batch.attrs.get("source", "the batch"), champion.name, champion.version,
                int(scored["predicted_class"].sum()))
    return scored
