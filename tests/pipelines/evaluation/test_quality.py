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
