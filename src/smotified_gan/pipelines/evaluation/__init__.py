"""Evaluation: per-run metrics, their mean/std/best, and the quality of the synthetic rows, per cell."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
