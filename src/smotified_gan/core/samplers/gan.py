"""The GAN training loop, shared by the plain GAN and SMOTified-GAN.

Generator input per step is a mini-batch: Gaussian noise for the plain GAN, or
rows drawn from the first phase's synthetic rows for SMOTified-GAN; with
``generator_input="all"``, every first-phase row at every step (the authors'
loop, O(N_synthetic) per step). The discriminator sees real minority rows
versus G(input). A step is ``d_steps`` discriminator steps then one generator
step; BCE on logits. ``train_gans`` trains several independent GANs as one
stack of networks; ``train_gan`` is the one-GAN case.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

import numpy as np
import torch
from pydantic import Field
from torch import nn

from smotified_gan.core.progress import Progress
from smotified_gan.core.samplers.networks import ARCHITECTURES, ResidualRefiner, build_discriminator, build_generator, stack
from smotified_gan.core.samplers.settings import GANSettings
from smotified_gan.core.torch_utils import adam, autocast, resolve_device

logger = logging.getLogger(__name__)
_BCE = nn.BCEWithLogitsLoss(reduction="none")


class GANConfig(GANSettings):
    """Every knob of the training loop: the GAN settings (declared in ``samplers.settings``) and the epochs."""

    epochs: Annotated[int, Field(ge=1)] = 100

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
    discriminator: nn.Module | None = None  # what rejection sampling ranks rows with (not saved with the sampler)
    row_types: object = None  # the RowTypes its generated rows are put on (samplers.row_types), or None


@dataclass
class _Networks:
    """The generators and discriminators of every member, stacked, with one Adam per stack."""

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


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    """BCE on logits per member: (members, rows, 1) -> (members,)."""
    logits = logits.float()
    return _BCE(logits, torch.full_like(logits, target)).mean(dim=(1, 2))


def discriminator_step(nets: _Networks, real: torch.Tensor, fake: torch.Tensor,
                       gradient_penalty: float = 0.0) -> torch.Tensor:
    """One update of every member's D on its real rows (label 1) vs its generated rows (label 0).

    Inputs are (members, rows, features). Returns (members, 3): loss, mean D(real), mean D(fake), detached. With
    ``gradient_penalty`` (gamma > 0), each member's loss adds the R1 penalty ``gamma / 2 * mean ||grad_x D(x)||^2``
    over its real rows.
    """
    if gradient_penalty:
        real = real.detach().requires_grad_(True)
    # one forward over real and generated rows together (D has no batch statistics: the same as two)
    d_both = nets.discriminator(torch.cat([real, fake.detach().to(real.dtype)], dim=1))
    d_real, d_fake = d_both[:, :real.shape[1]], d_both[:, real.shape[1]:]
    loss = 0.5 * (_bce(d_real, 1.0) + _bce(d_fake, 0.0))
    if gradient_penalty:
        (grad,) = torch.autograd.grad(d_real.float().sum(), real, create_graph=True)  # members share no weights
        loss = loss + 0.5 * gradient_penalty * grad.float().square().sum(dim=2).mean(dim=1)
    nets.opt_d.zero_grad(set_to_none=True)
    loss.sum().backward()  # members share no weights: each gets the gradient of its own loss
    nets.opt_d.step()
    return torch.stack([loss, torch.sigmoid(d_real.float()).mean(dim=(1, 2)),
                        torch.sigmoid(d_fake.float()).mean(dim=(1, 2))], 1).detach()


def generator_step(nets: _Networks, fake: torch.Tensor, inputs: torch.Tensor | None = None,
                   identity_penalty: float = 0.0) -> torch.Tensor:
    """One update of every member's G so that its D takes its rows for real; returns the (members,) losses.

    With ``identity_penalty`` > 0 (refining rows), ``penalty * mean ||G(u) - u||^2`` is added to the loss.
    """
    loss = _bce(nets.discriminator(fake), 1.0)
    if identity_penalty and inputs is not None:
        loss = loss + identity_penalty * (fake.float() - inputs.float()).square().sum(dim=2).mean(dim=1)
    nets.opt_g.zero_grad(set_to_none=True)
    loss.sum().backward()
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


def _build_member(config: GANConfig, input_dim: int, n_features: int, refining: bool, seed: int
                  ) -> tuple[nn.Module, nn.Module]:
    """One member's generator and discriminator, initialised from ``seed`` alone."""
    _, _, d_layers = config.layers()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator = make_generator(config, input_dim, n_features, refining)
        discriminator = build_discriminator(n_features, d_layers, config.leaky_slope)
    return generator, discriminator


