"""The refinement's own options (not in the paper): identity penalty, rejection, majority filter, snapping."""

import numpy as np
import torch

from smotified_gan import SMOTifiedGAN
from smotified_gan.core.samplers.refine import select_rows


def blobs(seed=0):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.normal(0.3, 0.05, (30, 3)), rng.normal(0.7, 0.1, (300, 3))].clip(0, 1)
    return X, np.r_[np.ones(30, int), np.zeros(300, int)]


def fitted(**settings):
    X, y = blobs()
    sampler = SMOTifiedGAN(random_state=0, residual=True, architecture="paper", learning_rate=1e-3, epochs=200,
                           log_every=0, device="cpu", **settings)
    X_res, _ = sampler.fit_resample(X, y)
    return sampler, np.asarray(X_res)[len(X):]


def test_the_identity_penalty_bounds_how_far_a_row_moves():
    free, free_rows = fitted()
    held, held_rows = fitted(identity_penalty=1e4)
    moved = {name: np.linalg.norm(rows - sampler.first_phase_rows_[1], axis=1).mean()
             for name, sampler, rows in (("free", free, free_rows), ("held", held, held_rows))}
    assert moved["held"] < 0.01 < moved["free"], moved
    assert moved["held"] < moved["free"] / 5


def test_rejection_refines_a_larger_pool_and_keeps_the_rows_asked_for():
    sampler, rows = fitted(rejection=3.0, identity_penalty=1e4)
    pool = sampler.first_phase_rows_[1]
    assert len(pool) == 3 * 270 and rows.shape == (270, 3)
    # held near the identity, each kept row is (almost) one of the pool's rows, each pool row kept at most once
    distance = np.linalg.norm(rows[:, None, :] - pool[None, :, :], axis=2)
    nearest = distance.argmin(axis=1)
    assert distance.min(axis=1).max() < 0.02 and len(set(nearest)) == 270


class Logit(torch.nn.Module):
    """A discriminator whose logit is ``scale * x0``: rows with a larger first feature look more real."""

    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def forward(self, x):
        return self.scale * x[..., :1]


def test_rejection_draws_the_rows_the_discriminator_finds_most_real():
    rows = np.linspace(0, 1, 1000, dtype=np.float32)[:, None].repeat(2, axis=1)
    kept = select_rows(rows, Logit(20.0), rows, np.ones(1000, int), 1, 100, seed=0)
    assert kept.shape == (100, 2) and kept[:, 0].mean() > 0.85  # weights exp(20 x): the top decile dominates
    flat = select_rows(rows, Logit(0.0), rows, np.ones(1000, int), 1, 100, seed=0)
    assert 0.35 < flat[:, 0].mean() < 0.65  # a discriminator with no opinion keeps a uniform draw


def test_the_majority_filter_keeps_rows_the_majority_claims_only_when_others_run_out():
    real = np.r_[np.full((20, 2), 0.2), np.full((20, 2), 0.8)].astype(np.float32)
    labels = np.r_[np.ones(20, int), np.zeros(20, int)]
    pool = np.r_[np.full((30, 2), 0.21), np.full((30, 2), 0.79)].astype(np.float32)
    kept = select_rows(pool, Logit(0.0), real, labels, 1, 30, majority_filter=5, seed=0)
    assert (kept[:, 0] < 0.5).all()  # every row near the minority, none the majority claims
    kept = select_rows(pool, Logit(0.0), real, labels, 1, 40, majority_filter=5, seed=0)
    assert (kept[:, 0] < 0.5).sum() == 30 and (kept[:, 0] > 0.5).sum() == 10


def flagged(seed=0):
    """``blobs`` with a 0/1 flag (the minority holds both values), a code column taking 0, 0.5, 1 (the minority
    only 0.5) and a column constant over every row."""
    X, y = blobs(seed)
    rng = np.random.default_rng(seed + 1)
    flag = (rng.random(len(y)) < 0.4).astype(float)
    code = np.where(y == 1, 0.5, rng.choice([0.0, 0.5, 1.0], len(y)))
    return np.c_[X, flag, code, np.full(len(y), 0.25)], y


