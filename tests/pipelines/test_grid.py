"""The grid comes from configuration: env, any working directory, a user's own CSV, missing raw files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from kedro.io import DatasetError

from smotified_gan.pipelines.grid import Grid, GridError

pytestmark = [pytest.mark.integration]

PARAMS = {
    "datasets": {"a": {}, "b": {}},
    "grid": {"datasets": ["a", "b"], "methods": {"none": {"sampler": "none"}, "sg": {"sampler": "smotified_gan"}}},
    "oversampling": {"gan_epochs": {"a": 1, "b": 1}},
    "training": {"classifier_epochs": {"a": 1, "b": 1}},
}


def test_grid_from_parameters_and_its_errors():
    grid = Grid.from_parameters(PARAMS)
    assert grid.cells() == [("a", "none"), ("a", "sg"), ("b", "none"), ("b", "sg")]
    assert grid.sampler("sg") == "smotified_gan"
    with pytest.raises(GridError, match=r"grid dataset\(s\) \['c'\] have no definition under 'datasets'"):
        Grid.from_parameters({**PARAMS, "grid": {**PARAMS["grid"], "datasets": ["a", "c"]}})
    with pytest.raises(GridError, match="grid method 'x' must name a sampler among"):
        Grid.from_parameters({**PARAMS, "grid": {**PARAMS["grid"], "methods": {"x": {"sampler": "smote2"}}}})
    with pytest.raises(GridError, match=r"\['b'\] have no 'training.classifier_epochs' entry"):
        Grid.from_parameters({**PARAMS, "training": {"classifier_epochs": {"a": 1}}})


def test_a_grid_with_failed_cells_leaves_them_and_the_tables_without_a_cell_out():
    failed = {"a.sg": "TypeError: boom", "b.none": "x", "b.sg": "y"}
    grid = Grid.from_parameters({**PARAMS, "grid": {**PARAMS["grid"], "failed": failed}})
    assert grid.cells() == [("a", "none")] and grid.datasets_with_cells() == ["a"]
    assert Grid.from_parameters(PARAMS).datasets_with_cells() == ["a", "b"]
    with pytest.raises(GridError, match="'grid.failed' maps a cell to why it failed"):
        Grid.from_parameters({**PARAMS, "grid": {**PARAMS["grid"], "failed": ["a.sg"]}})


def registered(project, env=None):
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env) as session:
        session.load_context()
        from kedro.framework.project import pipelines

        return pipelines["__default__"]


def test_each_environment_builds_its_own_grid_from_any_working_directory(project_copy, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # nothing in this folder: the grid must not depend on it
    base = registered(project_copy)
    datasets = sorted({n.namespace.split(".")[0] for n in base.nodes if n.namespace})
    assert datasets == ["abalone", "ecoli", "ionosphere", "pageblocks", "poker", "wine", "yeast"]
    assert len([n for n in base.nodes if n.name.endswith("train_lenses")]) == 7 * 4
    paper = registered(project_copy, "paper")
    assert len([n for n in paper.nodes if n.name.endswith("train_lenses")]) == 11 * 4
    assert "shuttle.smotified_gan.oversample" in {n.name for n in paper.nodes}
    full = registered(project_copy, "full")  # the fifth method joins the four by configuration alone
    assert len([n for n in full.nodes if n.name.endswith("train_lenses")]) == 7 * 5
    assert "ecoli.smotified_gan_residual.oversample" in {n.name for n in full.nodes}


@pytest.mark.slow
def test_a_configured_dataset_that_cannot_be_had_fails_at_its_ingestion_before_any_training(project_copy):
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy, env="paper") as session:
        with pytest.raises(DatasetError) as error:
            session.run()
    message = str(error.value)
    files = {"spambase": ["spambase.data"], "shuttle": ["shuttle.trn", "shuttle.tst"],
             "connect4": ["connect-4.data"], "creditcard": ["creditcard.csv"]}
    [name] = [name for name in files if f"dataset '{name}' is not available: could not download http://127.0.0.1:"
              in message]
    assert f"save it as {project_copy / 'data' / '01_raw' / files[name][0]}" in message
    # every ingestion node runs before any split: nothing past ingestion was written
    written = {p.relative_to(project_copy / "data" / "paper").parts[0] for p in (project_copy / "data" / "paper").rglob("*")
               if p.is_file()} if (project_copy / "data" / "paper").exists() else set()
    assert written <= {"02_intermediate", "08_reporting"}


@pytest.mark.slow
def test_a_users_own_csv_joins_the_grid_with_configuration_only(project_copy):
    rng = np.random.default_rng(0)
    n_major, n_minor = 150, 24
    own = pd.DataFrame({
        "amount": np.r_[rng.normal(10, 2, n_major), rng.normal(16, 2, n_minor)],
        "age": np.r_[rng.uniform(20, 70, n_major), rng.uniform(20, 40, n_minor)],
        "channel": rng.choice(["web", "shop", "phone"], n_major + n_minor),
        "outcome": ["ok"] * n_major + ["fraud"] * n_minor,
    })
    raw = project_copy / "data" / "01_raw" / "transactions.csv"
    own.to_csv(raw, index=False)
    local = project_copy / "conf" / "local"
    (local / "catalog.yml").write_text(yaml.safe_dump({
        "transactions.raw": {"type": "pandas.CSVDataset", "filepath": "data/01_raw/transactions.csv"}}))
    (local / "parameters_transactions.yml").write_text(yaml.safe_dump({
        "datasets": {"transactions": {"id": "transactions", "title": "Transactions", "source": "our own export",
                                      "label_column": "outcome", "minority": {"labels": ["fraud"]},
                                      "categorical": ["channel"]}},
        "grid": {"datasets": ["transactions"]},
        "oversampling": {"gan_epochs": {"transactions": 3}, "gan": {"architecture": "paper", "log_every": 0}},
        "training": {"classifier_epochs": {"transactions": 2}, "runs": 2},
    }))
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy) as session:
        session.run()
    reporting = project_copy / "data" / "08_reporting"
    cards = pd.read_csv(reporting / "data_cards.csv")
    assert cards[["dataset", "rows", "minority_rows", "status"]].values.tolist() == [["transactions", 174, 24, "ok"]]
    results = pd.read_csv(reporting / "results.csv")
    assert set(results["dataset"]) == {"transactions"}
    assert sorted(results["method"].unique()) == ["gan", "none", "smote", "smotified_gan"]
    assert (results["runs"] == 2).all()
    train = pd.read_parquet(project_copy / "data" / "04_feature" / "transactions" / "train_set.parquet")
    assert {"channel_web", "channel_shop", "channel_phone"} <= set(train.columns)  # one-hot from configuration
    assert "| transactions | SMOTified-GAN |" in (reporting / "results.md").read_text()
