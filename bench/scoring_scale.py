"""Scoring 1M, 10M and 50M rows: the pandas path (`--pipelines scoring`) against Dask (`--pipelines scoring_dask`)
with 1 and 2 workers, on this machine.

    .venv/bin/python bench/scoring_scale.py [--rows 1000000 10000000 50000000] [--workers 1 2]
        [--pandas-max 10000000] [--file-rows 1000000]

A scratch copy of the project is set up as the README tells a user (the example table of
`tests/production/own_table.py`: two integer, two float and one categorical column and a customer id; 5,000 rows)
and retrained with the production defaults (SMOTE, the paper's network, 10 runs, calibrated). Each batch is new
rows of the same table without their label, written as Parquet files of `--file-rows` rows (Dask: one partition
each) and, up to `--pandas-max` rows, as the one Parquet file the pandas path reads. Each run is its own
`kedro run` process; its process tree (the kedro process, Dask's scheduler, nannies and workers) is sampled every
0.2 s with psutil. Printed per run: wall seconds, rows per second, the peak of the tree's summed resident memory,
the largest single process's peak. Goal (issue 34): 50M rows in under 10 minutes with under 4 GB in all, the time
growing linearly with the rows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from concurrent_jobs import KEDRO, PROJECT, scratch_project  # noqa: E402

sys.path.insert(0, str(PROJECT))
from tests.production.own_table import LABEL, own_table  # noqa: E402


def write_batch(folder: Path, rows: int, file_rows: int, whole: bool) -> None:
    """``rows`` new rows in files of ``file_rows`` (seeds 1000, 1001, ...); with ``whole``, also as batch.parquet."""
    import pandas as pd

    folder.mkdir(parents=True)
    parts = []
    for number, start in enumerate(range(0, rows, file_rows)):
        part = own_table(min(file_rows, rows - start), seed=1000 + number, start_id=start).drop(columns=LABEL)
        part.to_parquet(folder / f"part-{number:04d}.parquet", index=False)
        if whole:
            parts.append(part)
    if whole:
        pd.concat(parts, ignore_index=True).to_parquet(folder.parent / f"{folder.name}.parquet", index=False)


def measure(project: Path, pipeline: str, params: str) -> dict:
    """One `kedro run`: its seconds and the peak memory of its process tree (summed, and its largest process)."""
    import psutil

    command = [KEDRO, "run", "--pipelines", pipeline, "--env", "prod", "--params", params]
    started = time.perf_counter()
    job = subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env={**os.environ, "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"})
    peaks, stop = {"total": 0, "largest": 0, "processes": 0}, threading.Event()

    def sample() -> None:
        root = psutil.Process(job.pid)
        while not stop.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                sizes = []
                for process in tree:
                    try:
                        sizes.append(process.memory_info().rss)
                    except psutil.Error:
                        pass
                peaks.update(total=max(peaks["total"], sum(sizes)), largest=max(peaks["largest"], max(sizes, default=0)),
                             processes=max(peaks["processes"], len(sizes)))
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = job.stdout.read()
    job.wait()
    stop.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if job.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{output[-4000:]}")
    return {"seconds": seconds, "total_gb": peaks["total"] / 2**30, "largest_gb": peaks["largest"] / 2**30,
            "processes": peaks["processes"]}


def point_catalog(project: Path, batch: Path) -> None:
    import yaml

    catalog_file = project / "conf" / "prod" / "catalog.yml"
    catalog = yaml.safe_load(catalog_file.read_text())
    catalog["production.batch"] = {"type": "smotified_gan.io.TableFileDataset", "filepath": str(batch) + ".parquet"}
    catalog["production.large_batch"] = {"type": "smotified_gan.io.PartitionedBatchDataset", "path": str(batch)}
    catalog_file.write_text(yaml.safe_dump(catalog))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000, 50_000_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pandas-max", type=int, default=10_000_000)
    parser.add_argument("--file-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scoring-scale-") as folder:
        project = scratch_project(Path(folder), 5_000)
        started = time.perf_counter()
        subprocess.run([KEDRO, "run", "--pipelines", "retrain", "--env", "prod"], cwd=project, check=True,
                       capture_output=True, env={**os.environ, "DO_NOT_TRACK": "true"})
        print(f"retrained on 5,000 rows in {time.perf_counter() - started:.0f} s", flush=True)
        print("| rows | path | workers | seconds | rows per second | peak memory, all processes | largest process |")
        print("|---|---|---|---|---|---|---|", flush=True)
        for rows in args.rows:
            batch = project / "data" / "01_raw" / f"batch_{rows}"
            write_batch(batch, rows, args.file_rows, whole=rows <= args.pandas_max)
            point_catalog(project, batch)
            runs = [("pandas", "scoring", 1, "runtime.threads=2")] if rows <= args.pandas_max else []
            runs += [("dask", "scoring_dask", w, f"scoring.dask.workers={w}") for w in args.workers]
            for path, pipeline, workers, params in runs:
                result = measure(project, pipeline, params)
                print(f"| {rows:,} | {path} | {workers if path == 'dask' else '-'} | {result['seconds']:.1f} | "
                      f"{rows / result['seconds']:,.0f} | {result['total_gb']:.2f} GB ({result['processes']} processes) "
                      f"| {result['largest_gb']:.2f} GB |", flush=True)
            for name in ("predictions.csv", "large_predictions"):  # the next size's disk
                target = project / "data" / "prod" / "07_model_output" / "production" / name
                subprocess.run(["rm", "-rf", str(target)], check=True)
            subprocess.run(["rm", "-rf", str(batch), f"{batch}.parquet"], check=True)
        if args.pandas_max < max(args.rows):
            print(f"(the pandas path is not run beyond --pandas-max {args.pandas_max:,} rows: it holds the whole "
                  "batch in memory)")


if __name__ == "__main__":
    main()
