"""The development benchmark (`--env keel`): 95 KEEL tables joined by configuration alone, the cheap methods on all
of them and the GAN methods on 24, three lenses."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from tests.pipelines.test_grid import registered

TABLES = ["appendicitis", "car_good", "cm1", "dermatology_6", "flaref", "haberman", "hepatitis", "kc1",
          "kddcup_guess_passwd_vs_satan", "kr_vs_k_zero_one_vs_draw", "led7digit_0_2_4_5_6_7_8_9_vs_1", "new_thyroid1",
          "pc1", "pima", "satimage", "segment0", "shuttle_c0_vs_c4", "shuttle_2_vs_5", "spectf", "vehicle0",
          "winequality_white_3_vs_7", "winequality_white_3_9_vs_5", "yeast3", "yeast_1_4_5_8_vs_7"]
CHEAP = ["none", "class_weights", "random", "smote", "borderline_smote", "adasyn"]
GANS = ["gan", "smotified_gan", "refined"]
METHODS = CHEAP + GANS
# the quick settings, for two of the tables
QUICK = {"grid": {"datasets": ["haberman", "new_thyroid1"], "methods": {"refined": {"epochs": 2}}},
         "split": {"repeats": 2},
         "oversampling": {"gan": {"architecture": "paper", "log_every": 0},
                          "gan_epochs": {"rule": {"steps": 6, "min": 2, "max": 3}}},
         "training": {"runs": 2, "classifier_epochs": {"rule": {"steps": 30, "min": 1, "max": 2}},
                      "lenses": {"gradient_boosting": {"max_iter": 10}}},
         "evaluation": {"quality": {"max_rows": 100, "trees": 25}}, "reporting": {"across_tables": {"samples": 2000}}}


@pytest.mark.integration
def test_the_keel_environment_builds_95_tables_the_gan_methods_on_24(project_copy):
    import yaml

    development = yaml.safe_load((project_copy / "conf" / "keel" / "parameters_datasets.yml").read_text())
    tables = development["grid"]["datasets"]
    assert len(tables) == len(set(tables)) == 95 and set(TABLES) < set(tables)
    pipeline = registered(project_copy, "keel")
    trained = {n.namespace for n in pipeline.nodes if n.name.endswith("train_lenses")}
    assert trained == {f"{t}.{m}" for t in tables for m in CHEAP} | {f"{t}.{m}" for t in TABLES for m in GANS}
    assert len(trained) == 95 * 6 + 24 * 3
    assert {n.namespace for n in pipeline.nodes if n.name.endswith("ingest_dataset")} == set(tables)


@pytest.mark.integration
def test_every_keel_table_is_read_as_its_definition_says(project_copy):
    """Each table's raw entry in --env keel is the package's loader, read the way its definition (class column,
    minority label) expects, including a table conf/base reads from a file of its own (ionosphere)."""
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy, env="keel") as session:
        context = session.load_context()
        definitions = context.config_loader["parameters"]["datasets"]
        tables = context.config_loader["parameters"]["grid"]["datasets"]
        catalog = context.catalog  # built anew at every access of the property (2 s with the keel grid)
        for table in tables:
            raw = catalog.get(f"{table}.raw")
            assert type(raw).__name__ == "CommonDatasetsDataset", table
            assert definitions[table]["label_column"] == "class", table
        frame = catalog.load("ionosphere.raw").frame
        assert frame["class"].value_counts().to_dict() == {0: 225, 1: 126}


@pytest.mark.slow
@pytest.mark.integration
def test_a_sliced_keel_run_over_two_tables_completes_with_both_lenses(project_copy):
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy, env="keel", runtime_params=QUICK) as session:
        session.run()
    reporting = project_copy / "data" / "keel" / "08_reporting"
    results = pd.read_csv(reporting / "results.csv")
    assert sorted(results["dataset"].unique()) == ["haberman", "new_thyroid1"]
    assert sorted(results["method"].unique()) == sorted(METHODS)  # (a runtime override of one method moves it)
    assert results["classifier"].drop_duplicates().tolist() == ["network", "gradient_boosting", "logistic_regression"]
    assert {"f1", "f1_tuned", "pr_auc_normalized"} <= set(results["metric"])
    cards = pd.read_csv(reporting / "data_cards.csv").set_index("dataset")
    assert cards.loc["haberman", ["rows", "features", "minority_rows"]].tolist() == [306, 3, 81]
    assert cards.loc["haberman", "source"].startswith("KEEL haberman")
    markdown = (reporting / "results.md").read_text()
    for lens in ("network", "gradient_boosting", "logistic_regression"):
        assert f"## Results (classifier: {lens})" in markdown and f"## Against SMOTE (classifier: {lens})" in markdown
        assert f"## Against SMOTE across tables (classifier: {lens})" in markdown
    assert "| SMOTified-GAN (refined) |" in markdown and "energy distance" in markdown
    runs = pd.read_csv(reporting / "run_metrics.csv")
    # 2 tables x 9 methods x 2 repeats x runs (the network's 2, each other lens 1)
    assert runs.groupby("classifier").size().to_dict() == {"gradient_boosting": 2 * 9 * 2, "logistic_regression": 2 * 9 * 2,
                                                           "network": 2 * 9 * 2 * 2}
    assert runs["f1_tuned"].notna().all() and runs["tuned_threshold"].between(0, 1).all()
