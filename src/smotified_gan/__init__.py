"""SMOTified-GAN: SMOTE + GAN over-sampling for class-imbalanced tabular data.

``from smotified_gan import SMOTifiedGAN, GANOverSampler`` gives the
imbalanced-learn samplers (imported lazily: Kedro's CLI loads this package
and need not pay for torch); ``RECOMMENDED`` the project's own refinement's
arguments (``SMOTifiedGAN(**RECOMMENDED, random_state=0)``).

The package's layers (``docs/layout.md``; ``lint-imports`` holds them):
``core`` (no Kedro, no MLflow) < ``io`` < ``tracking`` < ``pipelines`` <
``adapters`` < ``runner``, with Kedro's entry points at the top.
"""

import importlib
import importlib.abc
import importlib.util
import sys

__all__ = ["RECOMMENDED", "GANOverSampler", "SMOTifiedGAN"]

# Where modules lived before the layers: a model registered then pickled its objects' classes under these names,
# and a user's code may import them. Each old name is the same module object as its new one.
MOVED = {
    **{f"smotified_gan.{name}": f"smotified_gan.core.{name}" for name in (
        "classifier", "confusion", "metrics", "preprocessing", "protocol", "progress", "torch_utils", "parameters",
        "samplers", "production", "data")},
    "smotified_gan.reporting": "smotified_gan.core.report",
    **{f"smotified_gan.{name}": f"smotified_gan.adapters.{name}" for name in (
        "hooks", "config_loader", "upstream_notices")},
    "smotified_gan.grid_registry": "smotified_gan.pipelines.grid_registry",
    "smotified_gan.registry": "smotified_gan.tracking.registry",
    "smotified_gan.runner.tracking": "smotified_gan.tracking.server",
}


def moved_to(name: str) -> str | None:
    """The module's name now, for a name (or a submodule of one) that ``MOVED`` lists; None otherwise."""
    for old, new in MOVED.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old):]
    return None


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports an old name as the module it moved to (the same object, so classes pickled under either load)."""

    def find_spec(self, fullname, path=None, target=None):
        return importlib.util.spec_from_loader(fullname, self) if moved_to(fullname) else None

    def create_module(self, spec):
        module = importlib.import_module(moved_to(spec.name))
        spec.loader_state = module.__spec__
        return module

    def exec_module(self, module):
        # the import system stamped the old name's spec on the real module: give it its own back
        module.__spec__ = module.__spec__.loader_state


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.insert(0, _MovedModules())


def __getattr__(name: str):
    if name == "RECOMMENDED":
        from smotified_gan.core.samplers.recommended import RECOMMENDED

        return RECOMMENDED
    if name in __all__:
        from smotified_gan.core import samplers

        return getattr(samplers, name)
    raise AttributeError(f"module 'smotified_gan' has no attribute {name!r}")
