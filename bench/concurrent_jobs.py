"""Two production retrains at once on one machine, against one alone on its share of the cores.

    .venv/bin/python bench/concurrent_jobs.py [--repeats 2] [--rows 4000]

Each job is `kedro run --pipelines retrain --env prod` on the project's own
example table (4,000 rows: integer, float and categorical columns, 7.5%
minority) in its own scratch copy of the project (own data folder, own SQLite
store), as two deployments sharing a server would run it. Printed, per setting,
each job's wall time and its ratio to one job alone with `runtime.threads`
set to its share of the cores (cores / 2):

- alone, its share of the cores (the reference);
- alone, every core (the default `runtime.threads: null`), OpenMP waiting passively and spinning;
- two at once, default threads, OpenMP waiting passively (what `scripts/batch-job` sets);
- two at once, default threads, OpenMP's default (spinning) wait policy;
- two at once, each `runtime.threads` = its share;
- with `--spin-counts`, alone and two at once with libgomp's GOMP_SPINCOUNT (spin that long, then sleep).

The goal: each of two concurrent jobs within 1.3x of its time alone on its share.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
from tests.production.own_table import LABEL, PRODUCTION_PARAMETERS, own_table  # noqa: E402

KEDRO = str(Path(sys.executable).parent / "kedro")


def scratch_project(root: Path, rows: int) -> Path:
    """A copy of the project's tracked files, configured for the example table, as a user would set it up."""
    import yaml

    files = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (PROJECT / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / name, root / name)
    table = own_table(rows, seed=0)
    (root / "data" / "01_raw").mkdir(parents=True, exist_ok=True)
    table.to_csv(root / "data" / "01_raw" / "own.csv", index=False)
    (root / "conf" / "prod" / "catalog.yml").write_text(yaml.safe_dump({
        "production.raw": {"type": "smotified_gan.io.TableFileDataset", "filepath": "data/01_raw/own.csv"}}))
    (root / "conf" / "prod" / "parameters_production.yml").write_text(yaml.safe_dump(PRODUCTION_PARAMETERS))
    assert LABEL in table.columns
    return root


def start(project: Path, threads: int | None, wait_policy: str | None) -> subprocess.Popen:
    """``wait_policy``: OMP_WAIT_POLICY (PASSIVE), None (OpenMP's default: spin a while, then sleep), or
    ``spin:N`` (libgomp's GOMP_SPINCOUNT=N: spin N times, then sleep)."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "GOMP_SPINCOUNT")}
    env.update({"DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"})
    if wait_policy and wait_policy.startswith("spin:"):
        env["GOMP_SPINCOUNT"] = wait_policy.split(":")[1]
    elif wait_policy:
        env["OMP_WAIT_POLICY"] = wait_policy
    command = [KEDRO, "run", "--pipelines", "retrain", "--env", "prod"]
    if threads:
        command += ["--params", f"runtime.threads={threads}"]
    return subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def timed(projects: list[Path], threads: int | None, wait_policy: str | None) -> list[float]:
    started = time.perf_counter()
    jobs = [start(project, threads, wait_policy) for project in projects]
    seconds = []
    for job in jobs:
        _, errors = job.communicate()
        if job.returncode != 0:
            raise RuntimeError(errors[-2000:])
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--spin-counts", default="", help="also GOMP_SPINCOUNT values, e.g. 1000,30000")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    share = max(1, cores // 2)
    with tempfile.TemporaryDirectory() as scratch:
        projects = [scratch_project(Path(scratch) / f"deployment{i}", args.rows) for i in (1, 2)]
        settings = [("alone, its share of the cores", projects[:1], share, "PASSIVE"),
                    ("alone, every core, passive wait", projects[:1], None, "PASSIVE"),
                    ("alone, every core, spinning wait", projects[:1], None, None),
                    ("two at once, default threads, passive wait", projects, None, "PASSIVE"),
                    ("two at once, default threads, spinning wait", projects, None, None),
                    ("two at once, each its share", projects, share, "PASSIVE")]
        for count in filter(None, args.spin_counts.split(",")):
            settings += [(f"alone, every core, spin {count} then sleep", projects[:1], None, f"spin:{count}"),
                         (f"two at once, default threads, spin {count}", projects, None, f"spin:{count}")]
        timed(projects[:1], share, "PASSIVE")  # warm-up: caches, the first MLflow store
        results = {}
        for name, chosen, threads, policy in settings:
            runs = [timed(chosen, threads, policy) for _ in range(args.repeats)]
            results[name] = [statistics.median(job) for job in zip(*runs)]
        reference = results["alone, its share of the cores"][0]
        print(f"{cores} cores; {args.rows}-row table; median of {args.repeats} run(s) per setting; each job's wall time")
        for name, seconds in results.items():
            print(f"{name:48s} " + ", ".join(f"{s:6.1f} s ({s / reference:.2f}x)" for s in seconds))


if __name__ == "__main__":
    main()
