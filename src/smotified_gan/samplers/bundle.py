"""A trained set of generators with their settings: what production reuses after a run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from torch import nn

from smotified_gan.samplers.training import GANConfig, generate, noise


@dataclass
class GeneratorBundle:
    """Generators per class, the GAN settings and the feature names they were trained on."""

    config: dict
    feature_names: list[str]
    generators: dict = field(default_factory=dict)
    input_dims: dict = field(default_factory=dict)
    best_epochs: dict = field(default_factory=dict)

    @classmethod
    def from_trained(cls, config: GANConfig, feature_names, trained: dict) -> GeneratorBundle:
        return cls(config=asdict(config), feature_names=list(feature_names),
                   generators={k: t.generator for k, t in trained.items()},
                   input_dims={k: t.input_dim for k, t in trained.items()},
                   best_epochs={k: t.best_epoch for k, t in trained.items()})

    def _generator(self, label) -> nn.Module:
        if label not in self.generators:
            raise ValueError(f"no generator for class {label!r}; this bundle has {list(self.generators)}")
        return self.generators[label]

    def refine(self, X_synthetic: np.ndarray, label=1, device: str = "auto") -> np.ndarray:
        """SMOTified-GAN: run first-phase rows through the class's generator."""
        return generate(self._generator(label), np.asarray(X_synthetic, dtype=np.float32), device=device)

    def sample(self, n: int, label=1, seed: int = 0, device: str = "auto") -> np.ndarray:
        """Plain GAN: ``n`` rows of class ``label`` from noise."""
        return generate(self._generator(label), noise(n, self.input_dims[label], seed), device=device)
