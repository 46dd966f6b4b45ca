"""The baselines a reviewer asks for first: class weights (every lens) and random over-sampling."""

import numpy as np
import pandas as pd
import pytest

from smotified_gan.core.training import with_class_weight
from smotified_gan.pipelines.oversampling.nodes import oversample
from smotified_gan.pipelines.training.nodes import train_lenses
from tests.pipelines.training.test_nodes import TRAINING

LENSES = {"gradient_boosting": {"class": "sklearn.ensemble.HistGradientBoostingClassifier", "runs": 1, "max_iter": 30},
          "logistic_regression": {"class": "sklearn.linear_model.LogisticRegression", "runs": 1}}


def imbalanced(n=600, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, 3)).astype("float32"), columns=["a", "b", "c"])
    frame["target"] = (frame["a"] + 0.8 * rng.normal(size=n) > 1.9).astype("int8")  # about 6% minority
    return frame


def test_class_weights_reach_every_lens_and_call_more_minority_rows():
    train, test = imbalanced(), imbalanced(seed=1)
    training = {**TRAINING, "lenses": LENSES}
    plain = train_lenses(train, training, 30)
    weighted = train_lenses(train, training, 30, {"sampler": "none", "class_weight": "balanced"})
    X = test[["a", "b", "c"]].to_numpy(np.float32)
    for lens in ("network", "gradient_boosting", "logistic_regression"):
        called_plain = int(plain[lens].predict(X).sum())
        called_weighted = int(weighted[lens].predict(X).sum())
        assert called_weighted > 2 * max(called_plain, 1), lens  # the minority weighs ~15x: far more rows called
    assert weighted["network"].config.class_weight == "balanced" and plain["network"].config.class_weight is None
    assert weighted["logistic_regression"].models[0].class_weight == "balanced"
    assert plain["gradient_boosting"].models[0].class_weight is None


def test_a_classifier_that_takes_no_class_weights_is_named_not_silently_unweighted():
    training = {**TRAINING, "lenses": {"knn": {"class": "sklearn.neighbors.KNeighborsClassifier", "runs": 1}}}
    with pytest.raises(ValueError, match="sklearn.neighbors.KNeighborsClassifier does not"):
        with_class_weight(training, {"sampler": "none", "class_weight": "balanced"})
    assert with_class_weight(training, {"sampler": "smote"}) is training


def test_random_over_sampling_adds_copies_of_real_minority_rows_up_to_balance():
    train = imbalanced().assign(repeat=np.int16(0))
    oversampling = {"sampling_strategy": "auto", "random_state": 3, "first_phase": "smote", "k_neighbors": 5,
                    "first_phase_kwargs": {}, "gan": {}}
    augmented, new_rows, *_ = oversample(train, oversampling, {"sampler": "smote", "first_phase": "random"}, 1,
                                         {"dataset": "toy", "method": "random"})
    counts = augmented["target"].value_counts()
    assert counts[0] == counts[1] and len(new_rows) == counts[0] - int(train["target"].sum())
    real = {tuple(r) for r in train.loc[train["target"] == 1, ["a", "b", "c"]].to_numpy()}
    assert all(tuple(r) in real for r in new_rows[["a", "b", "c"]].to_numpy())  # copies, never interpolations
