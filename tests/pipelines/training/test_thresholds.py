"""The experiment's tuned thresholds: fitted on training rows its classifiers never trained on, never a test row,
with the function production's threshold comes from."""

import numpy as np
import pandas as pd
import pytest

import smotified_gan.core.production.calibration as calibration_module
from smotified_gan.core import training as training_nodes
from smotified_gan.core.oversampling import FOLD_SETS, HELD_OUT
from smotified_gan.core.parameters import DecisionSettings, ThresholdSettings
from smotified_gan.pipelines.evaluation.nodes import evaluate_runs
from smotified_gan.pipelines.oversampling.nodes import oversample_folds
from smotified_gan.pipelines.training.nodes import train_lenses, tune_thresholds
from tests.conftest import count_gan_stacks
from tests.pipelines.training.test_nodes import TRAINING

OVERSAMPLING = {"sampling_strategy": "auto", "random_state": 42, "first_phase": "smote", "k_neighbors": 3,
                "first_phase_kwargs": {}, "gan": {}}
CELL = {"dataset": "toy", "method": "smote"}
TUNED = {**TRAINING, "threshold": {"folds": 3, "runs": 1, "metric": "f1", "calibration": "platt", "seed": 7},
         "lenses": {"gradient_boosting": {"class": "sklearn.ensemble.HistGradientBoostingClassifier", "runs": 1,
                                          "max_iter": 20}}}


def table(n: int, seed: int, repeats: int = 2) -> pd.DataFrame:
    """Rows with a row id in column ``c`` (unique over every table built here), 15% minority."""
    rng = np.random.default_rng(seed)
    frames = []
    for repeat in range(repeats):
        frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)}).astype("float32")
        frame["c"] = (seed * 10_000 + repeat * 1_000 + np.arange(n)).astype("float32")
        frame["target"] = (frame["a"] + 0.5 * rng.normal(size=n) > 1.1).astype("int8")
        frames.append(frame.assign(repeat=np.int16(repeat)))
    return pd.concat(frames, ignore_index=True)


