"""The GAN samplers' settings, declared once, without torch: their types, ranges, defaults and meaning.

``GANSettings`` lists every GAN setting ``GANOverSampler`` and ``SMOTifiedGAN``
take besides ``sampling_strategy``, ``random_state`` and ``epochs``. From it
come the samplers' ``_parameter_constraints`` (``samplers.base``), the
parameter lists of their docstrings (``parameter_docs``), the training loop's
``GANConfig`` (``samplers.gan``: these settings plus ``epochs``) and the schema
of ``oversampling.gan`` in ``conf/`` (``smotified_gan.core.parameters``, checked at
start-up, before torch is imported). A test checks the samplers' signatures
against it.
"""

from __future__ import annotations

import textwrap
import types
import typing
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

FIRST_PHASES = ("smote", "borderline_smote", "svm_smote", "adasyn", "kmeans_smote", "random")
ARCHITECTURE_NAMES = ("code", "paper")
DEVICES = ("auto", "cpu", "cuda")
CUDA_DEVICES = tuple(f"cuda:{i}" for i in range(16))  # accepted for a machine with several GPUs, not listed in messages
# the settings one sampler has and the other has not
OWN_SETTINGS = {"SMOTifiedGAN": ("residual", "identity_penalty", "rejection", "majority_filter", "snap_discrete"),
                "GANOverSampler": ("noise_dim",)}
_Positive = Annotated[int, Field(ge=1)]
_Layers = list[_Positive] | None


class GANSettings(BaseModel):
    """The GAN settings of ``GANOverSampler`` and ``SMOTifiedGAN``: one field each, with its meaning."""

    model_config = ConfigDict(extra="forbid")

    batch_size: _Positive = Field(128, description="Real rows per step; the generator gets as many input rows per step.")
    learning_rate: Annotated[float, Field(gt=0)] = Field(1e-5, description="Adam's learning rate for both networks.")
    architecture: Literal[ARCHITECTURE_NAMES] = Field(  # type: ignore[valid-type]
        "code", description="``code``: generator 128-256-512-1024 with BatchNorm + ReLU, discriminator 512-256-128 "
        "LeakyReLU; ``paper``: the text's 3 x 128 generator and one hidden discriminator layer. The next four "
        "settings override it.")
    generator_layers: _Layers = Field(None, description="The generator's hidden widths (None: the architecture's).")
    generator_batch_norm: bool | None = Field(None, description="BatchNorm in the generator (None: the architecture's).")
    discriminator_layers: _Layers = Field(None, description="The discriminator's hidden widths (None: the architecture's).")
    leaky_slope: Annotated[float, Field(ge=0)] = Field(0.2, description="The discriminator's LeakyReLU slope.")
    output_activation: Literal["sigmoid", "identity"] = Field(
        "sigmoid", description="With ``sigmoid`` the features must lie in [0, 1] (values past it by less than 1e-6, "
        "a rounding error of MinMaxScaler, are clipped).")
    betas: tuple[Annotated[float, Field(ge=0, lt=1)], Annotated[float, Field(ge=0, lt=1)]] = Field(
        (0.9, 0.999), description="Adam's betas (the authors used the defaults).")
    d_steps: _Positive = Field(1, description="Discriminator steps per generator step.")
    early_stopping: bool = Field(
        False, description="The paper text's rule: hold out ``validation_fraction`` of the rows before anything is "
        "fitted (neither the first phase nor the GAN sees them), score a quick classifier's F1 on them every "
        "``validation_every`` epochs, keep the best generator, stop after ``patience`` checks without a gain.")
    monitor_validation: bool = Field(
        False, description="Hold out the same rows and record the same F1 in ``history_`` (``val_f1``) without "
        "choosing or stopping by it: a curve to look at, paid for with the held-out rows.")
    validation_score: Literal["f1", "detection"] = Field(
        "f1", description="What early stopping and the monitor score the generator by on the held-out rows: ``f1``, "
        "the quick classifier's F1 (the paper's rule); ``detection``, not in the paper: the grouped gradient-boosting "
        "detection AUC of its rows against the class's held-out real rows (``val_detection_auc``; lower is better, "
        "0.5 = indistinguishable; at least 5 held-out rows of the class).")
    validation_fraction: Annotated[float, Field(gt=0, lt=1)] = Field(
        0.2, description="The share of rows held out for early stopping or the monitor.")
    validation_every: _Positive = Field(10, description="Epochs between two validation checks.")
    patience: _Positive = Field(10, description="With early stopping: checks without a gain before stopping.")
    device: Literal[DEVICES + CUDA_DEVICES] = Field(  # type: ignore[valid-type]
        "auto", description="``auto`` takes CUDA when present.", json_schema_extra={"shown": list(DEVICES)})
    log_every: Annotated[int, Field(ge=0)] = Field(100, description="One INFO line with the losses every this many "
                                                                   "epochs (0: silent).")
    generator_input: Literal["batch", "all"] = Field(
        "batch", description="What the generator is fed per step when it refines rows: ``batch``, as many "
        "first-phase rows as the real batch holds (drawn at random); ``all``, every first-phase row at every step, "
        "as the authors' loop did (at a cost per step that grows with the rows to generate). Noise input (the plain "
        "GAN) always takes the batch size.")
    precision: Literal["float32", "bfloat16", "auto"] = Field(
        "float32", description="``bfloat16``: training's matrix products in bfloat16 mixed precision (weights, "
        "optimiser and BatchNorm statistics stay float32; generation is float32); ``auto``: bfloat16 where the "
        "device computes it natively (a CPU with AVX512-BF16 or AMX, a GPU that supports it), float32 elsewhere.")
    residual: bool = Field(
        False, description="Not in the paper: the generator starts as the identity and learns a correction to each "
        "first-phase row (``sigmoid(logit(u) + f(u))``), so training starts from the first phase's rows instead of "
        "a random map.")
    noise_dim: _Positive | None = Field(None, description="Width of the Gaussian noise fed to the generator (None: "
                                                          "the number of features).")
    identity_penalty: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Not in the paper: ``lambda`` of a penalty ``lambda * mean ||G(u) - u||^2`` on the "
        "generator, so that a refined row stays near the first-phase row it refines (0: none, the authors' loss).")
    rejection: Annotated[float, Field(ge=1)] = Field(
        1.0, description="Not in the paper: the first phase makes this many times the rows needed, all are "
        "refined, and the rows kept are drawn with weights exp(D(x)) from the trained discriminator's logit "
        "(Azadi et al. 2019's discriminator rejection sampling; 1: every row, the authors').")
    majority_filter: Annotated[int, Field(ge=0)] = Field(
        0, description="Not in the paper: with k > 0 and ``rejection`` > 1, a refined row whose k nearest real "
        "training rows are mostly of other classes is kept only when too few others remain.")
    gradient_penalty: Annotated[float, Field(ge=0)] = Field(
        0.0, description="Not in the paper: ``gamma`` of the R1 penalty ``gamma / 2 * mean ||grad D(x_real)||^2`` "
        "on the discriminator (Mescheder et al. 2018), which keeps it from separating real rows by a cliff the "
        "generator cannot follow (0: none, the authors').")
    typed_rows: bool = Field(
        False, description="Not in the paper: every generated row typed like the class's real training rows "
        "(``samplers.row_types``): a one-hot group one-hot, a column of few values (``snap_discrete`` or fewer, 10 "
        "when it is 0) on the class's values, a column on whole steps (a count) on its steps, every value within "
        "the class's observed range, a column constant in the class constant; inferred from the training rows "
        "(False: as generated, the authors').")
    snap_discrete: Annotated[int, Field(ge=0)] = Field(
        0, description="Not in the paper: with k > 0, a column whose training rows (every class) take at most k "
        "distinct values (a 0/1 flag, a code, a constant) is discrete, and each refined value in it is moved to the "
        "nearest value the class's own real rows take there, as a real row would hold it; early stopping scores the "
        "snapped rows (0: none, the authors').")


