"""The packaged project, as Kedro documents deploying one: a wheel and a conf archive, installed and run from an
empty directory, retrain then scoring on the README's own table."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tarfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.pipelines.retrain.test_pipeline import FAST
from tests.production.own_table import LABEL, PRODUCTION_PARAMETERS, own_table

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _deployment_environment() -> dict[str, str]:
    """A deployment's environment: no tracking URI and no PYTHONPATH (Kedro's bootstrap_project, run by other tests
    in this process, points it at their project's src/, whose egg-info pip would take for the installed package)."""
    environment = {key: value for key, value in os.environ.items() if key not in ("MLFLOW_TRACKING_URI", "PYTHONPATH")}
    return {**environment, "DO_NOT_TRACK": "true"}


def _installed_wheel(project: Path, home: Path) -> Path:
    """``kedro package`` in ``project``, its wheel installed in a fresh virtualenv (its dependencies: this
    environment's, so nothing is downloaded); that virtualenv's python."""
    kedro = Path(sys.executable).with_name("kedro")
    environment = _deployment_environment()
    subprocess.run([str(kedro), "package"], cwd=project, env=environment, check=True, capture_output=True, timeout=300)
    [wheel] = (project / "dist").glob("smotified_gan-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(home / "venv")], env=environment, check=True, timeout=120)
    python = home / "venv" / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          env=environment, check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], env=environment,
                   check=True, timeout=300)
    return python


def test_the_packaged_project_retrains_and_scores_from_an_empty_directory(project_copy, tmp_path):
    python = _installed_wheel(project_copy, tmp_path)
    where = tmp_path / "deployment"
    where.mkdir()
    with tarfile.open(project_copy / "dist" / "conf-smotified_gan.tar.gz") as archive:
        archive.extractall(where, filter="data")
    table = own_table(2000, seed=11)
    (where / "data" / "01_raw").mkdir(parents=True)
    table.to_csv(where / "data" / "01_raw" / "own.csv", index=False)
    table.drop(columns=LABEL).to_csv(where / "data" / "01_raw" / "batch.csv", index=False)
    prod = where / "conf" / "prod"
    (prod / "catalog.yml").write_text(yaml.safe_dump({
        "production.raw": {"type": "smotified_gan.io.TableFileDataset", "filepath": "data/01_raw/own.csv"},
        "production.batch": {"type": "smotified_gan.io.TableFileDataset", "filepath": "data/01_raw/batch.csv"}}))
    (prod / "parameters_production.yml").write_text(yaml.safe_dump(
        {**PRODUCTION_PARAMETERS, "scoring": {"id_column": "customer_id"}}))
    (prod / "parameters_test_speed.yml").write_text(yaml.safe_dump(FAST))
    environment = _deployment_environment()
    outputs = {}
    for pipeline in ("retrain", "scoring"):
        done = subprocess.run([str(python), "-m", "smotified_gan", "--conf-source=conf", "--env", "prod",
                               "--pipelines", pipeline], cwd=where, env=environment, capture_output=True, text=True,
                              timeout=600)
        outputs[pipeline] = done.stdout + done.stderr
        assert done.returncode == 0, outputs[pipeline][-3000:]
        # no traceback, no logging error, no notice that means nothing to the reader
        assert "Traceback" not in outputs[pipeline] and "Logging error" not in outputs[pipeline]
        assert " WARNING kedro_viz" not in outputs[pipeline]
    assert "champion: moved to v1" in outputs["retrain"]
    assert "Scored 2000 rows with smotified_gan_classifier v1" in outputs["scoring"]
    # the installed package ran, from the directory: its store, its log, its predictions
    assert "site-packages/smotified_gan" in subprocess.run(
        [str(python), "-c", "import smotified_gan; print(smotified_gan.__file__)"], cwd=where, env=environment,
        capture_output=True, text=True).stdout
    assert (where / "mlflow.db").is_file() and (where / "logs" / "smotified_gan.log").stat().st_size > 0
    [predictions] = (where / "data" / "prod" / "07_model_output" / "production" / "predictions.csv").glob("*/*.csv")
    scored = pd.read_csv(predictions)
    assert scored["row_id"].tolist() == table["customer_id"].tolist()
