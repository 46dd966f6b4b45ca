"""Wall time of a whole `kedro run` and where it goes, per stage (node function).

    .venv/bin/python bench/experiment_time.py            # the default run: paper settings, 30 runs per cell
    .venv/bin/python bench/experiment_time.py --env quick
    .venv/bin/python bench/experiment_time.py --datasets yeast,ecoli   # a slice of the grid's datasets

Runs the project's default pipeline in a KedroSession from the project root and
prints the total wall time, then seconds per node function (summed over the
cells) and per dataset.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

from kedro.framework.hooks import hook_impl
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

PROJECT = Path(__file__).resolve().parents[1]


class NodeTimer:
    def __init__(self):
        self.started: dict[str, float] = {}
        self.seconds: dict[str, float] = {}

    @hook_impl
    def before_node_run(self, node):
        self.started[node.name] = time.perf_counter()

    @hook_impl
    def after_node_run(self, node):
        self.seconds[node.name] = time.perf_counter() - self.started.pop(node.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default=None)
    parser.add_argument("--pipeline", default="__default__")
    parser.add_argument("--datasets", default=None, help="comma-separated: the grid's datasets to run (default: all)")
    args = parser.parse_args()
    runtime = {"grid": {"datasets": args.datasets.split(",")}} if args.datasets else None
    os.chdir(PROJECT)
    bootstrap_project(PROJECT)
    timer = NodeTimer()
    started = time.perf_counter()
    with KedroSession.create(project_path=PROJECT, env=args.env, runtime_params=runtime) as session:
        session._hook_manager.register(timer)
        session.run(pipeline_names=[args.pipeline])
    total = time.perf_counter() - started
    by_function, by_dataset = defaultdict(float), defaultdict(float)
    for name, seconds in timer.seconds.items():
        parts = name.split(".")
        by_function[parts[-1]] += seconds
        by_dataset[parts[0] if len(parts) > 1 else "(report)"] += seconds
    print(f"\ntotal wall time: {total:.1f} s ({total / 60:.1f} min); nodes: {sum(timer.seconds.values()):.1f} s")
    print("\nseconds per stage (node function, summed over cells):")
    for function, seconds in sorted(by_function.items(), key=lambda kv: -kv[1]):
        print(f"  {function:28s} {seconds:8.1f}")
    print("\nseconds per dataset:")
    for dataset, seconds in sorted(by_dataset.items(), key=lambda kv: -kv[1]):
        print(f"  {dataset:28s} {seconds:8.1f}")


if __name__ == "__main__":
    main()
