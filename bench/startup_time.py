"""The fixed cost of every scheduled job: the wall time of `kedro run` on a trivial selection.

    .venv/bin/python bench/startup_time.py        # 5 runs of `kedro run --pipelines ingestion --namespaces ecoli`

Prints each run's wall time and the median, then the time to build the pipeline
registry alone for that run and for the whole experiment.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
KEDRO = str(Path(sys.executable).parent / "kedro")
REGISTRY = ("import time; from kedro.framework.startup import bootstrap_project; "
            "from kedro.framework.project import pipelines; bootstrap_project({root!r}); "
            "pipelines.set_requested({requested!r}); t = time.perf_counter(); pipelines.keys(); "
            "print(time.perf_counter() - t)")


def main(repeats: int = 5) -> None:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([KEDRO, "run", "--pipelines", "ingestion", "--namespaces", "ecoli"], cwd=PROJECT, check=True,
                       capture_output=True)
        times.append(time.perf_counter() - started)
    print("kedro run --pipelines ingestion --namespaces ecoli: " + ", ".join(f"{t:.2f}" for t in times)
          + f" s; median {statistics.median(times):.2f} s")
    for requested in (["ingestion"], None):
        code = REGISTRY.format(root=str(PROJECT), requested=requested)
        seconds = float(subprocess.run([sys.executable, "-c", code], cwd=PROJECT, check=True, capture_output=True,
                                       text=True).stdout.strip().splitlines()[-1])
        print(f"registry for {requested or 'every pipeline'}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
