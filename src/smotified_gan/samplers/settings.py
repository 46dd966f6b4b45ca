"""The GAN samplers' settings, declared once, without torch: what ``oversampling.gan`` in ``conf/`` may hold.

``GANSettings`` lists every GAN setting the samplers take (besides
``sampling_strategy``, ``random_state`` and ``epochs``) with its type, range
and default; parameter validation reads it at start-up, before torch is
imported, and a test checks that the samplers' signatures agree with it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

FIRST_PHASES = ("smote", "borderline_smote", "svm_smote", "adasyn", "kmeans_smote")
ARCHITECTURE_NAMES = ("code", "paper")
_Positive = Annotated[int, Field(ge=1)]


class GANSettings(BaseModel):
    """The GAN settings of ``GANOverSampler`` and ``SMOTifiedGAN`` (their docstrings say what each does)."""

    model_config = ConfigDict(extra="forbid")

    architecture: Literal[ARCHITECTURE_NAMES] = "code"  # type: ignore[valid-type]
    generator_layers: list[_Positive] | None = None
    generator_batch_norm: bool | None = None
    discriminator_layers: list[_Positive] | None = None
    leaky_slope: Annotated[float, Field(ge=0)] = 0.2
    output_activation: Literal["sigmoid", "identity"] = "sigmoid"
    learning_rate: Annotated[float, Field(gt=0)] = 1e-5
    betas: tuple[Annotated[float, Field(ge=0, lt=1)], Annotated[float, Field(ge=0, lt=1)]] = (0.9, 0.999)
    batch_size: _Positive = 128
    d_steps: _Positive = 1
    early_stopping: bool = False
    monitor_validation: bool = False
    validation_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.2
    validation_every: _Positive = 10
    patience: _Positive = 10
    device: Annotated[str, Field(pattern=r"^(auto|cpu|cuda(:\d+)?)$")] = "auto"
    log_every: Annotated[int, Field(ge=0)] = 100
    generator_input: Literal["batch", "all"] = "batch"
    precision: Literal["float32", "bfloat16"] = "float32"
    # one sampler's own: SMOTifiedGAN's residual generator, GANOverSampler's noise width
    residual: bool = False
    noise_dim: _Positive | None = None
