"""The experiment grid: which datasets and methods the pipelines are built for.

The grid is configuration (``grid`` in ``conf/<env>/parameters_grid.yml``),
read once per Kedro context by ``GridHook`` (``smotified_gan.adapters.hooks``) and
handed to Kedro's registry by ``smotified_gan.pipelines.grid_registry``; nothing here
looks at files on disk or the working directory. A method is a name and the
sampler it runs (one of ``protocol.SAMPLERS``) with optional overrides of the
``oversampling`` parameters, so a grid can hold, say, SMOTified-GAN with a
Borderline-SMOTE first phase beside the paper's four methods.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smotified_gan.core.protocol import RULE, SAMPLERS, cell_name


def project_root() -> Path | None:
    """The Kedro project whose default parameters build the grid when no session has bound one: the project
    holding the working directory (Kedro's own search), else the checkout this package is imported from (an
    editable install used from elsewhere); None for an installed package run outside any project (the packaged
    project: its session, given ``--conf-source``, binds the grid)."""
    from kedro.utils import find_kedro_project

    found = find_kedro_project(Path.cwd())
    if found is not None:
        return Path(found)
    checkout = Path(__file__).resolve().parents[3]
    return checkout if (checkout / "pyproject.toml").is_file() and (checkout / "conf").is_dir() else None


# the per-dataset epochs of the GANs and of the classifier, and the key of the rule for datasets without an entry
EPOCHS = (("oversampling", "gan_epochs"), ("training", "classifier_epochs"))


class GridError(ValueError):
    """The grid in ``conf/`` names something the project does not define."""


@dataclass(frozen=True)
class Grid:
    """Datasets x methods; ``methods`` maps a method name to its settings (``sampler`` and overrides)."""

    datasets: tuple[str, ...]
    methods: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # the datasets whose epochs come from the configured rule (``<block>.<key>.rule``), per epochs key
    ruled: frozenset[tuple[str, str]] = frozenset()
    # cells left out (``grid.failed``, cell -> why: the grid runner's report after cells failed)
    failed: frozenset[str] = frozenset()

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
            unknown = [d for d in settings.get("datasets") or () if d not in defined]
            if unknown:
                raise GridError(f"grid method '{name}' lists dataset(s) {unknown} with no definition under 'datasets'")
        ruled = set()
        for block, key in EPOCHS:
            epochs = (parameters.get(block) or {}).get(key) or {}
            missing = [name for name in datasets if name not in epochs]
            if missing and RULE not in epochs:
                raise GridError(f"grid dataset(s) {missing} have no '{block}.{key}' entry: add one per dataset, "
                                f"or a '{block}.{key}.{RULE}' (smotified_gan.core.protocol.epochs_for)")
            ruled |= {(key, name) for name in missing}
        failed = grid.get("failed") or {}
        if not isinstance(failed, Mapping):
            raise GridError(f"parameter 'grid.failed' maps a cell to why it failed, got {failed!r}")
        return cls(datasets=datasets, methods=methods, ruled=frozenset(ruled), failed=frozenset(map(str, failed)))

    def epochs_parameter(self, key: str, dataset: str) -> str:
        """The parameter a cell reads its epochs from: ``<block>.<key>.<dataset>``, or the rule."""
        block = dict((k, b) for b, k in EPOCHS)[key]
        return f"params:{block}.{key}.{RULE if (key, dataset) in self.ruled else dataset}"

    @property
    def method_names(self) -> tuple[str, ...]:
        return tuple(self.methods)

    def sampler(self, method: str) -> str:
        return self.methods[method]["sampler"]

    def cells(self) -> list[tuple[str, str]]:
        """Every (dataset, method) the grid runs: all of them, but where a method lists its ``datasets`` (the
        costly methods on fewer tables), those of ``datasets`` alone; none of ``failed``."""
        return [(dataset, method) for dataset in self.datasets for method, settings in self.methods.items()
                if (not settings.get("datasets") or dataset in settings["datasets"])
                and cell_name(dataset, method) not in self.failed]

    def datasets_with_cells(self) -> list[str]:
        """The datasets at least one of ``cells`` runs on."""
        return list(dict.fromkeys(dataset for dataset, _ in self.cells()))
