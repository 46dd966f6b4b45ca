"""A retrain's own evidence, as its nodes made it, for the registry: what a registered version is tagged with, and
the decision made again when another checkout crowned a version meanwhile (``adapters.hooks.ModelRegistryHook``
collects it in memory; ``tracking.registry.register_and_crown`` uses it)."""

from __future__ import annotations

import re

from smotified_gan.core.names import DECISION_SETTINGS, PRODUCTION, ROW_KEY, TARGET
from smotified_gan.core.production.contract import InputContract
from smotified_gan.io.champion import load_model_version
from smotified_gan.pipelines.retrain.nodes import compare_on_holdout

NAMESPACE = PRODUCTION


def recompare(evidence: dict, name: str, version) -> dict:
    """The decision of this run's model against a registered version that became champion meanwhile."""
    holdout = evidence[f"{NAMESPACE}.test_table"]
    return compare_on_holdout(holdout[TARGET].to_numpy(), evidence[f"{NAMESPACE}.unlabelled_rows"],
                              evidence[f"{NAMESPACE}.holdout_predictions"], load_model_version(name, version),
                              evidence[DECISION_SETTINGS], holdout[ROW_KEY].to_numpy(dtype="uint64"))


def version_tags(evidence: dict) -> dict[str, str]:
    """What a registered version shows in the registry, from its own run: the candidate it is (with ``auto``, every
    candidate's cross-fitted score and the reason for the choice), calibration, threshold, the share of majority rows
    fitted on, schema, training rows,
    holdout recipe (the decision's figures are added by ``registry.register_and_crown``, after any re-comparison)."""
    classifier = evidence[f"{NAMESPACE}.classifier"]
    contract = InputContract.from_dict(evidence[f"{NAMESPACE}.input_contract"])
    candidates = evidence[f"{NAMESPACE}.candidates"]
    chosen = candidates[candidates["chosen"]].iloc[0]
    auto = ({"candidate." + re.sub(r"[^\w\-. /]", "_", row.candidate): row.summary for row in candidates.itertuples()}
            if len(candidates) > 1 else {})
    return {"candidate": chosen["candidate"], **({"candidate.choice": chosen["reason"]} if auto else {}), **auto,
            "calibration": classifier.calibration.method, "threshold": f"{classifier.threshold:.6f}",
            # the share of majority training rows fitted on (retrain.sampling; 1: all), the calibration corrected for it
            "majority_rate": f"{getattr(classifier.calibration, 'majority_rate', 1.0):.6g}",
            "schema_digest": contract.digest(), "columns": ", ".join(f"{c}:{k}" for c, k in contract.kinds().items()),
            "training_rows": str(contract.meta.get("training_rows")),
            "training_rows_digest": str(contract.meta.get("training_rows_digest")),
            "holdout_recipe": str(contract.meta.get("holdout"))}