def test_the_tuned_threshold_never_sees_a_test_row_or_a_row_its_classifier_trained_on(monkeypatch):
    train, test = table(240, seed=1), table(80, seed=2)
    folds = oversample_folds(train, OVERSAMPLING, {"sampler": "smote"}, 1, TUNED, CELL)
    assert set(folds["c"]).isdisjoint(test["c"])  # not a single test row, held out or fitted on

    fitted, calibrated = [], []
    real_train = training_nodes._train

    def spy_train(rows, spec, settings, epochs):
        fitted.append(rows.copy())
        return real_train(rows, spec, settings, epochs)

    real_decide = calibration_module.decide_threshold

    def spy_decide(scores, y, fold, *args):  # the calibration and threshold come from these scores alone
        calibrated.append((np.asarray(scores).copy(), np.asarray(y).copy()))
        assert sorted(np.unique(fold)) == [0, 1, 2]  # the three fold sets' held-out rows, each its fold
        return real_decide(scores, y, fold, *args)

    monkeypatch.setattr(training_nodes, "_train", spy_train)
    monkeypatch.setattr(calibration_module, "decide_threshold", spy_decide)
    thresholds = tune_thresholds(folds, TUNED, 5)
    assert len(fitted) == 2 and len(calibrated) == 2 * 2  # two lenses fitted once on all fold sets; per lens x repeat
    held = folds[folds[HELD_OUT]]
    for rows in fitted:
        assert HELD_OUT not in rows.columns
        for fold_set, part in rows.groupby("repeat"):
            # the classifier of fold set f never trained on the rows it scored for the threshold: its real rows
            # (first, then SMOTE's, whose interpolated ids are no row's) are the other folds' rows exactly
            scored = held.loc[held["repeat"] == fold_set, "c"]
            repeat_rows = train.loc[train["repeat"] == fold_set // FOLD_SETS, "c"]
            real = part["c"].iloc[:len(repeat_rows) - len(scored)]
            assert sorted(real) == sorted(set(repeat_rows) - set(scored))
            assert set(real).isdisjoint(test["c"])
    for repeat in (0, 1):
        ids = held.loc[held["repeat"] // FOLD_SETS == repeat, "c"]
        original = train.loc[train["repeat"] == repeat, "c"]
        assert sorted(ids) == sorted(original)  # every training row scored exactly once, out of fold
    # the scores calibrated are those held-out rows' (their count and labels), never a test row's
    assert [len(y) for _, y in calibrated] == [240] * 4
    assert all(int(y.sum()) == int(train.loc[train["repeat"] == r, "target"].sum())
               for (_, y), r in zip(calibrated, (0, 1, 0, 1)))
    assert thresholds["classifier"].tolist() == ["network", "network", "gradient_boosting", "gradient_boosting"]
    assert thresholds["repeat"].tolist() == [0, 1, 0, 1] and thresholds["threshold"].between(0, 1).all()

    # the tuned metrics use those thresholds; the fixed-threshold metrics are unchanged
    lenses = train_lenses(train.drop(columns="repeat").assign(repeat=train["repeat"]), TUNED, 5)
    runs, _ = evaluate_runs(lenses, train, test, CELL, thresholds)
    assert {"f1", "f1_tuned", "precision_tuned", "recall_tuned", "g_mean_tuned"} <= set(runs.columns)
    assert runs.groupby(["classifier", "repeat"])["tuned_threshold"].nunique().eq(1).all()
    untuned, _ = evaluate_runs(lenses, train, test, CELL)
    assert runs["f1"].tolist() == untuned["f1"].tolist() and "f1_tuned" not in untuned.columns


def test_the_same_scores_give_the_same_threshold_in_retrain_and_in_a_benchmark_cell(monkeypatch):
    from smotified_gan.core.production.selection import Candidate, Scored
    from smotified_gan.pipelines.retrain import nodes as retrain_nodes

    train = table(240, seed=3, repeats=1)
    folds = oversample_folds(train, OVERSAMPLING, {"sampler": "smote"}, 1, {**TUNED, "lenses": {}}, CELL)
    captured = []
    real_calibrate = calibration_module.calibrate
    monkeypatch.setattr(calibration_module, "calibrate",
                        lambda scores, y, method="platt", metric="f1", rate=1.0: captured.append((scores, y))
                        or real_calibrate(scores, y, method, metric, rate))
    cell = tune_thresholds(folds, {**TUNED, "lenses": {}}, 5).iloc[0]
    scores, y = captured[0]
    # retrain's choice with a winner whose out-of-fold scores are the cell's: its threshold is the cell's
    winner = Scored(Candidate("smote + network", {"sampler": "smote"}, "network"), scores=scores,
                    calls=np.zeros(len(y), dtype=int))
    monkeypatch.setattr(retrain_nodes, "score_and_choose", lambda *args: ([winner], winner, "the only one", []))
    rows = pd.DataFrame({"a": np.zeros(len(y)), "target": y})
    _, _, calibration, _, _ = retrain_nodes.choose_candidate(
        rows, 1.0, {"sampler": "smote"}, OVERSAMPLING, 1, {**TRAINING, "classifier": "network"}, 5,
        ThresholdSettings(metric="f1", calibration="platt"), None, DecisionSettings())
    assert calibration.threshold == pytest.approx(cell["threshold"], abs=0) and calibration.method == cell["kind"]
    assert tuple(calibration.x) == pytest.approx(tuple(__import__("json").loads(cell["x"])))


def test_a_cell_without_threshold_folds_is_scored_at_the_fixed_threshold_only():
    train = table(120, seed=4, repeats=1)
    folds = oversample_folds(train, OVERSAMPLING, {"sampler": "smote"}, 1, {**TRAINING, "threshold": {"folds": 0}},
                             CELL)
    assert len(folds) == 0 and HELD_OUT in folds.columns
    assert len(tune_thresholds(folds, TRAINING, 5)) == 0


def test_a_table_too_small_for_refitting_on_a_fold_is_scored_at_the_fixed_threshold_only(caplog):
    """KEEL's lymphography: 4 minority rows, 3 in a repeat's training rows, so one of 2 threshold folds leaves 1 row
    to interpolate from. The cell keeps its fixed-threshold score, says why it has no tuned one, and a method that
    does not interpolate (random over-sampling) still gets its tuned threshold on the same rows."""
    import logging

    train = table(120, seed=5, repeats=1)
    minority = train.index[train["target"] == 1]
    train = train.drop(minority[3:]).reset_index(drop=True)  # 3 minority rows
    adapting = {**OVERSAMPLING, "adapt_k_neighbors": True}
    two_folds = {**TUNED, "threshold": {**TUNED["threshold"], "folds": 2}}
    with caplog.at_level(logging.WARNING):
        folds = oversample_folds(train, adapting, {"sampler": "smote"}, 1, two_folds, {"dataset": "tiny", "method": "smote"})
    assert len(folds) == 0 and HELD_OUT in folds.columns
    assert "tiny.smote: no tuned threshold" in caplog.text and "fixed threshold only" in caplog.text
    copies = oversample_folds(train, adapting, {"sampler": "smote", "first_phase": "random"}, 1, two_folds,
                              {"dataset": "tiny", "method": "random"})
    assert copies[HELD_OUT].sum() == len(train) and copies.loc[copies[HELD_OUT], "target"].sum() == 3


def test_a_holdout_split_refits_once_a_repeat_and_tunes_on_the_held_out_fold_alone():
    """``threshold.split: holdout`` (conf/keel): one inner validation split, the first of ``folds`` stratified folds
    held out: the over-sampler refitted once a repeat on the other rows, the threshold fitted on that fold's rows."""
    from smotified_gan.core.parameters import TunedThreshold
    from smotified_gan.core.production.calibration import fold_of

    train = table(240, seed=6)
    holdout = {**TUNED, "threshold": {**TUNED["threshold"], "folds": 2, "split": "holdout"}}
    folds = oversample_folds(train, OVERSAMPLING, {"sampler": "smote"}, 1, holdout, CELL)
    assert sorted(folds["repeat"].unique()) == [0, FOLD_SETS]  # one fold set a repeat
    for repeat in (0, 1):
        rows = train[train["repeat"] == repeat]
        first = rows["c"][fold_of(rows["target"].to_numpy(), 2, 7 + repeat) == 0]
        part = folds[folds["repeat"] == repeat * FOLD_SETS]
        held, fitted = part.loc[part[HELD_OUT], "c"], part.loc[~part[HELD_OUT], "c"]
        assert sorted(held) == sorted(first) and 0.4 < len(held) / len(rows) < 0.6
        assert set(fitted.iloc[:len(rows) - len(held)]) == set(rows["c"]) - set(first)  # real rows, then SMOTE's
        assert (~part[HELD_OUT]).sum() > len(rows) - len(held)  # over-sampled: SMOTE's rows follow
    thresholds = tune_thresholds(folds, holdout, 5)
    assert thresholds["rows"].tolist() == [int(folds.loc[folds[HELD_OUT] & (folds["repeat"] == r * FOLD_SETS)].shape[0])
                                           for r in (0, 1)] * 2
    with pytest.raises(ValueError, match="at least 2"):
        TunedThreshold(folds=1, split="holdout")


@pytest.mark.parametrize("method", ["gan", "smotified_gan"])
def test_gan_fold_rows_come_from_the_repeats_own_generators_without_training_a_gan(monkeypatch, method):
    from smotified_gan.pipelines.oversampling.nodes import oversample

    train = table(240, seed=1).drop(columns="c")
    train[["a", "b"]] = ((train[["a", "b"]] + 4) / 8).clip(0, 1)  # the GANs' sigmoid output: rows in [0, 1]
    settings = {**OVERSAMPLING, "gan": {"architecture": "paper", "log_every": 0}}
    cell = {"dataset": "toy", "method": method}
    stacks = count_gan_stacks(monkeypatch)
    samplers = oversample(train, settings, {"sampler": method}, 3, cell)[4]
    assert sum(stacks) == 2  # the two repeats' GANs
    reused = oversample_folds(train, settings, {"sampler": method}, 3, TUNED, cell, samplers)
    again = oversample_folds(train, settings, {"sampler": method}, 3, TUNED, cell, samplers)
    trained = len(stacks)
    assert sum(stacks) == 2  # no GAN trained for the 6 fold sets
    pd.testing.assert_frame_equal(reused, again)  # seeded: the same rows every time
    refit = oversample_folds(train, settings, {"sampler": method}, 3,
                             {**TUNED, "threshold": {**TUNED["threshold"], "gan_folds": "refit"}}, cell, samplers)
    assert sum(stacks[trained:]) == 6  # refit: one GAN per fold set
    counts = ["repeat", HELD_OUT, "target"]
    pd.testing.assert_frame_equal(reused.groupby(counts).size().reset_index(), refit.groupby(counts).size().reset_index())
    assert reused["repeat"].nunique() == 6 and reused[HELD_OUT].any()
    # each fold set's new rows are its own: two folds of a repeat do not share them
    minority_new = [part[["a", "b"]].to_numpy()[-10:] for _, part in reused[~reused[HELD_OUT]].groupby("repeat")]
    assert not np.allclose(minority_new[0], minority_new[1])
    if method == "smotified_gan":  # rows chosen by a discriminator (rejection above 1): the saved samplers keep no D
        for sampler in samplers:
            sampler.set_params(rejection=2.0)
        before = sum(stacks)
        oversample_folds(train, settings, {"sampler": method, "gan": {"rejection": 2.0}}, 3, TUNED, cell, samplers)
        assert sum(stacks) - before == 6  # refitted
