"""The GAN settings are declared once (``samplers.settings.GANSettings``); everything else agrees with it."""

from __future__ import annotations

import inspect

import pytest
from imblearn.utils.estimator_checks import parametrize_with_checks

from smotified_gan import GANOverSampler, SMOTifiedGAN
from smotified_gan.core.samplers.gan import GANConfig
from smotified_gan.core.samplers.settings import GANSettings, sampler_settings

OWN = {SMOTifiedGAN: {"first_phase": "smote", "k_neighbors": 5, "first_phase_kwargs": None},
       GANOverSampler: {}}
COMMON = {"sampling_strategy": "auto", "random_state": None, "epochs": 100}


@pytest.mark.parametrize("sampler", [SMOTifiedGAN, GANOverSampler])
def test_each_signature_is_the_declared_settings_plus_its_own(sampler):
    signature = {name: p.default for name, p in inspect.signature(sampler).parameters.items()}
    declared = {name: GANSettings.model_fields[name].default for name in sampler_settings(sampler.__name__)}
    assert signature == {**COMMON, **OWN[sampler], **declared}
    assert set(sampler._parameter_constraints) == set(signature)  # a constraint for every argument


@pytest.mark.parametrize("sampler", [SMOTifiedGAN, GANOverSampler])
def test_the_docstring_lists_every_argument(sampler):
    for name in inspect.signature(sampler).parameters:
        assert f"\n    {name} : " in sampler.__doc__, name


def test_the_training_loop_takes_the_declared_settings_and_the_epochs():
    assert set(GANConfig.model_fields) == set(GANSettings.model_fields) | {"epochs"}
    config = SMOTifiedGAN(learning_rate=3e-4, residual=True, epochs=7)._gan_config()
    assert (config.learning_rate, config.residual, config.epochs, config.noise_dim) == (3e-4, True, 7, None)


@pytest.mark.parametrize("name", ["batch_size", "learning_rate", "validation_fraction", "generator_input", "device"])
def test_the_declared_range_is_what_the_sampler_enforces(name):
    bad = {"batch_size": 0, "learning_rate": 0.0, "validation_fraction": 1.0, "generator_input": "some",
           "device": "tpu"}[name]
    with pytest.raises(ValueError, match=rf"The '{name}' parameter of SMOTifiedGAN must be"):
        SMOTifiedGAN(**{name: bad})._validate_params()


# imbalanced-learn's own checks of the sampler contract; identity output, since its checks draw features outside [0, 1]
CHECKED = [SMOTifiedGAN(epochs=2, architecture="paper", log_every=0, output_activation="identity", k_neighbors=3,
                        random_state=0),
           GANOverSampler(epochs=2, architecture="paper", log_every=0, output_activation="identity", random_state=0)]


_CHECKS = parametrize_with_checks(CHECKED, expected_failed_checks=lambda estimator: {
    "check_samplers_pandas_sparse": "the networks take dense rows: sparse input is refused with a message"})


@pytest.mark.slow
@pytest.mark.parametrize(_CHECKS.args[0], list(_CHECKS.args[1]), **_CHECKS.kwargs)  # a list: pytest 9 deprecates a generator
def test_imbalanced_learn_estimator_checks(estimator, check):
    check(estimator)
