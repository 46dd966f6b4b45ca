"""The grid when things go wrong: a cell that fails, a scheduler that does not answer (a real Dask cluster and
`mlflow server` on 127.0.0.1). Apart from test_grid_runner.py so that the two files run on two workers."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient

from smotified_gan.runner import run_grid
from tests.conftest import GRID_METHODS


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
@pytest.mark.integration
def test_an_unreachable_scheduler_fails_clearly_and_leaves_no_process_behind(grid_project, dead_url):
    port = dead_url.split(":")[2].split("/")[0]
    before = _processes_mentioning(str(grid_project))
    with pytest.raises(ConnectionError, match=rf"the Dask scheduler at tcp://127.0.0.1:{port} did not answer within 3 s"):
        run_grid(grid_project, env="gridtest", scheduler=f"tcp://127.0.0.1:{port}", connect_timeout=3,
                 progress=lambda _: None)
    assert not (grid_project / "logs" / "mlflow-server.log").exists()  # the scheduler is asked first: nothing started
    deadline = time.monotonic() + 10
    while _processes_mentioning(str(grid_project)) != before and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _processes_mentioning(str(grid_project)) == before  # no mlflow server, no worker of its, left running


@pytest.mark.slow
@pytest.mark.integration
def test_a_cell_that_fails_is_listed_with_why_in_the_report_of_the_others_and_the_grid_fails(grid_project):
    """A cell that fails after its retries does not cost the others their report: it is written without that cell,
    lists it with its error, and the grid still ends FAILED (exit 1) so that a scheduled job sees it."""
    env = grid_project / "conf" / "gridfail"
    env.mkdir()
    (env / "parameters.yml").write_text(yaml.safe_dump({
        "grid": {"datasets": ["ecoli"], "methods": {
            "broken": {"sampler": "smote", "label": "Broken", "first_phase_kwargs": {"no_such_argument": 1}}}},
        "split": {"repeats": 2},
        "oversampling": {"gan": {"architecture": "paper", "log_every": 0}, "gan_epochs": {"ecoli": 3}},
        "training": {"runs": 1, "classifier_epochs": {"ecoli": 2}}}))
    (env / "globals.yml").write_text("data_root: data/gridfail\n")
    lines = []
    result = run_grid(grid_project, env="gridfail", workers=2, retries=0, progress=lines.append)
    assert list(result.failed) == ["ecoli.broken"] and "no_such_argument" in result.failed["ecoli.broken"]
    assert result.report_run_id is not None and not result.ok
    assert sorted(result.completed) == [f"ecoli.{m}" for m in GRID_METHODS]
    reporting = grid_project / "data" / "gridfail" / "08_reporting"
    results = pd.read_csv(reporting / "results.csv")
    assert sorted(results["method"].unique()) == sorted(GRID_METHODS)
    markdown = (reporting / "results.md").read_text()
    assert "**1 cell(s) failed and are in none of the figures below**" in markdown
    assert "| ecoli.broken | " in markdown and "no_such_argument" in markdown
    assert any("1 cell(s) failed (ecoli.broken); the report covers the others" in line for line in lines)
    client = MlflowClient(f"sqlite:///{grid_project / 'mlflow.db'}")
    assert client.get_run(result.parent_run_id).info.status == "FAILED"
