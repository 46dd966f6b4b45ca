"""FigureDataset: writes the figure's image, and building one (as kedro-mlflow does for every entry) imports no Matplotlib."""

from __future__ import annotations

import subprocess
import sys

import matplotlib.image
import matplotlib.pyplot as plt
import pytest
from kedro.io import DatasetError

from smotified_gan.io import FigureDataset


def test_saves_the_figure_at_its_resolution_and_closes_it_in_pyplot(tmp_path):
    figure, axis = plt.subplots(figsize=(4, 2))
    axis.plot([0, 1], [1, 0])
    dataset = FigureDataset(filepath=str(tmp_path / "reports" / "f.png"), save_args={"dpi": 50})
    assert not dataset.exists()
    dataset.save(figure)
    assert dataset.exists()
    assert matplotlib.image.imread(tmp_path / "reports" / "f.png").shape[:2] == (100, 200)
    assert dataset.load()[:8] == b"\x89PNG\r\n\x1a\n"
    assert figure.number not in plt.get_fignums()


def test_bad_input_names_the_file(tmp_path):
    dataset = FigureDataset(filepath=str(tmp_path / "f.png"))
    with pytest.raises(DatasetError, match=r"f\.png: expected a matplotlib Figure, got DataFrame"):
        import pandas as pd

        dataset.save(pd.DataFrame())
    with pytest.raises(DatasetError, match=r"no figure at .*f\.png"):
        dataset.load()


def test_building_it_imports_no_matplotlib(tmp_path):
    code = ("import sys; from smotified_gan.io import FigureDataset; "
            f"FigureDataset(filepath={str(tmp_path / 'f.png')!r}).exists(); "
            "print(sorted(m for m in sys.modules if m.startswith('matplotlib')))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"
