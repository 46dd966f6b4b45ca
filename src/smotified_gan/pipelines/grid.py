"""Which datasets the experiment grid covers, and which of them can run now.

The seven packaged datasets always run. The four downloaded ones join the grid
once their raw files are in ``data/01_raw/`` (fetched by
``kedro run --pipelines ingestion`` or put there by hand); the file names here
are the ``filepath`` entries of their catalog sources (a test keeps the two in step).
"""

from __future__ import annotations

from pathlib import Path

PACKAGED_DATASETS = ("abalone", "ecoli", "ionosphere", "pageblocks", "poker", "wine", "yeast")
DOWNLOADED_DATASETS = {
    "spambase": ("spambase.data",),
    "shuttle": ("shuttle.trn", "shuttle.tst"),
    "connect4": ("connect-4.data",),
    "creditcard": ("creditcard.csv",),
}
ALL_DATASETS = PACKAGED_DATASETS + tuple(DOWNLOADED_DATASETS)
# The paper's four methods; what each does (which first-phase sampler, GAN
# settings, epochs per dataset) is set in conf/base/parameters_oversampling.yml.
METHODS = ("none", "smote", "gan", "smotified_gan")
RAW_DIR = Path("data") / "01_raw"


def available_datasets(project_root: Path | None = None) -> list[str]:
    """Packaged datasets plus downloaded ones whose raw files are all present."""
    raw_dir = (project_root or Path.cwd()) / RAW_DIR
    ready = [name for name, files in DOWNLOADED_DATASETS.items() if all((raw_dir / f).is_file() for f in files)]
    return list(PACKAGED_DATASETS) + ready
