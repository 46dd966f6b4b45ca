"""The base class every GAN over-sampler here shares: declared parameters, input checks, fitting, save and load.

Modelled on imbalanced-learn's own samplers (``imblearn/over_sampling/_smote/base.py``):
parameters are declared in ``_parameter_constraints`` and checked before any
work, each constructor argument is stored under its own name, and input checks
live in a ``_check_X_y`` override.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from imblearn.utils._validation import ArraysTransformer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn_compat.utils.validation import validate_data

from smotified_gan.samplers.gan import GENERATOR_INPUTS, GANConfig, generate, make_generator
from smotified_gan.samplers.networks import ARCHITECTURES, OUTPUT_ACTIVATIONS
from smotified_gan.samplers.refine import RefineProblem, refine_many
from smotified_gan.samplers.validation import check_resampling_input
from smotified_gan.torch_utils import PRECISIONS

_POSITIVE_INT = Interval(numbers.Integral, 1, None, closed="left")
# "cuda:N" for a machine with several GPUs is accepted without being listed in messages
_DEVICES = [StrOptions({"auto", "cpu", "cuda"}), Hidden(StrOptions({f"cuda:{i}" for i in range(16)}))]
# settings that go into GANConfig unchanged
_GAN_SETTINGS = ("architecture", "generator_layers", "generator_batch_norm", "discriminator_layers", "leaky_slope",
                 "output_activation", "learning_rate", "betas", "batch_size", "epochs", "d_steps", "device",
                 "log_every", "validation_every", "generator_input", "precision")


class BaseGANOverSampler(BaseOverSampler):
    """Shared parts of ``SMOTifiedGAN`` and ``GANOverSampler``; not used directly.

    A subclass says what its generator is fed: ``_generator_inputs`` returns,
    per over-sampled class, the input rows (SMOTified-GAN: the first phase's
    rows) or ``None`` (Gaussian noise); ``_refines_rows`` says which;
    ``_generator_settings`` adds its own ``GANConfig`` fields.
    """

    _refines_rows = False
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "epochs": [_POSITIVE_INT],
        "batch_size": [_POSITIVE_INT],
        "learning_rate": [Interval(numbers.Real, 0, None, closed="neither")],
        "architecture": [StrOptions(set(ARCHITECTURES))],
        "generator_layers": ["array-like", None],
        "generator_batch_norm": ["boolean", None],
        "discriminator_layers": ["array-like", None],
        "leaky_slope": [Interval(numbers.Real, 0, None, closed="left")],
        "output_activation": [StrOptions(set(OUTPUT_ACTIVATIONS))],
        "betas": ["array-like"],
        "d_steps": [_POSITIVE_INT],
        "early_stopping": ["boolean"],
        "monitor_validation": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "validation_every": [_POSITIVE_INT],
        "patience": [_POSITIVE_INT],
        "device": _DEVICES,
        "log_every": [Interval(numbers.Integral, 0, None, closed="left")],
        "generator_input": [StrOptions(set(GENERATOR_INPUTS))],
        "precision": [StrOptions(set(PRECISIONS))],
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, epochs=100, batch_size=128,
                 learning_rate=1e-5, architecture="code", generator_layers=None, generator_batch_norm=None,
                 discriminator_layers=None, leaky_slope=0.2, output_activation="sigmoid", betas=(0.9, 0.999),
                 d_steps=1, early_stopping=False, monitor_validation=False, validation_fraction=0.2,
                 validation_every=10, patience=10, device="auto", log_every=100, generator_input="batch", precision="float32"):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.architecture = architecture
        self.generator_layers = generator_layers
        self.generator_batch_norm = generator_batch_norm
        self.discriminator_layers = discriminator_layers
        self.leaky_slope = leaky_slope
        self.output_activation = output_activation
        self.betas = betas
        self.d_steps = d_steps
        self.early_stopping = early_stopping
        self.monitor_validation = monitor_validation
        self.validation_fraction = validation_fraction
        self.validation_every = validation_every
        self.patience = patience
        self.device = device
        self.log_every = log_every
        self.generator_input = generator_input
        self.precision = precision

    # -- what a subclass provides ------------------------------------------------------------------

    def _generator_inputs(self, X: np.ndarray, y: np.ndarray, random_state) -> dict:
        """Per over-sampled class: the generator's input rows, or ``None`` for Gaussian noise."""
        raise NotImplementedError

    def _generator_settings(self) -> dict:
        """This sampler's own ``GANConfig`` fields (``residual``, ``noise_dim``)."""
        return {}

    # -- fitting ---------------------------------------------------------------------------------

    def _check_X_y(self, X, y):
        """Clear errors for unusable input (named columns, what to do), before imbalanced-learn's checks."""
        check_resampling_input(X, y, unit_interval=self.output_activation == "sigmoid")
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(self, X=X, y=y, reset=True, dtype=[np.float64, np.float32])
        return X, y, binarize_y

    def _gan_config(self) -> GANConfig:
        settings = {name: getattr(self, name) for name in _GAN_SETTINGS}
        for name in ("generator_layers", "discriminator_layers", "betas"):
            if settings[name] is not None:
                settings[name] = tuple(settings[name])
        patience = self.patience if self.early_stopping else None
        return GANConfig(**settings, patience=patience, **self._generator_settings())

    def _prepare_fit(self, X, y) -> RefineProblem:
        """Everything before the GANs train: the validation rows held out, the generator inputs, the seed."""
        random_state = check_random_state(self.random_state)
        # within-tolerance rounding past [0, 1] is clipped for the GAN; the original rows are returned as given
        X_gan = np.clip(X, 0, 1) if self.output_activation == "sigmoid" else X
        X_fit, y_fit, validation = np.asarray(X_gan, dtype=np.float32), y, None
        if self.early_stopping or self.monitor_validation:
            # held out before anything is fitted: neither the first phase nor the GAN sees these rows
            X_fit, X_val, y_fit, y_val = train_test_split(X_fit, y, test_size=self.validation_fraction, stratify=y,
                                                          random_state=random_state)
            validation = (X_val, y_val)
        sources = self._generator_inputs(X_fit, y_fit, random_state)
        seed = int(random_state.randint(np.iinfo(np.int32).max - 10_000))
        return RefineProblem(X_fit, y_fit, sources, self.sampling_strategy_, seed, validation)

    def _finish_fit(self, X, y, refined) -> tuple[np.ndarray, np.ndarray]:
        """Keep the trained generators and their history; the original rows with the new ones appended."""
        X_new, y_new, trained, history = refined
        self.generators_ = {label: t.generator for label, t in trained.items()}
        self.input_dims_ = {label: t.input_dim for label, t in trained.items()}
        self.best_epochs_ = {label: t.best_epoch for label, t in trained.items()}
        self.history_ = history
        return np.vstack([X, X_new.astype(X.dtype)]), np.concatenate([y, y_new])

    def _fit_resample(self, X, y):
        problem = self._prepare_fit(X, y)
        return self._finish_fit(X, y, refine_many([problem], self._gan_config(), self.early_stopping)[0])

    # -- production reuse ------------------------------------------------------------------------

    def _generator_for(self, label) -> torch.nn.Module:
        if not hasattr(self, "generators_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit_resample first")
        if label not in self.generators_:
            raise ValueError(f"no generator for class {label!r}; fitted classes: {list(self.generators_)}")
        return self.generators_[label]

    def _generate(self, label, inputs: np.ndarray) -> np.ndarray:
        return generate(self._generator_for(label), np.asarray(inputs, dtype=np.float32), device=self.device,
                        width=self.n_features_in_)

    def save(self, path: str | Path) -> None:
        """Write the fitted generators and the sampler's settings (torch format, weights only, no pickle)."""
        torch.save(self.to_bundle(), Path(path))

    def to_bundle(self) -> dict:
        """What ``save`` writes: plain values and tensors only."""
        if not hasattr(self, "generators_"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet: call fit_resample first")
        return {
            "class": type(self).__name__,
            "params": {name: _plain(value) for name, value in self.get_params().items() if _storable(value)},
            "n_features_in": int(self.n_features_in_),
            "feature_names": [str(c) for c in getattr(self, "feature_names_in_", [])],
            "classes": [_plain(label) for label in self.generators_],
            "input_dims": [self.input_dims_[label] for label in self.generators_],
            "best_epochs": [self.best_epochs_.get(label) for label in self.generators_],
            "state_dicts": [g.state_dict() for g in self.generators_.values()],
        }

    @classmethod
    def load(cls, path: str | Path):
        """A sampler with the generators written by ``save``, ready to generate rows (no refitting)."""
        return cls.from_bundle(torch.load(Path(path), weights_only=True), str(path))

    @classmethod
    def from_bundle(cls, bundle: dict, where: str = "the bundle"):
        """The sampler ``to_bundle`` described."""
        if bundle.get("class") != cls.__name__:
            raise ValueError(f"{where} holds a {bundle.get('class')}, not a {cls.__name__}")
        sampler = cls(**bundle["params"])
        config = sampler._gan_config()
        sampler.generators_, sampler.input_dims_, sampler.best_epochs_ = {}, {}, {}
        for label, width, best, state in zip(bundle["classes"], bundle["input_dims"], bundle["best_epochs"],
                                             bundle["state_dicts"]):
            generator = make_generator(config, width, bundle["n_features_in"], refining=cls._refines_rows)
            generator.load_state_dict(state)
            sampler.generators_[label] = generator.eval()
            sampler.input_dims_[label], sampler.best_epochs_[label] = width, best
        sampler.n_features_in_ = bundle["n_features_in"]
        if bundle["feature_names"]:
            sampler.feature_names_in_ = np.asarray(bundle["feature_names"], dtype=object)
        return sampler


def fit_resample_many(samplers, datasets) -> list[tuple]:
    """``sampler.fit_resample(X, y)`` for each sampler and its own ``(X, y)``, with every GAN trained in one stack.

    The same result as fitting them one after another (each sampler keeps its
    own seed, rows and generators), in a fraction of the time on a CPU when
    the problems share their shapes: the experiment fits one sampler per
    repeat of a cell this way. The samplers must share their GAN settings.
    """
    samplers = list(samplers)
    configs = {repr(sampler._gan_config()) for sampler in samplers}
    if len(configs) > 1 or len({sampler.early_stopping for sampler in samplers}) > 1:
        raise ValueError("fit_resample_many needs samplers with the same GAN settings")
    prepared = []
    for sampler, (X, y) in zip(samplers, datasets, strict=True):
        # the steps of imblearn's BaseSampler.fit_resample, up to the GAN training
        sampler._validate_params()
        check_classification_targets(y)
        arrays = ArraysTransformer(X, y)
        X_checked, y_checked, binarize_y = sampler._check_X_y(X, y)
        sampler.sampling_strategy_ = check_sampling_strategy(sampler.sampling_strategy, y_checked,
                                                             sampler._sampling_type)
        prepared.append((arrays, X_checked, y_checked, binarize_y, sampler._prepare_fit(X_checked, y_checked)))
    refined = refine_many([p[-1] for p in prepared], samplers[0]._gan_config(), samplers[0].early_stopping)
    results = []
    for sampler, (arrays, X_checked, y_checked, binarize_y, _), output in zip(samplers, prepared, refined):
        X_res, y_res = sampler._finish_fit(X_checked, y_checked, output)
        if binarize_y:
            y_res = label_binarize(y_res, classes=np.unique(y_checked))
        results.append(arrays.transform(X_res, y_res))
    return results


def _storable(value) -> bool:
    """What the weights-only torch format holds: plain numbers, strings, lists and dicts of them."""
    if value is None or isinstance(value, (str, bool, int, float, np.generic)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_storable(v) for v in value)
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    return False  # a callable sampling_strategy, a RandomState


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value
