"""`kedro run --pipelines retrain --env prod --params retrain.method=auto` on a user's own table: the choice sees
training rows only, every candidate's evidence reaches the registered version, a time budget skips the costliest."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml

from smotified_gan.core.preprocessing import transform_rows
from smotified_gan.pipelines.retrain import nodes as retrain_nodes
from tests.pipelines.retrain.test_own_table import use_own_table
from tests.pipelines.retrain.test_pipeline import FAST, NAME, client_of, prod_data, run
from tests.production.own_table import own_table

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture
def project(project_copy):
    (project_copy / "conf" / "prod" / "parameters_test_speed.yml").write_text(yaml.safe_dump(FAST))
    use_own_table(project_copy, own_table(1500, seed=4))
    return project_copy


def test_auto_chooses_on_training_rows_only_tags_every_candidate_and_keeps_to_its_budget(project, monkeypatch, caplog):
    seen = []  # a spy on every row the choice fits on or scores

    def spying(function, position):
        def wrapped(*args, **kwargs):
            rows = args[position]
            seen.append(rows.drop(columns=[c for c in ("target", "repeat") if c in rows.columns]).to_numpy())
            return function(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(retrain_nodes, "oversample_training_set", spying(retrain_nodes.oversample_training_set, 0))
    monkeypatch.setattr(retrain_nodes, "score_rows", spying(retrain_nodes.score_rows, 1))
    auto = {"retrain": {"method": "auto"}}  # the README's command: every method crossed with every classifier
    with caplog.at_level("INFO"):
        run(project, "retrain", auto)
    data = prod_data(project)
    transformer = joblib.load(data / "04_feature" / "production" / "feature_transformer.pkl")
    holdout = pd.read_parquet(data / "03_primary" / "production" / "test_table.parquet")
    scaled = transform_rows(transformer, holdout.drop(columns=["label", "target", "row_key", "repeat"]))
    held_out = {tuple(np.round(r, 5)) for r in scaled.to_numpy(dtype=float)}
    looked_at = {tuple(np.round(r, 5)) for part in seen for r in part.astype(float)}
    # 3 methods x 2 folds over-sampled (shared by both classifiers), 6 candidates x 2 folds scored: never a holdout row
    assert len(seen) == 3 * 2 + 6 * 2 and len(looked_at) > 1000 and not looked_at & held_out

    names = {f"{m} + {c}" for m in ("none", "SMOTE", "refined") for c in ("network", "gradient boosting")}
    candidates = pd.read_csv(data / "08_reporting" / "production" / "candidates.csv").set_index("candidate")
    assert set(candidates.index) == names and candidates["chosen"].sum() == 1
    assert candidates["skipped"].isna().all() and candidates["value"].between(0.05, 1).all()
    version = client_of(project).get_model_version(NAME, "1")
    for name in names:  # every candidate's cross-fitted score, interval and cost, on the registered version
        assert version.tags[f"candidate.{name.replace('+', '_')}"] == candidates.loc[name, "summary"]
        assert candidates.loc[name, "summary"].startswith(f"f1 {candidates.loc[name, 'value']:.4f} [")
    chosen = candidates[candidates["chosen"]].iloc[0]
    assert version.tags["candidate"] == chosen.name and version.tags["candidate.choice"] == chosen["reason"]
    assert f"Choice: {chosen['reason']}" in caplog.text

    # a budget of 10 ms (spent by the cheapest candidate's two folds on any machine): the cheapest kind is scored,
    # every costlier one skipped, and the log says so
    caplog.clear()
    with caplog.at_level("INFO"):
        run(project, "retrain", {"retrain": {**auto["retrain"], "auto": {"max_seconds": 0.01}}})
    budgeted = pd.read_csv(data / "08_reporting" / "production" / "candidates.csv").set_index("candidate")
    assert budgeted["skipped"].isna().sum() == 1 and budgeted.loc["none + gradient boosting", "chosen"]
    assert budgeted.drop(index="none + gradient boosting")["skipped"].str.contains("budget of 0.01 s").all()
    assert "Candidate refined + network: skipped (" in caplog.text
