"""Kedro datasets for the project's raw sources (the only Kedro-aware I/O code)."""

from smotified_gan.io.raw_sources import PackagedFileDataset, RemoteFileDataset

__all__ = ["PackagedFileDataset", "RemoteFileDataset"]
