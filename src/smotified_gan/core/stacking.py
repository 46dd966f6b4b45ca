"""Several independent networks of one shape trained as one: a stacked layer is ``members`` layers whose weights
lie in one (members, in, out) tensor, applied to (members, rows, in) inputs as one batched matrix product.

The GANs' networks (``samplers.networks.stack``: ``StackedSequential`` over ``nn.Linear`` and ``nn.BatchNorm1d``
layers, unstacked again after training) and the classifier's runs (``StackedMLP``: created stacked, pickled as it
is in a registered model) both run on ``batched_linear``. Adam works element by element and members share no
weights, so a stack trains each member as if alone.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import torch
from torch import nn


def batched_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``members`` linear layers at once: x (members, rows, in) @ weight (members, in, out) + bias (members, 1, out)."""
    return torch.baddbmm(bias, x, weight)


class StackedLinear(nn.Module):
    """``members`` independent ``nn.Linear`` layers as one batched product: (members, rows, in) -> (members, rows, out)."""

    def __init__(self, layers: Sequence[nn.Linear]):
        super().__init__()
        self.weight = nn.Parameter(torch.stack([layer.weight.detach().T for layer in layers]).contiguous())
        self.bias = nn.Parameter(torch.stack([layer.bias.detach() for layer in layers]).unsqueeze(1).contiguous())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return batched_linear(x, self.weight, self.bias)

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


class StackedMLP(nn.Module):
    """``runs`` independent MLPs evaluated with batched matrix products: (runs, rows, d) -> (runs, rows)."""

    def __init__(self, n_features: int, hidden: tuple[int, ...], seeds: list[int]):
        super().__init__()
        widths = [n_features, *hidden, 1]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for fan_in, fan_out in zip(widths[:-1], widths[1:]):
            stacked = []
            for seed in seeds:
                generator = torch.Generator().manual_seed(int(seed) * 7919 + fan_in * 31 + fan_out)
                weight = torch.empty(fan_in, fan_out)
                bound = math.sqrt(6.0 / (fan_in + fan_out))  # Glorot uniform, as Keras' Dense
                weight.uniform_(-bound, bound, generator=generator)
                stacked.append(weight)
            self.weights.append(nn.Parameter(torch.stack(stacked)))
            self.biases.append(nn.Parameter(torch.zeros(len(seeds), 1, fan_out)))

    def forward(self, X: torch.Tensor, members: torch.Tensor | None = None) -> torch.Tensor:
        """``X`` is (members, rows, d); ``members`` picks which runs to evaluate (all by default)."""
        hidden = X
        last = len(self.weights) - 1
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            if members is not None:
                weight, bias = weight[members], bias[members]
            hidden = batched_linear(hidden, weight, bias)
            if i < last:
                hidden = torch.relu(hidden)
        return hidden.squeeze(-1)
