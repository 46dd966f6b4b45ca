"""`kedro run --pipelines scoring_dask --env prod`: a partitioned batch scored on a real Dask LocalCluster (2 worker
processes) gives what the pandas path gives on the same rows, and a broken partition writes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import PROJECT_ROOT, copy_project
from tests.pipelines.retrain.test_pipeline import FAST, prod_data, run

pytestmark = [pytest.mark.slow, pytest.mark.integration]
FILES = 3


@pytest.fixture(scope="module")
def crowned(tmp_path_factory):
    """A project copy with a crowned champion, its batch as three Parquet files (one shifted: out of range and
    drifting) and as the one CSV file the pandas path reads."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        project = copy_project(tmp_path_factory.mktemp("dask") / "project", "http://127.0.0.1:9/gone.zip")
        monkeypatch.chdir(project)
        from tests.conftest import fresh_mlflow_state

        fresh_mlflow_state(monkeypatch)
        (project / "conf" / "prod" / "parameters_test_speed.yml").write_text(yaml.safe_dump(FAST))
        (project / ".venv").symlink_to(PROJECT_ROOT / ".venv")
        run(project, "retrain")
        rows = pd.read_parquet(prod_data(project) / "03_primary" / "production" / "unlabelled_rows.parquet")
        batch = pd.concat([rows] * 4, ignore_index=True)
        batch.loc[len(batch) // 2:, "Mcg"] = batch.loc[len(batch) // 2:, "Mcg"] * 1.6  # drifts, partly out of range
        folder = project / "data" / "01_raw" / "large"
        folder.mkdir(parents=True)
        for number, part in enumerate(np.array_split(np.arange(len(batch)), FILES)):
            batch.iloc[part].to_parquet(folder / f"part-{number}.parquet", index=False)
        batch.to_csv(project / "data" / "01_raw" / "whole.csv", index=False)
        catalog = {"production.batch": {"type": "smotified_gan.io.TableFileDataset", "filepath": "data/01_raw/whole.csv"},
                   "production.large_batch": {"type": "smotified_gan.io.PartitionedBatchDataset",
                                              "path": "data/01_raw/large"}}
        (project / "conf" / "prod" / "catalog.yml").write_text(yaml.safe_dump(catalog))
        yield project, batch


def outputs(project):
    return prod_data(project) / "07_model_output" / "production"


def test_dask_scores_checks_and_drift_are_the_pandas_paths_on_the_same_rows(crowned):
    project, batch = crowned
    run(project, "scoring")
    run(project, "scoring_dask")
    pandas_path = pd.read_csv(next((outputs(project) / "predictions.csv").iterdir()) / "predictions.csv")
    (version,) = list((outputs(project) / "large_predictions").iterdir())
    dask_path = pd.read_parquet(version / "large_predictions").sort_values("row_id", ignore_index=True)
    assert len(dask_path) == len(batch) == len(pandas_path) and dask_path["row_id"].tolist() == list(range(len(batch)))
    np.testing.assert_allclose(dask_path["minority_score"], pandas_path["minority_score"], atol=1e-6)
    for column in ("predicted_class", "flagged", "model_version"):
        assert dask_path[column].tolist() == pandas_path[column].tolist(), column
    assert dask_path["flags"].fillna("").tolist() == pandas_path["flags"].fillna("").tolist()
    assert dask_path["flags"].str.contains("out_of_range:Mcg").sum() > 0
    checks = sorted((outputs(project) / "batch_checks.csv").iterdir())
    assert len(checks) == 2
    by_pandas, by_dask = (pd.read_csv(c / "batch_checks.csv").set_index("column") for c in checks)
    for column in ("rows", "out_of_range_rows", "below_min", "above_max", "psi", "drift"):
        assert by_dask[column].tolist() == pytest.approx(by_pandas[column].tolist()) if column == "psi" else \
            by_dask[column].tolist() == by_pandas[column].tolist(), column
    assert by_dask.loc["Mcg", "psi"] > 0.25 and by_dask.loc["Mcg", "drift"] == "large"


def test_a_broken_partition_is_named_by_file_and_rows_and_nothing_is_written(crowned):
    project, batch = crowned
    before = sorted(p.name for p in (outputs(project) / "large_predictions").iterdir()) if \
        (outputs(project) / "large_predictions").exists() else []
    broken = project / "data" / "01_raw" / "large" / "part-1.parquet"
    good = pd.read_parquet(broken)
    try:
        good.assign(Gvh=[np.nan, *good["Gvh"].iloc[1:]]).to_parquet(broken, index=False)
        first = len(pd.read_parquet(project / "data" / "01_raw" / "large" / "part-0.parquet"))
        with pytest.raises(ValueError, match=rf"1 of {FILES} partitions break the model's input contract; nothing was "
                                             rf"scored:\n- {broken} \(rows {first:,}-{first + len(good) - 1:,} of the "
                                             r"batch; the rows below counted from its first\): column 'Gvh': 1 missing "
                                             r"value\(s\) \(first row 0: nan\)$"):
            run(project, "scoring_dask")
    finally:
        good.to_parquet(broken, index=False)
    after = sorted(p.name for p in (outputs(project) / "large_predictions").iterdir()) if \
        (outputs(project) / "large_predictions").exists() else []
    assert after == before  # no new version, and no half-written folder beside them
    assert not [p for p in outputs(project).iterdir() if p.name.startswith(".")]
