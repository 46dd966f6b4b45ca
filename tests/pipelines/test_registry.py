"""The registry and the catalog as kedro-viz sees them."""

from pathlib import Path

import pytest
import yaml
from kedro.framework.startup import bootstrap_project

from smotified_gan.pipeline_registry import register_pipelines
from smotified_gan.pipelines.grid_registry import REGISTRY, default_grid

PIPELINES = Path(__file__).resolve().parents[2] / "src" / "smotified_gan" / "pipelines"


@pytest.fixture(autouse=True)
def configured_project(project_root):
    """register_pipelines runs inside a configured project (find_pipelines needs the package name)."""
    bootstrap_project(project_root)


def test_pipelines_are_registered_under_their_folder_names():
    folders = {p.name for p in PIPELINES.iterdir() if (p / "pipeline.py").is_file()}
    assert set(register_pipelines()) == folders | {"__default__"}


def test_each_layer_lives_in_its_own_data_folder(project_root):
    """kedro-viz's layer of every file-backed entry is the one its data/NN_<layer> folder names."""
    folders = {"01_raw": "raw", "02_intermediate": "intermediate", "03_primary": "primary", "04_feature": "feature",
               "05_model_input": "model_input", "06_models": "models", "07_model_output": "model_output",
               "08_reporting": "reporting"}
    checked = 0
    for path in sorted((project_root / "conf" / "base").glob("catalog*.yml")):
        for name, entry in yaml.safe_load(path.read_text()).items():
            filepath = entry.get("filepath") or (entry.get("dataset") or {}).get("filepath")
            layer = ((entry.get("metadata") or {}).get("kedro-viz") or {}).get("layer")
            filepath = (filepath or "").replace("${globals:data_root}", "data")  # each env's own data root
            if filepath.startswith("data/"):
                folder = filepath.split("/")[1]
                assert folders[folder] == layer, f"{name}: {filepath} is in {folder} but its layer is {layer}"
                checked += 1
    assert checked >= 25


def test_nodes_are_named_after_their_functions_and_documented_and_tagged_by_stage():
    stages = {"ingestion", "preprocessing", "oversampling", "training", "evaluation", "reporting", "retrain", "scoring",
              "scoring_dask"}
    REGISTRY.bind(default_grid())  # an earlier test's session may have bound another environment's grid
    pipelines = register_pipelines()
    for name, pipeline in pipelines.items():
        for node in pipeline.nodes:
            assert node.name.rsplit(".", 1)[-1] == node.func.__name__, node.name
            assert (node.func.__doc__ or "").strip(), f"{node.name}: no docstring for kedro-viz to show"
            if name != "__default__":
                assert name in node.tags and len(node.tags & stages) == 1, (name, node.name, node.tags)
    assert {n.namespace for n in pipelines["training"].nodes} >= {"ecoli.smotified_gan", "abalone.none"}


