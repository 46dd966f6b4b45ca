"""The fixed cost of every scheduled job: the wall time of `kedro run` on a trivial selection.

    .venv/bin/python bench/startup_time.py        # 5 runs of `kedro run --pipelines ingestion --namespaces ecoli`

Prints each run's wall time and the median, then the time to build the pipeline
registry alone for that run and for the whole experiment, then the floor that
is not the project's: a bare Python process that imports mlflow and logs one
run to a fresh SQLite store (what every job that logs a run to MLflow pays),
and `kedro --version` (the Kedro CLI alone, outside the project).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
KEDRO = str(Path(sys.executable).parent / "kedro")
REGISTRY = ("import time; from kedro.framework.startup import bootstrap_project; "
            "from kedro.framework.project import pipelines; bootstrap_project({root!r}); "
            "pipelines.set_requested({requested!r}); t = time.perf_counter(); pipelines.keys(); "
            "print(time.perf_counter() - t)")


MLFLOW_RUN = ("import mlflow; mlflow.set_tracking_uri('sqlite:///{db}'); mlflow.set_experiment('floor'); "
              "mlflow.start_run(); mlflow.log_param('a', 1); mlflow.end_run()")


def wall_times(command: list[str], cwd: Path, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def report(what: str, times: list[float]) -> None:
    print(f"{what}: " + ", ".join(f"{t:.2f}" for t in times) + f" s; median {statistics.median(times):.2f} s")


def main(repeats: int = 5) -> None:
    report("kedro run --pipelines ingestion --namespaces ecoli",
           wall_times([KEDRO, "run", "--pipelines", "ingestion", "--namespaces", "ecoli"], PROJECT, repeats))
    for requested in (["ingestion"], None):
        code = REGISTRY.format(root=str(PROJECT), requested=requested)
        seconds = float(subprocess.run([sys.executable, "-c", code], cwd=PROJECT, check=True, capture_output=True,
                                       text=True).stdout.strip().splitlines()[-1])
        print(f"registry for {requested or 'every pipeline'}: {seconds:.2f} s")
    with tempfile.TemporaryDirectory() as scratch:
        code = MLFLOW_RUN.format(db=Path(scratch) / "mlflow.db")
        report("floor, python: import mlflow and log one run to SQLite", wall_times([sys.executable, "-c", code],
                                                                                    Path(scratch), repeats))
        report("floor, kedro --version outside the project", wall_times([KEDRO, "--version"], Path(scratch), repeats))


if __name__ == "__main__":
    main()
