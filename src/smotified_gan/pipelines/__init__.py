"""Kedro pipelines: thin wiring over the framework-free core."""
