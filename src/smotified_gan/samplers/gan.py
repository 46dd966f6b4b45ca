"""The GAN training loop, shared by the plain GAN and SMOTified-GAN.

Generator input per step is a mini-batch: Gaussian noise for the plain GAN, or
rows drawn from the first phase's synthetic rows for SMOTified-GAN. (The
authors pushed all synthetic rows through G at every step, which costs
O(N_synthetic) per step.) The discriminator sees real minority rows versus
G(input). A step is ``d_steps`` discriminator steps then one generator step;
BCE on logits.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from smotified_gan.samplers.networks import ARCHITECTURES, ResidualRefiner, build_discriminator, build_generator
from smotified_gan.torch_utils import adam, resolve_device

logger = logging.getLogger(__name__)
_BCE = nn.BCEWithLogitsLoss()


@dataclass
class GANConfig:
    """Every knob of the GAN; defaults are the authors' code."""

    architecture: str = "code"
    generator_layers: tuple[int, ...] | None = None
    generator_batch_norm: bool | None = None
    discriminator_layers: tuple[int, ...] | None = None
    leaky_slope: float = 0.2
    output_activation: str = "sigmoid"
    learning_rate: float = 1e-5
    betas: tuple[float, float] = (0.9, 0.999)
    batch_size: int = 128
    epochs: int = 100
    d_steps: int = 1
    noise_dim: int | None = None
    residual: bool = False
    device: str = "auto"
    log_every: int = 100
    validation_every: int = 10
    patience: int | None = None

    def layers(self) -> tuple[tuple[int, ...], bool, tuple[int, ...]]:
        preset = ARCHITECTURES[self.architecture]
        return (
            tuple(self.generator_layers or preset["generator_layers"]),
            preset["generator_batch_norm"] if self.generator_batch_norm is None else self.generator_batch_norm,
            tuple(self.discriminator_layers or preset["discriminator_layers"]),
        )


@dataclass
class TrainedGenerator:
    """A trained generator with what it was trained on and how it went."""

    generator: nn.Module
    input_dim: int
    history: list[dict] = field(default_factory=list)
    best_epoch: int | None = None
    seconds: float = 0.0


@dataclass
class _Networks:
    generator: nn.Module
    discriminator: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer


def make_generator(config: GANConfig, input_dim: int, n_features: int, refining: bool) -> nn.Module:
    g_layers, g_batch_norm, _ = config.layers()
    if config.residual:
        if not refining or input_dim != n_features:
            raise ValueError("residual=True refines input rows: it needs first-phase rows as the generator input")
        return ResidualRefiner(n_features, g_layers, g_batch_norm, config.output_activation)
    return build_generator(input_dim, n_features, g_layers, g_batch_norm, config.output_activation)


