"""Several GANs trained as one stack give each member what training it alone gives."""

import numpy as np
import pytest
import torch
from torch import nn

from smotified_gan import SMOTifiedGAN
from smotified_gan.core.samplers import GANOverSampler, fit_resample_many, load_sampler, save_sampler
from smotified_gan.core.samplers.gan import GANConfig, train_gans
from smotified_gan.core.samplers.networks import ResidualRefiner, build_discriminator, build_generator, stack

FAST = {"log_every": 0, "architecture": "paper"}


def problems(count=3, n_major=80, n_minor=14, d=4):
    out = []
    for seed in range(count):
        rng = np.random.default_rng(seed)
        X = np.r_[rng.uniform(0, 0.6, (n_major, d)), rng.uniform(0.4, 1, (n_minor, d))]
        out.append((X, np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]))
    return out


@pytest.mark.parametrize("make", [
    lambda: build_generator(5, 3, (16, 8), batch_norm=True),
    lambda: build_discriminator(3, (16, 8)),
    lambda: ResidualRefiner(3, (16, 8)),
])
def test_a_stack_computes_what_each_member_computes_in_train_and_eval_mode(make):
    torch.manual_seed(0)
    members = [make() for _ in range(3)]
    if isinstance(members[0], ResidualRefiner):  # zero-initialised: give the correction something to do
        for member in members:
            nn.init.normal_(member.correction[-1].weight)
    stacked = stack(members)
    x = torch.rand(3, 10, members[0].correction[0].in_features if isinstance(members[0], ResidualRefiner)
                   else next(members[0].parameters()).shape[1])
    for mode in (True, False):
        stacked.train(mode)
        for member in members:
            member.train(mode)
        out = stacked(x)
        for i, member in enumerate(members):
            torch.testing.assert_close(out[i], member(x[i]), rtol=1e-5, atol=1e-6)
    # running statistics were updated per member, and go back into the members
    copies = [make() for _ in range(3)]
    stacked.unstack_into(copies)
    for member, copy in zip(members, copies):
        for a, b in zip(member.state_dict().values(), copy.state_dict().values()):
            torch.testing.assert_close(a, b)


def test_stacked_gans_match_gans_trained_one_by_one():
    config = GANConfig(architecture="code", epochs=3, log_every=0, batch_size=8)
    data = [(X[y == 1].astype(np.float32), X[y == 0][:30].astype(np.float32)) for X, y in problems()]
    together = train_gans([r for r, _ in data], [s for _, s in data], config, [11, 12, 13])
    for (real, source), seed, trained in zip(data, [11, 12, 13], together):
        (alone,) = train_gans([real], [source], config, [seed])
        for a, b in zip(alone.generator.state_dict().values(), trained.generator.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)  # the same up to rounding
        assert [row["epoch"] for row in trained.history] == [1, 2, 3]


def test_stacked_gans_need_one_shape():
    config = GANConfig(epochs=1, log_every=0)
    with pytest.raises(ValueError, match="same shapes"):
        train_gans([np.zeros((5, 3), np.float32), np.zeros((6, 3), np.float32)], [None, None], config, [0, 1])


@pytest.mark.parametrize("sampler_class", [SMOTifiedGAN, GANOverSampler])
def test_fit_resample_many_gives_each_sampler_its_own_fit(sampler_class):
    data = problems()
    alone = [sampler_class(random_state=seed, epochs=4, **FAST).fit_resample(X, y) for seed, (X, y) in enumerate(data)]
    samplers = [sampler_class(random_state=seed, epochs=4, **FAST) for seed in range(len(data))]
    together = fit_resample_many(samplers, data)
    for (X_a, y_a), (X_t, y_t), sampler in zip(alone, together, samplers):
        np.testing.assert_array_equal(y_a, y_t)
        np.testing.assert_allclose(X_a, X_t, atol=1e-5)
        assert set(sampler.generators_) == {1} and len(sampler.history_) == 4


def test_fit_resample_many_with_a_single_sampler_is_fit_resample_exactly():
    (X, y), = problems(1)
    expected = SMOTifiedGAN(random_state=3, epochs=5, **FAST).fit_resample(X, y)
    (got,) = fit_resample_many([SMOTifiedGAN(random_state=3, epochs=5, **FAST)], [(X, y)])
    np.testing.assert_array_equal(expected[0], got[0])


def test_fit_resample_many_refuses_mixed_settings():
    data = problems(2)
    with pytest.raises(ValueError, match="same GAN settings"):
        fit_resample_many([SMOTifiedGAN(epochs=2, **FAST), SMOTifiedGAN(epochs=3, **FAST)], data)


def test_a_file_of_repeats_round_trips(tmp_path):
    data = problems(2)
    samplers = [SMOTifiedGAN(random_state=seed, epochs=2, **FAST) for seed in range(2)]
    fit_resample_many(samplers, data)
    save_sampler(samplers, tmp_path / "sampler.pt")
    loaded = load_sampler(tmp_path / "sampler.pt")
    assert len(loaded) == 2
    rows = np.full((4, 4), 0.5, np.float32)
    for original, copy in zip(samplers, loaded):
        np.testing.assert_array_equal(original.refine(rows), copy.refine(rows))
    assert not np.array_equal(loaded[0].refine(rows), loaded[1].refine(rows))


def test_generator_input_all_feeds_every_first_phase_row_each_step(monkeypatch):
    import smotified_gan.core.samplers.gan as gan

    sizes = []
    original = gan.discriminator_step

    def spy(nets, real, fake, *penalty):
        sizes.append((real.shape[1], fake.shape[1]))
        return original(nets, real, fake, *penalty)

    monkeypatch.setattr(gan, "discriminator_step", spy)
    (X, y), = problems(1, n_major=80, n_minor=14)
    SMOTifiedGAN(random_state=0, epochs=2, batch_size=8, generator_input="all", **FAST).fit_resample(X, y)
    # 14 real rows in batches of 8 and 6; the generator gets all 66 first-phase rows every step
    assert sizes == [(8, 66), (6, 66)] * 2
    sizes.clear()
    SMOTifiedGAN(random_state=0, epochs=2, batch_size=8, generator_input="batch", **FAST).fit_resample(X, y)
    assert sizes == [(8, 8), (6, 6)] * 2


def test_the_gradient_penalty_is_r1_per_member_on_its_real_rows():
    """R1: gamma / 2 * mean over a member's real rows of ||grad_x D(x)||^2, each member from its own D; the
    discriminator step's loss is the plain loss plus exactly that."""
    import torch

    from smotified_gan.core.samplers import gan
    from smotified_gan.core.samplers.networks import build_discriminator

    torch.manual_seed(0)
    members = [build_discriminator(3, (8,)) for _ in range(2)]
    real, fake = torch.rand(2, 6, 3), torch.rand(2, 6, 3)

    def loss_of(penalty: float) -> torch.Tensor:
        discriminator = stack(members)
        nets = gan._Networks(torch.nn.Identity(), discriminator, torch.optim.SGD([torch.zeros(1)], lr=0.0),
                             torch.optim.SGD(discriminator.parameters(), lr=0.0))
        return gan.discriminator_step(nets, real, fake, penalty)[:, 0]

    expected = []
    for member, network in enumerate(members):
        x = real[member].clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(network(x).sum(), x)
        expected.append(5.0 * grad.square().sum(dim=1).mean())
    torch.testing.assert_close(loss_of(10.0) - loss_of(0.0), torch.stack(expected))
    assert torch.all(loss_of(10.0) > loss_of(0.0))
