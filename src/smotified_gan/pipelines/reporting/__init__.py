"""Reporting: TABLE 3, significance tests, FIGURES 4, 6 and 7, comparison with the paper."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
