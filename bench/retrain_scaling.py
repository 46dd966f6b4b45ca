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
``none``: every training row), so the sampled fit and the full one can be
compared on one table (their holdout F1 on the same holdout rows).
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from concurrent_jobs import KEDRO, scratch_project  # noqa: E402

STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) ")
STAGES = ("ingest_dataset", "key_rows", "split_holdout", "build_input_contract", "choose_candidate",
          "oversample_training_set", "train_classifier_runs", "score_rows", "decide_champion")
FITTING = re.compile(r"Fitting on (.*) \(retrain.sampling")


def run(rows: int, max_rows: str) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"retrain-{rows}-") as folder:
        project = scratch_project(Path(folder), rows)
        params = [] if max_rows == "default" else ["--params", f"retrain.sampling.max_rows={max_rows}"]
        started = time.perf_counter()
        job = subprocess.Popen([KEDRO, "run", "--pipelines", "retrain", "--env", "prod", *params], cwd=project,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "DO_NOT_TRACK": "true"})
        output = job.stdout.read()
        _, status, usage = os.wait4(job.pid, 0)
        seconds = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"retrain on {rows} rows failed:\n{output[-3000:]}")
        decision = json.loads((project / "data" / "prod" / "08_reporting" / "production" / "champion_decision.json")
                              .read_text())
    fitting = FITTING.search(output)
    return {"rows": rows, "max_rows": max_rows, "fitted": fitting.group(1) if fitting else "?", "seconds": seconds,
            "peak_gb": usage.ru_maxrss / 2**20, "silence": longest_silence(output),
            "f1": decision["challenger"], "no_skill": decision["no_skill"], "stages": stage_seconds(output)}


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
    """Seconds from each stage's 'Running node' line to the next node's."""
    starts = [(t, line) for t, line in times(output) if "Running node:" in line]
    found = {}
    for (t, line), (after, _) in zip(starts, starts[1:]):
        for stage in STAGES:
            if f"Running node: {stage}:" in line or f"Running node: production.{stage}:" in line:
                found[stage] = (after - t).total_seconds()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000, 10_000_000])
    parser.add_argument("--max-rows", nargs="+", default=["default"],
                        help="retrain.sampling.max_rows per run: default, none or a number")
    args = parser.parse_args()
    print("| rows | max_rows | fitted on | wall time | peak memory | longest silence | holdout F1 (no skill) | "
          + " | ".join(STAGES) + " |")
    print("|---" * (7 + len(STAGES)) + "|")
    for rows in args.rows:
        for max_rows in args.max_rows:
            r = run(rows, max_rows)
            stages = " | ".join(f"{r['stages'].get(s, float('nan')):.0f} s" for s in STAGES)
            print(f"| {rows:,} | {max_rows} | {r['fitted']} | {r['seconds']:.0f} s | {r['peak_gb']:.2f} GB | "
                  f"{r['silence']:.0f} s | {r['f1']:.3f} ({r['no_skill']:.3f}) | {stages} |", flush=True)


if __name__ == "__main__":
    main()
