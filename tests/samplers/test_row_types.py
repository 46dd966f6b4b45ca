"""Typed generated rows: one-hot groups one-hot, discrete and step columns on their grid, values within the class's
range, constant columns constant (``samplers.row_types``, the samplers' ``typed_rows``)."""

import numpy as np
import pytest

from smotified_gan import GANOverSampler, SMOTifiedGAN
from smotified_gan.core.samplers.persistence import load_sampler, save_sampler
from smotified_gan.core.samplers.row_types import RowTypes, grid_step, infer_row_types, one_hot_groups


def mixed_table(seed: int = 0, majority: int = 300, minority: int = 40):
    """Columns: 0-2 a one-hot category (the minority never takes the third), 3 a 0/1 flag, 4 a count 0..30 scaled
    to [0, 1], 5 continuous, 6 constant in the minority (0.25) and not in the majority."""
    rng = np.random.default_rng(seed)
    n = majority + minority
    y = np.r_[np.zeros(majority, int), np.ones(minority, int)]
    category = np.where(y == 1, rng.integers(0, 2, n), rng.integers(0, 3, n))
    X = np.zeros((n, 7), dtype=np.float32)
    X[np.arange(n), category] = 1.0
    X[:, 3] = rng.integers(0, 2, n)
    X[:, 4] = (rng.integers(0, 31, n) / 30.0).astype(np.float32)
    X[:, 5] = rng.uniform(0, 1, n) * np.where(y == 1, 0.5, 1.0) + np.where(y == 1, 0.3, 0.0)
    X[:, 6] = np.where(y == 1, 0.25, rng.uniform(0, 1, n))
    return X, y


def test_column_types_are_read_from_the_training_rows():
    X, y = mixed_table()
    assert one_hot_groups(X) == [[0, 1, 2]]
    assert grid_step(np.unique(X[:, 4])) == pytest.approx(1 / 30, rel=1e-5)
    assert grid_step(np.unique(X[:, 5])) is None
    types = infer_row_types(X, y, 1)
    assert types.groups == [[0, 1, 2]] and types.allowed == [[0, 1]]
    assert list(types.grids) == [3, 4] and len(types.grids[4]) == 31
    assert set(np.unique(X[:, 4])) == set(types.grids[4])  # the steps are the very values real rows hold
    assert types.low[6] == types.high[6] == np.float32(0.25)


def test_typed_rows_sit_on_the_real_rows_grid_within_the_class_range():
    X, y = mixed_table()
    types = infer_row_types(X, y, 1)
    rows = np.random.default_rng(1).normal(0.5, 0.6, (500, 7)).astype(np.float32)
    typed = types.apply(rows)
    assert np.all(typed[:, :3].sum(axis=1) == 1) and not typed[:, 2].any()  # one-hot, only the class's categories
    assert set(np.unique(typed[:, 3])) <= {0.0, 1.0}
    assert set(np.unique(typed[:, 4])) <= set(np.unique(X[:, 4]))
    own = X[y == 1]
    assert np.all(typed >= own.min(axis=0)) and np.all(typed <= own.max(axis=0))
    assert np.all(typed[:, 6] == np.float32(0.25))
    # a value already typed stays where it is
    np.testing.assert_array_equal(types.apply(own), own)


@pytest.mark.parametrize("sampler", [
    GANOverSampler(epochs=3, architecture="paper", random_state=0, log_every=0, typed_rows=True),
    SMOTifiedGAN(epochs=3, architecture="paper", random_state=0, log_every=0, typed_rows=True),
])
def test_the_gan_samplers_return_typed_rows_and_keep_their_types_when_saved(sampler, tmp_path):
    X, y = mixed_table()
    X_res, y_res = sampler.fit_resample(X, y)
    new = X_res[len(X):]
    own = X[y == 1]
    assert len(new) == 260 and np.all(y_res[len(X):] == 1)
    assert np.all(new[:, :3].sum(axis=1) == 1) and not new[:, 2].any()
    assert set(np.unique(new[:, 3])) <= set(np.unique(own[:, 3]))
    assert set(np.unique(new[:, 4])) <= set(np.unique(X[:, 4]))  # whole steps, exactly the real rows' values
    assert np.all(new >= own.min(axis=0)) and np.all(new <= own.max(axis=0))
    assert np.all(new[:, 6] == np.float32(0.25))
    save_sampler(sampler, tmp_path / "sampler.pt")
    loaded = load_sampler(tmp_path / "sampler.pt")
    if isinstance(sampler, SMOTifiedGAN):
        np.testing.assert_array_equal(loaded.refine(sampler.first_phase_rows_[1]), sampler.refine(sampler.first_phase_rows_[1]))
    else:
        np.testing.assert_array_equal(loaded.sample(50, seed=3), sampler.sample(50, seed=3))
        assert not loaded.sample(50, seed=3)[:, 2].any()


def test_untyped_rows_are_as_generated_and_a_bundle_from_before_row_types_loads():
    X, y = mixed_table()
    sampler = GANOverSampler(epochs=3, architecture="paper", random_state=0, log_every=0)
    new = sampler.fit_resample(X, y)[0][len(X):]
    assert sampler.row_types_[1] is None
    assert not np.all(new[:, 3] * (1 - new[:, 3]) == 0)  # the flag off its two values: what typed_rows fixes
    bundle = sampler.to_bundle()
    del bundle["row_types"]
    old = GANOverSampler.from_bundle(bundle)
    np.testing.assert_array_equal(old.sample(20, seed=1), sampler.sample(20, seed=1))
    assert RowTypes.from_plain(infer_row_types(X, y, 1).to_plain()).groups == [[0, 1, 2]]


def test_early_stopping_on_detection_keeps_the_generator_whose_rows_pass_best_for_real_ones():
    import torch

    from smotified_gan.core.samplers.refine import validation_detection

    rng = np.random.default_rng(0)
    X_fit = rng.uniform(0, 1, (200, 3)).astype(np.float32)
    y_fit = np.r_[np.zeros(150, int), np.ones(50, int)]
    X_val = rng.uniform(0, 1, (80, 3)).astype(np.float32)
    y_val = np.r_[np.zeros(40, int), np.ones(40, int)]
    inputs = rng.uniform(0, 1, (200, 3)).astype(np.float32)  # rows drawn as the real ones are
    score = validation_detection(X_fit, y_fit, X_val, y_val, 1, inputs, "cpu")
    assert score.column == "val_detection_auc" and score.higher_is_better is False
    class Squeeze(torch.nn.Module):
        def forward(self, rows):
            return rows * 0.5

    same, shifted = score(torch.nn.Identity()), score(Squeeze())
    assert same < 0.65 < 0.8 < shifted  # real-looking rows pass, squeezed ones are told apart
    with pytest.raises(ValueError, match="at least 5 held-out rows of class 1"):
        validation_detection(X_fit, y_fit, X_val[:42], y_val[:42], 1, inputs, "cpu")
    # through the sampler: the history records the AUC and the kept epoch is the lowest one checked
    X, y = mixed_table()
    sampler = SMOTifiedGAN(epochs=20, architecture="paper", residual=True, learning_rate=1e-3, random_state=0,
                           log_every=0, early_stopping=True, validation_every=5, patience=50,
                           validation_score="detection", validation_fraction=0.3, typed_rows=True)
    sampler.fit_resample(X, y)
    checked = sampler.history_.dropna(subset=["val_detection_auc"])
    assert list(checked["epoch"]) == [5, 10, 15, 20] and checked["val_f1"].isna().all()
    assert sampler.best_epochs_[1] == int(checked.loc[checked["val_detection_auc"].idxmin(), "epoch"])
