"""Training: the paper's classifier, trained on each cell's augmented training set with many seeds."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
