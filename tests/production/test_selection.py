"""`retrain.method: auto`: candidates cross-fitted on the training rows, the best kept unless a cheaper one is within
one paired standard error of it, within a time budget."""

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


def scored_f1(name: str, seconds: float, calls: np.ndarray, y: np.ndarray, classifier="network") -> Scored:
    from smotified_gan.core.confusion import metric_value

    return Scored(Candidate(name, NONE, classifier), seconds, calls * 1.0, calls * 1.0, calls,
                  metric_value(y, calls * 1.0, calls, "f1"), (0.0, 0.0))


def test_auto_keeps_the_best_unless_a_cheaper_candidate_is_within_one_paired_standard_error():
    from smotified_gan.core.production.selection import paired_se

    rng = np.random.default_rng(0)
    y = np.r_[np.ones(60, int), np.zeros(600, int)]

    def calls(recall: float, false_alarm: float) -> np.ndarray:
        return np.where(y == 1, rng.random(len(y)) < recall, rng.random(len(y)) < false_alarm).astype(int)

    # three candidates of one skill: the best by a hair is costlier; the cheapest is within the noise, so kept
    results = [scored_f1("cheap", 1.0, calls(0.6, 0.05), y), scored_f1("middle", 5.0, calls(0.6, 0.05), y),
               scored_f1("dear", 9.0, calls(0.6, 0.05), y)]
    best = max(results, key=lambda r: r.value)
    winner, reason, comparisons = choose(y, results, "f1")
    cheaper = [r for r in results[:results.index(best)]]
    within = [r for r in cheaper if best.value - r.value <= paired_se(y, best, r, "f1")]
    assert winner is (within[0] if within else best)
    assert {c["candidate"] for c in comparisons} == {r.candidate.name for r in results} - {best.candidate.name}
    assert all(c["against"] == best.candidate.name and c["se"] > 0 for c in comparisons)
    # a clearly better costlier candidate wins, whatever it costs, and the reason says by how much over what
    clearly = scored_f1("dear", 9.0, calls(0.95, 0.01), y)
    winner, reason, comparisons = choose(y, [*results[:2], clearly], "f1")
    assert winner is clearly and reason.startswith("dear: the best cross-fitted f1 ")
    assert "no cheaper candidate within one paired standard error" in reason
    assert all(not c["within"] and c["difference"] < -2 * c["se"] for c in comparisons)
    # the best is the cheapest: kept, never moved to a costlier equal one
    winner, _, _ = choose(y, [clearly, scored_f1("dearer", 20.0, clearly.calls, y)], "f1")
    assert winner is clearly


def test_the_paired_standard_error_matches_a_simulation_of_fresh_rows():
    """The bootstrap SE of the F1 difference of two candidates' calls on the same rows is the spread the difference
    shows over fresh draws of such rows."""
    from smotified_gan.core.confusion import metric_value
    from smotified_gan.core.production.selection import paired_se

    def draw(rng):
        y = np.r_[np.ones(50, int), np.zeros(500, int)]
        shared = rng.random(len(y))
        first = np.where(y == 1, shared < 0.7, shared < 0.05).astype(int)
        second = np.where(y == 1, (shared + 0.1 * rng.random(len(y))) < 0.65, shared < 0.04).astype(int)
        return y, first, second

    rng = np.random.default_rng(1)
    spread = np.std([metric_value(y, a * 1.0, a, "f1") - metric_value(y, b * 1.0, b, "f1")
                     for y, a, b in (draw(rng) for _ in range(400))], ddof=1)
    y, a, b = draw(np.random.default_rng(2))
    estimate = paired_se(y, scored_f1("a", 1, a, y), scored_f1("b", 1, b, y), "f1", resamples=1000)
    assert estimate == pytest.approx(spread, rel=0.35)


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
    winner, reason, comparisons = choose(y, list(results.values()), "f1")
    assert len(comparisons) == 1  # the two that ran, compared with each other
    assert reason.endswith("; 2 not scored (none + network, SMOTE + network)")
    only, reason, _ = choose(y, [results["none + gb"], results["none + network"]], "f1")
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
    return choose_candidate(train_set, 1.0, "auto", OVERSAMPLING, 10, training, 15,
                            ThresholdSettings(folds=3), auto, DecisionSettings())


def test_where_over_sampling_clearly_helps_the_network_auto_picks_an_over_sampler():
    train_set = table(1500, 0, 0.04, "separable")
    method, training, _, candidates, _ = choose_on(train_set, {"none": NONE, "SMOTE": SMOTE}, {"network": "network"})
    assert method == SMOTE and training["classifier"] == "network"
    chosen = candidates.set_index("candidate")
    assert chosen.loc["SMOTE + network", "chosen"]
    assert chosen.loc["SMOTE + network", "value"] > chosen.loc["none + network", "value"] + 0.1
    # the cheaper candidate is behind by more than its paired standard error
    assert -chosen.loc["none + network", "difference"] > chosen.loc["none + network", "se"] > 0


def test_where_no_augmentation_is_best_auto_keeps_it():
    train_set = table(1500, 0, 0.03, "noisy")
    method, training, _, candidates, _ = choose_on(train_set, {"none": NONE, "SMOTE": SMOTE}, {"gb": GB})
    assert method == NONE and training["classifier"] == GB
    values = candidates.set_index("candidate")["value"]
    assert values["none + gb"] > values["SMOTE + gb"] + 0.05
    assert candidates.set_index("candidate").loc["none + gb", "reason"].startswith("none + gb: the best cross-fitted")