def _stack_networks(members: list[tuple[nn.Module, nn.Module]], config: GANConfig, device: torch.device) -> _Networks:
    generator = stack([g for g, _ in members]).to(device)
    discriminator = stack([d for _, d in members]).to(device)
    return _Networks(generator, discriminator, adam(generator.parameters(), config.learning_rate, config.betas),
                     adam(discriminator.parameters(), config.learning_rate, config.betas))


def _train_epoch(nets: _Networks, real: torch.Tensor, next_input: Callable[[int], torch.Tensor],
                 config: GANConfig, order: torch.Tensor, input_rows: int | None) -> np.ndarray:
    """One pass over every member's real rows; returns per member the means of G loss, D loss, D(real), D(fake).

    ``real`` is (members, rows, features) and ``order`` (members, rows) each
    member's own batch order. The generator gets ``input_rows`` rows per step
    (every first-phase row: the authors' loop), or as many as the real batch.
    """
    nets.generator.train()
    members = torch.arange(real.shape[0], device=real.device)[:, None]
    sums, steps = torch.zeros(real.shape[0], 4, device=real.device), 0
    for start in range(0, real.shape[1], config.batch_size):
        real_batch = real[members, order[:, start:start + config.batch_size]]
        size = max(2, input_rows or real_batch.shape[1])  # BatchNorm needs two rows
        with autocast(real.device, config.precision):
            for _ in range(config.d_steps):
                # the last D step's rows are reused for the G step (one G forward per step)
                inputs = next_input(size)
                fake = nets.generator(inputs)
                d_stats = discriminator_step(nets, real_batch, fake, config.gradient_penalty)
            g_loss = generator_step(nets, fake, inputs, config.identity_penalty)
        sums += torch.cat([g_loss[:, None], d_stats], dim=1)
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
    return train_gans([real], [source], config, [seed], [validate], [label], keep_best)[0]


class _Inputs:
    """What each member's generator is fed per step: Gaussian noise, or rows drawn from its first-phase rows."""

    def __init__(self, sources: Sequence[np.ndarray | None], config: GANConfig, n_features: int, seeds: Sequence[int],
                 device: torch.device):
        self.refining = sources[0] is not None
        self.width = sources[0].shape[1] if self.refining else (config.noise_dim or n_features)
        self.draws = [torch.Generator().manual_seed(seed + 1) for seed in seeds]
        self.device = device
        self.source = (torch.as_tensor(np.stack([np.asarray(s, dtype=np.float32) for s in sources]), device=device)
                       if self.refining else None)
        self.every_row = self.refining and config.generator_input == "all"
        self.pick = torch.arange(len(seeds), device=device)[:, None]

    @property
    def rows_per_step(self) -> int | None:
        """Every first-phase row at every step (the authors' loop), or None: as many as the real batch."""
        return self.source.shape[1] if self.every_row else None

    def __call__(self, size: int) -> torch.Tensor:
        if self.source is None:
            return torch.stack([torch.randn(size, self.width, generator=g) for g in self.draws]).to(self.device)
        if self.every_row:
            return self.source
        picks = torch.stack([torch.randint(self.source.shape[1], (size,), generator=g) for g in self.draws])
        return self.source[self.pick, picks.to(self.device)]


class _Progress:
    """Per member: its loss history, its early stopping, whether it still trains."""

    def __init__(self, config: GANConfig, keep_best: bool, validates: list, labels: list[str]):
        self.config, self.validates, self.labels = config, validates, labels
        self.histories: list[list[dict]] = [[] for _ in validates]
        self.stopping = [EarlyStopping(config.patience, keep_best) for _ in validates]
        self.running = [True] * len(validates)

    def checks(self, epoch: int) -> bool:
        """Whether this epoch's generators are scored on the validation rows."""
        return any(self.validates) and (epoch % self.config.validation_every == 0 or epoch == self.config.epochs)

    def record(self, epoch: int, stats: np.ndarray, generators: list[nn.Module]) -> None:
        checking = self.checks(epoch)
        for member, running in enumerate(self.running):
            if not running:
                continue
            g_loss, d_loss, d_real, d_fake = map(float, stats[member])
            row = {"epoch": epoch, "g_loss": g_loss, "d_loss": d_loss, "d_real": d_real, "d_fake": d_fake,
                   "val_f1": float("nan")}
            validate = self.validates[member]
            if checking and validate is not None:  # the F1 (higher is better) or a detection AUC (lower is)
                value = validate(generators[member])
                row[getattr(validate, "column", "val_f1")] = value
                self.stopping[member].update(epoch, value if getattr(validate, "higher_is_better", True) else -value,
                                             generators[member])
            self.histories[member].append(row)
            _log_epoch(self.config, self.labels[member], row)
            if self.stopping[member].should_stop:
                self.running[member] = False
                detection = getattr(validate, "column", "val_f1") == "val_detection_auc"
                logger.info("GAN (class %s): early stop at epoch %d, best validation %s %.4f at epoch %d",
                            self.labels[member], epoch, "detection AUC" if detection else "F1",
                            abs(self.stopping[member].best_score), self.stopping[member].best_epoch)

    def results(self, generators: list[nn.Module], input_dim: int, seconds: float) -> list[TrainedGenerator]:
        return [TrainedGenerator(generator=generator, input_dim=input_dim, history=history,
                                 best_epoch=stop.restore_best(generator), seconds=seconds)
                for generator, history, stop in zip(generators, self.histories, self.stopping)]


