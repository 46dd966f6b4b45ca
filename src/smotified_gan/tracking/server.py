"""An ``mlflow server`` on 127.0.0.1 over the project's SQLite store: the one writer every grid worker talks to."""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)
# the server's own output: logs/mlflow-server.log, rotated (3 old files of 5 MB)
LOG_BYTES, LOG_BACKUPS = 5 * 2**20, 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class TrackingServer:
    """``mlflow server`` with its artifacts proxied; a context manager that always stops it, children included.

    The server runs in a process group of its own (it starts worker processes
    of its own), which ``stop`` ends as a whole.
    """

    project: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen | None = None
    _pump: threading.Thread | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> TrackingServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self, timeout: float = 120.0) -> TrackingServer:
        mlflow_cli = Path(sys.executable).parent / "mlflow"
        self.process = subprocess.Popen(
            [str(mlflow_cli), "server", "--host", "127.0.0.1", "--port", str(self.port), "--workers", "1",
             "--backend-store-uri", f"sqlite:///{self.project / 'mlflow.db'}",
             "--artifacts-destination", str(self.project / "mlartifacts")],
            cwd=self.project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env={**os.environ, "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"})
        self._pump = threading.Thread(target=_copy_to_rotating_log, args=(self.process.stdout, self.project / "logs"),
                                      daemon=True)
        self._pump.start()
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"mlflow server exited with {self.process.returncode}: see logs/mlflow-server.log")
                if self._healthy():
                    logger.info("MLflow tracking server on %s (store %s/mlflow.db)", self.uri, self.project)
                    return self
                time.sleep(0.5)
            raise RuntimeError(f"mlflow server did not answer on {self.uri} within {timeout:.0f} s")
        except BaseException:
            self.stop()
            raise

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.uri}/health", timeout=2) as response:  # noqa: S310 - loopback
                return response.status == 200
        except OSError:
            return False

    def stop(self) -> None:
        """End the server and every process it started (its process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _signal_group(self.process.pid, signal.SIGKILL)  # children that outlived the server
        if self._pump is not None:
            self._pump.join(timeout=5)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _copy_to_rotating_log(stream, folder: Path) -> None:
    """The server's output, line by line, into logs/mlflow-server.log (rotated), until the server exits."""
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(folder / "mlflow-server.log", maxBytes=LOG_BYTES,
                                                   backupCount=LOG_BACKUPS, encoding="utf8")
    handler.setFormatter(logging.Formatter("%(message)s"))
    try:
        for line in iter(stream.readline, b""):
            handler.emit(logging.makeLogRecord({"msg": line.decode(errors="replace").rstrip("\n"), "args": None}))
    finally:
        handler.close()
        stream.close()
