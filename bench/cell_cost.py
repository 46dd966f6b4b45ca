"""A grid cell's fixed cost: the seconds a cell of `kedro grid run --env keel` spends outside its nodes.

    .venv/bin/python bench/cell_cost.py                                   # pima's cheap cells, twice each
    .venv/bin/python bench/cell_cost.py --dataset wdbc --methods none,smote --rounds 3

As a grid worker runs them: one process, one Kedro session a cell (`runner.execute.run_cell`), inside a child
MLflow run of a parent, on a scratch copy of conf/base and conf/keel (all 95 table definitions, as the grid reads
them) with its own data root and SQLite tracking store in a temporary folder. The table is prepared first. Printed,
per cell: its wall seconds, the seconds inside its nodes (Kedro's `Node.run`) and the rest (session, configuration,
catalog, hooks, MLflow); then the medians of the rest, the first cell of the process apart (imports, first builds).
Run it alone on the machine: another CPU-heavy process beside it moves every figure.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from kedro_modes import PROJECT  # noqa: E402
from keel_benchmark import scratch_configuration  # noqa: E402


def cheap_methods() -> str:
    """conf/keel's methods that train no GAN (the ones run on all 95 tables), in its order."""
    import yaml

    methods = yaml.safe_load((PROJECT / "conf" / "keel" / "parameters.yml").read_text())["grid"]["methods"]
    return ",".join(name for name, spec in methods.items() if spec.get("sampler") not in ("gan", "smotified_gan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="pima")
    parser.add_argument("--methods", default=None, help="comma-separated; default: conf/keel's methods without a GAN")
    parser.add_argument("--rounds", type=int, default=2, help="how many times each cell runs (the same process)")
    args = parser.parse_args()

    import mlflow
    from kedro.pipeline.node import Node

    from smotified_gan.runner.execute import prepare_dataset, run_cell
    from smotified_gan.runner.plan import CellPlan

    inside = [0.0]
    real_run = Node.run

    def timed_run(self, *a, **k):
        started = time.perf_counter()
        try:
            return real_run(self, *a, **k)
        finally:
            inside[0] += time.perf_counter() - started

    Node.run = timed_run
    with tempfile.TemporaryDirectory(prefix="cell_cost_") as scratch:
        conf = scratch_configuration(Path(scratch), ["cell"])
        session = {"env": "bench_cell", "conf_source": str(conf), "runtime_params": None}
        uri = f"sqlite:///{scratch}/mlflow.db"
        mlflow.set_tracking_uri(uri)
        experiment = mlflow.set_experiment("cell_cost").experiment_id
        parent = mlflow.start_run(experiment_id=experiment, run_name="cell cost").info.run_id
        mlflow.end_run()
        started = time.perf_counter()
        prepare_dataset(str(PROJECT), session, args.dataset, uri, experiment, parent)
        print(f"prepare {args.dataset}: {time.perf_counter() - started:.1f} s")
        rest = []
        print(f"{'cell':<32}{'wall s':>8}{'nodes s':>9}{'rest s':>8}")
        for round_ in range(args.rounds):
            for method in (args.methods or cheap_methods()).split(","):
                inside[0] = 0.0
                started = time.perf_counter()
                run_cell(str(PROJECT), session, CellPlan(args.dataset, method, "bench"), uri, experiment, parent, {})
                wall = time.perf_counter() - started
                rest.append(wall - inside[0])
                print(f"{args.dataset + '.' + method + f' ({round_ + 1})':<32}{wall:>8.1f}{inside[0]:>9.1f}"
                      f"{wall - inside[0]:>8.1f}")
        print(f"\noutside the nodes: first cell {rest[0]:.1f} s; the other {len(rest) - 1}: median "
              f"{statistics.median(rest[1:]):.1f} s, max {max(rest[1:]):.1f} s")


if __name__ == "__main__":
    main()
