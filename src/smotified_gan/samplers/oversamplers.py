"""imbalanced-learn samplers: ``SMOTifiedGAN`` and the plain ``GANOverSampler``.

Both follow the ``fit_resample(X, y)`` contract: original rows first, new rows
appended, a DataFrame in gives a DataFrame out, ``sampling_strategy`` and
``random_state`` as imbalanced-learn defines them. Usable inside
``imblearn.pipeline.Pipeline`` and ``GridSearchCV``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.utils import check_random_state

from smotified_gan.samplers.first_phase import first_phase_rows
from smotified_gan.samplers.refine import refine_with_gan
from smotified_gan.samplers.training import GANConfig, generate, make_generator, noise
from smotified_gan.samplers.validation import check_minority_size, check_resampling_input

_GAN_PARAMS = ("epochs", "batch_size", "learning_rate", "architecture", "generator_layers", "generator_batch_norm",
               "discriminator_layers", "leaky_slope", "output_activation", "d_steps", "validation_every",
               "device", "log_every", "betas")


class _GANSamplerBase(BaseOverSampler):
    """Shared parts: input checks, the GAN settings, per-class training, save and load."""

    def _gan_config(self) -> GANConfig:
        settings = {name: getattr(self, name) for name in _GAN_PARAMS}
        for name in ("generator_layers", "discriminator_layers", "betas"):
            if settings[name] is not None:
                settings[name] = tuple(settings[name])
        patience = self.patience if self.early_stopping else None
        return GANConfig(**settings, patience=patience, noise_dim=getattr(self, "noise_dim", None),
                         residual=getattr(self, "residual", False))

    def fit_resample(self, X, y, **params):
        check_resampling_input(X, y, unit_interval=self.output_activation == "sigmoid")
        self._columns = list(X.columns) if isinstance(X, pd.DataFrame) else None
        return super().fit_resample(X, y, **params)

    def _sources(self, X, y, random_state) -> dict:
        raise NotImplementedError

    def _fit_resample(self, X, y):
        random_state = check_random_state(self.random_state)
        X_float = np.asarray(X, dtype=np.float32)
        sources = self._sources(X_float, y, random_state)
        seed = int(random_state.randint(np.iinfo(np.int32).max - 10_000))
        X_new, y_new, trained, history = refine_with_gan(
            X_float, y, sources, self.sampling_strategy_, self._gan_config(), seed,
            early_stopping=self.early_stopping, validation_fraction=self.validation_fraction,
        )
        self.generators_ = {label: t.generator for label, t in trained.items()}
        self.input_dims_ = {label: t.input_dim for label, t in trained.items()}
        self.best_epochs_ = {label: t.best_epoch for label, t in trained.items()}
        self.history_ = history
        self.n_features_in_ = X.shape[1]
        X = np.asarray(X)
        return np.vstack([X, X_new.astype(X.dtype)]), np.concatenate([y, y_new])

    def save(self, path: str | Path) -> None:
        """Write the fitted generators and the sampler's settings (torch format, weights only)."""
        if not hasattr(self, "generators_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit_resample first")
        torch.save({
            "class": type(self).__name__,
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()
                       if k != "sampling_strategy" or isinstance(v, (str, float, int))},
            "n_features_in": self.n_features_in_,
            "classes": [_plain(label) for label in self.generators_],
            "input_dims": [self.input_dims_[label] for label in self.generators_],
            "state_dicts": [g.state_dict() for g in self.generators_.values()],
        }, Path(path))

    @classmethod
    def load(cls, path: str | Path):
        """A sampler with the generators saved by ``save``, ready to ``refine``/``sample``."""
        bundle = torch.load(Path(path), weights_only=True)
        if bundle["class"] != cls.__name__:
            raise ValueError(f"{path} holds a {bundle['class']}, not a {cls.__name__}")
        sampler = cls(**bundle["params"])
        config = sampler._gan_config()
        sampler.generators_, sampler.input_dims_ = {}, {}
        for label, width, state in zip(bundle["classes"], bundle["input_dims"], bundle["state_dicts"]):
            generator = make_generator(config, width, bundle["n_features_in"], refining=cls is SMOTifiedGAN)
            generator.load_state_dict(state)
            sampler.generators_[label] = generator.eval()
            sampler.input_dims_[label] = width
        sampler.n_features_in_ = bundle["n_features_in"]
        return sampler

    def _generator_for(self, label):
        if not hasattr(self, "generators_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit_resample first")
        if label not in self.generators_:
            raise ValueError(f"no generator for class {label!r}; fitted classes: {list(self.generators_)}")
        return self.generators_[label]


def _store_params(sampler, values: dict) -> None:
    """Keep every constructor argument unchanged under its own name (scikit-learn's contract)."""
    for name, value in values.items():
        if name not in ("self", "__class__", "sampling_strategy"):
            setattr(sampler, name, value)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


