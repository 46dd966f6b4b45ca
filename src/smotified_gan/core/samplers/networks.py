"""Generator and discriminator networks.

``stack`` turns several same-shaped networks into one that trains them all at once
(``core.stacking``: batched matrix products, the classifier's runs too).

Defaults follow the authors' code: a generator of four Linear -> BatchNorm1d ->
ReLU blocks (128, 256, 512, 1024) with a sigmoid output, and a discriminator of
Linear -> LeakyReLU(0.2) blocks (512, 256, 128) ending in one logit. The
``paper`` preset is the paper text's reading: three hidden layers of 128 in the
generator, one linear + leaky-ReLU layer in the discriminator.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from smotified_gan.core.stacking import StackedSequential

ARCHITECTURES = {
    "code": {"generator_layers": (128, 256, 512, 1024), "generator_batch_norm": True, "discriminator_layers": (512, 256, 128)},
    "paper": {"generator_layers": (128, 128, 128), "generator_batch_norm": False, "discriminator_layers": (128,)},
}
OUTPUT_ACTIVATIONS = ("sigmoid", "identity")


def build_generator(input_dim: int, output_dim: int, hidden: Sequence[int], batch_norm: bool = True,
                    output_activation: str = "sigmoid") -> nn.Sequential:
    layers: list[nn.Module] = []
    width = input_dim
    for size in hidden:
        layers.append(nn.Linear(width, size))
        if batch_norm:
            layers.append(nn.BatchNorm1d(size))
        layers.append(nn.ReLU())
        width = size
    layers.append(nn.Linear(width, output_dim))
    if output_activation == "sigmoid":
        layers.append(nn.Sigmoid())
    elif output_activation != "identity":
        raise ValueError(f"output_activation must be one of {OUTPUT_ACTIVATIONS}, got {output_activation!r}")
    return nn.Sequential(*layers)


def build_discriminator(input_dim: int, hidden: Sequence[int], leaky_slope: float = 0.2) -> nn.Sequential:
    layers: list[nn.Module] = []
    width = input_dim
    for size in hidden:
        layers += [nn.Linear(width, size), nn.LeakyReLU(leaky_slope)]
        width = size
    layers.append(nn.Linear(width, 1))  # a logit: the loss is BCE on logits
    return nn.Sequential(*layers)


class ResidualRefiner(nn.Module):
    """A generator that starts as the identity and learns a correction to its input rows.

    ``G(u) = sigmoid(logit(u) + f(u))`` (or ``u + f(u)`` without the sigmoid),
    with ``f``'s last layer initialised to zero. An option of this project, not
    of the paper: the paper's generator maps SMOTE rows through a freshly
    initialised network, which on small minorities tends to collapse.
    """

    def __init__(self, width: int, hidden: Sequence[int], batch_norm: bool = True, output_activation: str = "sigmoid"):
        super().__init__()
        self.correction = build_generator(width, width, hidden, batch_norm, "identity")
        nn.init.zeros_(self.correction[-1].weight)
        nn.init.zeros_(self.correction[-1].bias)
        self.output_activation = output_activation

    def forward(self, u: torch.Tensor) -> torch.Tensor:
        if self.output_activation == "sigmoid":
            return torch.sigmoid(torch.logit(u.clamp(1e-4, 1 - 1e-4)) + self.correction(u))
        return u + self.correction(u)


# -- the refiner stacked (the layers' stacks: ``core.stacking``) ------------------------------------------


class StackedResidualRefiner(nn.Module):
    """``ResidualRefiner`` networks stacked: the corrections are stacked, the identity path is shared."""

    def __init__(self, refiners: Sequence[ResidualRefiner]):
        super().__init__()
        self.correction = StackedSequential([refiner.correction for refiner in refiners])
        self.output_activation = refiners[0].output_activation

    forward = ResidualRefiner.forward

    def unstack_into(self, refiners: Sequence[ResidualRefiner]) -> None:
        self.correction.unstack_into([refiner.correction for refiner in refiners])


def stack(networks: Sequence[nn.Module]) -> nn.Module:
    """One module that runs every network of ``networks`` on its own slice of a (members, rows, features) input."""
    if isinstance(networks[0], ResidualRefiner):
        return StackedResidualRefiner(networks)
    return StackedSequential(networks)