@pytest.mark.slow
@pytest.mark.integration
def test_a_run_of_one_pipeline_imports_only_that_pipeline(project_copy):
    """The fixed cost of a small job: `kedro run --pipelines ingestion` never imports torch or the other nodes."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from kedro.framework.session import KedroSession\n"
        "from kedro.framework.startup import bootstrap_project\n"
        f"bootstrap_project({str(project_copy)!r})\n"
        f"with KedroSession.create(project_path={str(project_copy)!r}, env='quick') as session:\n"
        "    session.run(pipeline_names=['ingestion'], namespaces=['ecoli'])\n"
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('smotified_gan.pipelines.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=project_copy, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    imported = eval(done.stdout.strip().splitlines()[-1])  # noqa: S307 - our own printout
    assert "torch" not in imported
    assert [m for m in imported if m.endswith(".nodes")] == ["smotified_gan.pipelines.ingestion.nodes"]


def test_the_grid_adapter_rebuilds_kedros_registry_for_the_requested_pipelines_only():
    """Pinned to Kedro 1.7: its registry keeps the run's requested pipelines in a private attribute, which
    smotified_gan.pipelines.grid_registry alone reads to rebuild the registry for another grid."""
    from kedro.framework.project import pipelines

    from smotified_gan.pipelines.grid import Grid
    from smotified_gan.pipelines.grid_registry import REGISTRY, current_grid

    assert hasattr(pipelines, "_requested_pipelines")  # what the adapter relies on
    before = current_grid()
    try:
        pipelines.set_requested(["training"])
        REGISTRY.bind(Grid(datasets=("ecoli",), methods={"none": {"sampler": "none"}}))
        assert pipelines._requested_pipelines == ["training"]
        assert {n.namespace for n in pipelines["training"].nodes} == {"ecoli.none"}
        assert list(pipelines.keys()) == ["training"]  # the other pipelines were not built
        REGISTRY.bind(Grid(datasets=("yeast",), methods={"smote": {"sampler": "smote"}}))
        assert {n.namespace for n in pipelines["training"].nodes} == {"yeast.smote"}
    finally:
        pipelines.set_requested(None)
        REGISTRY.bind(before)


def test_a_new_session_of_the_same_grid_reuses_the_pipelines_built_for_it(project_root):
    """A grid worker bootstraps the project for every cell, which makes Kedro call register_pipelines again: the
    same grid and request get the pipelines built before; another grid or request gets its own."""
    from kedro.framework.project import pipelines

    from smotified_gan.pipelines.grid import Grid
    from smotified_gan.pipelines.grid_registry import current_grid

    before = current_grid()
    try:
        pipelines.set_requested(["training"])
        REGISTRY.bind(Grid(datasets=("ecoli",), methods={"none": {"sampler": "none"}}))
        first = pipelines["training"]
        bootstrap_project(project_root)  # what a worker does before each cell: Kedro forgets its pipelines
        pipelines.set_requested(["training"])
        assert pipelines["training"] is first
        pipelines.set_requested(["evaluation"])
        assert list(pipelines.keys()) == ["evaluation"]
        pipelines.set_requested(["training"])
        REGISTRY.bind(Grid(datasets=("yeast",), methods={"none": {"sampler": "none"}}))
        assert pipelines["training"] is not first
        assert {n.namespace for n in pipelines["training"].nodes} == {"yeast.none"}
    finally:
        pipelines.set_requested(None)
        REGISTRY.bind(before)


def test_a_grid_cells_session_builds_its_tables_nodes_alone_and_the_same_nodes(project_root):
    """A grid cell's session (``runner.execute._one_table``) builds the pipelines for its table alone: on conf/keel
    9 cells instead of 642, each node the one the whole grid's pipeline holds (same inputs, outputs, function)."""
    from kedro.framework.project import pipelines
    from kedro.framework.session import KedroSession

    from smotified_gan.pipelines.grid_registry import current_grid
    from smotified_gan.runner.execute import _one_table

    def nodes(pipeline, namespace):
        return sorted((n.name, n.func.__name__, tuple(n.inputs), tuple(n.outputs))
                      for n in pipeline.only_nodes_with_namespaces([namespace]).nodes)

    before = current_grid()
    try:
        session = _one_table({"env": "keel", "runtime_params": None}, "pima")
        pipelines.set_requested(["training", "oversampling"])
        with KedroSession.create(project_path=project_root, **session) as kedro_session:
            kedro_session.load_context()
            one = {name: pipelines[name] for name in ("training", "oversampling")}
        assert current_grid().datasets == ("pima",)
        assert {n.namespace for n in one["training"].nodes} == {f"pima.{m}" for m in current_grid().methods}
        assert len({n.namespace for n in one["training"].nodes}) == 9
        with KedroSession.create(project_path=project_root, env="keel") as kedro_session:
            kedro_session.load_context()
            whole = {name: pipelines[name] for name in ("training", "oversampling")}
        assert len({n.namespace for n in whole["training"].nodes}) == 642
        for name in one:
            assert nodes(one[name], "pima.smote") == nodes(whole[name], "pima.smote")
            assert nodes(one[name], "pima.refined") == nodes(whole[name], "pima.refined") != []
    finally:
        pipelines.set_requested(None)
        REGISTRY.bind(before)
