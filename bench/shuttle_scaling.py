"""Does the paper's classifier learn Shuttle under each scaling? (results.md, "What the numbers stand on")

    cp ../shared/datasets/shuttle.trn ../shared/datasets/shuttle.tst data/01_raw/   # or let the paper env download them
    .venv/bin/python bench/shuttle_scaling.py [--runs 30] [--loss mae|bce]

Loads Shuttle through the project's own catalog entry and ingestion node, keeps
its own train/test files, fits each scaling on the training file only, trains
the paper's classifier (no augmentation, 10 epochs, `runs` seeds; `--loss bce`
swaps its MAE loss on a linear output for a sigmoid with BCE) and prints
PR-AUC, F1 and how many runs collapsed to a constant score. Two references:
the raw features (no scaling at all, what the authors did for Shuttle, which
the sigmoid generator cannot produce) and a random forest on the scaled split.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import average_precision_score

from smotified_gan.core.classifier import ClassifierConfig, train_classifiers
from smotified_gan.core.data.tables import TARGET, feature_columns, ingest_dataset
from smotified_gan.core.metrics import run_metrics
from smotified_gan.core.preprocessing import build_model_inputs, fit_transformer
from smotified_gan.core.report import CONSTANT_SCORE_STD
from smotified_gan.pipelines.preprocessing.nodes import split_dataset

PROJECT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--loss", choices=["mae", "bce"], default="mae")
    args = parser.parse_args()
    bootstrap_project(PROJECT)
    with KedroSession.create(project_path=PROJECT, env="paper") as session:
        context = session.load_context()
        spec, split = context.params["datasets"]["shuttle"], context.params["split"]
        training = context.params["training"]
        raw = context.catalog.load("shuttle.raw")
    table, _ = ingest_dataset(raw, spec)
    train, test = split_dataset(table, {**split, "repeats": 1}, spec)
    print(f"Shuttle: {len(train)} train rows ({int(train[TARGET].sum())} minority), {len(test)} test rows "
          f"({int(test[TARGET].sum())} minority); {args.runs} runs of the paper's classifier ({args.loss} loss), 10 epochs")
    for scaling in ("minmax", "quantile", "raw"):
        if scaling == "raw":
            train_set, test_set = train.drop(columns=["label", "repeat"]), test.drop(columns=["label", "repeat"])
        else:
            train_set, test_set = build_model_inputs(fit_transformer(train, {**spec, "scaling": scaling}), train, test)
        features = feature_columns(train_set)
        started = time.perf_counter()
        config = ClassifierConfig(**{**training["network"], "epochs": training["classifier_epochs"]["shuttle"],
                                     "loss": args.loss})
        trained = train_classifiers(train_set[features].to_numpy(), train_set[TARGET].to_numpy(), config,
                                    list(range(1000, 1000 + args.runs)), features)
        scores = trained.scores(test_set[features].to_numpy())
        y = test_set[TARGET].to_numpy()
        metrics = [run_metrics(y, s, y[:2], s[:2]) for s in scores]
        constant = int((scores.std(axis=1) < CONSTANT_SCORE_STD).sum())
        forest = RandomForestClassifier(n_estimators=200, random_state=0, n_jobs=2).fit(train_set[features], train_set[TARGET])
        forest_ap = average_precision_score(y, forest.predict_proba(test_set[features])[:, 1])
        pr_auc = [m["pr_auc"] for m in metrics]
        print(f"  {scaling:9s} PR-AUC {np.mean(pr_auc):.3f} ± {np.std(pr_auc):.3f}"
              f", F1 {np.mean([m['f1'] for m in metrics]):.3f}, constant-score runs {constant}/{args.runs}, "
              f"random forest PR-AUC {forest_ap:.3f} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
