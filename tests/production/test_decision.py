"""Crown only what beats doing nothing, then only what is shown better: the champion decision on a holdout."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from smotified_gan.core.parameters import DecisionSettings
from smotified_gan.core.production.decision import decide, no_skill_test, no_skill_value, paired_permutation_test

SETTINGS = DecisionSettings(min_holdout_minority=30)


def holdout(minority: int = 40, majority: int = 400):
    return np.r_[np.ones(minority, int), np.zeros(majority, int)]


def calls(y, hits: int, false_alarms: int, skip: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Predictions that find ``hits`` minority rows (after the first ``skip``) and call ``false_alarms`` majority
    rows minority."""
    predicted = np.zeros(len(y), int)
    predicted[np.flatnonzero(y == 1)[skip:skip + hits]] = 1
    predicted[np.flatnonzero(y == 0)[:false_alarms]] = 1
    return predicted.astype(float), predicted


def test_a_model_that_calls_no_row_minority_is_rejected_even_without_a_champion():
    y = holdout()
    decision = decide(y, calls(y, 0, 0), None, SETTINGS)
    assert decision.outcome == "reject" and not decision.promote
    assert decision.reason == f"the new model calls none of the {len(y)} holdout rows minority"


def test_the_fifteen_minority_row_table_crowns_nothing():
    """The issue's case: 2 holdout minority rows of 800, a model that finds neither (holdout F1 0.0)."""
    y = holdout(minority=2, majority=798)
    decision = decide(y, calls(y, 0, 12, skip=0), None, SETTINGS)
    assert decision.challenger == 0.0 and decision.no_skill == pytest.approx(2 * 2 / 800 / (1 + 2 / 800))
    assert decision.outcome == "reject" and "not shown better than no skill" in decision.reason
    assert decision.no_skill_p_value > 0.5


def test_a_lucky_model_that_beats_calling_everyone_minority_but_not_chance_is_rejected():
    """30 calls that hit 1 of 5 minority rows in 806: F1 0.057 beats calling everyone minority (0.012) on every
    paired swap, but 30 random calls hit at least one of 5 rows 17% of the time."""
    y = holdout(minority=5, majority=801)
    lucky = calls(y, 1, 29)
    paired = paired_permutation_test(y, lucky, (np.ones(len(y)), np.ones(len(y), int)), "f1")
    assert paired.p_value < 0.001
    skill = no_skill_test(y, lucky, "f1")
    chance = 1 - np.prod([(806 - 30 - i) / (806 - i) for i in range(5)])  # hypergeometric: 0.173
    assert skill.p_value >= chance - 1e-9 and "exact label permutation" in skill.method
    assert decide(y, lucky, None, SETTINGS).outcome == "reject"


def test_a_first_model_must_beat_calling_every_row_minority_with_confidence():
    y = holdout(minority=40, majority=60)  # 40% minority: calling everyone minority scores F1 0.571
    assert no_skill_value(y, "f1") == pytest.approx(2 * 0.4 / 1.4)
    weak = decide(y, calls(y, 20, 8), None, SETTINGS)  # F1 0.588: above it, but not shown to be
    assert weak.challenger > weak.no_skill and weak.outcome == "reject" and weak.no_skill_p_value >= 0.1
    strong = decide(y, calls(y, 36, 4), None, SETTINGS)
    assert strong.outcome == "promote" and strong.no_skill_p_value < 0.01 and "no champion yet" in strong.reason


def test_a_challenger_catching_two_more_of_five_rows_is_not_crowned():
    """The bootstrap gave this a lower bound of +0.127; the exact one-sided test on those rows gives p = 0.25."""
    y = holdout(minority=5, majority=400)
    challenger, champion = calls(y, 3, 10), calls(y, 1, 10)
    test = paired_permutation_test(y, challenger, champion, "f1")
    assert test.p_value == pytest.approx(0.25) and test.difference > 0.1
    assert (test.discordant_minority, test.discordant_majority) == (2, 0)
    settings = DecisionSettings(min_holdout_minority=0)
    assert decide(y, challenger, champion, settings, champion_version=1).outcome == "keep"


def test_better_by_one_holdout_row_is_kept_out_and_a_clear_margin_is_crowned():
    y = holdout()
    one_more = decide(y, calls(y, 21, 10), calls(y, 20, 10), SETTINGS, champion_version=3)
    assert one_more.challenger > one_more.champion and one_more.champion_version == 3
    assert one_more.outcome == "keep" and one_more.p_value >= 0.1
    clear = decide(y, calls(y, 32, 10), calls(y, 20, 10), SETTINGS)
    assert clear.outcome == "promote" and clear.p_value < 0.01 and not clear.underpowered
    strict = decide(y, calls(y, 32, 10), calls(y, 20, 10), DecisionSettings(min_improvement=0.5))
    assert strict.outcome == "keep"


def test_below_the_minority_floor_the_champion_stays_whatever_the_difference():
    y = holdout(minority=12)
    decision = decide(y, calls(y, 12, 0), calls(y, 2, 30), SETTINGS, champion_version=2)
    assert decision.underpowered and decision.outcome == "keep" and decision.p_value is None
    assert "fewer than the 30 its first look needs" in decision.reason


