"""Retraining nodes that the experiment does not already have: keep the best run, compare with the champion."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from smotified_gan.classifier import TrainedClassifiers
from smotified_gan.data.tables import RESERVED, TARGET
from smotified_gan.io.champion import ChampionModel
from smotified_gan.metrics import holdout_metric

logger = logging.getLogger(__name__)


def select_best_run(classifiers: TrainedClassifiers, validation_set: pd.DataFrame,
                    selection: dict[str, Any]) -> TrainedClassifiers:
    """The run with the best ``selection.metric`` on the validation rows (which no run trained on)."""
    X = validation_set[classifiers.feature_names].to_numpy()
    y = validation_set[TARGET].to_numpy()
    scores, classes = classifiers.scores(X), classifiers.predict(X)
    values = [holdout_metric(y, scores[run], classes[run], selection["metric"]) for run in range(len(classifiers.seeds))]
    best = int(np.argmax(values))
    logger.info("Validation %s per run: %s; keeping run %d (seed %d)", selection["metric"],
                ", ".join(f"{v:.3f}" for v in values), best, classifiers.seeds[best])
    return classifiers.select(best)


def unlabelled_rows(table: pd.DataFrame) -> pd.DataFrame:
    """A labelled table's rows in the raw schema without ``label``/``target``: what the deployed model is fed."""
    return table.drop(columns=[c for c in RESERVED if c in table.columns])


def decide_champion(holdout_predictions: pd.DataFrame, holdout_table: pd.DataFrame, holdout_rows: pd.DataFrame,
                    champion: ChampionModel | None, retrain: dict[str, Any]) -> dict[str, Any]:
    """The new model's and the current champion's ``retrain.champion_metric`` on the holdout rows.

    Neither model trained on them (the holdout is split off before anything
    is fitted, with a fixed seed). ``promote`` is true when there is no
    champion yet or the new model scores higher.
    """
    metric = retrain["champion_metric"]
    y = holdout_table[TARGET].to_numpy()
    challenger = holdout_metric(y, holdout_predictions["minority_score"], holdout_predictions["predicted_class"], metric)
    decision = {"metric": metric, "holdout_rows": int(len(y)), "holdout_minority_rows": int(y.sum()),
                "challenger": challenger, "champion": None, "champion_version": None, "promote": True}
    if champion is not None:
        predicted = champion.predict(holdout_rows)
        decision["champion"] = holdout_metric(y, predicted["minority_score"], predicted["predicted_class"], metric)
        decision["champion_version"] = champion.version
        decision["promote"] = bool(challenger > decision["champion"])
    logger.info("Holdout %s: new model %.4f, champion %s -> %s", metric, challenger,
                "none" if champion is None else f"v{champion.version} {decision['champion']:.4f}",
                "promote the new model" if decision["promote"] else "keep the champion")
    return decision


