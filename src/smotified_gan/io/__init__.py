"""Kedro datasets of this project (the only Kedro-aware I/O code)."""

from smotified_gan.io.champion import ChampionModel, ChampionModelDataset
from smotified_gan.io.figure_dataset import FigureDataset
from smotified_gan.io.raw_sources import PackagedFileDataset, RemoteFileDataset, TableFileDataset
from smotified_gan.io.sampler_dataset import SamplerDataset

__all__ = ["ChampionModel", "ChampionModelDataset", "FigureDataset", "PackagedFileDataset", "RemoteFileDataset", "SamplerDataset",
           "TableFileDataset"]
