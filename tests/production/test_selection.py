"""`retrain.method: auto`: candidates cross-fitted on the training rows, the cheapest kept unless a costlier one is
shown better, within a time budget."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smotified_gan.core.data.tables import TARGET
from smotified_gan.core.parameters import AutoSettings, DecisionSettings, ThresholdSettings
from smotified_gan.core.production.selection import Candidate, Scored, choose, score_candidates
from smotified_gan.pipelines.retrain.nodes import choose_candidate

NONE, SMOTE, GAN = {"sampler": "none"}, {"sampler": "smote"}, {"sampler": "smotified_gan"}
GB = {"class": "sklearn.ensemble.HistGradientBoostingClassifier", "max_iter": 50, "runs": 1}
NETWORK = {"runs": 2, "seed": 0, "classifier": "network",
           "network": {"hidden": [32, 16], "learning_rate": 1e-2, "batch_size": 32, "loss": "mae", "threshold": 0.5,
                       "device": "cpu", "precision": "float32"}}
OVERSAMPLING = {"sampling_strategy": "auto", "random_state": 0, "first_phase": "smote", "k_neighbors": 5,
                "first_phase_kwargs": {}, "gan": {}}


def scored(name: str, seconds: float, calls: np.ndarray) -> Scored:
    candidate = Candidate(name, NONE, "network")
    return Scored(candidate, seconds, calls * 1.0, calls * 1.0, calls, 0.0, (0.0, 0.0))


def test_candidates_equal_within_noise_leave_the_cheapest_even_when_a_costlier_one_scores_higher():
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(60, int), np.zeros(600, int)]
    draws = [np.where(y == 1, rng.random(len(y)) < 0.6, rng.random(len(y)) < 0.05).astype(int) for _ in range(3)]
    results = [scored("cheap", 1.0, draws[0]), scored("middle", 5.0, draws[1]), scored("dear", 9.0, draws[2])]
    winner, reason, comparisons = choose(y, results, "f1", 0.9)
    assert winner.candidate.name == "cheap"
    assert reason.startswith("cheap: the cheapest (1.0 s); none of the 2 costlier candidate(s) scored was shown better")
    assert [c["candidate"] for c in comparisons] == ["middle", "dear"]
    assert all(c["alpha"] == pytest.approx(0.05) for c in comparisons)  # (1 - 0.9) / 2 costlier candidates
    # a clearly better costlier candidate replaces it, and the reason says by how much, against what
    better = np.where(y == 1, rng.random(len(y)) < 0.95, rng.random(len(y)) < 0.01).astype(int)
    winner, reason, _ = choose(y, [*results[:2], scored("dear", 9.0, better)], "f1", 0.9)
    assert winner.candidate.name == "dear" and reason.startswith("dear: +0.") and "over cheap, p = 0.0000 < 0.0500" in reason


class Clock:
    """The budget's clock, moved on by the work a fake candidate does: budgets tested without timing the machine."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_time_budget_skips_the_costliest_kinds_first_and_says_why():
    y = np.r_[np.ones(30, int), np.zeros(270, int)]
    signal = y + np.random.default_rng(1).normal(0, 0.5, len(y))
    clock = Clock()

    def fit_and_score(candidate, fit_rows, scored_rows):
        clock.now += 0.3 if candidate.method is GAN else 0.001
        return signal[scored_rows]

    candidates = [Candidate("GAN + gb", GAN, GB), Candidate("none + gb", NONE, GB), Candidate("SMOTE + gb", SMOTE, GB)]
    results = score_candidates(y, candidates, fit_and_score, 5, 0, "platt", "f1", "f1", 0.9, max_seconds=0.5,
                               clock=clock)
    assert [r.candidate.name for r in results] == ["none + gb", "SMOTE + gb", "GAN + gb"]  # cheapest kind first
    assert not results[0].skipped and not results[1].skipped
    assert results[2].skipped.startswith("stopped after 1 of its 5 folds: they would end near")
    assert "past the budget of 0.5 s (retrain.auto.max_seconds)" in results[2].skipped and results[2].calls is None
    unlimited = score_candidates(y, candidates, fit_and_score, 5, 0, "platt", "f1", "f1", 0.9)
    assert not any(r.skipped for r in unlimited)


