"""Retrain: the production model from the experiment's own nodes, logged to MLflow and registered."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
