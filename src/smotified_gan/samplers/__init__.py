"""Framework-free over-samplers (no Kedro or MLflow imports)."""

from smotified_gan.samplers.base import BaseGANOverSampler
from smotified_gan.samplers.first_phase import FIRST_PHASE_SAMPLERS, first_phase_rows, make_first_phase
from smotified_gan.samplers.gan import GANConfig, generate, train_gan
from smotified_gan.samplers.oversamplers import SAMPLERS, GANOverSampler, SMOTifiedGAN, load_sampler

__all__ = ["FIRST_PHASE_SAMPLERS", "SAMPLERS", "BaseGANOverSampler", "GANConfig", "GANOverSampler", "SMOTifiedGAN",
           "first_phase_rows", "generate", "load_sampler", "make_first_phase", "train_gan"]
