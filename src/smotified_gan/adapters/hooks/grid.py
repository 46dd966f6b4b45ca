"""The pipelines built for the run's grid."""

from __future__ import annotations

from kedro.framework.hooks import hook_impl

from smotified_gan.pipelines import grid as experiment_grid


class GridHook:
    """Build the pipelines for the grid of the run's configuration (``kedro run --env paper``: the paper's 11 datasets).

    Every new Kedro context hands its grid (``grid`` in the environment's
    parameters, ``--params`` included) to ``smotified_gan.pipelines.grid_registry``,
    which rebuilds Kedro's pipeline registry when the grid changed.
    """

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        from smotified_gan.pipelines.grid_registry import REGISTRY

        REGISTRY.bind(experiment_grid.Grid.from_parameters(context.config_loader["parameters"]))
