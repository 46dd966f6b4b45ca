"""One way to save and load fitted samplers: ``save_sampler(obj, path)`` and ``load_sampler(path)``.

A torch file, weights only (``torch.load(weights_only=True)`` reads it: no
pickled code). It holds one sampler or a list of them (one per repeat of an
experiment cell): the GAN samplers with their trained generators, and
imbalanced-learn's first-phase samplers (SMOTE and its variants) by their
settings, which is all they hold.
"""

from __future__ import annotations

from pathlib import Path

import torch
from imblearn.over_sampling import SMOTE

from smotified_gan.core.samplers.base import BaseGANOverSampler, _plain, _storable
from smotified_gan.core.samplers.first_phase import FIRST_PHASE_SAMPLERS
from smotified_gan.core.samplers.oversamplers import SAMPLER_CLASSES

# imbalanced-learn's own SMOTE too: what "smote" was before SMOTEOnDrawnRows (the same rows), and what a caller may pass
_FIRST_PHASE_CLASSES = {cls.__name__: cls for cls in (*FIRST_PHASE_SAMPLERS.values(), SMOTE)}


def _bundle(sampler) -> dict:
    if isinstance(sampler, BaseGANOverSampler):
        return sampler.to_bundle()
    name = type(sampler).__name__
    if name not in _FIRST_PHASE_CLASSES:
        raise TypeError(f"cannot save a {name}: expected a SMOTifiedGAN, a GANOverSampler or one of "
                        f"{sorted(_FIRST_PHASE_CLASSES)}")
    return {"class": name, "params": {k: _plain(v) for k, v in sampler.get_params().items() if _storable(v)}}


def _sampler(bundle: dict, where: str):
    name = bundle.get("class")
    if name in SAMPLER_CLASSES:
        return SAMPLER_CLASSES[name].from_bundle(bundle, where)
    if name in _FIRST_PHASE_CLASSES:
        return _FIRST_PHASE_CLASSES[name](**bundle["params"])
    raise ValueError(f"{where} holds a {name!r}, not one of {sorted(SAMPLER_CLASSES) + sorted(_FIRST_PHASE_CLASSES)}")


def save_sampler(sampler, path: str | Path) -> None:
    """Write a fitted sampler, or a list of them (possibly empty: a cell without augmentation), to ``path``."""
    content = {"repeats": [_bundle(s) for s in sampler]} if isinstance(sampler, list) else _bundle(sampler)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save(content, Path(path))


def load_sampler(path: str | Path):
    """What ``save_sampler`` wrote: the sampler, or the list of them."""
    content = torch.load(Path(path), weights_only=True)
    if "repeats" in content:
        return [_sampler(part, f"{path} (repeat {repeat})") for repeat, part in enumerate(content["repeats"])]
    return _sampler(content, str(path))
