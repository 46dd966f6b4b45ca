"""What running the first phase's neighbour search on one thread costs, by table size.

    .venv/bin/python bench/first_phase_threads.py [--rows 100000 1000000] [--features 30] [--minority 0.01]

The project runs every SMOTE-family first phase inside
``neighbours_on_one_thread()`` so that its rows depend on the seed and not on
the cores (scikit-learn orders rows at equal distance by its OpenMP threads).
Printed: seconds of ``fit_resample`` for SMOTE, Borderline-SMOTE and ADASYN on
uniform random rows with the given minority share, under the cores this
process may use and under one thread, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def seconds(sampler, X, y, threads: int) -> float:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="openmp"):
        start = time.perf_counter()
        sampler.fit_resample(X, y)
        return time.perf_counter() - start


def main() -> None:
    from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--minority", type=float, default=0.01, help="the minority's share of the rows")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    rng = np.random.default_rng(0)
    print(f"{'rows':>9} {'sampler':16s} {cores} thread(s)   1 thread   1 thread / {cores}")
    for n in args.rows:
        X = rng.random((n, args.features), dtype=np.float32)
        y = (rng.random(n) < args.minority).astype(int)
        for sampler in (SMOTE, BorderlineSMOTE, ADASYN):
            many, one = (seconds(sampler(random_state=0), X, y, threads) for threads in (cores, 1))
            print(f"{n:>9} {sampler.__name__:16s} {many:9.2f} s {one:9.2f} s   {one / many:.2f}x", flush=True)


if __name__ == "__main__":
    main()
