"""Progress on long work, said every ``every`` seconds: what, how far, how long so far and how long left.

A job's log is read by a person who needs to know the job is alive and when it
will end; a line every 20 seconds tells them (the gap between log lines stays
under 30 s with the work around it), without a line per step.
"""

from __future__ import annotations

import logging
import time


class Progress:
    """``update(done)`` logs ``<what>: <done> of <total> <unit> (<pct>), <elapsed> s so far, about <left> s left``
    when ``every`` seconds have passed since the last line (never on the first call)."""

    def __init__(self, what: str, total: float, unit: str, logger: logging.Logger, every: float = 20.0) -> None:
        self.what, self.total, self.unit, self.logger, self.every = what, max(total, 1), unit, logger, every
        self.started = self.last = time.perf_counter()

    def left(self, done: float) -> tuple[float, float]:
        """Seconds so far, and about how many are left at the rate so far (``done`` in the unit of ``total``: steps,
        epochs, or a cost)."""
        elapsed = time.perf_counter() - self.started
        return elapsed, elapsed / max(done, 1e-9) * max(self.total - done, 0.0)

    def update(self, done: int, detail: str = "") -> None:
        now = time.perf_counter()
        if now - self.last < self.every:
            return
        self.last = now
        elapsed, left = self.left(max(done, 1))
        self.logger.info("%s: %d of %d %s (%.0f%%)%s, %.0f s so far, about %.0f s left", self.what, done, self.total,
                         self.unit, 100 * done / self.total, f", {detail}" if detail else "", elapsed, left)
