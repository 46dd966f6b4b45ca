"""The GAN training loop, shared by the plain GAN and SMOTified-GAN.

Generator input per step is a mini-batch: Gaussian noise for the plain GAN, or
rows drawn from the first phase's synthetic rows for SMOTified-GAN. (The
authors pushed all synthetic rows through G at every step, which costs
O(N_synthetic) per step.) The discriminator sees real minority rows versus
G(input). One D step then one G step per batch; BCE on logits.
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

logger = logging.getLogger(__name__)


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
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture must be one of {sorted(ARCHITECTURES)}, got {self.architecture!r}")
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


def make_generator(config: GANConfig, input_dim: int, n_features: int, refining: bool) -> nn.Module:
    g_layers, g_batch_norm, _ = config.layers()
    if config.residual:
        if not refining or input_dim != n_features:
            raise ValueError("residual=True refines input rows: it needs first-phase rows as the generator input")
        return ResidualRefiner(n_features, g_layers, g_batch_norm, config.output_activation)
    return build_generator(input_dim, n_features, g_layers, g_batch_norm, config.output_activation)


def adam(parameters, learning_rate: float, betas=(0.9, 0.999)) -> torch.optim.Adam:
    """Adam with the fused kernel (about twice as fast per step on the CPU for these small networks)."""
    parameters = list(parameters)
    try:
        return torch.optim.Adam(parameters, lr=learning_rate, betas=tuple(betas), fused=True)
    except (RuntimeError, TypeError):  # a device or build without the fused kernel
        return torch.optim.Adam(parameters, lr=learning_rate, betas=tuple(betas), foreach=True)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in ("cpu", "cuda") and not name.startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {name!r}")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for but CUDA is not available; use 'auto' or 'cpu'")
    return torch.device(name)


def train_gan(real: np.ndarray, source: np.ndarray | None, config: GANConfig, seed: int,
              validate: Callable[[nn.Module], float] | None = None, label: str = "",
              keep_best: bool = True) -> TrainedGenerator:
    """Train a generator against the ``real`` rows.

    ``source`` holds the generator's input rows (SMOTified-GAN); ``None`` means
    Gaussian noise of width ``config.noise_dim`` (plain GAN). With ``validate``
    (a generator -> validation F1 function) the best generator seen every
    ``validation_every`` epochs is kept, and training stops after ``patience``
    checks without improvement. With ``keep_best=False`` the validation F1 is
    only recorded (a monitoring curve) and the last generator is returned.
    """
    device = resolve_device(config.device)
    n_features = real.shape[1]
    input_dim = source.shape[1] if source is not None else (config.noise_dim or n_features)
    g_layers, g_batch_norm, d_layers = config.layers()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator = make_generator(config, input_dim, n_features, refining=source is not None).to(device)
        discriminator = build_discriminator(n_features, d_layers, config.leaky_slope).to(device)
    sampler = torch.Generator().manual_seed(seed + 1)
    real_t = torch.as_tensor(np.array(real, dtype=np.float32), device=device)
    source_t = torch.as_tensor(np.array(source, dtype=np.float32), device=device) if source is not None else None
    opt_g = adam(generator.parameters(), config.learning_rate, config.betas)
    opt_d = adam(discriminator.parameters(), config.learning_rate, config.betas)
    bce = nn.BCEWithLogitsLoss()

    def generator_input(size: int) -> torch.Tensor:
        if source_t is None:
            return torch.randn(size, input_dim, generator=sampler).to(device)
        return source_t[torch.randint(len(source_t), (size,), generator=sampler).to(device)]

    history: list[dict] = []
    best_f1, best_state, best_epoch, checks_without_gain = -math.inf, None, None, 0
    started = time.perf_counter()
    n_real = len(real_t)
    for epoch in range(1, config.epochs + 1):
        generator.train()
        sums = np.zeros(4)
        steps = 0
        order = torch.randperm(n_real, generator=sampler).to(device)
        for start in range(0, n_real, config.batch_size):
            real_batch = real_t[order[start:start + config.batch_size]]
            size = max(2, len(real_batch))  # BatchNorm needs two rows
            for d_step in range(config.d_steps):
                # the last D step's fake rows are reused for the G step (one G forward per step)
                fake = generator(generator_input(size))
                d_real, d_fake = discriminator(real_batch), discriminator(fake.detach())
                d_loss = 0.5 * (bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake)))
                opt_d.zero_grad(set_to_none=True)
                d_loss.backward()
                opt_d.step()
            d_gen = discriminator(fake)
            g_loss = bce(d_gen, torch.ones_like(d_gen))
            opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            opt_g.step()
            sums += [g_loss.item(), d_loss.item(), torch.sigmoid(d_real).mean().item(), torch.sigmoid(d_fake).mean().item()]
            steps += 1
        g_mean, d_mean, real_mean, fake_mean = sums / steps
        row = {"epoch": epoch, "g_loss": g_mean, "d_loss": d_mean, "d_real": real_mean, "d_fake": fake_mean,
               "val_f1": float("nan")}
        if validate is not None and (epoch % config.validation_every == 0 or epoch == config.epochs):
            row["val_f1"] = validate(generator)
            if row["val_f1"] > best_f1:
                best_f1, best_epoch, checks_without_gain = row["val_f1"], epoch, 0
                best_state = copy.deepcopy(generator.state_dict())
            else:
                checks_without_gain += 1
        history.append(row)
        if config.log_every and (epoch % config.log_every == 0 or epoch == config.epochs):
            logger.info("GAN (class %s) epoch %d/%d: G loss %.4f, D loss %.4f, D(real) %.3f, D(fake) %.3f%s", label, epoch,
                        config.epochs, g_mean, d_mean, real_mean, fake_mean,
                        "" if math.isnan(row["val_f1"]) else f", validation F1 {row['val_f1']:.4f}")
        if keep_best and config.patience is not None and validate is not None and checks_without_gain >= config.patience:
            logger.info("GAN (class %s): early stop at epoch %d, best validation F1 %.4f at epoch %d", label, epoch, best_f1, best_epoch)
            break
    if best_state is not None and keep_best:
        generator.load_state_dict(best_state)
    return TrainedGenerator(generator=generator.cpu().eval(), input_dim=input_dim, history=history,
                            best_epoch=best_epoch if keep_best else None, seconds=time.perf_counter() - started)


@torch.no_grad()
def generate(generator: nn.Module, inputs: np.ndarray, chunk_size: int = 8192, device: str = "auto",
             width: int | None = None) -> np.ndarray:
    """Run ``inputs`` through the generator once, in chunks, in eval mode (``width``: output columns if empty)."""
    target = resolve_device(device)
    generator = generator.to(target).eval()
    outputs = []
    for start in range(0, len(inputs), chunk_size):
        batch = torch.as_tensor(np.array(inputs[start:start + chunk_size], dtype=np.float32), device=target)
        outputs.append(generator(batch).cpu().numpy())
    generator.cpu()
    return np.concatenate(outputs) if outputs else np.empty((0, width or inputs.shape[-1]), dtype=np.float32)


def noise(n: int, width: int, seed: int) -> np.ndarray:
    """Gaussian generator input for the plain GAN, seeded."""
    return torch.randn(n, width, generator=torch.Generator().manual_seed(seed)).numpy()
