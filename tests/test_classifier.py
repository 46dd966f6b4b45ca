import numpy as np
import pytest

from smotified_gan.classifier import ClassifierConfig, train_classifiers


def data(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 1.1).astype(int)
    return X, y


def test_stacked_runs_equal_runs_trained_alone():
    X, y = data()
    config = ClassifierConfig(epochs=2, device="cpu")
    together = train_classifiers(X, y, config, [11, 12, 13])
    alone = train_classifiers(X, y, config, [12])
    assert np.allclose(together.scores(X)[1], alone.scores(X)[0], atol=1e-5)
    assert not np.allclose(together.scores(X)[0], together.scores(X)[1])
    assert together.loss_history.shape == (2, 3)


def test_learns_a_separable_problem_with_the_papers_mae_loss():
    X, y = data()
    trained = train_classifiers(X, y, ClassifierConfig(epochs=15, device="cpu"), [0, 1])
    accuracy = (trained.predict(X) == y).mean(axis=1)
    assert (accuracy > 0.9).all()
    assert (trained.loss_history[-1] < trained.loss_history[0]).all()


def test_bce_variant_outputs_probabilities():
    X, y = data()
    scores = train_classifiers(X, y, ClassifierConfig(epochs=3, loss="bce", device="cpu"), [0]).scores(X)
    assert scores.min() >= 0 and scores.max() <= 1


def test_bad_settings_and_data():
    with pytest.raises(ValueError, match="loss must be one of"):
        ClassifierConfig(loss="hinge")
    X, y = data()
    with pytest.raises(ValueError, match="needs rows of both classes"):
        train_classifiers(X, np.zeros_like(y), ClassifierConfig(epochs=1), [0])
