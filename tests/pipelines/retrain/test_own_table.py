"""Production on a user's own table (integer, float and categorical columns), as the README walks them through it."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from smotified_gan.core.production.contract import BatchValidationError
from smotified_gan.core.production.holdout import in_holdout, row_keys
from smotified_gan.io.champion import HOLDOUT_ROWS_ARTIFACT, TRAINING_ROWS_ARTIFACT
from smotified_gan.pipelines.retrain.nodes import LineageChangeError
from tests.pipelines.retrain.test_pipeline import FAST, NAME, client_of, prod_data, retrain_runs, run
from tests.production.own_table import LABEL, PRODUCTION_PARAMETERS, own_table

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def use_own_table(project: Path, table: pd.DataFrame, batch: pd.DataFrame | None = None,
                  key_column: str | None = None) -> None:
    """What the README tells a user to do: the CSVs in data/01_raw, two catalog entries, the table's definition."""
    table.to_csv(project / "data" / "01_raw" / "own.csv", index=False)
    (table.drop(columns=LABEL) if batch is None else batch).to_csv(project / "data" / "01_raw" / "batch.csv", index=False)
    (project / "conf" / "prod" / "catalog.yml").write_text(yaml.safe_dump({
        "production.raw": {"type": "smotified_gan.io.TableFileDataset", "filepath": "data/01_raw/own.csv"},
        "production.batch": {"type": "smotified_gan.io.TableFileDataset", "filepath": "data/01_raw/batch.csv"}}))
    holdout = {"retrain": {"holdout": {"key_column": key_column}}} if key_column else {}
    (project / "conf" / "prod" / "parameters_production.yml").write_text(yaml.safe_dump(
        {**PRODUCTION_PARAMETERS, "scoring": {"id_column": "customer_id"}, **holdout}))


@pytest.fixture
def own_project(project_copy):
    (project_copy / "conf" / "prod" / "parameters_test_speed.yml").write_text(yaml.safe_dump(FAST))
    use_own_table(project_copy, own_table(2000, seed=11))
    return project_copy