def discriminator_step(nets: _Networks, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """One update of D on real rows (label 1) vs generated rows (label 0).

    Returns (loss, mean D(real), mean D(fake)) as one detached tensor.
    """
    d_real, d_fake = nets.discriminator(real), nets.discriminator(fake.detach())
    loss = 0.5 * (_BCE(d_real, torch.ones_like(d_real)) + _BCE(d_fake, torch.zeros_like(d_fake)))
    nets.opt_d.zero_grad(set_to_none=True)
    loss.backward()
    nets.opt_d.step()
    return torch.stack([loss, torch.sigmoid(d_real).mean(), torch.sigmoid(d_fake).mean()]).detach()


def generator_step(nets: _Networks, fake: torch.Tensor) -> torch.Tensor:
    """One update of G so that D takes its rows for real; returns the detached loss."""
    d_gen = nets.discriminator(fake)
    loss = _BCE(d_gen, torch.ones_like(d_gen))
    nets.opt_g.zero_grad(set_to_none=True)
    loss.backward()
    nets.opt_g.step()
    return loss.detach()


class EarlyStopping:
    """Tracks the validation F1 of a generator: keeps the best weights, counts checks without a gain."""

    def __init__(self, patience: int | None, keep_best: bool):
        self.patience, self.keep_best = patience, keep_best
        self.best_score, self.best_epoch, self.best_state, self.checks_without_gain = -math.inf, None, None, 0

    def update(self, epoch: int, score: float, module: nn.Module) -> None:
        if score > self.best_score:
            self.best_score, self.best_epoch, self.checks_without_gain = score, epoch, 0
            if self.keep_best:
                self.best_state = copy.deepcopy(module.state_dict())
        else:
            self.checks_without_gain += 1

    @property
    def should_stop(self) -> bool:
        return self.keep_best and self.patience is not None and self.checks_without_gain >= self.patience

    def restore_best(self, module: nn.Module) -> int | None:
        """Load the best weights seen into ``module``; the epoch they come from (None when not keeping)."""
        if not self.keep_best:
            return None
        if self.best_state is not None:
            module.load_state_dict(self.best_state)
        return self.best_epoch


def _build(config: GANConfig, input_dim: int, n_features: int, refining: bool, seed: int,
           device: torch.device) -> _Networks:
    _, _, d_layers = config.layers()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator = make_generator(config, input_dim, n_features, refining).to(device)
        discriminator = build_discriminator(n_features, d_layers, config.leaky_slope).to(device)
    return _Networks(generator, discriminator, adam(generator.parameters(), config.learning_rate, config.betas),
                     adam(discriminator.parameters(), config.learning_rate, config.betas))


def _train_epoch(nets: _Networks, real: torch.Tensor, next_input: Callable[[int], torch.Tensor],
                 config: GANConfig, order: torch.Tensor) -> np.ndarray:
    """One pass over the real rows; returns the means of G loss, D loss, D(real), D(fake)."""
    nets.generator.train()
    sums, steps = torch.zeros(4, device=real.device), 0
    for start in range(0, len(real), config.batch_size):
        real_batch = real[order[start:start + config.batch_size]]
        size = max(2, len(real_batch))  # BatchNorm needs two rows
        for _ in range(config.d_steps):
            # the last D step's rows are reused for the G step (one G forward per step)
            fake = nets.generator(next_input(size))
            d_stats = discriminator_step(nets, real_batch, fake)
        sums += torch.cat([generator_step(nets, fake).reshape(1), d_stats])
        steps += 1
    return (sums / steps).cpu().numpy()


def train_gan(real: np.ndarray, source: np.ndarray | None, config: GANConfig, seed: int,
              validate: Callable[[nn.Module], float] | None = None, label: str = "",
              keep_best: bool = True) -> TrainedGenerator:
    """Train a generator against the ``real`` rows.

    ``source`` holds the generator's input rows (SMOTified-GAN); ``None`` means
    Gaussian noise of width ``config.noise_dim`` (plain GAN). With ``validate``
    (a generator -> validation F1 function) the F1 is recorded every
    ``validation_every`` epochs; with ``keep_best`` the best generator is kept
    and training stops after ``patience`` checks without a gain, otherwise the
    curve is only recorded and the last generator is returned.
    """
    device = resolve_device(config.device)
    n_features = real.shape[1]
    input_dim = source.shape[1] if source is not None else (config.noise_dim or n_features)
    nets = _build(config, input_dim, n_features, source is not None, seed, device)
    batches = torch.Generator().manual_seed(seed + 1)
    real_t = torch.as_tensor(np.array(real, dtype=np.float32), device=device)
    source_t = None if source is None else torch.as_tensor(np.array(source, dtype=np.float32), device=device)

    def next_input(size: int) -> torch.Tensor:
        if source_t is None:
            return torch.randn(size, input_dim, generator=batches).to(device)
        return source_t[torch.randint(len(source_t), (size,), generator=batches).to(device)]

    history: list[dict] = []
    stopping = EarlyStopping(config.patience, keep_best)
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        order = torch.randperm(len(real_t), generator=batches).to(device)
        g_loss, d_loss, d_real, d_fake = _train_epoch(nets, real_t, next_input, config, order)
        row = {"epoch": epoch, "g_loss": float(g_loss), "d_loss": float(d_loss), "d_real": float(d_real),
               "d_fake": float(d_fake), "val_f1": float("nan")}
        if validate is not None and (epoch % config.validation_every == 0 or epoch == config.epochs):
            row["val_f1"] = validate(nets.generator)
            stopping.update(epoch, row["val_f1"], nets.generator)
        history.append(row)
        _log_epoch(config, label, row)
        if stopping.should_stop:
            logger.info("GAN (class %s): early stop at epoch %d, best validation F1 %.4f at epoch %d", label, epoch,
                        stopping.best_score, stopping.best_epoch)
            break
    best_epoch = stopping.restore_best(nets.generator)
    return TrainedGenerator(generator=nets.generator.cpu().eval(), input_dim=input_dim, history=history,
                            best_epoch=best_epoch, seconds=time.perf_counter() - started)


def _log_epoch(config: GANConfig, label: str, row: dict) -> None:
    epoch = row["epoch"]
    if config.log_every and (epoch % config.log_every == 0 or epoch == config.epochs):
        logger.info("GAN (class %s) epoch %d/%d: G loss %.4f, D loss %.4f, D(real) %.3f, D(fake) %.3f%s", label, epoch,
                    config.epochs, row["g_loss"], row["d_loss"], row["d_real"], row["d_fake"],
                    "" if math.isnan(row["val_f1"]) else f", validation F1 {row['val_f1']:.4f}")


@torch.no_grad()
def generate(generator: nn.Module, inputs: np.ndarray, chunk_size: int = 8192, device: str = "auto",
             width: int | None = None) -> np.ndarray:
    """Run ``inputs`` through the generator in eval mode, in chunks of ``chunk_size`` rows.

    The generator is left as it was found: on its device, in its train/eval
    mode (the validation monitor calls this in the middle of training).
    ``width``: the output columns when ``inputs`` is empty.
    """
    target = resolve_device(device)
    parameter = next(generator.parameters(), None)
    home = parameter.device if parameter is not None else target
    was_training = generator.training
    generator.to(target).eval()
    try:
        outputs = []
        for start in range(0, len(inputs), chunk_size):
            batch = torch.as_tensor(np.array(inputs[start:start + chunk_size], dtype=np.float32), device=target)
            outputs.append(generator(batch).cpu().numpy())
    finally:
        generator.to(home).train(was_training)
    return np.concatenate(outputs) if outputs else np.empty((0, width or inputs.shape[-1]), dtype=np.float32)


def noise(n: int, width: int, seed: int) -> np.ndarray:
    """Gaussian generator input for the plain GAN, seeded."""
    return torch.randn(n, width, generator=torch.Generator().manual_seed(seed)).numpy()
