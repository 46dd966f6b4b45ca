"""The notebook a user opens runs top to bottom on the quick environment."""

from __future__ import annotations

import nbformat
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.nightly]

NOTEBOOK = "notebooks/smotified_gan_walkthrough.ipynb"


def test_notebook_runs_top_to_bottom(project_copy, monkeypatch):
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("KEDRO_ENV", "quick")
    notebook = nbformat.read(project_copy / NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(project_copy / "notebooks")}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the PCA projection and the loss curves
    table = outputs[-1]["data"]["text/plain"]
    for method in ("none", "smote", "gan", "smotified_gan"):
        assert method in table
    assert (project_copy / "data" / "quick" / "04_feature" / "ecoli" / "smotified_gan" / "synthetic_rows.parquet").is_file()
