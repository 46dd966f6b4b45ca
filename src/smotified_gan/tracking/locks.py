"""File locks (the ``filelock`` library): one retrain of a model name at a time, alias moves and a fresh store's
tables made under the lock beside a SQLite store.

The operating system releases a lock when its holder exits, even after ``kill -9``.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """``path`` locked for the length of the block (waits for its holder)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with FileLock(path):
        yield


class RetrainQueue:
    """An exclusive lock on ``path`` for the length of one retrain; a second retrain waits its turn.

    ``acquire`` blocks until the lock is free, logging every ``every`` seconds
    who holds it (pid, host and start time, written beside the lock in
    ``<path>.holder``) and how long it has waited.
    """

    def __init__(self, path: Path, what: str, every: float = 30.0) -> None:
        self.path, self.what, self.every = Path(path), what, every
        self._lock: FileLock | None = None

    @property
    def holder_file(self) -> Path:
        return self.path.with_name(self.path.name + ".holder")

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock, started = FileLock(self.path), time.perf_counter()
        wait = 0.0  # the first try says at once who holds it; later ones every ``every`` seconds
        while True:
            try:
                lock.acquire(timeout=wait, poll_interval=0.5)
                break
            except Timeout:
                holder = self.holder_file.read_text().strip() if self.holder_file.is_file() else ""
                logger.info("Waiting for the retrain of %s that holds %s (%s) to finish: %.0f s so far",
                            self.what, self.path, holder or "another process", time.perf_counter() - started)
                wait = self.every
        self.holder_file.write_text(f"pid {os.getpid()} on {socket.gethostname()}, "
                                    f"since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            self.holder_file.unlink(missing_ok=True)
            self._lock.release()
            self._lock = None


def sqlite_lock_file(tracking_uri: str) -> Path | None:
    """The lock file beside a SQLite store (``<db>.lock``), shared by every project that uses the store; else None."""
    prefix = "sqlite:///"
    return Path(tracking_uri[len(prefix):] + ".lock") if tracking_uri.startswith(prefix) else None


def lock_file_for(tracking_uri: str, fallback: Path) -> Path:
    """The lock that serialises alias moves: beside a SQLite store, else ``fallback``."""
    return sqlite_lock_file(tracking_uri) or fallback


def create_store_once(tracking_uri: str, setup: Callable[[], None]) -> None:
    """``setup()`` (which creates the store's tables on first use) under the store's lock: two jobs starting
    together against an empty SQLite file would otherwise both create its tables, and one would fail."""
    lock = sqlite_lock_file(tracking_uri)
    if lock is None:
        setup()
        return
    with locked(lock):
        setup()