def train_gans(reals: Sequence[np.ndarray], sources: Sequence[np.ndarray | None], config: GANConfig,
               seeds: Sequence[int], validates: Sequence[Callable[[nn.Module], float] | None] | None = None,
               labels: Sequence[str] | None = None, keep_best: bool = True) -> list[TrainedGenerator]:
    """Train several independent GANs (``train_gan`` each) at once, as one stack of networks.

    Member ``i`` trains on ``reals[i]`` with input ``sources[i]`` and seed
    ``seeds[i]``: the same initial weights, batches and inputs as
    ``train_gan(reals[i], sources[i], config, seeds[i])``. All members must
    have the same shapes (the repeats of one experiment cell do). Each member
    stops early on its own: its best weights are kept and its history ends
    where it would have stopped; the stack trains on until every member has.
    """
    shapes = {(np.shape(r), None if s is None else np.shape(s)) for r, s in zip(reals, sources)}
    if len(shapes) != 1 or len(seeds) != len(reals):
        raise ValueError(f"stacked GANs need one seed per member and the same shapes, got {sorted(map(str, shapes))}")
    device = resolve_device(config.device)
    inputs = _Inputs(sources, config, reals[0].shape[1], seeds, device)
    built = [_build_member(config, inputs.width, reals[0].shape[1], inputs.refining, seed) for seed in seeds]
    nets = _stack_networks(built, config, device)
    generators = [g for g, _ in built]
    real_t = torch.as_tensor(np.stack([np.asarray(r, dtype=np.float32) for r in reals]), device=device)
    progress = _Progress(config, keep_best, list(validates or [None] * len(reals)), list(labels or [""] * len(reals)))
    alive = Progress(f"Training {len(seeds)} GAN(s) on {real_t.shape[1]:,} real rows each", config.epochs, "epochs",
                     logger)
    started = time.perf_counter()
    for epoch in range(1, config.epochs + 1):
        order = torch.stack([torch.randperm(real_t.shape[1], generator=g) for g in inputs.draws]).to(device)
        stats = _train_epoch(nets, real_t, inputs, config, order, inputs.rows_per_step)
        if progress.checks(epoch):
            nets.generator.unstack_into(generators)
        progress.record(epoch, stats, generators)
        alive.update(epoch)
        if not any(progress.running):
            break
    nets.generator.cpu().unstack_into(generators)
    discriminators = [d for _, d in built]
    nets.discriminator.cpu().unstack_into(discriminators)
    trained = progress.results(generators, inputs.width, time.perf_counter() - started)
    for member, discriminator in zip(trained, discriminators):
        member.generator.eval()
        member.discriminator = discriminator.eval()
    return trained


def _log_epoch(config: GANConfig, label: str, row: dict) -> None:
    epoch = row["epoch"]
    if config.log_every and (epoch % config.log_every == 0 or epoch == config.epochs):
        logger.info("GAN (class %s) epoch %d/%d: G loss %.4f, D loss %.4f, D(real) %.3f, D(fake) %.3f%s%s", label, epoch,
                    config.epochs, row["g_loss"], row["d_loss"], row["d_real"], row["d_fake"],
                    "" if math.isnan(row["val_f1"]) else f", validation F1 {row['val_f1']:.4f}",
                    "" if math.isnan(row.get("val_detection_auc", math.nan))
                    else f", validation detection AUC {row['val_detection_auc']:.4f}")


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
