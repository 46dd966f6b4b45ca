"""Oversampling: first phase (SMOTE & co.), GAN refinement, augmented training set, per (dataset, method) cell."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
