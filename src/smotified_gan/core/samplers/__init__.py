"""Framework-free over-samplers (no Kedro or MLflow imports).

The names below are imported lazily, on first use: ``samplers.settings`` (the
GAN settings, read at start-up to check parameters) must not pull in torch.
"""

from __future__ import annotations

import importlib

_WHERE = {
    "BaseGANOverSampler": "base", "fit_resample_many": "many", "GANSettings": "settings",
    "FIRST_PHASE_SAMPLERS": "first_phase", "first_phase_rows": "first_phase", "make_first_phase": "first_phase",
    "GANConfig": "gan", "generate": "gan", "train_gan": "gan", "train_gans": "gan",
    "SAMPLER_CLASSES": "oversamplers", "GANOverSampler": "oversamplers", "SMOTifiedGAN": "oversamplers",
    "load_sampler": "persistence", "save_sampler": "persistence",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
