"""The base class every GAN over-sampler here shares: declared parameters, input checks, fitting, bundles.

Modelled on imbalanced-learn's own samplers (``imblearn/over_sampling/_smote/base.py``):
parameters are declared in ``_parameter_constraints`` and checked before any
work, each constructor argument is stored under its own name, and input checks
live in a ``_check_X_y`` override. The GAN settings' constraints are made from
their one declaration, ``samplers.settings.GANSettings``.
"""

from __future__ import annotations

import numbers
import types
import typing
from typing import Annotated, Literal

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Hidden, Interval, StrOptions
from sklearn_compat.utils.validation import validate_data

from smotified_gan.core.samplers.gan import GANConfig, make_generator
from smotified_gan.core.samplers.refine import RefineProblem, generated_rows, refine_many
from smotified_gan.core.samplers.row_types import RowTypes
from smotified_gan.core.samplers.settings import GANSettings, sampler_settings
from smotified_gan.core.samplers.validation import check_resampling_input


def gan_constraints(names: list[str]) -> dict[str, list]:
    """scikit-learn parameter constraints of these ``GANSettings`` fields, from their declared types and ranges."""
    return {name: _constraints(GANSettings.model_fields[name]) for name in names}


def _constraints(field) -> list:
    annotation, constraints = field.annotation, []
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        arguments = typing.get_args(annotation)
        if type(None) in arguments:
            constraints.append(None)
        annotation = next(a for a in arguments if a is not type(None))
    bounds = field.metadata
    if typing.get_origin(annotation) is Annotated:
        annotation, *extra = typing.get_args(annotation)
        bounds = [item for info in extra for item in getattr(info, "metadata", [info])]
    if typing.get_origin(annotation) is Literal:
        options = set(typing.get_args(annotation))
        shown = set((field.json_schema_extra or {}).get("shown") or options)
        constraints.insert(0, StrOptions(shown))
        if options - shown:
            constraints.insert(1, Hidden(StrOptions(options - shown)))
    elif annotation is bool:
        constraints.insert(0, "boolean")
    elif typing.get_origin(annotation) in (list, tuple):
        constraints.insert(0, "array-like")
    else:
        constraints.insert(0, _interval(annotation, bounds))
    return constraints


def _interval(kind: type, bounds: list) -> Interval:
    """An ``Interval`` from pydantic's ``ge``/``gt``/``le``/``lt`` bounds."""
    low = high = None
    left = right = False
    for bound in bounds:
        if getattr(bound, "ge", None) is not None or getattr(bound, "gt", None) is not None:
            low, left = (bound.ge, True) if getattr(bound, "ge", None) is not None else (bound.gt, False)
        if getattr(bound, "le", None) is not None or getattr(bound, "lt", None) is not None:
            high, right = (bound.le, True) if getattr(bound, "le", None) is not None else (bound.lt, False)
    closed = {(True, True): "both", (True, False): "left", (False, True): "right"}.get(
        (left and low is not None, right and high is not None), "neither")
    return Interval(numbers.Integral if kind is int else numbers.Real, low, high, closed=closed)


class BaseGANOverSampler(BaseOverSampler):
    """Shared parts of ``SMOTifiedGAN`` and ``GANOverSampler``; not used directly.

    A subclass says what its generator is fed: ``_generator_inputs`` returns,
    per over-sampled class, the input rows (SMOTified-GAN: the first phase's
    rows) or ``None`` (Gaussian noise); ``_refines_rows`` says which. Its
    constructor stores each argument under its own name (``_store``).
    """

    _refines_rows = False
    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "random_state": ["random_state"],
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False  # the networks take dense rows; sparse input is refused with a message
        return tags

    def _store(self, arguments: dict) -> None:
        """Every constructor argument under its own name (scikit-learn's convention: nothing else in ``__init__``)."""
        for name, value in arguments.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    # -- what a subclass provides ------------------------------------------------------------------

    def _generator_inputs(self, X: np.ndarray, y: np.ndarray, random_state) -> dict:
        """Per over-sampled class: the generator's input rows, or ``None`` for Gaussian noise."""
        raise NotImplementedError

    # -- fitting ---------------------------------------------------------------------------------

    def _check_X_y(self, X, y):
        """Clear errors for unusable input (named columns, what to do), before imbalanced-learn's checks."""
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)  # one-vs-all indicator columns -> labels
        check_resampling_input(X, y, unit_interval=self.output_activation == "sigmoid")
        X, y = validate_data(self, X=X, y=y, reset=True, dtype=[np.float64, np.float32])
        return X, y, binarize_y

    def _gan_config(self) -> GANConfig:
        """The training loop's settings: this sampler's ``GANSettings`` fields and its epochs."""
        return GANConfig(**{name: getattr(self, name) for name in sampler_settings(type(self).__name__)},
                         epochs=self.epochs)

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
        self.row_types_ = {label: t.row_types for label, t in trained.items()}
        self.supports_ = {label: t.row_types.grids if t.row_types is not None else {} for label, t in trained.items()}
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
        return generated_rows(self._generator_for(label), np.asarray(inputs, dtype=np.float32),
                              self._row_types(label), self.device, width=self.n_features_in_)

    def _row_types(self, label):
        """What class ``label``'s rows are put on; a sampler from before ``row_types_`` has its ``supports_``."""
        if hasattr(self, "row_types_"):
            return self.row_types_.get(label)
        supports = getattr(self, "supports_", {}).get(label)
        return RowTypes.untyped(self.n_features_in_, supports) if supports else None

    def to_bundle(self) -> dict:
        """The fitted sampler as plain values and tensors (what ``samplers.persistence.save_sampler`` writes)."""
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
            "supports": [{int(column): values.tolist() for column, values in self.supports_.get(label, {}).items()}
                         for label in self.generators_],
            "row_types": [None if (typed := self._row_types(label)) is None else typed.to_plain()
                          for label in self.generators_],
        }

    @classmethod
    def from_bundle(cls, bundle: dict, where: str = "the bundle"):
        """The sampler ``to_bundle`` described, ready to generate rows (no refitting)."""
        if bundle.get("class") != cls.__name__:
            raise ValueError(f"{where} holds a {bundle.get('class')}, not a {cls.__name__}")
        sampler = cls(**bundle["params"])
        config = sampler._gan_config()
        sampler.generators_, sampler.input_dims_, sampler.best_epochs_, sampler.supports_ = {}, {}, {}, {}
        sampler.row_types_ = {}
        supports = bundle.get("supports") or [{} for _ in bundle["classes"]]  # bundles saved before snap_discrete
        row_types = bundle.get("row_types") or [None for _ in bundle["classes"]]  # and before typed_rows
        for label, width, best, state, support, typed in zip(bundle["classes"], bundle["input_dims"],
                                                             bundle["best_epochs"], bundle["state_dicts"], supports,
                                                             row_types):
            generator = make_generator(config, width, bundle["n_features_in"], refining=cls._refines_rows)
            generator.load_state_dict(state)
            sampler.generators_[label] = generator.eval()
            sampler.input_dims_[label], sampler.best_epochs_[label] = width, best
            sampler.supports_[label] = {int(column): np.asarray(values, dtype=np.float32)
                                        for column, values in support.items()}
            sampler.row_types_[label] = (RowTypes.from_plain(typed) if typed is not None else
                                         RowTypes.untyped(bundle["n_features_in"], sampler.supports_[label])
                                         if sampler.supports_[label] else None)
        sampler.n_features_in_ = bundle["n_features_in"]
        if bundle["feature_names"]:
            sampler.feature_names_in_ = np.asarray(bundle["feature_names"], dtype=object)
        return sampler


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
