"""Ingestion nodes: validate a raw source into a labelled table and describe it."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from smotified_gan.core.data.readers import RawData
from smotified_gan.core.data.tables import CARD_COLUMNS, build_labelled_table, data_card

logger = logging.getLogger(__name__)


def ingest_dataset(raw: RawData | pd.DataFrame, spec: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Labelled table and data card of one raw source.

    ``raw`` is what a project raw source loads (with its origin and checksums)
    or a plain DataFrame (a user's own CSV or parquet file through
    ``pandas.CSVDataset`` / ``pandas.ParquetDataset``).
    """
    name = spec["id"]
    raw = RawData.of(raw, spec["source"])
    table = build_labelled_table(raw.frame, spec, dataset=name, origin=raw.origin)
    return table, data_card(name, spec["source"], table, sha256=raw.sha256_text(), notes=spec.get("notes", ""))


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
