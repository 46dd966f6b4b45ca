"""Framework-free over-samplers (no Kedro or MLflow imports)."""

from smotified_gan.samplers.first_phase import FIRST_PHASE_SAMPLERS, first_phase_rows
from smotified_gan.samplers.oversamplers import GANOverSampler, SMOTifiedGAN
from smotified_gan.samplers.refine import config_from, refine_with_gan
from smotified_gan.samplers.training import GANConfig, resolve_device, train_gan

__all__ = ["FIRST_PHASE_SAMPLERS", "GANConfig", "GANOverSampler", "SMOTifiedGAN", "config_from",
           "first_phase_rows", "refine_with_gan", "resolve_device", "train_gan"]
