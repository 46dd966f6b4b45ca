"""Runs in the MLflow store: where the store is, what a run is tagged with, and the one rule for a run whose
process died (``end_orphaned_run``: KILLED, with ``ended_by`` saying who noticed and why).

A ``kill -9`` leaves its run RUNNING. A run tags its process (``process_identity``:
host, pid and the pid's creation time, from ``psutil``, since pids are reused);
the next run on that host ends the runs whose process is gone. The grid ends its
dead workers' cell runs by the same rule.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
from pathlib import Path

import psutil
from mlflow import MlflowClient

logger = logging.getLogger(__name__)
DEFAULT_TRACKING_DB = "mlflow.db"
# the status of a run whose process ended without finishing it (MLflow's word for a run cut short)
ORPHANED = "KILLED"
# the tags a run carries so that a later run can tell whether its process is still alive
PROCESS_TAGS = ("process.host", "process.pid", "process.created")


def resolve_tracking_uri(uri: str | None, project_path: Path) -> str:
    """A SQLite tracking URI anchored at the project root, whatever the current directory.

    ``None`` means ``sqlite:///<project>/mlflow.db``; a relative SQLite path
    (``sqlite:///mlflow.db``) is taken from the project root; anything else is
    returned as it is.
    """
    if uri is None:
        uri = f"sqlite:///{DEFAULT_TRACKING_DB}"
    prefix = "sqlite:///"
    if uri.startswith(prefix) and not uri[len(prefix):].startswith("/"):
        return prefix + (Path(project_path).resolve() / uri[len(prefix):]).as_posix()
    return uri


def sqlite_store_path(uri: str) -> Path | None:
    """The file of a ``sqlite:///`` tracking URI (absolute once resolved), else None."""
    prefix = "sqlite:///"
    return Path("/" + uri[len(prefix):].lstrip("/")) if uri.startswith(prefix) else None


def git_commit(project_path: Path) -> str:
    """The project's git commit (with ``-dirty`` when tracked files changed), or ``unknown``."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=project_path, capture_output=True, text=True,
                                timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=project_path,
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def process_identity(pid: int | None = None) -> dict[str, str]:
    """A process as a later run can check it: host, pid and the pid's creation time ("" once it is gone)."""
    pid = os.getpid() if pid is None else pid
    return {"process.host": socket.gethostname(), "process.pid": str(pid), "process.created": _created(pid)}


def _created(pid: int) -> str:
    try:
        return f"{psutil.Process(pid).create_time():.2f}"
    except psutil.Error:
        return ""


def _gone(tags: dict[str, str], host: str) -> bool:
    """Whether the process a run's tags name has ended: only decidable for runs of this host."""
    if tags.get("process.host") != host or not tags.get("process.pid") or not tags.get("process.created"):
        return False
    return _created(int(tags["process.pid"])) != tags["process.created"]


def end_orphaned_run(client: MlflowClient, run_id: str, why: str) -> None:
    """The one way a run whose process died is ended: status ``ORPHANED``, ``ended_by`` saying why."""
    client.set_tag(run_id, "ended_by", why)
    client.set_terminated(run_id, ORPHANED)


def end_orphaned_runs(client: MlflowClient, experiment_id: str, current_run_id: str) -> list[str]:
    """End the RUNNING runs of this experiment whose process (on this host) has ended; their ids."""
    host, ended = socket.gethostname(), []
    for run in client.search_runs([experiment_id], "attributes.status = 'RUNNING'", max_results=1000):
        if run.info.run_id == current_run_id or not _gone(run.data.tags, host):
            continue
        end_orphaned_run(client, run.info.run_id, f"run {current_run_id}: its process (pid "
                                                  f"{run.data.tags['process.pid']}) had ended without finishing")
        ended.append(run.info.run_id)
    if ended:
        logger.warning("Marked %d run(s) %s whose process ended without finishing them (killed?): %s", len(ended),
                       ORPHANED, ", ".join(ended))
    return ended