def test_snapping_puts_every_discrete_value_on_one_the_class_holds_and_leaves_the_others_alone(tmp_path):
    from smotified_gan.core.samplers import load_sampler, save_sampler

    X, y = flagged()
    settings = dict(random_state=0, residual=True, architecture="paper", learning_rate=1e-3, epochs=100, log_every=0,
                    device="cpu", identity_penalty=3.0)
    loose = np.asarray(SMOTifiedGAN(**settings).fit_resample(X, y)[0])[len(X):]
    sampler = SMOTifiedGAN(**settings, snap_discrete=3)
    rows = np.asarray(sampler.fit_resample(X, y)[0])[len(X):]
    assert rows.shape == (270, 6)
    # without snapping the generator moves discrete values (a little) off the values real rows hold
    assert not np.isin(loose[:, 3], [0.0, 1.0]).all()
    assert not (loose[:, 4] == 0.5).all() and not (loose[:, 5] == 0.25).all()
    assert set(np.unique(rows[:, 3])) <= {0.0, 1.0} and len(np.unique(rows[:, 3])) == 2
    assert np.all(rows[:, 4] == 0.5) and np.all(rows[:, 5] == 0.25)  # the class's only code; the constant
    np.testing.assert_array_equal(rows[:, :3], loose[:, :3])  # continuous columns: the same rows as without
    assert sampler.supports_[1].keys() == {3, 4, 5}
    # the saved sampler snaps what it refines in production
    save_sampler(sampler, tmp_path / "sampler.pt")
    again = load_sampler(tmp_path / "sampler.pt").refine(sampler.first_phase_rows_[1], label=1)
    np.testing.assert_array_equal(again, rows)


def test_snap_moves_each_value_to_the_nearest_of_its_columns_values():
    from smotified_gan.core.samplers.refine import discrete_supports, snap

    X = np.array([[0.0, 0.1], [1.0, 0.2], [0.0, 0.3], [1.0, 0.4]], dtype=np.float32)
    supports = discrete_supports(X, np.array([1, 1, 0, 0]), 1, max_values=2)
    assert list(supports) == [0]
    rows = np.array([[0.49, 0.15], [0.51, 0.9], [-0.2, 0.0], [1.7, 0.5]], dtype=np.float32)
    expected = np.array([[0.0, 0.15], [1.0, 0.9], [0.0, 0.0], [1.0, 0.5]], dtype=np.float32)
    np.testing.assert_array_equal(snap(rows, supports), expected)
    assert discrete_supports(X, np.array([1, 1, 0, 0]), 1, max_values=0) == {}


def test_early_stopping_scores_the_snapped_rows_the_sampler_will_return(monkeypatch):
    import smotified_gan.core.samplers.refine as refine

    # a 0/1 flag the minority always holds; the generator's rows sit at flag 0, among the majority
    rng = np.random.default_rng(0)
    X_fit = np.c_[np.r_[np.zeros(200), np.ones(20)], rng.uniform(0, 1, 220)].astype(np.float32)
    y_fit = np.r_[np.zeros(200, int), np.ones(20, int)]
    X_val = np.c_[np.r_[np.zeros(100), np.ones(10)], rng.uniform(0, 1, 110)].astype(np.float32)
    y_val = np.r_[np.zeros(100, int), np.ones(10, int)]
    inputs = np.c_[np.zeros(300), rng.uniform(0, 1, 300)].astype(np.float32)
    supports = refine.RowTypes.untyped(2, refine.discrete_supports(X_fit, y_fit, 1, max_values=2))
    loose = refine.validation_f1(X_fit, y_fit, X_val, y_val, 1, inputs, "cpu")(torch.nn.Identity())
    snapped = refine.validation_f1(X_fit, y_fit, X_val, y_val, 1, inputs, "cpu", supports)(torch.nn.Identity())
    # unsnapped, rows at flag 0 labelled minority make the quick classifier call every row minority
    assert snapped == 1.0 and loose < 0.3, (snapped, loose)
    # the sampler hands its supports to the score
    seen = []
    real = refine.validation_f1
    monkeypatch.setattr(refine, "validation_f1", lambda *args: seen.append(args[-1]) or real(*args))
    X, y = flagged()
    SMOTifiedGAN(random_state=0, residual=True, architecture="paper", epochs=10, log_every=0, device="cpu",
                 early_stopping=True, validation_every=5, snap_discrete=3).fit_resample(X, y)
    assert [sorted(s.grids) for s in seen] == [[3, 4, 5]]
