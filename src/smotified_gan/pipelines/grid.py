"""The experiment grid: which datasets and methods the pipelines are built for.

The grid is configuration (``grid`` in ``conf/<env>/parameters_grid.yml``),
read once per Kedro context by ``GridHook`` (``smotified_gan.hooks``) and
handed to ``register_pipelines``; nothing here looks at files on disk or the
working directory. A method is a name and the sampler it runs (one of
``SAMPLERS``) with optional overrides of the ``oversampling`` parameters, so a
grid can hold, say, SMOTified-GAN with a Borderline-SMOTE first phase beside
the paper's four methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# what a method may run (the paper's four methods each run the sampler of the same name);
# pipelines/oversampling/nodes.py builds each
SAMPLERS = ("none", "smote", "gan", "smotified_gan")
_PROJECT_ROOT = Path(__file__).resolve().parents[3]


class GridError(ValueError):
    """The grid in ``conf/`` names something the project does not define."""


@dataclass(frozen=True)
class Grid:
    """Datasets x methods; ``methods`` maps a method name to its settings (``sampler`` and overrides)."""

    datasets: tuple[str, ...]
    methods: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_parameters(cls, parameters: Mapping[str, Any]) -> Grid:
        """The grid of a parameters dict, checked against the dataset definitions and per-dataset epochs."""
        grid = parameters.get("grid") or {}
        datasets = tuple(grid.get("datasets") or ())
        methods = {str(name): dict(settings or {}) for name, settings in (grid.get("methods") or {}).items()}
        if not datasets or not methods:
            raise GridError("parameters 'grid.datasets' and 'grid.methods' must each list at least one entry")
        defined = parameters.get("datasets") or {}
        undefined = [name for name in datasets if name not in defined]
        if undefined:
            raise GridError(f"grid dataset(s) {undefined} have no definition under 'datasets' in "
                            f"parameters_ingestion.yml; defined: {sorted(defined)}")
        for name, settings in methods.items():
            if settings.get("sampler") not in SAMPLERS:
                raise GridError(f"grid method '{name}' must name a sampler among {list(SAMPLERS)}, "
                                f"got {settings.get('sampler')!r}")
        for block, key in (("oversampling", "gan_epochs"), ("training", "classifier_epochs")):
            epochs = (parameters.get(block) or {}).get(key) or {}
            missing = [name for name in datasets if name not in epochs]
            if missing:
                raise GridError(f"grid dataset(s) {missing} have no '{block}.{key}' entry: add one per dataset")
        return cls(datasets=datasets, methods=methods)

    @property
    def method_names(self) -> tuple[str, ...]:
        return tuple(self.methods)

    def sampler(self, method: str) -> str:
        return self.methods[method]["sampler"]

    def cells(self) -> list[tuple[str, str]]:
        return [(dataset, method) for dataset in self.datasets for method in self.methods]


_current: Grid | None = None


def configure(grid: Grid) -> bool:
    """Make ``grid`` the one pipelines are built from; True when it changed."""
    global _current
    changed = grid != _current
    _current = grid
    return changed


def reset() -> None:
    """Forget the configured grid (the next Kedro context, or ``current()``, sets it again)."""
    global _current
    _current = None


def current() -> Grid:
    """The configured grid; before any Kedro context exists, the one in ``conf/base``."""
    if _current is None:
        configure(Grid.from_parameters(_base_parameters()))
    return _current


def _base_parameters() -> dict[str, Any]:
    from kedro.config import OmegaConfigLoader

    loader = OmegaConfigLoader(conf_source=str(_PROJECT_ROOT / "conf"), base_env="base", default_run_env="base")
    return dict(loader["parameters"])
