"""One metric engine: a metric undefined in one place is undefined the same way everywhere."""

import numpy as np
import pytest

from smotified_gan.core.confusion import confusion_counts, counting_metric, metric_value
from smotified_gan.core.metrics import runs_metrics
from smotified_gan.core.production.calibration import _metric_at_thresholds, metric_at

CASES = {
    # labels, 0/1 calls: no minority row at all / no row called minority / no majority row
    "no minority rows": (np.zeros(6, dtype=int), np.array([0, 1, 0, 0, 1, 0])),
    "nothing called": (np.array([0, 0, 1, 1, 0, 0]), np.zeros(6, dtype=int)),
    "no majority rows": (np.ones(6, dtype=int), np.array([1, 1, 0, 1, 0, 1])),
    "no minority, nothing called": (np.zeros(6, dtype=int), np.zeros(6, dtype=int)),
}
NAMES = ("f1", "precision", "recall", "g_mean", "balanced_accuracy")


def same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b)


@pytest.mark.parametrize("case", list(CASES))
def test_every_place_gives_the_engines_answer(case):
    y, calls = CASES[case]
    engine = {name: float(counting_metric(*confusion_counts(y, calls), name)) for name in NAMES}
    # the experiment's runs (calls as scores above 0.5), the tuned calls, the decision's and calibration's metric,
    # and the threshold search's vectorised counts
    runs = runs_metrics(y, calls[None].astype(float), y, calls[None].astype(float), 0.5, calls[None])[0]
    scores = calls.astype(float)
    for name in NAMES:
        assert same(runs[name], engine[name]), (case, name, "runs")
        assert same(runs[f"{name}_tuned"], engine[name]), (case, name, "tuned")
        assert same(metric_at(y, calls, name), engine[name]), (case, name, "calibration")
        assert same(metric_value(y, scores, calls, name), engine[name]), (case, name, "decision")
        searched = float(_metric_at_thresholds(scores, y.astype(bool), np.array([0.5]), name)[0])
        assert same(searched, engine[name]), (case, name, "threshold search")


def test_the_answers_where_a_metric_is_undefined():
    y, calls = CASES["no minority rows"]
    assert np.isnan(counting_metric(*confusion_counts(y, calls), "recall"))
    assert counting_metric(*confusion_counts(y, calls), "f1") == 0.0  # two false alarms: defined, and 0
    y, calls = CASES["nothing called"]
    assert counting_metric(*confusion_counts(y, calls), "precision") == 0.0
    assert counting_metric(*confusion_counts(y, calls), "f1") == 0.0
    y, calls = CASES["no majority rows"]
    assert np.isnan(counting_metric(*confusion_counts(y, calls), "specificity"))
    assert np.isnan(counting_metric(*confusion_counts(y, calls), "balanced_accuracy"))
    y, calls = CASES["no minority, nothing called"]
    assert np.isnan(counting_metric(*confusion_counts(y, calls), "f1"))
