"""The first phase: an imbalanced-learn over-sampler (SMOTE by default) makes the synthetic rows."""

from __future__ import annotations

import copy
import logging
from collections import Counter

import numpy as np
from imblearn.over_sampling import ADASYN, SMOTE, SVMSMOTE, BorderlineSMOTE, KMeansSMOTE, RandomOverSampler
from scipy import sparse
from sklearn.utils import _safe_indexing, check_random_state
from threadpoolctl import threadpool_limits

logger = logging.getLogger(__name__)


class ADASYNOrSMOTE(ADASYN):
    """imbalanced-learn's ADASYN, except where it is undefined: SMOTE with the same neighbours and seed.

    ADASYN weights each minority row by the share of majority rows among its
    neighbours; when no minority row has a majority neighbour (a class that is
    perfectly apart, common in small KEEL tables) every weight is 0 and ADASYN
    raises "Not any neigbours belong to the majority class ... Use SMOTE
    instead". Uniform weights are then the limit it tends to, which is SMOTE:
    that is what this sampler does, with a warning, and ``fallback_`` says so
    (``"smote"``; ``None`` when ADASYN itself ran).

    When the classes are near balance, ADASYN's rows per minority row (its
    weight times the few rows asked for, rounded) can all round to 0, and
    imbalanced-learn raises "No samples will be generated". ADASYN's own answer
    is then no new rows: the training rows are returned as they are, with a
    warning, and ``fallback_`` is ``"none"``.
    """

    def _fit_resample(self, X, y):
        self.fallback_ = None
        try:
            return super()._fit_resample(X, y)
        except ValueError as error:
            if "No samples will be generated" not in str(error):
                raise
            logger.warning("ADASYN made no rows: the classes are near balance and every minority row's share of the "
                           "%s row(s) asked for rounds to 0; the training rows are used as they are",
                           sum(self.sampling_strategy_.values()))
            self.fallback_ = "none"
            return X, y
        except RuntimeError as error:
            if "Not any neigbours belong to the majority" not in str(error):
                raise
        logger.warning("ADASYN is undefined here (no minority row has a majority neighbour among its %s): SMOTE "
                       "with the same neighbours and seed made the rows instead", self.n_neighbors)
        self.fallback_ = "smote"
        smote = SMOTE(sampling_strategy=self.sampling_strategy, k_neighbors=self.n_neighbors,
                      random_state=self.random_state)
        return smote.fit_resample(X, y)


class SMOTEOnDrawnRows(SMOTE):
    """imbalanced-learn's SMOTE, the same rows from the same seed, searching neighbours only for the minority rows
    it draws to interpolate from.

    SMOTE finds the ``k_neighbors`` of every minority row, then draws
    ``n_samples`` of (row, neighbour) pairs at random. Where few rows are asked
    for from many (a large table whose majority rows were sampled down to the
    minority's count: 736 rows from 479,204 took 124 s, all of it the search),
    almost all of that search is thrown away. Here the draws are made first (on
    a copy of the same random state), and only the drawn rows are searched; the
    rows made are imbalanced-learn's own (``_make_samples``), identical to
    ``SMOTE``'s (tested).
    """

    def _fit_resample(self, X, y):
        if sparse.issparse(X):
            return super()._fit_resample(X, y)
        self._validate_estimator()
        X_resampled, y_resampled = [X.copy()], [y.copy()]
        for class_sample, n_samples in self.sampling_strategy_.items():
            if n_samples == 0:
                continue
            X_class = _safe_indexing(X, np.flatnonzero(y == class_sample))
            k = self.nn_k_.n_neighbors - 1
            # _make_samples' first draw, on a copy of its random state: which rows it will interpolate from
            drawn = np.unique(copy.deepcopy(check_random_state(self.random_state))
                              .randint(low=0, high=len(X_class) * k, size=n_samples) // k)
            self.nn_k_.fit(X_class)
            nns = np.zeros((len(X_class), k), dtype=np.intp)
            nns[drawn] = self.nn_k_.kneighbors(X_class[drawn], return_distance=False)[:, 1:]
            X_new, y_new = self._make_samples(X_class, y.dtype, class_sample, X_class, nns, n_samples, 1.0)
            X_resampled.append(X_new)
            y_resampled.append(y_new)
        return np.vstack(X_resampled), np.hstack(y_resampled)


FIRST_PHASE_SAMPLERS = {
    "smote": SMOTEOnDrawnRows,
    "borderline_smote": BorderlineSMOTE,
    "svm_smote": SVMSMOTE,
    "adasyn": ADASYNOrSMOTE,
    "kmeans_smote": KMeansSMOTE,
    # copies of minority rows drawn at random (no neighbours): the baseline every interpolation must beat
    "random": RandomOverSampler,
}


def neighbours_on_one_thread() -> threadpool_limits:
    """A context in which a first-phase sampler's rows depend on its seed only, not on the cores.

    scikit-learn's neighbour search splits its work over OpenMP threads, and
    rows at equal distance (common where columns are discrete) come back in an
    order that depends on how many there are: Borderline-SMOTE and ADASYN then
    made other rows in a one-thread Dask worker than in a two-thread ``kedro
    run`` (5 of the 24 ``conf/keel`` tables). On one thread the search is the
    same everywhere. It costs Borderline-SMOTE and ADASYN, which search every
    row, time on large tables (1M rows: 32 s against 17 s on two threads;
    ``bench/first_phase_threads.py``); SMOTE, which searches the minority
    only, is no slower.
    """
    return threadpool_limits(limits=1, user_api="openmp")


def make_first_phase(name: str, strategy: dict, k_neighbors: int, random_state, **kwargs):
    if name not in FIRST_PHASE_SAMPLERS:
        raise ValueError(f"first_phase must be one of {sorted(FIRST_PHASE_SAMPLERS)}, got {name!r}")
    neighbours = ({} if name == "random" else {"n_neighbors": k_neighbors} if name == "adasyn"
                  else {"k_neighbors": k_neighbors})
    return FIRST_PHASE_SAMPLERS[name](sampling_strategy=strategy, random_state=random_state, **neighbours, **kwargs)


def first_phase_rows(X: np.ndarray, y: np.ndarray, to_generate: dict, name: str = "smote", k_neighbors: int = 5,
                     random_state=None, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Only the synthetic rows (and their labels) the first-phase sampler adds for ``to_generate``.

    ``to_generate`` maps a class to the number of rows to add, as
    ``BaseOverSampler.sampling_strategy_`` does.
    """
    counts = Counter(np.asarray(y).tolist())
    strategy = {label: counts[label] + n for label, n in to_generate.items() if n > 0}
    if not strategy:
        return np.empty((0, X.shape[1]), dtype=X.dtype), np.empty(0, dtype=np.asarray(y).dtype)
    with neighbours_on_one_thread():
        X_res, y_res = make_first_phase(name, strategy, k_neighbors, random_state, **kwargs).fit_resample(X, y)
    # imbalanced-learn keeps the original rows first and appends the synthetic ones
    return np.asarray(X_res)[len(X):], np.asarray(y_res)[len(X):]
