"""Which cells of the grid run, in which order, and which are already complete: decided without Dask or MLflow."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from smotified_gan.core.protocol import cell_name, dataset_epochs, epochs_for, method_settings
from smotified_gan.core.samplers.settings import GANSettings

CELL_PIPELINES = ["oversampling", "training", "evaluation"]
PREPARE_PIPELINES = ["ingestion", "preprocessing"]


@dataclass(frozen=True)
class CellPlan:
    """One (dataset, method) cell: its settings fingerprint, estimated cost and whether it is already complete."""

    dataset: str
    method: str
    fingerprint: str
    cost: float = 0.0
    complete: bool = False

    @property
    def name(self) -> str:
        return cell_name(self.dataset, self.method)


def cell_fingerprint(parameters: dict, cell_pipeline, prepare_pipeline, dataset: str, method: str) -> str:
    """A digest of every parameter the cell's nodes and its dataset's preparation read (a preset's arguments
    included), so that a cell run under other settings is not taken for complete. Entries keyed by another
    dataset's id (another dataset's epochs, say) are left out: adding a dataset to the grid does not make the
    others run again."""
    others = set(parameters.get("datasets") or {}) - {dataset}

    def own(value):
        if isinstance(value, dict):
            return {key: own(item) for key, item in value.items() if key not in others}
        return value

    read = {}
    for pipeline, namespace in ((cell_pipeline, cell_name(dataset, method)), (prepare_pipeline, dataset)):
        for name in pipeline.only_nodes_with_namespaces([namespace]).inputs():
            if name.startswith("params:"):
                value = parameters
                for key in name.removeprefix("params:").split("."):
                    value = value[key]
                read[name] = own(value)
    spec = parameters["grid"]["methods"][method]
    if isinstance(spec, Mapping) and spec.get("preset") is not None:
        # a preset's arguments are code (``smotified_gan.RECOMMENDED``), not parameters: when a new version of the
        # project changes them, the cells that run the preset must run again
        read["preset"] = method_settings(spec, parameters["oversampling"])
    text = json.dumps(read, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def estimated_cost(parameters: Mapping[str, Any], dataset: str, method: str, card: Mapping[str, Any] | None) -> float:
    """A rough cost of a cell in classifier-step units, to start the longest cells first.

    Classifier: epochs x mini-batches of the (balanced) training rows x runs,
    plus one such pass per run of each scikit-learn lens. GAN: epochs x
    mini-batches of the minority rows x 3 (two networks), the method's own
    epochs (a preset's) or the dataset's, rules resolved as the nodes resolve
    them (``protocol.epochs_for``).
    """
    rows = float((card or {}).get("rows") or 1000)
    minority = float((card or {}).get("minority_rows") or rows / 10)
    train = 1 - float(parameters["split"]["test_size"])
    sampler, settings = method_settings(parameters["grid"]["methods"][method], parameters["oversampling"])
    majority = train * (rows - minority)
    batches = math.ceil((train * rows if sampler == "none" else 2 * majority) / 32)
    training = parameters["training"]
    epochs = epochs_for(dataset_epochs(training.get("classifier_epochs") or {}, dataset), int(2 * majority), 32)
    runs = int(training["runs"])
    lenses = sum(int((lens or {}).get("runs") or runs) if isinstance(lens, Mapping) else runs
                 for lens in (training.get("lenses") or {}).values())
    classifier = epochs * batches * runs + batches * lenses
    if sampler not in ("gan", "smotified_gan"):
        return float(classifier)
    batch = int((settings.get("gan") or {}).get("batch_size", GANSettings.model_fields["batch_size"].default))
    gan_epochs = settings.get("epochs") or epochs_for(
        dataset_epochs(parameters["oversampling"].get("gan_epochs") or {}, dataset), int(train * minority), batch)
    return float(classifier + 3 * int(gan_epochs) * math.ceil(train * minority / batch))


def plan_grid(cells: Iterable[tuple[str, str, str]], fingerprints: Mapping[str, str],
              finished: Mapping[str, Iterable[str]], outputs_exist: Callable[[str], bool],
              costs: Mapping[str, float] | None = None) -> list[CellPlan]:
    """Every cell, longest first; complete where a FINISHED run of it carries its current fingerprint and its
    outputs exist. ``cells``: (dataset, method, sampler); ``finished``: cell -> fingerprints of its FINISHED runs."""
    plans = []
    for dataset, method, _ in cells:
        name = cell_name(dataset, method)
        complete = fingerprints[name] in set(finished.get(name, ())) and outputs_exist(name)
        plans.append(CellPlan(dataset, method, fingerprints[name], (costs or {}).get(name, 0.0), complete))
    return sorted(plans, key=lambda plan: -plan.cost)
