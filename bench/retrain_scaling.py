"""What `kedro run --pipelines retrain --env prod` costs on a user's own table of 10k to 10M rows.

    .venv/bin/python bench/retrain_scaling.py [--rows 10000 100000 1000000 10000000] [--max-rows default none 200000]

Each size runs in its own scratch copy of the project, set up as the README
tells a user (the example table of `tests/production/own_table.py`: two
integer, two float and one categorical column, 7.5% minority, a plain logistic
signal), with the default settings: SMOTE, the paper's network (10 runs, a
budget of about 20,000 optimiser steps), calibration and threshold cross-fitted
over 5 folds. Printed per size: wall time, the kedro process's peak resident
memory (``wait4``'s ``ru_maxrss``), the longest silence between two log lines,
the holdout F1 against no skill (calling every row minority), and the time of
each stage. Goal at 1M rows: under 10 minutes, under 4 GB, a line at least
every 30 seconds; at 10M rows: under 15 minutes and 8 GB. ``--max-rows``:
``retrain.sampling.max_rows`` for each run (``default``: the project's, 1M;
``none``: every training row). The runs of one size share one scratch project
(one table, one holdout), so each setting after the first is compared with the
first on the same holdout rows: the difference in holdout F1 with a 95% paired
bootstrap interval (2,000 resamples of the holdout rows).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from concurrent_jobs import KEDRO, scratch_project  # noqa: E402

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
STAGES = ("ingest_dataset", "key_rows", "split_holdout", "build_input_contract", "choose_candidate",
          "oversample_training_set", "train_classifier_runs", "score_rows", "decide_champion")
FITTING = re.compile(r"Fitting on (.*) \(retrain.sampling")


def run(project: Path, rows: int, max_rows: str, extra: str = "") -> dict:
    value = "null" if max_rows == "none" else max_rows  # OmegaConf's dotlist: null is None
    settings = ([] if max_rows == "default" else [f"retrain.sampling.max_rows={value}"]) + ([extra] if extra else [])
    params = ["--params", ",".join(settings)] if settings else []
    started = time.perf_counter()
    job = subprocess.Popen([KEDRO, "run", "--pipelines", "retrain", "--env", "prod", *params], cwd=project,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={**os.environ, "DO_NOT_TRACK": "true"})
    output = job.stdout.read()
    _, status, usage = os.wait4(job.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"retrain on {rows} rows failed:\n{output[-3000:]}")
    data = project / "data" / "prod"
    decision = json.loads((data / "08_reporting" / "production" / "champion_decision.json").read_text())
    predictions = pd.read_parquet(data / "07_model_output" / "production" / "holdout_predictions.parquet")
    truth = pd.read_parquet(data / "03_primary" / "production" / "test_table.parquet")["target"].to_numpy()
    fitting = FITTING.search(output)
    return {"rows": rows, "max_rows": max_rows, "fitted": fitting.group(1) if fitting else "?", "seconds": seconds,
            "peak_gb": usage.ru_maxrss / 2**20, "silence": longest_silence(output), "f1": decision["challenger"],
            "no_skill": decision["no_skill"], "stages": stage_seconds(output),
            "calls": predictions["predicted_class"].to_numpy(), "truth": truth,
            "calibration": reliability(predictions["minority_score"].to_numpy(), truth)}


def reliability(p: np.ndarray, y: np.ndarray, bins: int = 10) -> str:
    """How well the holdout's calibrated scores match its labels: the mean score against the minority share, and
    the expected calibration error over ``bins`` quantile bins of the score (the largest bin's gap beside it)."""
    edges = np.quantile(p, np.linspace(0, 1, bins + 1)[1:-1])
    which = np.searchsorted(edges, p, side="right")
    gaps = np.array([abs(p[which == b].mean() - y[which == b].mean()) if (which == b).any() else 0.0
                     for b in range(bins)])
    weights = np.bincount(which, minlength=bins) / len(p)
    return f"{p.mean():.4f} vs {y.mean():.4f}, ECE {float(gaps @ weights):.4f} (worst bin {gaps.max():.4f})"


def paired_f1_difference(truth: np.ndarray, first: np.ndarray, second: np.ndarray, resamples: int = 2000,
                         seed: int = 0) -> tuple[float, float, float]:
    """F1(second) - F1(first) on the same rows, and its 95% percentile bootstrap interval (rows resampled; the
    confusion counts of each resample from multinomial cell counts, so 2,000 resamples of 2M rows take seconds)."""
    y, a, b = (np.asarray(v).astype(bool) for v in (truth, first, second))
    cells = np.bincount(y * 4 + a * 2 + b, minlength=8)  # (label, first's call, second's call)
    draws = np.random.default_rng(seed).multinomial(len(y), cells / len(y), size=resamples).astype(float)

    def f1(tp, fp, fn):
        return 2 * tp / np.maximum(2 * tp + fp + fn, 1)

    def both(c):
        tp_a, fp_a = c[..., 6] + c[..., 7], c[..., 2] + c[..., 3]
        tp_b, fp_b = c[..., 5] + c[..., 7], c[..., 1] + c[..., 3]
        positives = c[..., 4:].sum(axis=-1)
        return f1(tp_b, fp_b, positives - tp_b) - f1(tp_a, fp_a, positives - tp_a)

    low, high = np.percentile(both(draws), [2.5, 97.5])
    return float(both(cells.astype(float))), float(low), float(high)


def times(output: str) -> list[tuple[datetime.datetime, str]]:
    found = []
    for line in output.splitlines():
        match = STAMP.match(line)
        if match:
            found.append((datetime.datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f"), line))
    return found


def longest_silence(output: str) -> float:
    stamps = [t for t, _ in times(output)]
    return max((b - a).total_seconds() for a, b in zip(stamps, stamps[1:]))


def stage_seconds(output: str) -> dict[str, float]:
    """Seconds from each stage's 'Running node' line to its 'Completed node' line."""
    started, found = {}, {}
    for t, line in times(output):
        for stage in STAGES:
            if f"Running node: {stage}:" in line or f"Running node: production.{stage}:" in line:
                started[stage] = t
            elif line.rstrip().endswith((f"Completed node: {stage}", f"Completed node: production.{stage}")):
                found[stage] = (t - started.pop(stage)).total_seconds()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 10_000_000])
    parser.add_argument("--max-rows", nargs="+", default=["default"],
                        help="retrain.sampling.max_rows per run: default, none or a number")
    parser.add_argument("--params", default="", help="more --params for every run, e.g. retrain.threshold.calibration=isotonic")
    args = parser.parse_args()
    print("| rows | max_rows | fitted on | wall time | peak memory | longest silence | holdout F1 (no skill) | "
          "holdout: mean score vs minority share, calibration error | " + " | ".join(STAGES) + " |")
    print("|---" * (8 + len(STAGES)) + "|")
    compared = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix=f"retrain-{rows}-") as folder:
            project = scratch_project(Path(folder), rows)
            results = []
            for max_rows in args.max_rows:
                r = run(project, rows, max_rows, args.params)
                results.append(r)
                stages = " | ".join(f"{r['stages'].get(s, float('nan')):.0f} s" for s in STAGES)
                print(f"| {rows:,} | {max_rows} | {r['fitted']} | {r['seconds']:.0f} s | {r['peak_gb']:.2f} GB | "
                      f"{r['silence']:.0f} s | {r['f1']:.3f} ({r['no_skill']:.3f}) | {r['calibration']} | {stages} |",
                      flush=True)
            compared += [(rows, results[0], r, paired_f1_difference(r["truth"], results[0]["calls"], r["calls"]))
                         for r in results[1:]]
    if compared:
        print("\n| rows | against max_rows | max_rows | holdout rows (minority) | F1 difference | 95% paired bootstrap |")
        print("|---|---|---|---|---|---|")
        for rows, first, r, (difference, low, high) in compared:
            print(f"| {rows:,} | {first['max_rows']} | {r['max_rows']} | {len(r['truth']):,} ({int(r['truth'].sum()):,}) "
                  f"| {difference:+.4f} | [{low:+.4f}, {high:+.4f}] |")


if __name__ == "__main__":
    main()
