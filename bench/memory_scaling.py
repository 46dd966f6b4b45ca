"""Peak memory and time of each stage, at the credit-card cell's size and on a scaling curve.

    .venv/bin/python bench/memory_scaling.py                 # both parts
    .venv/bin/python bench/memory_scaling.py creditcard      # the 284,807 x 29 cell, all four methods
    .venv/bin/python bench/memory_scaling.py scaling         # 10k, 100k, 1M rows x 30 features, 1% minority
    .venv/bin/python bench/memory_scaling.py scaling --all   # ... with the 30-run classifier at 1M rows too (~30 min)

Every measurement runs in a fresh process (``multiprocessing`` spawn) and
reports its wall time and its peak resident memory (``ru_maxrss``), so one
stage's memory never hides another's. The tables are synthetic (Gaussian
classes, MinMax-scaled): the real credit-card file is not needed to measure
the shape's cost. GAN epochs and classifier epochs are fixed and small:
memory does not depend on them and time grows linearly with them.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import sys
import time

import numpy as np
import pandas as pd


def table(rows: int, features: int, minority: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(0, 1, (rows - minority, features)), rng.normal(0.8, 1.2, (minority, features))]
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))
    frame = pd.DataFrame(X.astype(np.float32), columns=[f"v{i}" for i in range(features)])
    frame["target"] = np.r_[np.zeros(rows - minority), np.ones(minority)].astype("int8")
    return frame


OVERSAMPLING = {
    "sampling_strategy": "auto", "random_state": 42, "first_phase": "smote", "k_neighbors": 5, "first_phase_kwargs": {},
    "gan": {"architecture": "code", "learning_rate": 1e-5, "batch_size": 128, "log_every": 0, "device": "auto",
            "monitor_validation": False, "early_stopping": False},
}
CELL = {"dataset": "bench", "method": "bench"}
TRAINING = {"runs": 30, "seed": 1000, "classifier": {"hidden": [256, 128], "learning_rate": 1e-3, "batch_size": 32,
                                                      "loss": "mae", "threshold": 0.5, "device": "auto"}}


def _measure(queue, stage: str, rows: int, features: int, minority: int, epochs: int) -> None:
    from smotified_gan.core.samplers import first_phase_rows
    from smotified_gan.core.training import train_classifier_runs
    from smotified_gan.pipelines.evaluation.nodes import evaluate_runs
    from smotified_gan.pipelines.oversampling.nodes import oversample

    train = table(rows, features, minority)
    test = table(max(rows // 4, 1000), features, max(minority // 4, 10), seed=1)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    X, y = train.drop(columns="target").to_numpy(np.float32), train["target"].to_numpy()
    if stage == "first_phase":
        first_phase_rows(X, y, {1: rows - 2 * minority}, "smote", 5, np.random.RandomState(0))
    elif stage == "imblearn_smote":
        from imblearn.over_sampling import SMOTE

        SMOTE(random_state=0).fit_resample(X, y)
    elif stage in ("smote", "gan", "smotified_gan"):
        oversample(train, OVERSAMPLING, stage, epochs, CELL)
    elif stage == "none":
        pass
    elif stage == "classifier":
        augmented = oversample(train, OVERSAMPLING, "smote", 0, CELL)[0]
        started = time.perf_counter()
        trained = train_classifier_runs(augmented, TRAINING, epochs)
        evaluate_runs(trained, augmented, test.assign(repeat=0), CELL)
    queue.put((time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, baseline))


def measure(stage: str, rows: int, features: int, minority: int, epochs: int) -> tuple[float, float, float]:
    """(seconds, peak MB, MB before the stage) of one stage in a fresh process."""
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measure, args=(queue, stage, rows, features, minority, epochs))
    process.start()
    seconds, peak_kb, base_kb = queue.get()
    process.join()
    return seconds, peak_kb / 1024, base_kb / 1024


def creditcard() -> None:
    rows, features, minority = 284_807, 29, 492
    print(f"\nCredit-card-sized cell: {rows:,} rows x {features} features, {minority} minority rows "
          "(training split; the test split is a quarter of that)")
    print(f"{'stage':<34}{'seconds':>10}{'peak MB':>10}{'MB before':>11}")
    for stage, epochs, label in (("none", 0, "data only (baseline)"),
                                 ("smote", 0, "smote (imblearn SMOTE)"),
                                 ("gan", 2, "gan (GANOverSampler, 2 epochs)"),
                                 ("smotified_gan", 2, "smotified_gan (2 epochs)"),
                                 ("classifier", 1, "30-run classifier, 1 epoch + scoring")):
        seconds, peak, base = measure(stage, rows, features, minority, epochs)
        print(f"{label:<34}{seconds:>10.1f}{peak:>10.0f}{base:>11.0f}")


def scaling(classifier_up_to: int = 100_000) -> None:
    """The classifier's 30 runs over 2 x 1M rows take about half an hour on 2 cores: ``--all`` includes them."""
    print("\nScaling: 30 features, 1% minority; GAN 3 epochs; classifier 1 epoch, 30 runs (seconds / peak MB)")
    stages = (("first_phase", 0), ("imblearn_smote", 0), ("gan", 3), ("smotified_gan", 3), ("classifier", 1))
    print(f"{'rows':>10}" + "".join(f"{s:>22}" for s, _ in stages))
    for rows in (10_000, 100_000, 1_000_000):
        cells = []
        for stage, epochs in stages:
            if stage == "classifier" and rows > classifier_up_to:
                cells.append("(--all)")
                continue
            seconds, peak, _ = measure(stage, rows, 30, rows // 100, epochs)
            cells.append(f"{seconds:9.1f} s {peak:7.0f} MB")
        print(f"{rows:>10,}" + "".join(f"{c:>22}" for c in cells), flush=True)


if __name__ == "__main__":
    every = "--all" in sys.argv
    parts = [a for a in sys.argv[1:] if not a.startswith("--")] or ["creditcard", "scaling"]
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CUDA {torch.cuda.is_available()}")
    for part in parts:
        creditcard() if part == "creditcard" else scaling(10**9 if every else 100_000)
