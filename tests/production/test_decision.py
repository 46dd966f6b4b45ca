"""Crown only what is shown to be better: the paired bootstrap decision on a holdout."""

from __future__ import annotations

import numpy as np
import pytest

from smotified_gan.production.decision import DecisionRules, decide, paired_bootstrap

RULES = DecisionRules(metric="f1", confidence=0.9, min_improvement=0.0, min_metric=0.05, min_holdout_minority=30,
                      bootstrap=2000, seed=0)


def holdout(minority: int = 40, majority: int = 400):
    return np.r_[np.ones(minority, int), np.zeros(majority, int)]


def calls(y, hits: int, false_alarms: int) -> tuple[np.ndarray, np.ndarray]:
    """Predictions that find the first ``hits`` minority rows and call ``false_alarms`` majority rows minority."""
    predicted = np.zeros(len(y), int)
    predicted[np.flatnonzero(y == 1)[:hits]] = 1
    predicted[np.flatnonzero(y == 0)[:false_alarms]] = 1
    return predicted.astype(float), predicted


def test_a_model_that_calls_no_row_minority_is_rejected_even_without_a_champion():
    y = holdout()
    decision = decide(y, calls(y, 0, 0), None, RULES)
    assert decision.outcome == "reject" and not decision.promote
    assert decision.reason == f"the new model calls none of the {len(y)} holdout rows minority"


def test_a_model_below_the_floor_is_rejected():
    y = holdout()
    decision = decide(y, calls(y, 1, 60), None, RULES)
    assert decision.outcome == "reject" and "below retrain.min_metric 0.05" in decision.reason


def test_better_by_one_holdout_row_is_not_enough():
    y = holdout()
    decision = decide(y, calls(y, 21, 10), calls(y, 20, 10), RULES, champion_version=3)
    assert decision.challenger > decision.champion and decision.champion_version == 3
    assert decision.outcome == "keep" and decision.lower_bound <= 0


def test_better_by_a_clear_margin_is_crowned():
    y = holdout()
    decision = decide(y, calls(y, 32, 10), calls(y, 20, 10), RULES)
    assert decision.outcome == "promote" and decision.lower_bound > 0.1
    assert not decision.underpowered
    strict = decide(y, calls(y, 32, 10), calls(y, 20, 10), DecisionRules(**{**RULES.__dict__, "min_improvement": 0.5}))
    assert strict.outcome == "keep"


def test_a_small_holdout_minority_is_flagged_underpowered():
    y = holdout(minority=12)
    assert decide(y, calls(y, 8, 3), None, RULES).underpowered


def test_the_bootstrap_centres_on_the_observed_difference():
    y = holdout()
    a, b = calls(y, 30, 10), calls(y, 20, 10)
    differences = paired_bootstrap(y, a, b, "f1", 4000, seed=1)
    observed = 2 * 30 / (2 * 30 + 10 + 10) - 2 * 20 / (2 * 20 + 10 + 20)
    assert differences.mean() == pytest.approx(observed, abs=0.01)
    rng = np.random.default_rng(2)
    scores_a, scores_b = y + rng.normal(0, 0.5, len(y)), y + rng.normal(0, 2.0, len(y))
    ranked = paired_bootstrap(y, (scores_a, a[1]), (scores_b, b[1]), "pr_auc", 200, seed=1)
    assert (ranked > 0).mean() > 0.95