class SMOTifiedGAN(_GANSamplerBase):
    """SMOTified-GAN (Sharma, Singh, Chandra, IEEE Access 2022, Algorithm 3).

    Phase 1: an imbalanced-learn over-sampler (SMOTE, k = 5, by default) makes
    the synthetic minority rows. Phase 2: a GAN whose generator takes those rows
    as its input learns against the real rows of the same class; G(synthetic
    rows) replace the phase-1 rows in the output.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn (e.g. ``0.5`` over-samples the minority to half
        the majority's size). Every over-sampled class gets its own GAN.
    random_state : int, RandomState or None
        Seeds the first phase, the network initialisation and the batches:
        the same seed gives the same rows on the CPU.
    first_phase : {"smote", "borderline_smote", "svm_smote", "adasyn", "kmeans_smote"}
    k_neighbors : int, default=5
        Neighbours for the first phase; each over-sampled class needs k + 1 rows.
    first_phase_kwargs : dict or None
        Further arguments for the first-phase sampler.
    epochs : int, default=100
        Passes over the real rows of the class (PROTOCOL.md lists the paper's per dataset).
    batch_size : int, default=128
        Real rows per step; the generator gets as many input rows per step.
    learning_rate : float, default=1e-5
        Adam's learning rate for both networks (default betas).
    architecture : {"code", "paper"}, default="code"
        ``code``: generator 128-256-512-1024 with BatchNorm + ReLU, discriminator
        512-256-128 LeakyReLU; ``paper``: the text's 3 x 128 generator and one
        hidden discriminator layer. The next three parameters override it.
    generator_layers, discriminator_layers : sequence of int or None
    generator_batch_norm : bool or None
    leaky_slope : float, default=0.2
    output_activation : {"sigmoid", "identity"}, default="sigmoid"
        With ``sigmoid`` the features must lie in [0, 1].
    residual : bool, default=False
        Not in the paper: the generator starts as the identity and learns a
        correction to each first-phase row (``sigmoid(logit(u) + f(u))``), so
        training starts from SMOTE's rows instead of a random map.
    betas : (float, float), default=(0.9, 0.999)
        Adam's betas (the authors used the defaults).
    d_steps : int, default=1
        Discriminator steps per generator step.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, score a quick classifier's
        F1 on them every ``validation_every`` epochs, keep the best generator,
        stop after ``patience`` checks without improvement.
    validation_fraction : float, default=0.2
    validation_every : int, default=10
    patience : int, default=10
    device : {"auto", "cpu", "cuda"}, default="auto"
        ``auto`` takes CUDA when present.
    log_every : int, default=100
        One INFO line with the losses every this many epochs (0: silent).

    Attributes
    ----------
    generators_ : dict
        The trained generator per over-sampled class.
    history_ : DataFrame
        Per epoch and class: ``g_loss``, ``d_loss``, ``d_real``, ``d_fake`` (mean
        discriminator probabilities) and ``val_f1`` (with early stopping).
    first_phase_rows_ : dict
        The first phase's rows per class, before refinement (to compare with).
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None, first_phase="smote", k_neighbors=5,
                 first_phase_kwargs=None, epochs=100, batch_size=128, learning_rate=1e-5, architecture="code",
                 generator_layers=None, generator_batch_norm=None, discriminator_layers=None, leaky_slope=0.2,
                 output_activation="sigmoid", residual=False, betas=(0.9, 0.999), d_steps=1, early_stopping=False,
                 validation_fraction=0.2, validation_every=10, patience=10, device="auto", log_every=100):
        super().__init__(sampling_strategy=sampling_strategy)
        _store_params(self, locals())

    def _sources(self, X, y, random_state) -> dict:
        check_minority_size(y, self.sampling_strategy_, self.k_neighbors)
        X_syn, y_syn = first_phase_rows(X, y, self.sampling_strategy_, self.first_phase, self.k_neighbors,
                                        random_state, **(self.first_phase_kwargs or {}))
        self.first_phase_rows_ = {label: X_syn[y_syn == label] for label in self.sampling_strategy_}
        return self.first_phase_rows_

    def _fit_resample(self, X, y):
        X_res, y_res = super()._fit_resample(X, y)
        # ADASYN and friends may make a slightly different count than asked: report what was made
        self.n_generated_ = {label: int((y_res[len(X):] == label).sum()) for label in self.sampling_strategy_}
        return X_res, y_res

    def refine(self, X_synthetic, label=1) -> np.ndarray:
        """Run first-phase rows of class ``label`` through its trained generator (production reuse)."""
        return generate(self._generator_for(label), np.asarray(X_synthetic, dtype=np.float32), device=self.device)


class GANOverSampler(_GANSamplerBase):
    """The plain GAN baseline (Algorithm 2): the generator turns Gaussian noise into minority rows.

    Trained on each over-sampled class's real rows only. Parameters are those of
    ``SMOTifiedGAN`` without the first phase, plus ``noise_dim`` (the noise
    width; default: the number of features).
    """

    def __init__(self, *, sampling_strategy="auto", random_state=None, noise_dim=None, epochs=100, batch_size=128,
                 learning_rate=1e-5, architecture="code", generator_layers=None, generator_batch_norm=None,
                 discriminator_layers=None, leaky_slope=0.2, output_activation="sigmoid", betas=(0.9, 0.999),
                 d_steps=1, early_stopping=False, validation_fraction=0.2, validation_every=10, patience=10,
                 device="auto", log_every=100):
        super().__init__(sampling_strategy=sampling_strategy)
        _store_params(self, locals())

    def _sources(self, X, y, random_state) -> dict:
        return {label: None for label in self.sampling_strategy_}

    def sample(self, n: int, label=1, seed: int = 0) -> np.ndarray:
        """``n`` new rows of class ``label`` from its trained generator."""
        generator = self._generator_for(label)
        return generate(generator, noise(n, self.input_dims_[label], seed), device=self.device)
