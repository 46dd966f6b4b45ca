"""Scores that mean what they say: calibration on validation rows and the threshold chosen there."""

from __future__ import annotations

import numpy as np
import pytest

from smotified_gan.production.calibration import best_threshold, calibrate, fit_calibration, metric_at


@pytest.fixture
def scored():
    """Raw scores of a linear-output model, whose true minority probability is a logistic of 4 * score - 3."""
    rng = np.random.default_rng(0)
    scores = rng.normal(0.2, 0.5, 6000)
    y = rng.random(6000) < 1 / (1 + np.exp(-(4 * scores - 3)))
    return scores, y.astype(int)


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibrated_scores_are_probabilities_that_match_the_frequencies(scored, method):
    scores, y = scored
    calibration = fit_calibration(scores, y, method)
    p = calibration.probabilities(np.r_[scores, -50.0, 50.0])
    assert p.min() >= 0 and p.max() <= 1
    assert np.all(np.diff(calibration.probabilities(np.sort(scores))) >= -1e-12)  # monotone
    for low, high in ((-0.5, 0.0), (0.5, 0.7), (0.9, 1.5)):
        band = (scores > low) & (scores < high)
        assert abs(p[:-2][band].mean() - y[band].mean()) < 0.03, (low, high)
    if method == "platt":
        assert calibration.x[0] == pytest.approx(4, rel=0.15) and calibration.x[1] == pytest.approx(-3, rel=0.15)


def test_the_threshold_is_the_best_one_for_the_metric(scored):
    scores, y = scored
    calibration, value = calibrate(scores, y, "platt", "f1")
    p = calibration.probabilities(scores)
    brute = max(metric_at(y, p > t, "f1") for t in np.unique(p))
    assert value == pytest.approx(brute)
    assert metric_at(y, calibration.predict(scores), "f1") == pytest.approx(value)
    threshold, recall = best_threshold(p, y, "recall")
    lowest = p[y == 1].min()  # every minority row is found below it; of those thresholds, the highest is kept
    assert recall == 1.0 and threshold < lowest and threshold > p[p < lowest].max()


def test_calibration_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        fit_calibration(np.arange(5.0), np.zeros(5), "platt")
    with pytest.raises(ValueError, match="calibration must be one of"):
        fit_calibration(np.arange(5.0), np.r_[0, 0, 1, 1, 0], "beta")
