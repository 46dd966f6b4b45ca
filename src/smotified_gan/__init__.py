"""SMOTified-GAN: SMOTE + GAN over-sampling for class-imbalanced tabular data.

``from smotified_gan import SMOTifiedGAN, GANOverSampler`` gives the
imbalanced-learn samplers (imported lazily: Kedro's CLI loads this package
and need not pay for torch); ``RECOMMENDED`` the project's own refinement's
arguments (``SMOTifiedGAN(**RECOMMENDED, random_state=0)``).
"""

__all__ = ["RECOMMENDED", "GANOverSampler", "SMOTifiedGAN"]


def __getattr__(name: str):
    if name == "RECOMMENDED":
        from smotified_gan.samplers.recommended import RECOMMENDED

        return RECOMMENDED
    if name in __all__:
        from smotified_gan import samplers

        return getattr(samplers, name)
    raise AttributeError(f"module 'smotified_gan' has no attribute {name!r}")
