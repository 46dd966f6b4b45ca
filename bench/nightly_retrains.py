"""Five nights of `kedro run --pipelines retrain --env prod` on the README's own table, fresh rows arriving each night.

    .venv/bin/python bench/nightly_retrains.py [--rows 4000] [--nightly 1500]

A scratch copy of the project set up as the README tells a user (the example
table of ``tests/production/own_table.py``, holdout keyed by ``customer_id``),
on a fresh SQLite store. Night 1 holds ``--rows`` rows; every later night
appends ``--nightly`` new customers' rows (same distribution). The model:
a one-split decision tree on nights 1-3 (a weak model with skill), the
project's default network from night 4 on (a better model arriving). Each
night prints retrain's decision line, its exit code and seconds, and then the
registry: each version's decision and its holdout figure tags (the honest
figure on rows that arrived after its crown, or ``pending``; the figure a
crowned challenger won on; the looks made at it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from concurrent_jobs import KEDRO, scratch_project  # noqa: E402

from tests.production.own_table import LABEL, PRODUCTION_PARAMETERS, own_table  # noqa: E402

STUMP = {"class": "sklearn.tree.DecisionTreeClassifier", "max_depth": 1}
NAME = "smotified_gan_classifier"
TAGS = ("decision", "holdout_f1", "holdout_f1_interval", "holdout_f1_rows", "selected_on_f1", "looks_spent")


def night(project: Path, table: pd.DataFrame, classifier) -> tuple[int, float, str]:
    table.to_csv(project / "data" / "01_raw" / "own.csv", index=False)
    training = {"retrain": {"training": {"classifier": classifier, "runs": 1}}} if classifier else {}
    (project / "conf" / "prod" / "parameters_night.yml").write_text(yaml.safe_dump(training))
    started = time.perf_counter()
    job = subprocess.run([KEDRO, "run", "--pipelines", "retrain", "--env", "prod"], cwd=project, capture_output=True,
                         text=True, env={**os.environ, "DO_NOT_TRACK": "true", "MLFLOW_DISABLE_TELEMETRY": "true"})
    lines = [line for line in (job.stdout + job.stderr).splitlines() if "Decision:" in line or "Not crowned" in line]
    return job.returncode, time.perf_counter() - started, lines[-1].split(" - ", 1)[-1] if lines else job.stderr[-2000:]


def registry(project: Path) -> list[dict]:
    import mlflow
    from mlflow import MlflowClient

    mlflow.set_tracking_uri(f"sqlite:///{project / 'mlflow.db'}")
    client = MlflowClient()
    versions = sorted(client.search_model_versions(f"name='{NAME}'"), key=lambda v: int(v.version))
    champion = int(client.get_model_version_by_alias(NAME, "champion").version)
    return [{"version": int(v.version), "champion": int(v.version) == champion,
             **{tag: v.tags.get(tag, "") for tag in TAGS}} for v in versions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--nightly", type=int, default=1500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nightly-") as folder:
        project = scratch_project(Path(folder), args.rows)
        parameters = {**PRODUCTION_PARAMETERS, "retrain": {"holdout": {"key_column": "customer_id"}}}
        (project / "conf" / "prod" / "parameters_production.yml").write_text(yaml.safe_dump(parameters))
        table = own_table(args.rows, seed=0)
        for number in range(1, 6):
            if number > 1:
                fresh = own_table(args.nightly, seed=100 + number, start_id=len(table))
                table = pd.concat([table, fresh], ignore_index=True)
            classifier = STUMP if number <= 3 else None
            code, seconds, line = night(project, table, classifier)
            minority = int((table[LABEL] == "yes").sum())
            print(f"night {number}: {len(table)} rows ({minority} minority), "
                  f"{'stump' if classifier else 'default network'}: exit {code}, {seconds:.0f} s")
            print(f"  {line}")
        print(json.dumps(registry(project), indent=1))


if __name__ == "__main__":
    main()
