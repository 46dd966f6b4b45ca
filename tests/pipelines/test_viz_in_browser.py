"""kedro-viz as a person sees it: `kedro viz build`, served on 127.0.0.1, opened in headless Chromium."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.integration, pytest.mark.nightly]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PIPELINES = ["ingestion", "preprocessing", "oversampling", "training", "evaluation", "reporting", "__default__",
             "retrain", "scoring", "scoring_dask"]
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


LAYERS = ["raw", "intermediate", "primary", "feature", "model_input", "models", "model_output", "reporting"]


@pytest.fixture(scope="module")
def viz_build(tmp_path_factory):
    """`kedro viz build` run once in a clean copy of the project: its build folder and what it printed."""
    from tests.conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("viz") / "project", "http://127.0.0.1:9/none.zip")
    kedro = Path(sys.executable).parent / "kedro"
    built = subprocess.run([str(kedro), "viz", "build"], cwd=project, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "COLUMNS": "400"})
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    return project / "build", built.stdout + built.stderr


@pytest.fixture
def viz_site(viz_build):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(viz_build[0])))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_kedro_viz_builds_every_pipeline_with_its_layers_in_data_flow_order(viz_build):
    """What kedro-viz itself computes (it turns the layer view off on a cycle), with no warning about parameters."""
    build, output = viz_build
    layers = {name: json.loads((build / "api" / "pipelines" / name).read_text())["layers"] for name in PIPELINES}
    assert all(layers.values()), [name for name, found in layers.items() if not found]
    # the pipelines that run through every layer show them in order (the others list theirs unordered)
    assert layers["__default__"] == LAYERS and layers["retrain"] == LAYERS
    assert "circular dependency" not in output and "Cannot find parameter" not in output


def select_pipeline(page, name: str) -> None:
    page.locator("[data-test=kedro-pipeline-selector] .dropdown__label").click()
    page.locator("[data-test=kedro-pipeline-selector] .menu-option__content", has_text=name).first.click()
    page.wait_for_timeout(1500)


def flowchart_labels(page) -> set[str]:
    return set(page.locator("svg .pipeline-node__text").all_text_contents())


@pytest.mark.browser
def test_the_pipelines_render_in_chromium(viz_site, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(viz_site)
        page.locator("svg .pipeline-node__text").first.wait_for(timeout=30_000)

        # the pipeline selector lists every registered pipeline
        page.locator("[data-test=kedro-pipeline-selector] .dropdown__label").click()
        options = page.locator("[data-test=kedro-pipeline-selector] .menu-option__content").all_inner_texts()
        assert sorted(o.strip() for o in options) == sorted(PIPELINES)
        page.keyboard.press("Escape")

        # the experiment: one collapsible namespace per dataset, layers in data-flow order
        default = flowchart_labels(page)
        assert {"abalone", "ecoli", "yeast", "compile_results", "write_results_markdown"} <= default
        layers = [name.strip() for name in page.locator(".pipeline-layer-name").all_text_contents() if name.strip()]
        assert layers[0] == "raw" and layers[-1] == "reporting" and layers == sorted(layers, key=LAYERS.index)

        # scoring: its node and datasets
        select_pipeline(page, "scoring")
        assert {"check_batch", "score_batch", "production.batch", "production.champion", "production.predictions",
                "production.batch_checks"} <= flowchart_labels(page)

        # retrain: the `production` namespace, which opens onto the experiment's own nodes
        select_pipeline(page, "retrain")
        assert "production" in flowchart_labels(page)
        page.locator(".pipeline-node--modularPipeline", has_text="production").first.click()
        page.wait_for_timeout(1500)
        expanded = flowchart_labels(page)
        assert {"ingest_dataset", "key_rows", "check_lineage", "split_holdout", "fit_transformer", "build_input_contract",
                "choose_candidate", "oversample_training_set", "train_classifier_runs", "calibrate_model",
                "conform_rows", "transform_rows", "score_rows", "decide_champion"} <= expanded
        shot = tmp_path / "kedro-viz-retrain.png"
        page.screenshot(path=str(shot))
        browser.close()
    assert shot.stat().st_size > 20_000
