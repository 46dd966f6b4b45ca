"""Scoring on Dask: a batch larger than memory through the registered champion, part by part, to versioned
predictions written whole or not at all."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
