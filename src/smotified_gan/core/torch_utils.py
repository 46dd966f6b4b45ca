"""Torch helpers shared by the GAN and the classifier: the device to run on and the optimiser."""

from __future__ import annotations

import torch

from smotified_gan.core.samplers.settings import DEVICES

# "auto": bfloat16 where the device computes it natively (native_bfloat16), float32 elsewhere
PRECISIONS = ("auto", "float32", "bfloat16")


def resolve_device(name: str) -> torch.device:
    """``auto`` is CUDA when present, else the CPU; ``cuda`` without CUDA is an error that says so."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name not in DEVICES and not name.startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'auto', got {name!r}")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} was asked for but CUDA is not available; use 'auto' or 'cpu'")
    return torch.device(name)


def adam(parameters, learning_rate: float, betas=(0.9, 0.999)) -> torch.optim.Adam:
    """Adam with the fused kernel (about twice as fast per step on the CPU for these small networks)."""
    parameters = list(parameters)
    try:
        return torch.optim.Adam(parameters, lr=learning_rate, betas=tuple(betas), fused=True)
    except (RuntimeError, TypeError):  # a device or build without the fused kernel
        return torch.optim.Adam(parameters, lr=learning_rate, betas=tuple(betas), foreach=True)


def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` computes bfloat16 matrix products in hardware: a CUDA GPU that supports it, or a CPU with
    AVX512-BF16 or AMX. Elsewhere bfloat16 is emulated: a CPU with AVX2 only (this project's 2-core machine, an AMD
    EPYC) ran the classifier's stacked step 8x slower in bfloat16 than in float32."""
    if device.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if device.type == "cpu":
        cpu = torch.cpu
        return any(getattr(cpu, check, lambda: False)() for check in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))
    return False


def resolve_precision(device: torch.device, precision: str) -> str:
    """``auto`` as ``bfloat16`` where the device computes it natively, else ``float32``; the others as they are."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return "bfloat16" if native_bfloat16(device) else "float32"
    return precision


def autocast(device: torch.device, precision: str):
    """The context the forward passes run in: ``float32`` as written, or ``bfloat16`` mixed precision (``auto``:
    ``resolve_precision``).

    ``bfloat16``: matrix products in bfloat16 (about 1.5-3x faster on a CPU
    with AVX512-BF16 and on recent GPUs, several times slower where it is
    emulated), weights, optimiser state, losses and normalisation statistics in
    float32.
    """
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=resolve_precision(device, precision) == "bfloat16")
