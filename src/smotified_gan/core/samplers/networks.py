"""Generator and discriminator networks.

``stack`` turns several same-shaped networks into one that trains them all at once
(batched matrix products), as the classifier does with its runs.

Defaults follow the authors' code: a generator of four Linear -> BatchNorm1d ->
ReLU blocks (128, 256, 512, 1024) with a sigmoid output, and a discriminator of
Linear -> LeakyReLU(0.2) blocks (512, 256, 128) ending in one logit. The
``paper`` preset is the paper text's reading: three hidden layers of 128 in the
generator, one linear + leaky-ReLU layer in the discriminator.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

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


# -- stacks: several independent networks of the same shape trained as one ----------------------------


class StackedLinear(nn.Module):
    """``members`` independent ``nn.Linear`` layers as one batched product: (members, rows, in) -> (members, rows, out)."""

    def __init__(self, layers: Sequence[nn.Linear]):
        super().__init__()
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().T for layer in layers]).contiguous())
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1).contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)

    @torch.no_grad()
    def unstack_into(self, layers: Sequence[nn.Linear]) -> None:
        for member, layer in enumerate(layers):
            layer.weight.copy_(self.weight[member].T)
            layer.bias.copy_(self.bias[member, 0])


class StackedBatchNorm1d(nn.Module):
    """``members`` independent ``nn.BatchNorm1d`` layers, each normalising over its own rows with its own statistics."""

    def __init__(self, layers: Sequence[nn.BatchNorm1d]):
        super().__init__()
        first = layers[0]
        self.eps, self.momentum = first.eps, first.momentum
        self.weight = nn.Parameter(torch.stack([layer.weight.detach() for layer in layers]).unsqueeze(1).contiguous())
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1).contiguous())
        self.register_buffer("running_mean", torch.stack([layer.running_mean for layer in layers]).unsqueeze(1).clone())
        self.register_buffer("running_var", torch.stack([layer.running_var for layer in layers]).unsqueeze(1).clone())
        self.register_buffer("num_batches_tracked", torch.stack([layer.num_batches_tracked for layer in layers]).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.float()  # statistics in float32, also under bfloat16 mixed precision
        if self.training:
            mean = x.mean(dim=1, keepdim=True)
            var = (x - mean).square().mean(dim=1, keepdim=True)  # biased, as BatchNorm normalises
            with torch.no_grad():  # as nn.BatchNorm1d: the running variance is the unbiased one
                rows = x.shape[1]
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * var * rows / max(rows - 1, 1))
                self.num_batches_tracked.add_(1)
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) * torch.rsqrt(var + self.eps) * self.weight + self.bias

    @torch.no_grad()
    def unstack_into(self, layers: Sequence[nn.BatchNorm1d]) -> None:
        for member, layer in enumerate(layers):
            layer.weight.copy_(self.weight[member, 0])
            layer.bias.copy_(self.bias[member, 0])
            layer.running_mean.copy_(self.running_mean[member, 0])
            layer.running_var.copy_(self.running_var[member, 0])
            layer.num_batches_tracked.copy_(self.num_batches_tracked[member])


class StackedSequential(nn.Sequential):
    """Same-shaped ``nn.Sequential`` networks stacked layer by layer (element-wise layers are shared: they hold no weights)."""

    def __init__(self, networks: Sequence[nn.Sequential]):
        layers = []
        for members in zip(*[list(network) for network in networks]):
            if isinstance(members[0], nn.Linear):
                layers.append(StackedLinear(members))
            elif isinstance(members[0], nn.BatchNorm1d):
                layers.append(StackedBatchNorm1d(members))
            elif any(True for _ in members[0].parameters()):
                raise TypeError(f"cannot stack layer {type(members[0]).__name__}")
            else:
                layers.append(copy.deepcopy(members[0]))
        super().__init__(*layers)

    def unstack_into(self, networks: Sequence[nn.Sequential]) -> None:
        for stacked, members in zip(self, zip(*[list(network) for network in networks])):
            if hasattr(stacked, "unstack_into"):
                stacked.unstack_into(members)


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
