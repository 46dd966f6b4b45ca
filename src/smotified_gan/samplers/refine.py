"""Second phase: train one GAN per over-sampled class and generate its new rows."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from smotified_gan.samplers.gan import GANConfig, TrainedGenerator, generate, noise, train_gan


def refine_with_gan(X: np.ndarray, y: np.ndarray, sources: Mapping, to_generate: Mapping, config: GANConfig,
                    seed: int, validation: tuple[np.ndarray, np.ndarray] | None = None,
                    keep_best: bool = False) -> tuple[np.ndarray, np.ndarray, dict, pd.DataFrame]:
    """New rows for every class in ``to_generate`` (class -> count), each class's GAN trained on its rows of ``X``.

    ``sources[class]`` holds that class's generator input rows (SMOTified-GAN:
    the first phase's synthetic rows, whose refined versions replace them) or
    ``None`` (plain GAN: Gaussian noise). With ``validation`` (rows held out
    *before* the first phase, which neither the first phase nor the GAN ever
    sees), every ``config.validation_every`` epochs a logistic regression is
    fitted on ``X`` plus the generated rows and its F1 on the validation rows
    is recorded; with ``keep_best`` the best generator is kept and training
    stops after ``config.patience`` checks without a gain.
    """
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    new_rows, new_labels, generators, histories = [], [], {}, []
    for index, (label, n_new) in enumerate(sorted(to_generate.items(), key=lambda item: str(item[0]))):
        if n_new <= 0:
            continue
        source = sources.get(label)
        source = None if source is None else np.asarray(source, dtype=np.float32)
        class_seed = seed + 1000 * index
        width = source.shape[1] if source is not None else (config.noise_dim or X.shape[1])
        inputs = source if source is not None else noise(n_new, width, class_seed + 7)
        validate = None if validation is None else _validation_f1(X, y, *validation, label, inputs, config.device)
        trained: TrainedGenerator = train_gan(X[y == label], source, config, class_seed, validate,
                                              label=str(label), keep_best=keep_best)
        rows = generate(trained.generator, inputs, device=config.device)
        new_rows.append(rows)
        new_labels.append(np.full(len(rows), label, dtype=y.dtype))
        generators[label] = trained
        histories.append(pd.DataFrame(trained.history).assign(**{"class": str(label)}))
    if not new_rows:
        return np.empty((0, X.shape[1]), np.float32), np.empty(0, y.dtype), {}, pd.DataFrame()
    history = pd.concat(histories, ignore_index=True) if histories else pd.DataFrame()
    return np.vstack(new_rows), np.concatenate(new_labels), generators, history


def _validation_f1(X_fit, y_fit, X_val, y_val, label, inputs, device):
    positive_val = (y_val == label).astype(int)

    def score(generator) -> float:
        generated = generate(generator, inputs, device=device)
        X_aug = np.vstack([X_fit, generated])
        y_aug = np.r_[(y_fit == label).astype(int), np.ones(len(generated), dtype=int)]
        model = LogisticRegression(max_iter=300).fit(X_aug, y_aug)
        return float(f1_score(positive_val, model.predict(X_val), zero_division=0))

    return score
