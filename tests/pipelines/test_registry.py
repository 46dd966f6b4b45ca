"""The registry and the catalog as kedro-viz sees them."""

from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import yaml
from kedro.io import DataCatalog

from smotified_gan.pipeline_registry import register_pipelines

PIPELINES = Path(__file__).resolve().parents[2] / "src" / "smotified_gan" / "pipelines"


def test_pipelines_are_registered_under_their_folder_names():
    folders = {p.name for p in PIPELINES.iterdir() if (p / "pipeline.py").is_file()}
    assert set(register_pipelines()) == folders | {"__default__"}


def test_catalog_layers_follow_the_data_flow(project_root, monkeypatch):
    monkeypatch.chdir(project_root)
    config = {}
    for name in ("catalog_raw.yml", "catalog.yml"):
        config.update(yaml.safe_load((project_root / "conf" / "base" / name).read_text()))
    catalog = DataCatalog.from_config(config)
    pipeline = register_pipelines()["__default__"]

    def layer(name):
        if name.startswith("params:") or name not in catalog:
            return None
        return ((catalog.get(name).metadata or {}).get("kedro-viz") or {}).get("layer")

    graph: dict[str, set[str]] = {}
    unlayered = set()
    for node in pipeline.nodes:
        for output in node.outputs:
            out_layer = layer(output)
            if out_layer is None:
                unlayered.add(output)
                continue
            graph.setdefault(out_layer, set())
            for name in node.inputs:
                in_layer = layer(name)
                if in_layer and in_layer != out_layer:
                    graph[out_layer].add(in_layer)
    assert {o for o in unlayered if not o.endswith("mlflow_metrics")} == set()
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as error:  # kedro-viz turns the layer view off on a cycle
        raise AssertionError(f"layer cycle: {error.args[1]}") from None
    assert order.index("raw") < order.index("feature") < order.index("model_input") < order.index("reporting")