def test_the_exact_test_matches_brute_force_enumeration_of_every_swap():
    rng = np.random.default_rng(3)
    y = np.r_[np.ones(6, int), np.zeros(8, int)]
    a, b = rng.random(14) < 0.5, rng.random(14) < 0.5
    observed = _f1(y, a) - _f1(y, b)
    swaps = np.array(np.meshgrid(*[[0, 1]] * 14)).reshape(14, -1).T.astype(bool)
    null = [_f1(y, np.where(s, b, a)) - _f1(y, np.where(s, a, b)) for s in swaps]
    brute = np.mean(np.asarray(null) >= observed - 1e-12)
    assert paired_permutation_test(y, (a * 1.0, a), (b * 1.0, b), "f1").p_value == pytest.approx(brute)


def _f1(y, called):
    tp = int((called & (y == 1)).sum())
    return 2 * tp / (2 * tp + int((called & (y == 0)).sum()) + int((~called & (y == 1)).sum()))


@pytest.mark.parametrize("minority", [5, 30, 300])
def test_equal_models_move_the_champion_in_at_most_one_retrain_in_ten(minority):
    """Two equally good models (independent draws of one model's calls): crowned at most 1 - confidence of the time."""
    rng = np.random.default_rng(minority)
    y = holdout(minority=minority, majority=minority * 14)
    moved = 0
    for _ in range(400):
        a, b = (np.where(y == 1, rng.random(len(y)) < 0.6, rng.random(len(y)) < 0.05) for _ in range(2))
        moved += paired_permutation_test(y, (a * 1.0, a), (b * 1.0, b), "f1").p_value < 0.1
    assert moved / 400 <= 0.1 + 2 * np.sqrt(0.1 * 0.9 / 400)  # within two standard errors of 10%


def test_ranking_metrics_swap_rank_scores_and_beat_no_skill_by_label_permutation():
    rng = np.random.default_rng(2)
    y = holdout(minority=60, majority=300)
    sharp, vague = y + rng.normal(0, 0.5, len(y)), y + rng.normal(0, 3.0, len(y))
    test = paired_permutation_test(y, (sharp, sharp > 0.5), (vague, vague > 0.5), "pr_auc", permutations=500)
    assert test.difference == pytest.approx(average_precision_score(y, sharp) - average_precision_score(y, vague))
    assert test.p_value < 0.01
    backwards = paired_permutation_test(y, (vague, vague > 0.5), (sharp, sharp > 0.5), "pr_auc", permutations=500)
    assert backwards.p_value > 0.9
    noise = rng.random(len(y))
    assert no_skill_value(y, "pr_auc") == pytest.approx(60 / 360)
    assert no_skill_test(y, (noise, noise > 0.5), "pr_auc", permutations=500).p_value > 0.05
    assert no_skill_test(y, (sharp, sharp > 0.5), "roc_auc").p_value < 1e-6


def _keyed_decisions(rows_per_key: int, by_key: bool, decisions: int = 400, keys: int = 120) -> float:
    """The share of ``decisions`` in which the paired test (at 1 - confidence, 0.10) shows a challenger exactly as
    good as the champion better, on a holdout whose keys each hold ``rows_per_key`` rows that share their label and
    both models' calls (one customer's rows): the evidence is ``keys`` draws, not ``keys * rows_per_key``."""
    rng = np.random.default_rng(rows_per_key)
    crowned = 0
    for _ in range(decisions):
        minority = rng.random(keys) < 0.3
        calls = [np.where(minority, rng.random(keys) < 0.7, rng.random(keys) < 0.15) for _ in range(2)]
        expand = np.repeat(np.arange(keys), rows_per_key)
        y = minority[expand].astype(int)
        challenger, champion = ((c[expand].astype(float), c[expand].astype(int)) for c in calls)
        test = paired_permutation_test(y, challenger, champion, "f1", permutations=500,
                                       groups=expand if by_key else None)
        crowned += test.p_value < 0.10 and test.difference > 0
    return crowned / decisions


@pytest.mark.parametrize("rows_per_key", [1, 2, 3])
def test_equal_models_on_keyed_rows_are_crowned_at_most_at_the_tests_level(rows_per_key):
    """Rows that share a key swap together: an equal challenger is crowned in at most 1 - confidence (0.10) of
    decisions, within two standard errors of 400 simulated ones; swapped row by row, keys of 3 rows crown it far
    more often (the issue measured 23.4%)."""
    bound = 0.10 + 2 * np.sqrt(0.10 * 0.90 / 400)
    assert _keyed_decisions(rows_per_key, by_key=True) <= bound
    if rows_per_key == 3:
        assert _keyed_decisions(rows_per_key, by_key=False) > bound


def test_a_keyed_test_with_a_key_per_row_is_the_exact_row_by_row_test():
    rng = np.random.default_rng(5)
    y = rng.random(200) < 0.2
    a, b = (rng.random(200) < np.where(y, p, 0.1) for p in (0.8, 0.6))
    exact = paired_permutation_test(y, (a.astype(float), a), (b.astype(float), b), "f1")
    keyed = paired_permutation_test(y, (a.astype(float), a), (b.astype(float), b), "f1", groups=np.arange(200) * 7)
    assert keyed == exact and exact.method == "exact paired permutation"
    pairs = paired_permutation_test(y, (a.astype(float), a), (b.astype(float), b), "f1", groups=np.arange(200) // 2)
    assert pairs.method.startswith("paired permutation by key") and "100 keys" in pairs.method
    assert pairs.difference == pytest.approx(exact.difference) and 0 < pairs.p_value <= 1
    with pytest.raises(ValueError, match="groups holds 3 keys for 200 rows"):
        paired_permutation_test(y, (a.astype(float), a), (b.astype(float), b), "f1", groups=np.arange(3))
