"""Ingestion nodes: validate a raw source into a labelled table and describe it."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from smotified_gan.data.readers import RawData
from smotified_gan.data.tables import CARD_COLUMNS, build_labelled_table, data_card

logger = logging.getLogger(__name__)


def ingest_dataset(raw: RawData | pd.DataFrame, spec: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Labelled table and data card of one raw source.

    ``raw`` is what a project raw source loads (with its origin and checksums)
    or a plain DataFrame (a user's own CSV or parquet file through
    ``pandas.CSVDataset`` / ``pandas.ParquetDataset``).
    """
    name = spec["id"]
    if isinstance(raw, pd.DataFrame):
        raw = RawData(frame=raw, origin=raw.attrs.get("source", spec["source"]))
    table = build_labelled_table(raw.frame, spec, dataset=name, origin=raw.origin)
    return table, data_card(name, spec["source"], table, sha256=raw.sha256_text(), notes=spec.get("notes", ""))


def gather_data_cards(*cards: dict[str, Any]) -> pd.DataFrame:
    """All data cards as one table, and one log line saying which datasets ran."""
    table = pd.DataFrame(list(cards), columns=CARD_COLUMNS)
    table = table.astype({"rows": "Int64", "features": "Int64", "minority_rows": "Int64"})
    logger.info("Datasets ingested: %s", ", ".join(table["dataset"]))
    return table
