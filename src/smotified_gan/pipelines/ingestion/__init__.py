"""Ingestion: raw source -> labelled table + data card, one namespace per dataset."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
