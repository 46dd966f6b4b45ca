"""Framework-free data access: file readers, checked downloads and labelled tables.

Nothing here imports Kedro or MLflow, so it can be reused from plain scripts.
"""

from smotified_gan.core.data.download import ChecksumError, DownloadError, fetch_file, sha256_of
from smotified_gan.core.data.readers import DataFormatError, RawData, parse_table
from smotified_gan.core.data.tables import DataValidationError, build_labelled_table, data_card

__all__ = [
    "ChecksumError",
    "DataFormatError",
    "DataValidationError",
    "DownloadError",
    "RawData",
    "build_labelled_table",
    "data_card",
    "fetch_file",
    "parse_table",
    "sha256_of",
]
