"""One GAN cell's over-sampling in a plain process and in a Dask worker: what the worker's environment costs.

    .venv/bin/python bench/worker_overhead.py [--epochs 100]

The work of one authors'-settings SMOTified-GAN cell (5 repeats' GANs stacked,
pima's shape: 614 training rows, 214 minority, 8 features), on one torch
thread: in this process, in a Dask LocalCluster worker as Dask starts it
(``MALLOC_TRIM_THRESHOLD_=65536``), and in one started as `kedro grid run`
starts its workers (glibc's own trimming). Printed: seconds of each, and the
ratio to the plain process.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def cell_seconds(epochs: int) -> float:
    import torch
    from threadpoolctl import threadpool_limits

    from smotified_gan import SMOTifiedGAN
    from smotified_gan.core.samplers.many import fit_resample_many

    torch.set_num_threads(1)
    threadpool_limits(1)
    rng = np.random.default_rng(0)
    data = [(rng.random((614, 8)), np.r_[np.ones(214, int), np.zeros(400, int)]) for _ in range(5)]
    samplers = [SMOTifiedGAN(random_state=r, epochs=epochs, log_every=0, device="cpu") for r in range(5)]
    started = time.perf_counter()
    fit_resample_many(samplers, data)
    return time.perf_counter() - started


def in_worker(epochs: int, project_workers: bool) -> tuple[float, str | None]:
    from dask.distributed import Client, LocalCluster

    from smotified_gan.runner.execute import _dask_client

    if project_workers:
        with _dask_client(None, None, workers=1, threads=1) as client:
            return client.submit(_measured, epochs, pure=False).result()
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                      env={"OMP_NUM_THREADS": "1"}) as cluster, Client(cluster) as client:
        return client.submit(_measured, epochs, pure=False).result()


def _measured(epochs: int) -> tuple[float, str | None]:
    return cell_seconds(epochs), os.environ.get("MALLOC_TRIM_THRESHOLD_")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    plain = cell_seconds(args.epochs)
    print(f"plain process:                  {plain:6.1f} s")
    # kedro grid run's first: Dask leaves its pre-spawn variables in the environment of the process that started it
    for label, ours in (("Dask worker, kedro grid run's:", True), ("Dask worker, Dask's defaults:", False)):
        seconds, trim = in_worker(args.epochs, ours)
        print(f"{label:31s} {seconds:6.1f} s  {seconds / plain:.2f}x  (MALLOC_TRIM_THRESHOLD_={trim})")


if __name__ == "__main__":
    main()
