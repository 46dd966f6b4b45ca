"""Framework-free over-samplers (no Kedro or MLflow imports)."""

from smotified_gan.samplers.base import BaseGANOverSampler, fit_resample_many
from smotified_gan.samplers.first_phase import FIRST_PHASE_SAMPLERS, first_phase_rows, make_first_phase
from smotified_gan.samplers.gan import GANConfig, generate, train_gan, train_gans
from smotified_gan.samplers.oversamplers import SAMPLERS, GANOverSampler, SMOTifiedGAN, load_sampler, save_samplers

__all__ = ["FIRST_PHASE_SAMPLERS", "SAMPLERS", "BaseGANOverSampler", "GANConfig", "GANOverSampler", "SMOTifiedGAN",
           "first_phase_rows", "fit_resample_many", "generate", "load_sampler", "make_first_phase", "save_samplers",
           "train_gan", "train_gans"]
