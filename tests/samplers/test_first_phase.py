"""The first phase's SMOTE: imbalanced-learn's rows, its neighbour search limited to the rows it interpolates from."""

from __future__ import annotations

import numpy as np
import pytest
from imblearn.over_sampling import SMOTE

from smotified_gan.core.samplers.first_phase import SMOTEOnDrawnRows, make_first_phase


def _table(seed: int, minority: int, majority: int, discrete: bool):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(minority + majority, 4))
    if discrete:  # many rows at equal distance, duplicates included: the ties are where orders could differ
        X = np.round(X * 2) / 2
    return X, np.r_[np.ones(minority, dtype=int), np.zeros(majority, dtype=int)]


@pytest.mark.parametrize("discrete", [False, True])
@pytest.mark.parametrize(("minority", "majority", "strategy"), [
    (300, 2000, "auto"),       # more rows asked for than there are minority rows: every row is searched
    (3000, 3040, "auto"),      # 40 rows from 3,000: a few rows searched
    (500, 2000, {1: 520}),     # 20 rows
])
@pytest.mark.parametrize("seed", [0, 7])
def test_the_same_rows_as_imbalanced_learns_smote(discrete, minority, majority, strategy, seed):
    X, y = _table(seed, minority, majority, discrete)
    for random_state in (seed, np.random.RandomState(seed)):
        ours = SMOTEOnDrawnRows(sampling_strategy=strategy, k_neighbors=5, random_state=random_state).fit_resample(X, y)
        other_state = seed if isinstance(random_state, int) else np.random.RandomState(seed)
        theirs = SMOTE(sampling_strategy=strategy, k_neighbors=5, random_state=other_state).fit_resample(X, y)
        np.testing.assert_array_equal(ours[0], theirs[0])
        np.testing.assert_array_equal(ours[1], theirs[1])


def test_three_classes_and_the_project_factory():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(900, 3)), np.repeat([0, 1, 2], [600, 200, 100])
    ours = make_first_phase("smote", "auto", 3, 11).fit_resample(X, y)
    theirs = SMOTE(k_neighbors=3, random_state=11).fit_resample(X, y)
    np.testing.assert_array_equal(ours[0], theirs[0])
    assert np.bincount(ours[1]).tolist() == [600, 600, 600]


def test_few_rows_from_many_search_only_the_drawn_rows(monkeypatch):
    X, y = _table(1, 50_000, 50_010, discrete=False)
    sampler = SMOTEOnDrawnRows(k_neighbors=5, random_state=0)
    searched = []
    from sklearn.neighbors import NearestNeighbors

    real = NearestNeighbors.kneighbors
    monkeypatch.setattr(NearestNeighbors, "kneighbors", lambda self, X=None, *a, **k: searched.append(len(X))
                        or real(self, X, *a, **k))
    X_res, _ = sampler.fit_resample(X, y)
    assert len(X_res) == 100_020 and searched == [10]
