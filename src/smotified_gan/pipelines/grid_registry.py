"""The one adapter between the experiment grid and Kedro's pipeline registry (pinned to Kedro 1.7's behaviour).

Kedro builds the pipelines once per process, from ``register_pipelines()``,
which takes no arguments, and caches them; this project's pipelines depend on
the grid in the run's parameters (``--env``, ``--conf-source``, ``--params``).
``GridHook`` hands every new Kedro context's grid to ``bind``: when it differs
from the grid the registry was built for, Kedro's registry is rebuilt, for the
pipelines the run asked for only (``pipelines._requested_pipelines``, a private
attribute of Kedro 1.7 that this module alone reads;
``tests/pipelines/test_registry.py`` pins it). Outside a Kedro session (``kedro
registry list``, a notebook importing a pipeline module) the grid is the
default environment's, read through the project's own settings (``KEDRO_ENV``
honoured).

A process that runs one Kedro session after another (a grid worker: a session
per cell) re-bootstraps the project for each, and Kedro then calls
``register_pipelines`` again; ``pipelines_for`` hands back what it built for the
same grid and the same requested pipelines instead of building 642 cells'
namespaces again (about 4 s a cell on the development grid).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

from smotified_gan.pipelines.grid import Grid, GridError


class GridRegistry:
    """The grid the pipelines are built for: the current Kedro context's, or the default environment's."""

    def __init__(self) -> None:
        self._grid: Grid | None = None
        self._lock = threading.Lock()
        self._built: list[tuple[tuple, dict]] = []  # (grid, requested pipelines) -> pipelines, newest first

    def bind(self, grid: Grid) -> None:
        """Build the pipelines for ``grid`` from now on (Kedro's registry is rebuilt if it changed)."""
        from kedro.framework.project import pipelines

        with self._lock:
            if grid == self._grid:
                return
            self._grid = grid
            requested = pipelines._requested_pipelines  # Kedro 1.7: the pipelines this run asked for
            pipelines.configure(f"{__package__.partition('.')[0]}.pipeline_registry")
            pipelines.set_requested(requested)

    def grid(self) -> Grid:
        """The bound grid; before any Kedro context, the default environment's."""
        with self._lock:
            if self._grid is None:
                self._grid = default_grid()
            return self._grid

    def pipelines_for(self, build: Callable[[], dict]) -> dict:
        """``build()`` for the bound grid and the pipelines the run asked for, built once per process (the last
        few kept): the same grid and request get the same pipelines back."""
        from kedro.framework.project import pipelines

        key = (self.grid(), sorted(pipelines._requested_pipelines or ()))  # Kedro 1.7, as in ``bind``
        with self._lock:
            for built_key, built in self._built:
                if built_key == key:
                    return dict(built)
        built = build()
        with self._lock:
            self._built = [(key, built), *self._built[:3]]
        return dict(built)


def default_grid() -> Grid:
    """The default environment's grid (``KEDRO_ENV`` honoured), as ``kedro run`` with no ``--env`` builds it."""
    return Grid.from_parameters(_default_parameters())


def _default_parameters() -> dict:
    """The default environment's parameters, read as Kedro reads them (its settings, ``KEDRO_ENV``)."""
    from kedro.framework.project import settings
    from kedro.framework.startup import bootstrap_project

    from smotified_gan.pipelines.grid import project_root

    root = project_root()
    if root is None:
        raise GridError("no Kedro project here to read the grid from: run inside the project, or give the session "
                        "its configuration (--conf-source)")
    bootstrap_project(root)
    loader = settings.CONFIG_LOADER_CLASS(conf_source=str(root / settings.CONF_SOURCE),
                                          env=os.environ.get("KEDRO_ENV"), **settings.CONFIG_LOADER_ARGS)
    return dict(loader["parameters"])


REGISTRY = GridRegistry()


def current_grid() -> Grid:
    """The grid the pipelines are built for (see ``GridRegistry``)."""
    return REGISTRY.grid()
