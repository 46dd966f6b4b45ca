"""Preprocessing: split, encode and scale each dataset without test leakage."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
