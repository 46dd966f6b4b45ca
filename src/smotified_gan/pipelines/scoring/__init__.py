"""Scoring: a batch of new rows through the registered champion model, to a versioned predictions file."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
