"""How the grid benchmarks run Kedro: `kedro run` and `kedro grid run` in a scratch configuration, timed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
KEDRO = str(Path(sys.executable).parent / "kedro")
MODES = {"run": [KEDRO, "run"], "grid-1": [KEDRO, "grid", "run", "--workers", "1"],
         "grid-2": [KEDRO, "grid", "run", "--workers", "2"]}


def timed_mode(mode: str, conf: Path) -> float:
    """Run ``mode`` on its own environment (``bench_<mode>``) of ``conf``; its wall seconds (exit on failure)."""
    command = [*MODES[mode], "--conf-source", str(conf), "--env", f"bench_{mode.replace('-', '_')}"]
    print(f"{mode}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{mode} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    print(f"  {seconds:.1f} s ({seconds / 60:.1f} min)", flush=True)
    return seconds