def latest(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(sorted(folder.iterdir())[-1] / name)


def test_an_own_table_with_integer_columns_retrains_and_scores_its_own_rows(own_project, caplog):
    """Fitted on a sample of the majority rows (retrain.sampling.max_rows 800 of about 1,600 training rows): every
    minority row kept, the contract from every training row, the scores calibrated back to the unsampled rows."""
    with caplog.at_level(logging.INFO, logger="smotified_gan"):
        run(own_project, "retrain", {"retrain": {"sampling": {"max_rows": 800}}})
    fitted = pd.read_parquet(prod_data(own_project) / "03_primary" / "production" / "fit_table.parquet")
    trained = pd.read_parquet(prod_data(own_project) / "03_primary" / "production" / "train_table.parquet")
    assert fitted["target"].sum() == trained["target"].sum() and abs(len(fitted) - 800) < 80
    contract = json.loads((prod_data(own_project) / "04_feature" / "production" / "input_contract.json").read_text())
    assert contract["meta"]["training_rows"] == len(trained)
    assert "corrected for majority rows sampled at rate 0.4" in caplog.text
    client = client_of(own_project)
    champion = client.get_model_version_by_alias(NAME, "champion")
    assert 0.4 < float(champion.tags["majority_rate"]) < 0.5
    # the columns in name order: a table re-exported in another order trains the same model
    assert champion.tags["columns"] == "age:integer, balance:float, income:float, region:category, visits:integer"
    # the very rows of the table it trained on, integers and all, score
    run(own_project, "scoring")
    outputs = prod_data(own_project) / "07_model_output" / "production"
    scored = latest(outputs / "predictions.csv", "predictions.csv")
    table = pd.read_csv(own_project / "data" / "01_raw" / "own.csv")
    assert scored["row_id"].tolist() == table["customer_id"].tolist()
    assert scored["minority_score"].between(0, 1).all() and 0 < scored["predicted_class"].sum() < len(table)
    # calibrated to the table's own minority share (7.5%), not to the sample's (about 15%)
    assert abs(scored["minority_score"].mean() - (table[LABEL] == "yes").mean()) < 0.02
    checks = latest(outputs / "batch_checks.csv", "batch_checks.csv").set_index("column")
    # holdout rows may lie a little outside the training rows' range: counted, flagged, scored
    assert scored["flagged"].sum() == (scored["flags"].fillna("") != "").sum() <= checks["out_of_range_rows"].sum()
    assert (checks["drift"] == "stable").all() and (checks["unseen_category_rows"] == 0).all()


def test_unusual_rows_are_counted_flagged_and_logged_and_a_fail_policy_stops_the_batch(own_project):
    run(own_project, "retrain")
    batch = own_table(300, seed=12, start_id=5000).drop(columns=LABEL)
    batch.loc[[3, 4], "income"] = [1e12, 2e12]
    batch.loc[[4, 7, 8], "region"] = ["mars", "mars", "atlantis"]
    batch.to_csv(own_project / "data" / "01_raw" / "batch.csv", index=False)
    run(own_project, "scoring")
    outputs = prod_data(own_project) / "07_model_output" / "production"
    scored = latest(outputs / "predictions.csv", "predictions.csv").set_index("row_id")
    assert scored.loc[5003, "flags"] == "out_of_range:income"
    assert scored.loc[5004, "flags"] == "out_of_range:income;unseen_category:region"
    assert scored.loc[5008, "flags"] == "unseen_category:region" and scored["minority_score"].between(0, 1).all()
    checks = latest(outputs / "batch_checks.csv", "batch_checks.csv").set_index("column")
    assert checks.loc["income", "above_max"] >= 2 and checks.loc["region", "unseen_category_rows"] == 3
    assert checks.loc["region", "unseen_values"] == "atlantis, mars" and (checks["model_version"] == 1).all()
    client = client_of(own_project)
    scoring_run = client.search_runs([client.get_experiment_by_name("smotified_gan").experiment_id],
                                     order_by=["attributes.start_time DESC"], max_results=1)[0]
    assert scoring_run.data.metrics["scoring.region.unseen_category_rows"] == 3
    assert scoring_run.data.metrics["scoring.income.out_of_range_rows"] == checks.loc["income", "out_of_range_rows"]
    assert scoring_run.data.metrics["scoring.rows"] == 300
    assert "scoring/batch_checks.csv" in {a.path for a in client.list_artifacts(scoring_run.info.run_id, "scoring")}

    versions = len(list((outputs / "predictions.csv").iterdir()))
    with pytest.raises(BatchValidationError, match=r"unseen category: 'region' 3 row\(s\) with categories never seen"):
        run(own_project, "scoring", {"scoring": {"checks": {"unseen_category": "fail"}}})
    shifted = own_table(300, seed=13).drop(columns=LABEL).assign(region="west")
    shifted.to_csv(own_project / "data" / "01_raw" / "batch.csv", index=False)
    with pytest.raises(BatchValidationError, match=r"drift: 'region' PSI \d+\.\d+"):
        run(own_project, "scoring", {"scoring": {"checks": {"drift": "fail"}}})
    assert len(list((outputs / "predictions.csv").iterdir())) == versions  # nothing written by either


def test_a_holdout_row_stays_held_out_as_the_table_grows(own_project):
    """As the README configures it: the holdout keyed by customer_id, a column the model never sees (drop_columns)."""
    first = own_table(2000, seed=11)
    use_own_table(own_project, first, key_column="customer_id")
    run(own_project, "retrain")
    data = prod_data(own_project)
    grown = pd.concat([first, own_table(600, seed=21, start_id=2000)], ignore_index=True)
    use_own_table(own_project, grown, key_column="customer_id")
    run(own_project, "retrain")

    client = client_of(own_project)
    champion = client.get_model_version(NAME, "1")
    trained = pd.read_parquet(client.download_artifacts(champion.run_id, TRAINING_ROWS_ARTIFACT))["row_key"]
    keys = row_keys(grown, "customer_id")
    held = in_holdout(keys, 0.2, 2024)
    assert not set(keys[held]) & set(trained)  # no row the champion trained on is in the new holdout
    first_held = in_holdout(row_keys(first, "customer_id"), 0.2, 2024)
    assert set(trained) == set(keys[:len(first)][~first_held])  # v1 trained on every first-table row not held out
    assert (held[:len(first)] == first_held).all() and held[len(first):].any()
    holdout = pd.read_parquet(data / "03_primary" / "production" / "unlabelled_rows.parquet")
    assert len(holdout) == int(held.sum()) and "customer_id" not in holdout.columns  # the key is not a feature
    decision = json.loads((data / "08_reporting" / "production" / "champion_decision.json").read_text())
    assert decision["holdout_rows_champion_trained_on"] == 0 and decision["holdout_rows"] == int(held.sum())

    # the rows that arrived after v1's crown (not in its own run's holdout) give its honest figure, on its version
    judged = pd.read_parquet(client.download_artifacts(champion.run_id, HOLDOUT_ROWS_ARTIFACT))["row_key"]
    assert set(judged) == set(keys[:len(first)][first_held])
    arrived = held[len(first):]
    assert decision["fresh_rows"] == int(arrived.sum()) > 0
    assert decision["fresh_minority_rows"] == int((grown[LABEL].to_numpy()[len(first):][arrived] == "yes").sum())
    tags = client.get_model_version(NAME, "1").tags
    if decision["fresh_minority_rows"]:
        assert float(tags["holdout_f1"]) == pytest.approx(decision["champion_fresh"], abs=1e-6)
        assert tags["holdout_f1_rows"] == (f"{decision['fresh_rows']} holdout rows ({decision['fresh_minority_rows']} "
                                           "minority) that arrived after its crown (retrain of v2)")
        low, high = decision["champion_interval"]
        assert low <= decision["champion_fresh"] <= high and tags["holdout_f1_interval"].startswith(f"[{low:.4f}, ")
    if decision["outcome"] == "keep" and decision["p_value"] is not None:  # a look was made at v1: counted on it
        assert tags["looks_spent"] == str(decision["look"]) and decision["look"] >= 1


def test_a_new_table_stops_retrain_before_training_unless_it_starts_a_new_lineage(prod_project_yeast):
    project = prod_project_yeast
    run(project, "retrain")  # the packaged Yeast table's champion
    use_own_table(project, own_table(2000, seed=11))
    classifiers = prod_data(project) / "06_models" / "production" / "classifiers.pkl"
    trained_at = classifiers.stat().st_mtime
    started = time.perf_counter()
    with pytest.raises(LineageChangeError, match=r"differ from those of the champion smotified_gan_classifier v1: "
                                                r"columns the champion was trained on are gone: \['Alm', .*new columns: "
                                                r"\['age', 'balance', 'income', 'region', 'visits'\].*retrain.decision.on_"
                                                r"lineage_change=new_lineage.*Nothing was trained"):
        run(project, "retrain")
    assert time.perf_counter() - started < 30 and classifiers.stat().st_mtime == trained_at
    client = client_of(project)
    assert len(client.search_model_versions(f"name='{NAME}'")) == 1

    run(project, "retrain", {"retrain": {"decision": {"on_lineage_change": "new_lineage"}}})
    champion = client.get_model_version_by_alias(NAME, "champion")
    assert int(champion.version) == 2 and champion.tags["columns"].startswith("age:integer")
    assert retrain_runs(client)[-1].data.tags["champion.decision"] == "promote"
    decision = json.loads((prod_data(project) / "08_reporting" / "production" / "champion_decision.json").read_text())
    assert decision["lineage"] == "new" and decision["champion"] is None


@pytest.fixture
def prod_project_yeast(project_copy):
    (project_copy / "conf" / "prod" / "parameters_test_speed.yml").write_text(yaml.safe_dump(FAST))
    return project_copy


def test_float_columns_of_whole_numbers_in_a_batch_still_score(own_project):
    run(own_project, "retrain")
    batch = own_table(50, seed=14).drop(columns=LABEL).astype({"age": "float64", "visits": "float64"})
    batch.to_csv(own_project / "data" / "01_raw" / "batch.csv", index=False, float_format="%.1f")
    run(own_project, "scoring")
    scored = latest(prod_data(own_project) / "07_model_output" / "production" / "predictions.csv", "predictions.csv")
    assert len(scored) == 50 and np.isfinite(scored["minority_score"]).all()


def test_a_scikit_learn_classifier_retrains_registers_and_scores_like_the_network(own_project):
    """``retrain.training.classifier`` names a scikit-learn class: its calibrated run is the registered model."""
    import mlflow

    gradient_boosting = {"class": "sklearn.ensemble.HistGradientBoostingClassifier", "max_iter": 50}
    run(own_project, "retrain", {"retrain": {"method": {"sampler": "smote"}, "training": {"classifier": gradient_boosting}}})
    client = client_of(own_project)
    champion = client.get_model_version_by_alias(NAME, "champion")
    assert float(champion.tags["holdout_f1"]) > 0.1
    [retrain] = retrain_runs(client)
    assert retrain.data.params["retrain.training.classifier.class"] == "sklearn.ensemble.HistGradientBoostingClassifier"
    data = prod_data(own_project)
    rows = pd.read_parquet(data / "03_primary" / "production" / "unlabelled_rows.parquet")
    expected = pd.read_parquet(data / "07_model_output" / "production" / "holdout_predictions.parquet")
    model = mlflow.pyfunc.load_model(f"models:/{NAME}@champion")
    predicted = model.predict(rows)
    np.testing.assert_allclose(predicted["minority_score"], expected["minority_score"], atol=1e-6)
    assert predicted["predicted_class"].tolist() == expected["predicted_class"].tolist()
    assert 0 < predicted["predicted_class"].sum() < len(rows)


def test_exports_that_mean_the_same_retrain_and_a_wrong_batch_fails_by_default(own_project):
    """Integer columns written as 86.0 are the same columns; a fractional value is named; a batch whose categories
    are all unseen (re-cased) fails under the default policy with nothing written; blank and big ids are exact."""
    run(own_project, "retrain")
    table = own_table(2000, seed=11)
    (own_project / "data" / "01_raw" / "own.csv").write_text(
        table.astype({"age": "float64", "visits": "float64"}).to_csv(index=False, float_format="%.1f"))
    run(own_project, "retrain")  # no "'age' was integer, is now float"
    client = client_of(own_project)
    assert client.get_model_version(NAME, "2").tags["columns"].startswith("age:integer, balance:float")
    fractional = table.astype({"age": "float64"})
    fractional.loc[12, "age"] = 86.5
    fractional.to_csv(own_project / "data" / "01_raw" / "own.csv", index=False)
    with pytest.raises(LineageChangeError, match=r"'age' was integer, is now float: 1 value\(s\) are not whole numbers "
                                                r"\(first row 12: 86.5\)"):
        run(own_project, "retrain")

    outputs = prod_data(own_project) / "07_model_output" / "production"
    shouted = own_table(300, seed=12).drop(columns=LABEL)
    shouted["region"] = shouted["region"].str.upper()
    shouted.to_csv(own_project / "data" / "01_raw" / "batch.csv", index=False)
    with pytest.raises(BatchValidationError, match=r"unseen category: 'region' 300 of 300 rows \(100%\) hold categories "
                                                   r"never seen in training: EAST, NORTH, SOUTH, WEST \(above scoring."
                                                   r"max_share.unseen_category 0.2"):
        run(own_project, "scoring")
    assert not (outputs / "predictions.csv").exists()

    batch = own_table(300, seed=12).drop(columns=LABEL)
    batch["customer_id"] = pd.array([2**53 + 1 + i for i in range(299)] + [None], dtype="UInt64")
    batch.to_csv(own_project / "data" / "01_raw" / "batch.csv", index=False)
    with pytest.raises(BatchValidationError, match=r"batch.csv: id column 'customer_id' \(scoring.id_column\): 1 blank "
                                                   r"value\(s\) \(first row 299\)"):
        run(own_project, "scoring")
    assert not (outputs / "predictions.csv").exists()
    batch.loc[299, "customer_id"] = 2**63 - 1
    batch.to_csv(own_project / "data" / "01_raw" / "batch.csv", index=False)
    run(own_project, "scoring")
    written = (sorted((outputs / "predictions.csv").iterdir())[-1] / "predictions.csv").read_text().splitlines()
    ids = [line.split(",")[0] for line in written[1:]]
    assert ids == [str(2**53 + 1 + i) for i in range(299)] + [str(2**63 - 1)]  # every id exact, 300 distinct
