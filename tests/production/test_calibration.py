"""Scores that mean what they say: calibration on validation rows and the threshold chosen there."""

from __future__ import annotations

import numpy as np
import pytest

from smotified_gan.core.production.calibration import best_threshold, calibrate, fit_calibration, metric_at


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


def test_cross_fitting_scores_every_row_once_by_a_model_that_never_trained_on_it():
    """A spy for the fit: each fold's model is fitted on rows it then never scores; the calibration and threshold
    are fitted on those out-of-fold scores only."""
    from smotified_gan.core.production.calibration import cross_fitted_calibration

    rng = np.random.default_rng(1)
    y = (rng.random(300) < 0.15).astype(int)
    signal = y + rng.normal(0, 0.6, len(y))
    seen = []

    def fit_and_score(fit_rows, scored_rows):
        seen.append((set(fit_rows), set(scored_rows)))
        assert not set(fit_rows) & set(scored_rows)
        return signal[scored_rows]

    calibration, value, scores = cross_fitted_calibration(y, fit_and_score, folds=4, seed=0)
    assert len(seen) == 4 and sorted(i for _, scored in seen for i in scored) == list(range(300))
    assert all(len(fit) + len(scored) == 300 for fit, scored in seen)
    minority_per_fold = [int(y[list(scored)].sum()) for _, scored in seen]
    assert max(minority_per_fold) - min(minority_per_fold) <= 1  # stratified
    np.testing.assert_array_equal(scores, signal)
    again, value_again = calibrate(signal, y, "platt", "f1")
    assert calibration == again and value == pytest.approx(value_again)


def test_cross_fitting_uses_fewer_folds_than_minority_rows_and_needs_two():
    from smotified_gan.core.production.calibration import cross_fitting_folds

    assert cross_fitting_folds(np.r_[np.ones(3), np.zeros(50)], 5) == 3
    assert cross_fitting_folds(np.r_[np.ones(30), np.zeros(50)], 5) == 5
    with pytest.raises(ValueError, match="cross-fitting needs at least 2 minority rows"):
        cross_fitting_folds(np.r_[np.ones(1), np.zeros(50)], 5)


def test_the_deployed_model_calibrates_the_mean_score_of_its_runs():
    from smotified_gan.core.production.calibration import CalibratedClassifier, Calibration

    class Runs:
        feature_names = ["x"]

        def scores(self, X, runs=None):
            return np.stack([X[:, 0], 3 * X[:, 0]])

    model = CalibratedClassifier(Runs(), Calibration("platt", (1.0, -2.0), (), threshold=0.5))
    X = np.array([[0.5], [1.5]])
    expected = 1 / (1 + np.exp(-(2 * X[:, 0] - 2)))
    np.testing.assert_allclose(model.scores(X), expected[None, :])
    assert model.predict(X).tolist() == [[0, 1]]


def test_a_fold_that_cannot_fit_is_told_that_more_folds_leave_more_rows_with_the_counts():
    """15 minority rows, 3 folds: 3 folds fit on about 10, 10 folds on about 14 (fewer folds would leave fewer)."""
    from smotified_gan.core.production.calibration import out_of_fold_scores

    y = np.r_[np.ones(15, int), np.zeros(300, int)]

    def too_few(fit_rows, scored_rows):
        raise ValueError("the first phase with k_neighbors=12 needs at least 13")

    with pytest.raises(ValueError, match=r"cross-fitting fold 1 of 3 \(210 rows to fit on, 10 minority\): the first "
                                         r"phase .* More folds leave more rows to fit on .*retrain.threshold.folds 3 "
                                         r"fits on about 10 of the 15 minority rows, 10 folds on about 14"):
        out_of_fold_scores(y, too_few, 3, 0)
    with pytest.raises(ValueError, match=r"hold 2 minority rows in all: no number of folds leaves more to fit on"):
        out_of_fold_scores(np.r_[np.ones(2, int), np.zeros(50, int)], too_few, 2, 0)


def test_an_underpowered_holdout_is_told_the_table_s_real_minority_count():
    """7 holdout minority rows at test_size 0.2 of a table holding 15 in all (not the 35 that 7 / 0.2 suggests)."""
    from smotified_gan.pipelines.retrain.nodes import rows_needed

    verdict = {"min_holdout_minority": 30, "holdout_minority_rows": 7}
    advice = rows_needed(verdict, table_minority=15, test_size=0.2)
    assert advice.startswith("a decision between two models needs 30 holdout minority rows (retrain.decision."
                             "min_holdout_minority), this holdout holds 7 (retrain.holdout.test_size 0.2): the table "
                             "holds 15 minority rows in all (holdout and training)")
    assert "retrain.holdout.test_size 0.30 would hold about that many" in rows_needed(verdict, 100, 0.2)
