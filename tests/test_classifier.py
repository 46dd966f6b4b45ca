import numpy as np
import pytest
import torch

from smotified_gan.core.classifier import ClassifierConfig, _order, train_classifiers


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


def test_sets_of_different_sizes_train_in_one_stack_and_never_see_the_padding():
    X, y = data()
    small, large = (X[:400], y[:400]), (X[:437], y[:437])
    config = ClassifierConfig(epochs=2, device="cpu")
    # a stack of equal sets is the same as before: the list form of one set equals the array form
    assert np.allclose(train_classifiers([X], [y], config, [3]).scores(X), train_classifiers(X, y, config, [3]).scores(X))
    stacked = train_classifiers([small[0], large[0]], [small[1], large[1]], config, [5, 6], sets=[0, 1])
    assert stacked.repeats == [0, 1] and stacked.loss_history.shape == (2, 2)
    # the large set's run trains exactly as alone (the widest set is never padded)
    alone = train_classifiers(large[0], large[1], config, [6])
    assert np.allclose(stacked.scores(X)[1], alone.scores(X)[0], atol=1e-5)
    # the small set's epoch: a permutation of its 400 rows, then 37 of them again, never a padding row
    order = _order(400, 437, torch.Generator().manual_seed(5)).numpy()
    assert sorted(order[:400]) == list(range(400)) and order.max() < 400 and len(order) == 437


def test_class_weights_weigh_each_sets_minority_by_its_own_balance():
    X, y = data()
    y = (X[:, 0] + X[:, 1] > 1.6).astype(int)  # about 10% minority
    config = ClassifierConfig(epochs=20, device="cpu")
    plain = train_classifiers(X, y, config, [0]).predict(X).sum()
    weighted = train_classifiers(X, y, ClassifierConfig(epochs=20, device="cpu", class_weight="balanced"), [0])
    assert weighted.predict(X).sum() > plain  # the minority weighs ~9x in the loss: more rows called minority
    with pytest.raises(ValueError, match="class_weight must be None or 'balanced'"):
        ClassifierConfig(class_weight="heavy")


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


def test_auto_precision_is_bfloat16_only_where_the_hardware_computes_it(monkeypatch):
    """``precision: auto`` (the experiment's): bfloat16 on a CPU with AVX512-BF16 or AMX, float32 on one that
    would emulate it (this project's AVX2-only machine ran a stacked step 8x slower in bfloat16)."""
    from smotified_gan.core.torch_utils import native_bfloat16, resolve_precision

    cpu = torch.device("cpu")
    for avx512_bf16, amx, expected in ((False, False, "float32"), (True, False, "bfloat16"), (False, True, "bfloat16")):
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda v=avx512_bf16: v)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda v=amx: v)
        assert native_bfloat16(cpu) is (expected == "bfloat16") and resolve_precision(cpu, "auto") == expected
    assert resolve_precision(cpu, "float32") == "float32" and resolve_precision(cpu, "bfloat16") == "bfloat16"
    with pytest.raises(ValueError, match=r"precision must be one of \('auto', 'float32', 'bfloat16'\), got 'half'"):
        resolve_precision(cpu, "half")
