"""Ingestion nodes: validate a raw source into a labelled table and describe it."""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from smotified_gan.data.readers import RawData, SourceUnavailable
from smotified_gan.data.tables import CARD_COLUMNS, LABEL, TARGET, build_labelled_table, data_card

logger = logging.getLogger(__name__)


def ingest_dataset(raw: RawData | SourceUnavailable, spec: dict[str, Any]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Labelled table and data card; an unavailable optional download gives an empty table and a 'skipped' card."""
    name = spec["id"]
    if isinstance(raw, SourceUnavailable):
        logger.warning(raw.message())
        empty = pd.DataFrame({LABEL: pd.Series(dtype="str"), TARGET: pd.Series(dtype="int8")})
        return empty, data_card(name, spec["source"], status=f"skipped: {raw.reason}", notes=raw.how_to_get)
    table = build_labelled_table(raw.frame, spec, dataset=name, origin=raw.origin)
    return table, data_card(name, spec["source"], table, sha256=raw.sha256_text(), notes=spec.get("notes", ""))


def gather_data_cards(*cards: dict[str, Any]) -> pd.DataFrame:
    """All data cards as one table, and one log line saying which datasets ran."""
    table = pd.DataFrame(list(cards), columns=CARD_COLUMNS)
    table = table.astype({"rows": "Int64", "features": "Int64", "minority_rows": "Int64"})
    ok = table.loc[table["status"] == "ok", "dataset"].tolist()
    skipped = table.loc[table["status"] != "ok", "dataset"].tolist()
    logger.info("Datasets ingested: %s; skipped: %s", ", ".join(ok) or "none", ", ".join(skipped) or "none")
    return table