def sampler_settings(sampler: str) -> list[str]:
    """The ``GANSettings`` fields a sampler (``SMOTifiedGAN`` or ``GANOverSampler``) takes."""
    others = {name for owner, names in OWN_SETTINGS.items() if owner != sampler for name in names}
    return [name for name in GANSettings.model_fields if name not in others]


# -- documentation ---------------------------------------------------------------------------------

def _plain(annotation):
    """``int`` for ``Annotated[int, ...]``."""
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is Annotated else annotation


def _doc_type(field: FieldInfo) -> str:
    """The type as the docstring says it: ``{"a", "b"}``, ``int``, ``sequence of int or None``, ..."""
    annotation = field.annotation
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in typing.get_args(annotation)
    if optional:
        annotation = _plain(next(a for a in typing.get_args(annotation) if a is not type(None)))
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    if typing.get_origin(annotation) is Literal:
        text = "{" + ", ".join(f'"{value}"' for value in (extra.get("shown") or typing.get_args(annotation))) + "}"
    elif typing.get_origin(annotation) is list:
        text = f"sequence of {_plain(typing.get_args(annotation)[0]).__name__}"
    elif typing.get_origin(annotation) is tuple:
        text = "(" + ", ".join(_plain(a).__name__ for a in typing.get_args(annotation)) + ")"
    else:
        text = annotation.__name__
    return text + (" or None" if optional else "")


def parameter_docs(names: list[str], indent: int = 4) -> str:
    """numpydoc ``Parameters`` entries for these ``GANSettings`` fields: name, type, default, meaning."""
    lines = []
    for name in names:
        field = GANSettings.model_fields[name]
        default = f'"{field.default}"' if isinstance(field.default, str) else repr(field.default)
        lines.append(" " * indent + f"{name} : {_doc_type(field)}, default={default}")
        lines += textwrap.wrap(field.description or "", width=110, initial_indent=" " * (indent + 4),
                               subsequent_indent=" " * (indent + 4))
    return "\n".join(lines)