def test_a_dear_candidate_that_overruns_skips_its_dearer_kinds_only_and_the_choice_says_what_ran():
    """The issue's log: none + network ran past a budget, then SMOTE + gradient boosting (seconds) was skipped as if
    it were dearer, and the choice said "no costlier candidate shown better" though none ran."""
    y = np.r_[np.ones(30, int), np.zeros(270, int)]
    signal = y + np.random.default_rng(1).normal(0, 0.5, len(y))
    clock = Clock()

    def fit_and_score(candidate, fit_rows, scored_rows):
        clock.now += 0.2 if candidate.classifier == "network" else 0.001
        return signal[scored_rows]

    candidates = [Candidate(f"{m} + {c}", method, classifier) for m, method in (("none", NONE), ("SMOTE", SMOTE))
                  for c, classifier in (("gb", GB), ("network", "network"))]
    results = {r.candidate.name: r for r in score_candidates(y, candidates, fit_and_score, 5, 0, "platt", "f1", "f1",
                                                             0.9, max_seconds=0.5, clock=clock)}
    assert not results["none + gb"].skipped and not results["SMOTE + gb"].skipped  # after none + network overran
    assert results["none + network"].skipped.startswith("stopped after ")
    assert results["SMOTE + network"].skipped == ("at least as costly as none + network, which would have run past "
                                                  "the budget of 0.5 s (retrain.auto.max_seconds)")
    winner, reason, comparisons = choose(y, list(results.values()), "f1", 0.9)
    assert len(comparisons) == 1 and "none of the 1 costlier candidate(s) scored was shown better" in reason
    assert reason.endswith("; 2 not scored (none + network, SMOTE + network)")
    only, reason, _ = choose(y, [results["none + gb"], results["none + network"]], "f1", 0.9)
    assert reason.startswith("none + gb: the only candidate scored (") and reason.endswith("1 not scored (none + network)")


def test_a_candidate_foreseen_to_overrun_is_skipped_before_it_starts():
    from smotified_gan.core.production.selection import Budget, expected_seconds

    assert expected_seconds("refined + network", 10_000) > expected_seconds("SMOTE + gradient boosting", 10_000)
    budget = Budget(100.0, 40_000)
    budget.paces.append(1.0)
    dear = Candidate("refined + network", GAN, "network")
    assert budget.skip(dear).startswith(f"expected to take about {expected_seconds(dear, 40_000):.0f} s, 100 s of the "
                                        "budget of 100 s (retrain.auto.max_seconds) left")
    assert Budget(None, 40_000).skip(dear) == "" and Budget(1e6, 40_000).skip(dear) == ""


def table(rows: int, seed: int, minority_share: float, layout: str) -> pd.DataFrame:
    """Scaled features and a target: ``separable`` (a minority class a network only learns when balanced) or
    ``noisy`` (the minority is a corner of the square plus ``minority_share`` of rows labelled minority at random:
    SMOTE's lines between those scattered rows paint minority over majority ground)."""
    rng = np.random.default_rng(seed)
    if layout == "separable":
        y = (rng.random(rows) < minority_share).astype(int)
        X = rng.normal(0.35, 0.12, (rows, 4)) + 0.25 * y[:, None]
    else:
        X = rng.random((rows, 4))
        y = ((X[:, 0] > 0.85) & (X[:, 1] > 0.85)).astype(int)
        y[rng.random(rows) < minority_share] = 1
    frame = pd.DataFrame(np.clip(X, 0, 1), columns=[f"x{i}" for i in range(4)])
    return frame.assign(**{TARGET: y.astype("int8"), "repeat": 0})


def choose_on(train_set, methods, classifiers, training=NETWORK):
    auto = AutoSettings(methods=methods, classifiers=classifiers)
    return choose_candidate(train_set, "auto", OVERSAMPLING, 10, training, 15,
                            ThresholdSettings(folds=3), auto, DecisionSettings())


def test_where_over_sampling_clearly_helps_the_network_auto_picks_an_over_sampler():
    train_set = table(1500, 0, 0.04, "separable")
    method, training, _, candidates, _ = choose_on(train_set, {"none": NONE, "SMOTE": SMOTE}, {"network": "network"})
    assert method == SMOTE and training["classifier"] == "network"
    chosen = candidates.set_index("candidate")
    assert chosen.loc["SMOTE + network", "chosen"] and chosen.loc["SMOTE + network", "p_value"] < 0.1
    assert chosen.loc["SMOTE + network", "value"] > chosen.loc["none + network", "value"] + 0.1


def test_where_no_augmentation_is_best_auto_keeps_it():
    train_set = table(1500, 0, 0.03, "noisy")
    method, training, _, candidates, _ = choose_on(train_set, {"none": NONE, "SMOTE": SMOTE}, {"gb": GB})
    assert method == NONE and training["classifier"] == GB
    values = candidates.set_index("candidate")["value"]
    assert values["none + gb"] > values["SMOTE + gb"] + 0.05
    assert candidates.set_index("candidate").loc["none + gb", "reason"].startswith("none + gb: the cheapest")
