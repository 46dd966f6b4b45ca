"""Kedro datasets of this project (the only Kedro-aware I/O code)."""

from smotified_gan.io.champion import ChampionModel, ChampionModelDataset
from smotified_gan.io.figure_dataset import FigureDataset
from smotified_gan.io.metrics_dataset import MlflowMetricsBatchDataset
from smotified_gan.io.partitioned import PartitionedBatchDataset, PartitionedPredictionsDataset
from smotified_gan.io.raw_sources import CommonDatasetsDataset, PackagedFileDataset, RemoteFileDataset, TableFileDataset
from smotified_gan.io.sampler_dataset import SamplerDataset
from smotified_gan.io.tags_dataset import MlflowTagsDataset

__all__ = ["ChampionModel", "ChampionModelDataset", "CommonDatasetsDataset", "FigureDataset", "MlflowMetricsBatchDataset",
           "MlflowTagsDataset", "PackagedFileDataset", "PartitionedBatchDataset", "PartitionedPredictionsDataset",
           "RemoteFileDataset", "SamplerDataset", "TableFileDataset"]
