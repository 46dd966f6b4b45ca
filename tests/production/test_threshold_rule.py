"""The deployed threshold's rule (``production.calibration.decide_threshold``): 0.5 unless a tuned threshold is shown
better out of fold. Issue 33: it must not lose to 0.5 on small tables and must win where tuning helps."""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from smotified_gan.core.production.calibration import decide_threshold, fold_of, out_of_fold_scores


def gains(rows: int, share: float, draws: int, rule: str, class_weight=None) -> np.ndarray:
    """Per draw: the rule's F1 on 10,000 fresh rows minus 0.5's, for a logistic regression refitted on ``rows``."""
    result = []
    for draw in range(draws):
        X, y = make_classification(rows + 10_000, n_features=6, n_informative=3, weights=[1 - share], flip_y=0.02,
                                   class_sep=0.7, random_state=draw)
        X_fit, y_fit, X_new, y_new = X[:rows], y[:rows], X[rows:], y[rows:]

        def fit_and_score(fit, scored, X_fit=X_fit, y_fit=y_fit):
            return LogisticRegression(class_weight=class_weight).fit(X_fit[fit], y_fit[fit]).predict_proba(
                X_fit[scored])[:, 1]

        scores = out_of_fold_scores(y_fit, fit_and_score, 5, draw)
        calibration, _, _ = decide_threshold(scores, y_fit, fold_of(y_fit, 5, draw), 0.5, rule=rule, seed=draw)
        final = LogisticRegression(class_weight=class_weight).fit(X_fit, y_fit).predict_proba(X_new)[:, 1]
        result.append(f1_score(y_new, calibration.predict(final)) - f1_score(y_new, final > 0.5))
    return np.array(result)


def test_the_rule_does_not_lose_to_one_half_on_a_small_table_and_wins_on_a_large_one():
    # balanced class weights (as over-sampling does) put 0.5 near F1's best threshold on 200 rows, 20 minority
    small = gains(200, 0.1, 40, "shown", "balanced")
    assert small.mean() + 2 * small.std(ddof=1) / np.sqrt(len(small)) >= 0  # no loss beyond two standard errors
    large = gains(4000, 0.05, 8, "shown")
    assert large.mean() > 0.05 and (large > 0).all()  # 0.5 is far from F1's best threshold: tuning is shown


def test_the_kept_default_calls_exactly_the_rows_above_it_and_says_why():
    rng = np.random.default_rng(0)
    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    scores = np.r_[rng.uniform(0, 0.6, 90), rng.uniform(0.3, 1, 10)]
    fold = fold_of(y, 5, 0)
    calibration, value, why = decide_threshold(scores, y, fold, 0.5, margin=100.0)  # never shown by this margin
    np.testing.assert_array_equal(calibration.predict(scores), (scores > 0.5).astype(int))
    assert value == pytest.approx(f1_score(y, scores > 0.5)) and "0.5 kept" in why and "not shown better" in why
    tuned, _, why = decide_threshold(scores, y, fold, 0.5, rule="tuned")
    assert why.startswith("tuned threshold")
    one_fold, _, why = decide_threshold(scores, y, np.zeros(100, int), 0.5)
    assert "one fold" in why and one_fold.threshold == calibration.threshold
    with pytest.raises(ValueError, match="threshold rule"):
        decide_threshold(scores, y, fold, 0.5, rule="median")
