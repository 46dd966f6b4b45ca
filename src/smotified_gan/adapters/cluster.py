"""Dask clusters: the grid's (``runner``) and ``scoring_dask``'s (``adapters.hooks.cluster``)."""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager


@contextmanager
def dask_client(client, scheduler: str | None, workers: int, threads: int | None, connect_timeout: float = 30):
    """The caller's client as it is, or one of our own (a LocalCluster unless ``scheduler``), closed on the way out."""
    if client is not None:
        yield client
        return
    from dask.distributed import Client, LocalCluster

    with ExitStack() as stack:
        if scheduler:
            try:
                remote = Client(scheduler, timeout=connect_timeout)
            except OSError as error:
                raise ConnectionError(f"the Dask scheduler at {scheduler} did not answer within {connect_timeout:.0f} s "
                                      f"({error}); nothing was run") from error
            yield stack.enter_context(remote)
            return
        env = {"OMP_NUM_THREADS": str(threads)} if threads else {}
        stack.enter_context(glibc_trimming())
        # no dashboard; the scheduler's small HTTP server (health, metrics) on a free loopback port, not on
        # Dask's 8787, which another cluster (a second grid, a notebook's) may hold
        cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                   dashboard_address=None, env=env,
                                                   scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}))
        yield stack.enter_context(Client(cluster))


def worker_threads(workers: int, scheduler: str | None) -> int | None:
    """Each local worker's share of this machine's cores (torch threads); a remote worker keeps its own cores."""
    return None if scheduler else max(1, len(os.sched_getaffinity(0)) // max(1, workers))


TRIM = "MALLOC_TRIM_THRESHOLD_"


@contextmanager
def glibc_trimming():
    """Local workers started (and restarted) in this context run without ``MALLOC_TRIM_THRESHOLD_``.

    Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536 (freed memory handed back to the system at once): torch's
    many small tensors are then allocated afresh each step, and a GAN cell ran 1.6-1.9x slower than in a plain
    process (bench/worker_overhead.py). Dask also leaves the variable in the environment of the process that
    started a cluster, which later workers would inherit: it is taken out of this process's environment for the
    cluster's life and put back as it was afterwards.
    """
    import dask

    saved = os.environ.pop(TRIM, None)
    try:
        with dask.config.set({f"distributed.nanny.pre-spawn-environ.{TRIM}": None}):
            yield
    finally:
        os.environ.pop(TRIM, None)
        if saved is not None:
            os.environ[TRIM] = saved


