"""imbalanced-learn samplers: ``SMOTifiedGAN`` and the plain ``GANOverSampler``.

Both follow the ``fit_resample(X, y)`` contract: original rows first, new rows
appended, a DataFrame in gives a DataFrame out, ``sampling_strategy`` and
``random_state`` as imbalanced-learn defines them. Usable inside
``imblearn.pipeline.Pipeline`` and ``GridSearchCV``.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from smotified_gan.samplers.base import BaseGANOverSampler
from smotified_gan.samplers.first_phase import FIRST_PHASE_SAMPLERS, first_phase_rows
from smotified_gan.samplers.gan import noise
from smotified_gan.samplers.validation import check_minority_size

_COMMON_PARAMETERS = """
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn (e.g. ``0.5`` over-samples the minority to half
        the majority's size). Every over-sampled class gets its own GAN,
        trained on that class's rows only.
    random_state : int, RandomState or None, default=None
        Seeds {seeded}, the network initialisation and the batches: the same
        seed gives the same rows on the CPU.
    epochs : int, default=100
        Passes over the real rows of the class (``docs/PROTOCOL.md`` lists the paper's per dataset).
    batch_size : int, default=128
        Real rows per step; the generator gets as many input rows per step.
    learning_rate : float, default=1e-5
        Adam's learning rate for both networks.
    architecture : {{"code", "paper"}}, default="code"
        ``code``: generator 128-256-512-1024 with BatchNorm + ReLU, discriminator
        512-256-128 LeakyReLU; ``paper``: the text's 3 x 128 generator and one
        hidden discriminator layer. The next four parameters override it.
    generator_layers, discriminator_layers : sequence of int or None, default=None
    generator_batch_norm : bool or None, default=None
    leaky_slope : float, default=0.2
    output_activation : {{"sigmoid", "identity"}}, default="sigmoid"
        With ``sigmoid`` the features must lie in [0, 1] (values past it by
        less than 1e-6, a rounding error of MinMaxScaler, are clipped).
    betas : (float, float), default=(0.9, 0.999)
        Adam's betas (the authors used the defaults).
    d_steps : int, default=1
        Discriminator steps per generator step.
    early_stopping : bool, default=False
        The paper text's rule: hold out ``validation_fraction`` of the rows
        before anything is fitted (neither the first phase nor the GAN sees
        them), score a quick classifier's F1 on them every ``validation_every``
        epochs, keep the best generator, stop after ``patience`` checks without a gain.
    monitor_validation : bool, default=False
        Hold out the same rows and record the same F1 in ``history_``
        (``val_f1``) without choosing or stopping by it: a curve to look at,
        paid for with the held-out rows, which the GAN does not train on.
    validation_fraction : float, default=0.2
    validation_every : int, default=10
    patience : int, default=10
    device : {{"auto", "cpu", "cuda"}}, default="auto"
        ``auto`` takes CUDA when present.
    log_every : int, default=100
        One INFO line with the losses every this many epochs (0: silent).
    generator_input : {{"batch", "all"}}, default="batch"
        What the generator is fed per step when it refines rows: ``batch``, as
        many first-phase rows as the real batch holds (drawn at random);
        ``all``, every first-phase row at every step, as the authors' loop did
        (BatchNorm statistics from hundreds of rows instead of the 3-16 real
        rows of a small class, at a cost per step that grows with the rows to
        generate). Noise input (the plain GAN) always takes the batch size.
    precision : {{"float32", "bfloat16"}}, default="float32"
        ``bfloat16``: training's matrix products in bfloat16 mixed precision
        (weights, optimiser and BatchNorm statistics stay float32; generation
        is float32): about 1.5-2x faster on CPUs with AVX512-BF16 and on GPUs."""

_COMMON_ATTRIBUTES = """
    generators_ : dict
        The trained generator per over-sampled class.
    history_ : DataFrame
        Per epoch and class: ``g_loss``, ``d_loss``, ``d_real``, ``d_fake`` (mean
        discriminator probabilities) and ``val_f1`` (with early stopping or the monitor).
    best_epochs_ : dict
        Per class, the epoch of the generator kept by early stopping (None without it).
    n_features_in_, feature_names_in_ :
        As in scikit-learn."""


class SMOTifiedGAN(BaseGANOverSampler):
    __doc__ = f"""SMOTified-GAN (Sharma, Singh, Chandra, IEEE Access 2022, Algorithm 3).

    Phase 1: an imbalanced-learn over-sampler (SMOTE, k = 5, by default) makes
    the synthetic minority rows. Phase 2: a GAN whose generator takes those rows
    as its input learns against the real rows of the same class; G(synthetic
    rows) replace the phase-1 rows in the output.

    Parameters
    ----------
    first_phase : {{"smote", "borderline_smote", "svm_smote", "adasyn", "kmeans_smote"}}, default="smote"
        imbalanced-learn's sampler for the first phase.
    k_neighbors : int, default=5
        Neighbours for the first phase; each over-sampled class needs k + 1 rows.
    first_phase_kwargs : dict or None, default=None
        Further arguments for the first-phase sampler.
    residual : bool, default=False
        Not in the paper: the generator starts as the identity and learns a
        correction to each first-phase row (``sigmoid(logit(u) + f(u))``), so
        training starts from the first phase's rows instead of a random map.
{_COMMON_PARAMETERS.format(seeded="the first phase")}

    Attributes
    ----------
    first_phase_rows_ : dict
        Per over-sampled class, the first phase's rows before refinement (the
        generator's input; compare with the refined rows).
    n_generated_ : dict
        Per class, the rows made (ADASYN may make slightly more or fewer than asked).
{_COMMON_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np
    >>> from smotified_gan import SMOTifiedGAN
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.uniform(0, 0.6, (90, 3)), rng.uniform(0.4, 1, (10, 3))]
    >>> y = np.r_[np.zeros(90, int), np.ones(10, int)]
    >>> sampler = SMOTifiedGAN(epochs=5, architecture="paper", random_state=0, log_every=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, int(y_res.sum())
    ((180, 3), 90)
    >>> sampler.first_phase_rows_[1].shape
    (80, 3)
    """

    _refines_rows = True
    _parameter_constraints: dict = {
        **BaseGANOverSampler._parameter_constraints,
        "first_phase": [StrOptions(set(FIRST_PHASE_SAMPLERS))],
        "k_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "first_phase_kwargs": [dict, None],
        "residual": ["boolean"],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, first_phase="smote", k_neighbors=5,
                 first_phase_kwargs=None, residual=False, epochs=100, batch_size=128, learning_rate=1e-5,
                 architecture="code", generator_layers=None, generator_batch_norm=None, discriminator_layers=None,
                 leaky_slope=0.2, output_activation="sigmoid", betas=(0.9, 0.999), d_steps=1, early_stopping=False,
                 monitor_validation=False, validation_fraction=0.2, validation_every=10, patience=10, device="auto",
                 log_every=100, generator_input="batch", precision="float32"):
        super().__init__(
            sampling_strategy=sampling_strategy, random_state=random_state, epochs=epochs, batch_size=batch_size,
            learning_rate=learning_rate, architecture=architecture, generator_layers=generator_layers,
            generator_batch_norm=generator_batch_norm, discriminator_layers=discriminator_layers,
            leaky_slope=leaky_slope, output_activation=output_activation, betas=betas, d_steps=d_steps,
            early_stopping=early_stopping, monitor_validation=monitor_validation,
            validation_fraction=validation_fraction, validation_every=validation_every, patience=patience,
            device=device, log_every=log_every, generator_input=generator_input, precision=precision,
        )
        self.first_phase = first_phase
        self.k_neighbors = k_neighbors
        self.first_phase_kwargs = first_phase_kwargs
        self.residual = residual

    def _generator_settings(self) -> dict:
        return {"residual": self.residual}

    def _generator_inputs(self, X, y, random_state) -> dict:
        check_minority_size(y, self.sampling_strategy_, self.k_neighbors)
        X_syn, y_syn = first_phase_rows(X, y, self.sampling_strategy_, self.first_phase, self.k_neighbors,
                                        random_state, **(self.first_phase_kwargs or {}))
        self.first_phase_rows_ = {label: X_syn[y_syn == label] for label in self.sampling_strategy_}
        return self.first_phase_rows_

    def _finish_fit(self, X, y, refined):
        X_res, y_res = super()._finish_fit(X, y, refined)
        self.n_generated_ = {label: int((y_res[len(X):] == label).sum()) for label in self.sampling_strategy_}
        return X_res, y_res

    def refine(self, X_synthetic, label=1) -> np.ndarray:
        """Run first-phase rows of class ``label`` through its trained generator (production reuse)."""
        return self._generate(label, X_synthetic)


class GANOverSampler(BaseGANOverSampler):
    __doc__ = f"""The plain GAN baseline (the paper's Algorithm 2): the generator turns Gaussian noise into rows.

    Trained on each over-sampled class's real rows only.

    Parameters
    ----------
    noise_dim : int or None, default=None
        Width of the Gaussian noise fed to the generator (None: the number of features).
{_COMMON_PARAMETERS.format(seeded="the noise")}

    Attributes
    ----------
{_COMMON_ATTRIBUTES}

    Examples
    --------
    >>> import numpy as np
    >>> from smotified_gan import GANOverSampler
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.uniform(0, 0.6, (90, 3)), rng.uniform(0.4, 1, (10, 3))]
    >>> y = np.r_[np.zeros(90, int), np.ones(10, int)]
    >>> sampler = GANOverSampler(epochs=5, architecture="paper", random_state=0, log_every=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, sampler.sample(4, label=1).shape
    ((180, 3), (4, 3))
    """

    _parameter_constraints: dict = {
        **BaseGANOverSampler._parameter_constraints,
        "noise_dim": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, noise_dim=None, epochs=100, batch_size=128,
                 learning_rate=1e-5, architecture="code", generator_layers=None, generator_batch_norm=None,
                 discriminator_layers=None, leaky_slope=0.2, output_activation="sigmoid", betas=(0.9, 0.999),
                 d_steps=1, early_stopping=False, monitor_validation=False, validation_fraction=0.2,
                 validation_every=10, patience=10, device="auto", log_every=100, generator_input="batch", precision="float32"):
        super().__init__(
            sampling_strategy=sampling_strategy, random_state=random_state, epochs=epochs, batch_size=batch_size,
            learning_rate=learning_rate, architecture=architecture, generator_layers=generator_layers,
            generator_batch_norm=generator_batch_norm, discriminator_layers=discriminator_layers,
            leaky_slope=leaky_slope, output_activation=output_activation, betas=betas, d_steps=d_steps,
            early_stopping=early_stopping, monitor_validation=monitor_validation,
            validation_fraction=validation_fraction, validation_every=validation_every, patience=patience,
            device=device, log_every=log_every, generator_input=generator_input, precision=precision,
        )
        self.noise_dim = noise_dim

    def _generator_settings(self) -> dict:
        return {"noise_dim": self.noise_dim}

    def _generator_inputs(self, X, y, random_state) -> dict:
        return {label: None for label in self.sampling_strategy_}

    def sample(self, n: int, label=1, seed: int = 0) -> np.ndarray:
        """``n`` new rows of class ``label`` from its trained generator."""
        self._generator_for(label)
        return self._generate(label, noise(n, self.input_dims_[label], seed))


SAMPLERS = {cls.__name__: cls for cls in (SMOTifiedGAN, GANOverSampler)}


def load_sampler(path: str | Path) -> BaseGANOverSampler | list[BaseGANOverSampler]:
    """Whichever sampler ``save`` wrote at ``path``; the list of them for a file of repeats (``save_samplers``)."""
    bundle = torch.load(Path(path), weights_only=True)
    if "repeats" in bundle:
        return [_from_bundle(part, f"{path} (repeat {repeat})") for repeat, part in enumerate(bundle["repeats"])]
    return _from_bundle(bundle, str(path))


def save_samplers(samplers: list[BaseGANOverSampler], path: str | Path) -> None:
    """One file holding one fitted sampler per repeat of an experiment cell (``load_sampler`` reads it back)."""
    torch.save({"repeats": [sampler.to_bundle() for sampler in samplers]}, Path(path))


def _from_bundle(bundle: dict, where: str) -> BaseGANOverSampler:
    name = bundle.get("class")
    if name not in SAMPLERS:
        raise ValueError(f"{where} holds a {name!r}, not one of {sorted(SAMPLERS)}")
    return SAMPLERS[name].from_bundle(bundle, where)
