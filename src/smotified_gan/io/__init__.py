"""Kedro datasets of this project (the only Kedro-aware I/O code)."""

from smotified_gan.io.raw_sources import PackagedFileDataset, RemoteFileDataset
from smotified_gan.io.sampler_dataset import SamplerDataset

__all__ = ["PackagedFileDataset", "RemoteFileDataset", "SamplerDataset"]
