"""imbalanced-learn samplers: ``SMOTifiedGAN`` and the plain ``GANOverSampler``.

Both follow the ``fit_resample(X, y)`` contract: original rows first, new rows
appended, a DataFrame in gives a DataFrame out, ``sampling_strategy`` and
``random_state`` as imbalanced-learn defines them. Usable inside
``imblearn.pipeline.Pipeline`` and ``GridSearchCV``. Their GAN settings are
declared once, in ``samplers.settings.GANSettings``: the constraints and the
parameter lists below are made from it, and a test checks the signatures.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from smotified_gan.core.samplers.base import BaseGANOverSampler, gan_constraints
from smotified_gan.core.samplers.first_phase import FIRST_PHASE_SAMPLERS, first_phase_rows
from smotified_gan.core.samplers.gan import noise
from smotified_gan.core.samplers.settings import parameter_docs, sampler_settings
from smotified_gan.core.samplers.validation import check_minority_size

_COMMON_PARAMETERS = """
    sampling_strategy : float, str, dict or callable, default="auto"
        As in imbalanced-learn (e.g. ``0.5`` over-samples the minority to half
        the majority's size). Every over-sampled class gets its own GAN,
        trained on that class's rows only.
    random_state : int, RandomState or None, default=None
        Seeds {seeded}, the network initialisation and the batches: the same
        seed gives the same rows on the CPU.
    epochs : int, default=100
        Passes over the real rows of the class (``docs/PROTOCOL.md`` lists the paper's per dataset)."""

_COMMON_ATTRIBUTES = """
    generators_ : dict
        The trained generator per over-sampled class.
    history_ : DataFrame
        Per epoch and class: ``g_loss``, ``d_loss``, ``d_real``, ``d_fake`` (mean
        discriminator probabilities) and ``val_f1`` (with early stopping or the monitor).
    best_epochs_ : dict
        Per class, the epoch of the generator kept by early stopping (None without it).
    supports_ : dict
        Per class, discrete column index -> the values its generated rows are snapped to
        (``snap_discrete`` or ``typed_rows``; empty without them).
    row_types_ : dict
        Per class, the ``RowTypes`` its generated rows are put on (``typed_rows``,
        ``snap_discrete``), or None.
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
{_COMMON_PARAMETERS.format(seeded="the first phase").strip(chr(10))}
    first_phase : {{"smote", "borderline_smote", "svm_smote", "adasyn", "kmeans_smote"}}, default="smote"
        imbalanced-learn's sampler for the first phase.
    k_neighbors : int, default=5
        Neighbours for the first phase; each over-sampled class needs k + 1 rows.
    first_phase_kwargs : dict or None, default=None
        Further arguments for the first-phase sampler.
{parameter_docs(sampler_settings("SMOTifiedGAN"))}

    Attributes
    ----------
    first_phase_rows_ : dict
        Per over-sampled class, the first phase's rows before refinement (the
        generator's input; compare with the refined rows); ``rejection`` times
        the rows returned.
    n_generated_ : dict
        Per class, the rows made (ADASYN may make slightly more or fewer than asked).
{_COMMON_ATTRIBUTES.strip(chr(10))}

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
        **gan_constraints(sampler_settings("SMOTifiedGAN")),
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, epochs=100, first_phase="smote", k_neighbors=5,
                 first_phase_kwargs=None, batch_size=128, learning_rate=1e-5, architecture="code", generator_layers=None,
                 generator_batch_norm=None, discriminator_layers=None, leaky_slope=0.2, output_activation="sigmoid",
                 betas=(0.9, 0.999), d_steps=1, early_stopping=False, monitor_validation=False,
                 validation_fraction=0.2, validation_every=10, patience=10, device="auto", log_every=100,
                 generator_input="batch", precision="float32", validation_score="f1", residual=False,
                 identity_penalty=0.0, rejection=1.0, majority_filter=0, gradient_penalty=0.0, typed_rows=False,
                 snap_discrete=0):
        self._store(locals())

    def _generator_inputs(self, X, y, random_state) -> dict:
        check_minority_size(y, self.sampling_strategy_, self.k_neighbors)
        # with rejection, a pool of `rejection` times the rows needed, from which the refined rows are chosen
        pool = {label: int(np.ceil(n * self.rejection)) for label, n in self.sampling_strategy_.items()}
        X_syn, y_syn = first_phase_rows(X, y, pool, self.first_phase, self.k_neighbors,
                                        random_state, **(self.first_phase_kwargs or {}))
        return {label: X_syn[y_syn == label] for label in self.sampling_strategy_}

    def _prepare_fit(self, X, y):
        problem = super()._prepare_fit(X, y)
        self.first_phase_rows_ = dict(problem.sources)
        return problem

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
{_COMMON_PARAMETERS.format(seeded="the noise").strip(chr(10))}
{parameter_docs(sampler_settings("GANOverSampler"))}

    Attributes
    ----------
{_COMMON_ATTRIBUTES.strip(chr(10))}

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
        **gan_constraints(sampler_settings("GANOverSampler")),
    }

    def __init__(self, *, sampling_strategy="auto", random_state=None, epochs=100, batch_size=128, learning_rate=1e-5,
                 architecture="code", generator_layers=None, generator_batch_norm=None, discriminator_layers=None,
                 leaky_slope=0.2, output_activation="sigmoid", betas=(0.9, 0.999), d_steps=1, early_stopping=False,
                 monitor_validation=False, validation_fraction=0.2, validation_every=10, patience=10, device="auto",
                 log_every=100, generator_input="batch", precision="float32", validation_score="f1", noise_dim=None,
                 gradient_penalty=0.0,
                 typed_rows=False):
        self._store(locals())

    def _generator_inputs(self, X, y, random_state) -> dict:
        return {label: None for label in self.sampling_strategy_}

    def sample(self, n: int, label=1, seed: int = 0) -> np.ndarray:
        """``n`` new rows of class ``label`` from its trained generator."""
        self._generator_for(label)
        return self._generate(label, noise(n, self.input_dims_[label], seed))


# the fitted samplers a bundle can hold, by class name
SAMPLER_CLASSES = {cls.__name__: cls for cls in (SMOTifiedGAN, GANOverSampler)}
