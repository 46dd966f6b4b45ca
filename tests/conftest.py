"""Shared fixtures: the project root, the shared data copies, a loopback HTTP server, a project copy."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = PROJECT_ROOT.parent / "shared" / "datasets"

os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def _one_core_per_worker() -> None:
    """Under pytest-xdist (README: ``-n 2``), each worker and every process it starts keeps to a core of its own:
    runs size their torch threads by the cores they may use (``hooks.set_threads``), so two workers then use one
    thread each instead of oversubscribing the machine."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if worker.startswith("gw") and len(cores) > 1:
        count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        share = cores[int(worker[2:]) % count::count] if count <= len(cores) else [cores[int(worker[2:]) % len(cores)]]
        os.sched_setaffinity(0, set(share))


_one_core_per_worker()


def pytest_configure(config):
    """Known upstream notices stay out of the test report: the list lives in ``smotified_gan.adapters.upstream_notices``."""
    from smotified_gan.adapters.upstream_notices import pytest_filters

    for line in pytest_filters():
        config.addinivalue_line("filterwarnings", line)


def shared_file(name: str) -> Path:
    """A real data copy from ../shared/datasets (tests that need one skip with the reason when absent)."""
    path = SHARED_DATASETS / name
    if not path.is_file():
        pytest.skip(f"{path} not present (the shared real data copies are for tests beside the project)")
    return path


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def parameters() -> dict:
    params = {}
    for path in sorted((PROJECT_ROOT / "conf" / "base").glob("parameters*.yml")):
        params.update(yaml.safe_load(path.read_text()) or {})
    return params


@pytest.fixture(scope="session")
def raw_catalog() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "conf" / "base" / "catalog_raw.yml").read_text())


class LoopbackServer:
    """A real HTTP server on 127.0.0.1 serving the files of one folder."""

    def __init__(self, root: Path):
        handler = functools.partial(_QuietHandler, directory=str(root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.root = root
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep pytest output clean
        pass


@pytest.fixture
def http_server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    server = LoopbackServer(root)
    yield server
    server.stop()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL on a port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone.zip"


def compress_z(content: bytes) -> bytes:
    """Unix compress (.Z) bytes, made by the real `compress` tool (Debian package ncompress)."""
    tool = shutil.which("compress") or shutil.which("ncompress")
    if tool is None:
        pytest.skip("the `compress` tool (Debian package ncompress; .ci/run installs it) is not installed")
    return subprocess.run([tool, "-c", "-f"], input=content, capture_output=True, check=True).stdout


def copy_project(target: Path, dead_url: str) -> Path:
    """A clean checkout of the project (tracked and new, not ignored, files) at ``target``.

    Download URLs point at a dead loopback port so a run is offline and fast
    whatever network the machine has.
    """
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=PROJECT_ROOT,
                           capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    raw = target / "conf" / "base" / "catalog_raw.yml"
    text = raw.read_text()
    for url in {line.split("url:")[1].strip() for line in text.splitlines() if "url:" in line}:
        text = text.replace(url, dead_url)
    raw.write_text(text)
    return target


def end_active_runs() -> None:
    """End every active MLflow run of this process; one whose store went with another test's temporary directory
    is forgotten (under pytest-xdist a worker runs many modules in one process)."""
    import sys

    if "mlflow" not in sys.modules:
        return
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import fluent

    while mlflow.active_run():
        try:
            mlflow.end_run()
        except MlflowException:
            fluent._active_run_stack.get().pop()


@pytest.fixture(autouse=True)
def _no_run_left_active():
    """No test leaves an active MLflow run, or an active experiment of a store that goes with its temporary
    directory, to the next one (as a new process would start)."""
    yield
    end_active_runs()
    import sys

    if "mlflow" in sys.modules:
        sys.modules["mlflow"].tracking.fluent._active_experiment_id = None


def count_gan_stacks(monkeypatch) -> list[int]:
    """The members of every stack of GANs trained from here on (``samplers.refine.train_gans`` spied on): what the
    guards against unneeded GAN fits count."""
    from smotified_gan.core.samplers import refine

    stacks, train_gans = [], refine.train_gans

    def counted(reals, *args, **kwargs):
        stacks.append(len(reals))
        return train_gans(reals, *args, **kwargs)

    monkeypatch.setattr(refine, "train_gans", counted)
    return stacks


def fresh_mlflow_state(monkeypatch) -> None:
    """As a new `kedro run` process would: no active MLflow run, no experiment or store inherited from another test."""
    import mlflow

    end_active_runs()
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)


@pytest.fixture(scope="module")
def module_project(tmp_path_factory) -> Path:
    """A clean checkout of the project shared by the tests of one module (each reads what one run wrote)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        target = copy_project(tmp_path_factory.mktemp("module") / "project", "http://127.0.0.1:9/gone.zip")
        monkeypatch.chdir(target)
        fresh_mlflow_state(monkeypatch)
        yield target


@pytest.fixture
def project_copy(tmp_path, dead_url, monkeypatch) -> Path:
    """A clean checkout of the project in a temp dir (``copy_project``), as the current directory."""
    target = copy_project(tmp_path / "project", dead_url)
    monkeypatch.chdir(target)
    # each `kedro run` is a new process; sessions in one test process must not
    # inherit MLflow's global state (active experiment, its env var) from each other
    fresh_mlflow_state(monkeypatch)
    return target


# the grid tests' environment (conf/gridtest): two tables, GANs long enough that a cell is still running when a
# test kills its worker
GRID = {
    "grid": {"datasets": ["ecoli", "yeast"]},
    "split": {"repeats": 2},
    # enough GAN epochs that a cell is still running when the test kills its worker
    "oversampling": {"gan": {"architecture": "paper", "log_every": 0}, "gan_epochs": {"ecoli": 400, "yeast": 400}},
    "training": {"runs": 3, "classifier_epochs": {"ecoli": 3, "yeast": 3}},
}

# the grid tests' methods: one that trains a GAN (a cell long enough to kill) and one that does not
GRID_METHODS = ("none", "smotified_gan")


def configure_grid_env(project):
    """The grid tests' environment in a project copy: ``GRID``, over ``GRID_METHODS`` alone (conf/base's grid block
    of the copy narrowed: parameters merge key by key, so an environment cannot drop a method)."""
    base = project / "conf" / "base" / "parameters_grid.yml"
    block = yaml.safe_load(base.read_text())
    block["grid"]["methods"] = {name: block["grid"]["methods"][name] for name in GRID_METHODS}
    base.write_text(yaml.safe_dump(block))
    env = project / "conf" / "gridtest"
    env.mkdir(exist_ok=True)
    (env / "parameters.yml").write_text(yaml.safe_dump(GRID))
    (env / "globals.yml").write_text("data_root: data/gridtest\n")
    (project / "logs").mkdir(exist_ok=True)
    return project


@pytest.fixture
def grid_project(project_copy):
    """A project copy with the grid tests' environment (``configure_grid_env``)."""
    return configure_grid_env(project_copy)
