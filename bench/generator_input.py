"""SMOTified-GAN with generator_input "batch" vs "all" on the small classes: F1, PR-AUC and GAN time.

    .venv/bin/python bench/generator_input.py [--datasets ecoli pageblocks poker wine yeast]

Run after `kedro run` (it reads each dataset's preprocessed repeats from
data/04_feature). For each dataset and option it runs the experiment's own
nodes, `oversample` (the default settings and epochs) and the repeated
30-run classifier, and prints the mean over repeats of the per-repeat mean F1
and PR-AUC with their spread, and the GAN's wall time.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from smotified_gan.core.metrics import aggregate_runs
from smotified_gan.core.training import train_classifier_runs
from smotified_gan.pipelines.evaluation.nodes import evaluate_runs
from smotified_gan.pipelines.oversampling.nodes import oversample

PROJECT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["ecoli", "pageblocks", "poker", "wine", "yeast"])
    args = parser.parse_args()
    bootstrap_project(PROJECT)
    with KedroSession.create(project_path=PROJECT) as session:
        params = session.load_context().params
    rows = []
    for dataset in args.datasets:
        folder = PROJECT / "data" / "04_feature" / dataset
        train, test = pd.read_parquet(folder / "train_set.parquet"), pd.read_parquet(folder / "test_set.parquet")
        for option in ("batch", "all"):
            oversampling = {**params["oversampling"], "gan": {**params["oversampling"]["gan"], "generator_input": option,
                                                               "log_every": 0}}
            started = time.perf_counter()
            augmented = oversample(train, oversampling, {"sampler": "smotified_gan"},
                                   params["oversampling"]["gan_epochs"][dataset], {"dataset": dataset, "method": option})[0]
            gan_seconds = time.perf_counter() - started
            trained = train_classifier_runs(augmented, params["training"], params["training"]["classifier_epochs"][dataset])
            per_run, _ = evaluate_runs(trained, augmented, test, {"dataset": dataset, "method": option})
            summary = aggregate_runs(per_run).set_index("metric")
            rows.append({"dataset": dataset, "generator_input": option, "gan_seconds": round(gan_seconds, 1),
                         "f1": f"{summary.loc['f1', 'repeat_mean']:.3f} ± {summary.loc['f1', 'repeat_std']:.3f}",
                         "pr_auc": f"{summary.loc['pr_auc', 'repeat_mean']:.3f} ± {summary.loc['pr_auc', 'repeat_std']:.3f}",
                         "f1_value": summary.loc["f1", "repeat_mean"]})
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    print(table.drop(columns="f1_value").to_string(index=False))
    wide = table.pivot(index="dataset", columns="generator_input", values="f1_value")
    seconds = table.groupby("generator_input")["gan_seconds"].sum()
    print(f"\nmean F1 over datasets: batch {wide['batch'].mean():.3f}, all {wide['all'].mean():.3f}; "
          f"all better on {int((wide['all'] > wide['batch']).sum())}/{len(wide)} datasets; "
          f"GAN time batch {seconds['batch']:.0f} s, all {seconds['all']:.0f} s")


if __name__ == "__main__":
    main()
