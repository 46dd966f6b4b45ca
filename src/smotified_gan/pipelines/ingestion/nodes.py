"""Ingestion nodes: the data cards gathered (a raw source becomes a labelled table in ``core.data.tables.ingest_dataset``)."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

# a model registered before these moved to the core pickled its pipeline's node functions under this module
from smotified_gan.core.data.tables import (
    CARD_COLUMNS,
    ingest_dataset,  # noqa: E402, F401
)

logger = logging.getLogger(__name__)


def gather_data_cards(*cards: dict[str, Any]) -> pd.DataFrame:
    """All data cards as one table, and one log line saying which datasets ran."""
    table = pd.DataFrame(list(cards), columns=CARD_COLUMNS)
    table = table.astype({"rows": "Int64", "features": "Int64", "minority_rows": "Int64"})
    logger.info("Datasets ingested: %s", ", ".join(table["dataset"]))
    return table


def data_card_tags(data_cards: pd.DataFrame) -> dict[str, str]:
    """The MLflow run's ``data.<dataset>.sha256`` and ``data.<dataset>.status`` tags: which bytes the run read."""
    tags = {f"data.{row.dataset}.sha256": row.sha256 for row in data_cards.itertuples()
            if row.status == "ok" and isinstance(row.sha256, str)}
    tags.update({f"data.{row.dataset}.status": str(row.status)[:250] for row in data_cards.itertuples()})
    return tags
