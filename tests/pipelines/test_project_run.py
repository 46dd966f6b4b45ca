"""A real KedroSession run of ingestion + preprocessing from a clean checkout in a temp dir."""

import joblib
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from mlflow import MlflowClient

from smotified_gan.core.preprocessing import feature_columns

pytestmark = [pytest.mark.integration]

EXPECTED = {
    "abalone": (4177, 8, 839), "ecoli": (336, 7, 20), "ionosphere": (351, 33, 126),
    "pageblocks": (472, 10, 28), "poker": (1477, 10, 17), "wine": (656, 11, 18), "yeast": (514, 8, 51),
}


@pytest.mark.slow
def test_ingestion_preprocessing_oversampling_from_a_clean_checkout(project_copy):
    bootstrap_project(project_copy)
    with KedroSession.create(project_path=project_copy, env="quick") as session:
        session.run(pipeline_names=["ingestion", "preprocessing", "oversampling"])

    data = project_copy / "data" / "quick"  # conf/quick/globals.yml: the quick environment's own data root
    cards = pd.read_csv(data / "08_reporting" / "data_cards.csv")
    assert list(cards.columns[:8]) == ["dataset", "source", "rows", "features", "minority_rows", "minority_pct", "sha256",
                                       "status"]
    ok = cards[cards["status"] == "ok"].set_index("dataset")
    assert sorted(cards["dataset"]) == sorted(ok.index) == sorted(EXPECTED)  # the grid of conf/base
    for name, (rows, features, minority) in EXPECTED.items():
        assert tuple(ok.loc[name, ["rows", "features", "minority_rows"]]) == (rows, features, minority)

    for name, (rows, _, minority) in EXPECTED.items():
        train_all = pd.read_parquet(data / "04_feature" / name / "train_set.parquet")
        test_all = pd.read_parquet(data / "04_feature" / name / "test_set.parquet")
        train_tables = pd.read_parquet(data / "03_primary" / name / "train_table.parquet")
        transformers = joblib.load(data / "04_feature" / name / "feature_transformer.pkl")
        assert sorted(train_all["repeat"].unique()) == sorted(transformers) == [0, 1]  # conf/quick: 2 repeats
        for repeat in (0, 1):
            train = train_all[train_all["repeat"] == repeat].drop(columns="repeat").reset_index(drop=True)
            test = test_all[test_all["repeat"] == repeat]
            assert len(train) + len(test) == rows
            assert int(train["target"].sum()) + int(test["target"].sum()) == minority
            assert train.drop(columns=["target", "row_key"]).to_numpy().min() >= 0.0
            assert train.drop(columns=["target", "row_key"]).to_numpy().max() <= 1.0 + 1e-6
            # leakage: each repeat's saved scaler has the statistics of that repeat's training split alone
            transformer = transformers[repeat]
            train_table = train_tables[train_tables["repeat"] == repeat]
            encoded = transformer.named_steps["encode"].transform(train_table[feature_columns(train_table)])
            scaler = transformer.named_steps["scale"]
            assert scaler.data_min_ == pytest.approx(encoded.min().to_numpy())
            assert scaler.data_max_ == pytest.approx(encoded.max().to_numpy())
            assert scaler.n_samples_seen_ == len(train) == len(train_table)
            # oversampling: every method built an augmented training set for this repeat
            for method in ("none", "smote", "gan", "smotified_gan"):
                augmented_all = pd.read_parquet(data / "05_model_input" / name / method / "augmented_train.parquet")
                augmented = augmented_all[augmented_all["repeat"] == repeat].drop(columns="repeat").reset_index(drop=True)
                # the original rows first (row_key, the row's source in the table, is not a feature: not carried)
                pd.testing.assert_frame_equal(augmented.iloc[: len(train)], train.drop(columns="row_key"))
                counts = augmented["target"].value_counts().to_dict()
                if method == "none":
                    assert len(augmented) == len(train)
                else:
                    assert counts[1] == counts[0] == int((train["target"] == 0).sum())
        history = pd.read_csv(data / "08_reporting" / "gan_history" / name / "smotified_gan.csv")
        epochs = 2 if name == "abalone" else 3  # conf/quick/parameters.yml
        assert history.groupby("repeat")["epoch"].apply(list).tolist() == [list(range(1, epochs + 1))] * 2
    abalone = pd.read_parquet(data / "04_feature" / "abalone" / "train_set.parquet")
    assert abalone.shape[1] == 10 + 1 + 1 + 1  # Sex one-hot: 10 features, plus target, row_key and repeat

    # MLflow tracking went to the SQLite file at the project root
    client = MlflowClient(f"sqlite:///{project_copy / 'mlflow.db'}")
    runs = client.search_runs([client.get_experiment_by_name("smotified_gan").experiment_id])
    assert [run.info.status for run in runs] == ["FINISHED"]
    assert not (project_copy / "mlruns").exists()
    assert not (project_copy / "data" / "08_reporting" / "data_cards.csv").exists()  # the default root is untouched


def test_relative_sqlite_uri_is_anchored_at_the_project(tmp_path):
    from smotified_gan.tracking.runs import resolve_tracking_uri

    assert resolve_tracking_uri(None, tmp_path) == f"sqlite:///{tmp_path.resolve().as_posix()}/mlflow.db"
    assert resolve_tracking_uri("sqlite:///runs/t.db", tmp_path) == f"sqlite:///{tmp_path.resolve().as_posix()}/runs/t.db"
    assert resolve_tracking_uri("sqlite:////abs/t.db", tmp_path) == "sqlite:////abs/t.db"
    assert resolve_tracking_uri("http://127.0.0.1:5000", tmp_path) == "http://127.0.0.1:5000"
