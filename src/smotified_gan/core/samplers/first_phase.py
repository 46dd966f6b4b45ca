"""The first phase: an imbalanced-learn over-sampler (SMOTE by default) makes the synthetic rows."""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np
from imblearn.over_sampling import ADASYN, SMOTE, SVMSMOTE, BorderlineSMOTE, KMeansSMOTE, RandomOverSampler
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


FIRST_PHASE_SAMPLERS = {
    "smote": SMOTE,
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
