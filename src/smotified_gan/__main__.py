"""``python -m smotified_gan`` (and the packaged project's entry point): Kedro's ``kedro run`` for this project.

``--pipeline retrain --env prod --conf-source <conf>`` runs as ``kedro run`` would (``cli.run`` is Kedro's own run
command); the experiment grid on Dask is ``kedro grid run``.
"""

import os
import sys
from pathlib import Path


def _log_folders() -> None:
    """The folders of the logging configuration's file handlers (``logs/``), made before Kedro loads it: a
    packaged project run from a fresh directory has none, and every log record would fail to write."""
    import yaml

    path = Path(os.environ.get("KEDRO_LOGGING_CONFIG", "conf/logging.yml"))
    if not path.is_file():
        return
    for handler in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("handlers") or {}).values():
        if isinstance(handler, dict) and handler.get("filename"):
            Path(handler["filename"]).parent.mkdir(parents=True, exist_ok=True)


def main(*args, **kwargs):
    _log_folders()
    from kedro.framework.cli.utils import find_run_command
    from kedro.framework.project import configure_project

    package_name = Path(__file__).parent.name
    configure_project(package_name)
    run = find_run_command(package_name)
    return run(*args, **kwargs)


if __name__ == "__main__":
    sys.exit(main())
