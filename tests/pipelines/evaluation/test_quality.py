"""Row quality that means what it says: a perfect generator scores near 0.5 on the pooled repeats."""

import numpy as np
import pandas as pd

from smotified_gan.core.metrics import detection_auc
from smotified_gan.pipelines.evaluation.nodes import assess_synthetic_rows
from smotified_gan.pipelines.preprocessing.nodes import split_dataset

QUALITY = {"seed": 0, "max_rows": 500, "min_real_rows": 20}


def test_a_perfect_generator_is_indistinguishable_once_copies_of_a_row_stay_in_one_fold():
    rng = np.random.default_rng(0)
    minority, majority = 100, 400
    table = pd.DataFrame(np.r_[rng.normal(1.0, 1.0, (minority, 4)), rng.normal(-1.0, 1.0, (majority, 4))],
                         columns=list("abcd"))
    table["target"] = np.r_[np.ones(minority), np.zeros(majority)].astype("int8")
    train, test = split_dataset(table, {"repeats": 5, "test_size": 0.2, "seed": 42}, {"id": "toy"})
    # the perfect generator: fresh draws of the minority's true distribution, as many as a repeat's test minority x 4
    synthetic = pd.concat([pd.DataFrame(rng.normal(1.0, 1.0, (80, 4)), columns=list("abcd"))
                           .assign(target=np.int8(1), repeat=np.int16(r)) for r in range(5)], ignore_index=True)
    quality = assess_synthetic_rows(synthetic, test, QUALITY, {"dataset": "toy", "method": "perfect"}, train)
    assert quality["pooled_real_rows"] == len(set(test.loc[test["target"] == 1, "row_key"])) < 5 * 20
    assert abs(quality["detection_auc"] - 0.5) < 0.1  # grouped by row: no memory of a copy in another fold
    assert abs(quality["real_detection_auc"] - 0.5) < 0.1  # real test rows against real training rows
    # the pooled copies, ungrouped (the old measure), make the same perfect generator look detectable
    real = test.loc[test["target"] == 1, list("abcd")].to_numpy(np.float32)
    ungrouped = detection_auc(real, synthetic[list("abcd")].to_numpy(np.float32), seed=0, max_rows=500)
    assert ungrouped > quality["detection_auc"] + 0.1


def test_a_generator_that_copies_nothing_real_is_still_told_apart():
    rng = np.random.default_rng(1)
    table = pd.DataFrame(np.r_[rng.normal(1.0, 1.0, (100, 4)), rng.normal(-1.0, 1.0, (400, 4))], columns=list("abcd"))
    table["target"] = np.r_[np.ones(100), np.zeros(400)].astype("int8")
    train, test = split_dataset(table, {"repeats": 5, "test_size": 0.2, "seed": 42}, {"id": "toy"})
    shifted = pd.concat([pd.DataFrame(rng.normal(2.5, 0.3, (80, 4)), columns=list("abcd"))
                         .assign(target=np.int8(1), repeat=np.int16(r)) for r in range(5)], ignore_index=True)
    quality = assess_synthetic_rows(shifted, test, QUALITY, {"dataset": "toy", "method": "bad"}, train)
    assert quality["detection_auc"] > 0.9 and quality["energy_distance"] > 0.5


def _toy(seed: int):
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(np.r_[rng.normal(1.0, 1.0, (100, 4)), rng.normal(-1.0, 1.0, (400, 4))], columns=list("abcd"))
    table["target"] = np.r_[np.ones(100), np.zeros(400)].astype("int8")
    return rng, *split_dataset(table, {"repeats": 3, "test_size": 0.2, "seed": 42}, {"id": "toy"})


def test_copies_of_training_rows_show_in_the_distance_to_closest_record_and_fresh_draws_do_not():
    """Random over-sampling's rows are copies: DCR ratio 0, every row a copy; fresh draws of the true distribution
    lie as far from the training rows as real test rows do."""
    rng, train, test = _toy(2)
    copies = pd.concat([train[(train["repeat"] == r) & (train["target"] == 1)].sample(60, replace=True, random_state=r)
                        [[*"abcd", "target", "repeat"]] for r in range(3)], ignore_index=True)
    copied = assess_synthetic_rows(copies, test, QUALITY, {"dataset": "toy", "method": "random"}, train)
    assert copied["dcr_copies"] == 1.0 and copied["dcr_ratio"] == 0.0 and copied["dcr_p"] < 1e-6
    fresh = pd.concat([pd.DataFrame(rng.normal(1.0, 1.0, (60, 4)), columns=list("abcd"))
                       .assign(target=np.int8(1), repeat=np.int16(r)) for r in range(3)], ignore_index=True)
    drawn = assess_synthetic_rows(fresh, test, QUALITY, {"dataset": "toy", "method": "fresh"}, train)
    assert drawn["dcr_copies"] == 0.0 and 0.7 < drawn["dcr_ratio"] < 1.4 and drawn["dcr_p"] > 0.05


def test_gradient_boosting_detects_a_shifted_column_and_the_giveaway_names_it():
    rng, train, test = _toy(3)
    shifted = pd.concat([pd.DataFrame(rng.normal(1.0, 1.0, (80, 4)), columns=list("abcd"))
                         .assign(c=lambda f: f["c"] + 3.0, target=np.int8(1), repeat=np.int16(r)) for r in range(3)],
                        ignore_index=True)
    quality = assess_synthetic_rows(shifted, test, QUALITY, {"dataset": "toy", "method": "shifted"}, train)
    assert quality["boosting_detection_auc"] > 0.9 and quality["detection_auc"] > 0.9
    assert quality["giveaway_columns"].startswith("c (")
    fresh = pd.concat([pd.DataFrame(rng.normal(1.0, 1.0, (80, 4)), columns=list("abcd"))
                       .assign(target=np.int8(1), repeat=np.int16(r)) for r in range(3)], ignore_index=True)
    alike = assess_synthetic_rows(fresh, test, QUALITY, {"dataset": "toy", "method": "fresh"}, train)
    assert abs(alike["boosting_detection_auc"] - 0.5) < 0.15
