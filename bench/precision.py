"""The paper's classifier in float32 vs bfloat16 mixed precision: time and F1 on the experiment's own data.

    .venv/bin/python bench/precision.py [--datasets yeast ionosphere pageblocks abalone]

Run after `kedro run` (it reads the first repeat of each dataset's smote cell
from data/05_model_input and its test rows from data/04_feature). Trains the
30 seeded runs in each precision with the dataset's epochs and prints the
training time and the mean ± std of F1 and PR-AUC over the runs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from smotified_gan.core.classifier import ClassifierConfig, train_classifiers
from smotified_gan.core.data.tables import TARGET, feature_columns
from smotified_gan.core.metrics import runs_metrics

PROJECT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["yeast", "ionosphere", "pageblocks", "abalone"])
    args = parser.parse_args()
    training = yaml.safe_load((PROJECT / "conf" / "base" / "parameters_training.yml").read_text())["training"]
    for dataset in args.datasets:
        train = pd.read_parquet(PROJECT / "data" / "05_model_input" / dataset / "smote" / "augmented_train.parquet")
        test = pd.read_parquet(PROJECT / "data" / "04_feature" / dataset / "test_set.parquet")
        train, test = (frame[frame["repeat"] == 0].drop(columns="repeat") for frame in (train, test))
        features = feature_columns(train)
        for precision in ("float32", "bfloat16"):
            config = ClassifierConfig(**{**training["network"], "precision": precision,
                                         "epochs": training["classifier_epochs"][dataset]})
            started = time.perf_counter()
            trained = train_classifiers(train[features].to_numpy(), train[TARGET].to_numpy(), config,
                                        list(range(training["seed"], training["seed"] + training["runs"])), features)
            seconds = time.perf_counter() - started
            metrics = runs_metrics(test[TARGET].to_numpy(), trained.scores(test[features].to_numpy()),
                                   train[TARGET].to_numpy(), trained.scores(train[features].to_numpy()))
            f1, pr_auc = [m["f1"] for m in metrics], [m["pr_auc"] for m in metrics]
            print(f"{dataset:11s} {precision:9s} {seconds:6.1f} s  F1 {np.mean(f1):.3f} ± {np.std(f1):.3f}  "
                  f"PR-AUC {np.mean(pr_auc):.3f} ± {np.std(pr_auc):.3f}", flush=True)


if __name__ == "__main__":
    main()
