"""Project commands for the Kedro CLI: ``kedro run`` and ``kedro grid run``.

``run`` here is Kedro's own ``kedro run`` (``kedro.framework.cli.utils.find_run_command`` takes a project's
``cli.run``), with its options and behaviour, except for one expected outcome: a retrain whose model is rejected
(``registry.ChampionRejected``: no skill, below ``min_metric``) prints one sentence and exits with
``EXIT_REJECTED`` (3) instead of a Python traceback, which is kept for real failures. ``python -m smotified_gan``
and the packaged project run pipelines the same way (``--pipeline retrain``, ``--env``, ``--conf-source``); the
grid is ``kedro grid run``.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click
from kedro.framework.cli.project import CONF_SOURCE_HELP, PARAMS_ARG_HELP
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.cli.utils import _split_params, validate_conf_source

# the exit code of a retrain whose new model was registered without the alias (docs/production.md)
EXIT_REJECTED = 3


def _run(**kwargs) -> None:
    from smotified_gan.tracking.registry import ChampionRejected

    try:
        kedro_run.callback(**kwargs)
    except ChampionRejected as rejected:
        logging.getLogger("smotified_gan").error("Not crowned: %s", rejected)
        click.echo(f"Not crowned: {rejected} (exit {EXIT_REJECTED})", err=True)
        sys.exit(EXIT_REJECTED)


run = click.Command(name=kedro_run.name, params=kedro_run.params, callback=_run, help=kedro_run.help,
                    short_help=kedro_run.short_help, context_settings=kedro_run.context_settings)

@click.group(name="smotified_gan")
def cli() -> None:
    """SMOTified-GAN project commands."""


@cli.group()
def grid() -> None:
    """The experiment grid on a Dask cluster."""


@grid.command("run")
@click.option("--env", "-e", default=None, help="Kedro environment whose grid to run (default: local).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A running Dask scheduler (tcp://host:8786); default: a LocalCluster on this machine.")
@click.option("--workers", default=2, show_default=True, help="Workers of the LocalCluster (one cell at a time each).")
@click.option("--tracking-uri", default=None, metavar="URI",
              help="An MLflow tracking server every worker reaches; default: one started on 127.0.0.1 over mlflow.db.")
@click.option("--retries", default=2, show_default=True, help="Times a failing cell is run again.")
@click.option("--conf-source", callback=validate_conf_source, help=CONF_SOURCE_HELP + " As for `kedro run`.")
@click.option("--params", type=click.UNPROCESSED, default="", callback=_split_params,
              help=PARAMS_ARG_HELP + " As for `kedro run`; every session of the grid gets them.")
def grid_run(env, scheduler, workers, tracking_uri, retries, conf_source, params) -> None:
    """Run every (dataset, method) cell as its own Kedro session on Dask, then the report.

    Cells already complete under the same settings (outputs present, MLflow run FINISHED) are skipped.
    """
    from smotified_gan.runner import run_grid

    logging.getLogger("smotified_gan").setLevel(logging.INFO)
    result = run_grid(Path.cwd(), env=env, scheduler=scheduler, workers=workers, tracking_uri=tracking_uri,
                      retries=retries, conf_source=conf_source, params=params, progress=click.echo)
    click.echo(f"grid: {len(result.completed)} cells run, {len(result.skipped)} skipped, {len(result.failed)} failed "
               f"in {result.seconds:.0f} s; MLflow parent run {result.parent_run_id} (experiment smotified_gan_grid)")
    sys.exit(0 if result.ok else 1)


cli.add_command(run)  # `kedro run` takes a project's own `run` over the built-in one

__all__ = ["EXIT_REJECTED", "cli", "run"]
