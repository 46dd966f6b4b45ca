"""SMOTifiedGAN and GANOverSampler as imbalanced-learn samplers."""

import logging
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.over_sampling import ADASYN, SMOTE
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from smotified_gan import GANOverSampler, SMOTifiedGAN
from smotified_gan.core.samplers import load_sampler, save_sampler

FAST = {"epochs": 3, "log_every": 0, "architecture": "paper"}


def data(n_major=120, n_minor=20, d=4, seed=0, frame=True):
    rng = np.random.default_rng(seed)
    X = np.r_[rng.uniform(0, 0.6, (n_major, d)), rng.uniform(0.4, 1, (n_minor, d))]
    y = np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]
    return (pd.DataFrame(X, columns=[f"f{i}" for i in range(d)]) if frame else X), y


@pytest.mark.parametrize("sampler_class", [SMOTifiedGAN, GANOverSampler])
def test_originals_first_and_dataframe_out(sampler_class):
    X, y = data()
    X_res, y_res = sampler_class(random_state=0, **FAST).fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(X.columns)
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)].reset_index(drop=True), X)
    assert np.array_equal(y_res[: len(y)], y)
    assert Counter(y_res) == {0: 120, 1: 120}
    new = X_res.iloc[len(X):].to_numpy()
    assert new.min() >= 0 and new.max() <= 1  # sigmoid output


@pytest.mark.parametrize("strategy, expected", [("auto", 120), (0.5, 60), ({1: 50}, 50), ("minority", 120)])
def test_sampling_strategy_counts(strategy, expected):
    X, y = data(frame=False)
    _, y_res = SMOTifiedGAN(sampling_strategy=strategy, random_state=1, **FAST).fit_resample(X, y)
    assert Counter(y_res) == {0: 120, 1: expected}


def test_multiclass_each_minority_on_its_own_rows(monkeypatch):
    import smotified_gan.core.samplers.refine as refine

    trained_on, original = {}, refine.train_gans

    def spy(reals, sources, config, seeds, validates=None, labels=None, keep_best=True):
        for real, source, label in zip(reals, sources, labels):
            trained_on[label] = (np.asarray(real).copy(), np.asarray(source).copy())
        return original(reals, sources, config, seeds, validates, labels, keep_best)

    monkeypatch.setattr(refine, "train_gans", spy)
    rng = np.random.default_rng(3)
    X = np.r_[rng.uniform(0, 0.3, (100, 3)), rng.uniform(0.4, 0.6, (30, 3)), rng.uniform(0.8, 1, (12, 3))]
    y = np.r_[np.zeros(100, int), np.ones(30, int), np.full(12, 2)]
    sampler = SMOTifiedGAN(random_state=0, **{**FAST, "epochs": 40}, output_activation="sigmoid", residual=True,
                           learning_rate=1e-4)
    X_res, y_res = sampler.fit_resample(X, y)
    # each class's GAN saw exactly that class's real rows, and refined rows made from that class's rows
    for label, low, high in (("1", 0.4, 0.6), ("2", 0.8, 1.0)):
        real, source = trained_on[label]
        np.testing.assert_array_equal(real, X[y == int(label)].astype(np.float32))
        assert source.min() >= low and source.max() <= high
    assert Counter(y_res) == {0: 100, 1: 100, 2: 100}
    assert set(sampler.generators_) == {1, 2}
    assert set(sampler.history_["class"]) == {"1", "2"}
    # class 2 lives in [0.8, 1]: its new rows come from its own rows, not class 1's
    assert X_res[len(X):][y_res[len(X):] == 2].mean() > 0.75
    assert abs(X_res[len(X):][y_res[len(X):] == 1].mean() - 0.5) < 0.1


def test_inside_an_imblearn_pipeline_and_grid_search():
    X, y = data(seed=5)
    pipe = ImbPipeline([("sampler", SMOTifiedGAN(random_state=0, **FAST)), ("model", LogisticRegression())])
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (len(X),)
    search = GridSearchCV(pipe, {"sampler__k_neighbors": [3, 5]}, cv=2, scoring="f1").fit(X, y)
    assert [p["sampler__k_neighbors"] for p in search.cv_results_["params"]] == [3, 5]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()  # both candidates fitted and scored
    assert search.best_estimator_.named_steps["sampler"].k_neighbors == search.best_params_["sampler__k_neighbors"]
    assert SMOTifiedGAN(k_neighbors=3).get_params()["k_neighbors"] == 3


def test_same_seed_same_rows_other_seed_other_rows():
    X, y = data(frame=False)
    first = SMOTifiedGAN(random_state=7, **FAST).fit_resample(X, y)[0]
    second = SMOTifiedGAN(random_state=7, **FAST).fit_resample(X, y)[0]
    third = SMOTifiedGAN(random_state=8, **FAST).fit_resample(X, y)[0]
    assert np.array_equal(first, second)
    assert not np.array_equal(first, third)
    gan_a = GANOverSampler(random_state=7, **FAST).fit_resample(X, y)[0]
    gan_b = GANOverSampler(random_state=7, **FAST).fit_resample(X, y)[0]
    assert np.array_equal(gan_a, gan_b)


def test_other_first_phase_samplers():
    X, y = data(frame=False)
    for name in ("borderline_smote", "adasyn"):
        sampler = SMOTifiedGAN(first_phase=name, random_state=0, **FAST)
        _, y_res = sampler.fit_resample(X, y)
        assert sampler.n_generated_[1] == (y_res == 1).sum() - 20 > 0
    with pytest.raises(ValueError, match="'first_phase' parameter of SMOTifiedGAN must be a str among"):
        SMOTifiedGAN(first_phase="nope", **FAST).fit_resample(X, y)


def test_adasyn_on_a_class_apart_makes_smote_rows_and_says_so(caplog, tmp_path):
    """ADASYN is undefined when no minority row has a majority neighbour (it raises); the first phase then makes
    SMOTE's rows, the very rows SMOTE makes with the same neighbours and seed, and warns."""
    from smotified_gan.core.samplers import make_first_phase

    rng = np.random.default_rng(0)
    X = np.r_[rng.uniform(0, 0.3, (100, 3)), rng.uniform(0.7, 1.0, (15, 3))]
    y = np.r_[np.zeros(100, int), np.ones(15, int)]
    sampler = make_first_phase("adasyn", {1: 100}, 5, 3)
    with caplog.at_level(logging.WARNING):
        X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.fallback_ == "smote" and "ADASYN is undefined here" in caplog.text
    X_smote, _ = SMOTE(sampling_strategy={1: 100}, k_neighbors=5, random_state=3).fit_resample(X, y)
    assert np.array_equal(X_res, X_smote) and (y_res == 1).sum() == 100
    overlapping = make_first_phase("adasyn", {1: 100}, 5, 3)
    overlapping.fit_resample(np.r_[X[:100], X[:15] + 0.01], y)  # minority among the majority: ADASYN itself
    assert overlapping.fallback_ is None
    save_sampler(sampler, tmp_path / "first.pt")
    assert type(load_sampler(tmp_path / "first.pt")).__name__ == "ADASYNOrSMOTE"


def test_adasyn_near_balance_makes_no_rows_and_says_so(caplog):
    """Near balance, every minority row's share of the few rows asked for rounds to 0 and imbalanced-learn's ADASYN
    raises "No samples will be generated" (KEEL's mammographic, monk_2): the first phase then returns the training
    rows as they are, as ADASYN's rounding says, and warns."""
    from smotified_gan.core.samplers import make_first_phase

    rng = np.random.default_rng(1)
    X = rng.normal(size=(195, 3))
    y = np.r_[np.zeros(100, int), np.ones(95, int)]
    with pytest.raises(ValueError, match="No samples will be generated"):
        ADASYN(n_neighbors=5, random_state=3).fit_resample(X, y)
    sampler = make_first_phase("adasyn", "auto", 5, 3)
    with caplog.at_level(logging.WARNING):
        X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.fallback_ == "none" and "ADASYN made no rows" in caplog.text
    assert np.array_equal(X_res, X) and np.array_equal(y_res, y)


def test_save_and_load_round_trip(tmp_path):
    X, y = data(frame=False)
    sampler = SMOTifiedGAN(random_state=0, **FAST)
    X_res, _ = sampler.fit_resample(X, y)
    save_sampler(sampler, tmp_path / "sg.pt")
    loaded = load_sampler(tmp_path / "sg.pt")
    probe = np.random.default_rng(0).uniform(size=(10, 4)).astype(np.float32)
    assert isinstance(loaded, SMOTifiedGAN) and np.array_equal(loaded.refine(probe, 1), sampler.refine(probe, 1))
    assert loaded.get_params()["epochs"] == 3
    gan = GANOverSampler(random_state=0, **FAST)
    gan.fit_resample(X, y)
    smote = SMOTE(k_neighbors=3, random_state=4)
    save_sampler([gan, smote], tmp_path / "repeats.pt")  # one file for a cell's repeats, whatever their kind
    loaded_gan, loaded_smote = load_sampler(tmp_path / "repeats.pt")
    assert np.array_equal(loaded_gan.sample(5, 1, seed=3), gan.sample(5, 1, seed=3))
    assert type(loaded_smote) is SMOTE and loaded_smote.get_params() == smote.get_params()
    save_sampler([], tmp_path / "none.pt")  # a cell without augmentation
    assert load_sampler(tmp_path / "none.pt") == []
    with pytest.raises(ValueError, match="not fitted yet"):
        save_sampler(SMOTifiedGAN(), tmp_path / "x.pt")
    with pytest.raises(TypeError, match="cannot save a list"):
        save_sampler([[gan]], tmp_path / "x.pt")


def test_one_log_line_per_n_epochs(caplog):
    X, y = data(frame=False)
    with caplog.at_level(logging.INFO, logger="smotified_gan.core.samplers.gan"):
        SMOTifiedGAN(random_state=0, epochs=10, log_every=5, architecture="paper").fit_resample(X, y)
    lines = [r.getMessage() for r in caplog.records if r.name == "smotified_gan.core.samplers.gan"]
    assert len(lines) == 2 and lines[0].startswith("GAN (class 1) epoch 5/10: G loss")


def test_history_and_early_stopping():
    X, y = data(n_minor=30, frame=False)
    sampler = SMOTifiedGAN(random_state=0, epochs=60, log_every=0, architecture="paper", early_stopping=True,
                           validation_every=5, patience=2, learning_rate=1e-3)
    sampler.fit_resample(X, y)
    history = sampler.history_
    assert list(history.columns) == ["epoch", "g_loss", "d_loss", "d_real", "d_fake", "val_f1", "class"]
    checked = history.dropna(subset=["val_f1"])
    assert (checked["epoch"] % 5 == 0).all() and len(checked) >= 3
    assert sampler.best_epochs_[1] == int(checked.loc[checked["val_f1"].idxmax(), "epoch"])
    assert history[["d_real", "d_fake"]].stack().between(0, 1).all()


def test_early_stopping_keeps_the_best_generator_and_stops_after_patience(monkeypatch):
    import smotified_gan.core.samplers.refine as refine

    scores = iter([0.2, 0.6, 0.5, 0.4, 0.9])  # the best check is the 2nd; two checks without a gain then stop
    kept = {}

    def scripted_validation(X_fit, y_fit, X_val, y_val, label, inputs, device, supports):
        def score(generator):
            value = next(scores)
            kept.setdefault(value, {k: v.clone() for k, v in generator.state_dict().items()})
            return value
        return score

    monkeypatch.setattr(refine, "validation_f1", scripted_validation)
    X, y = data(n_minor=30, frame=False)
    sampler = SMOTifiedGAN(random_state=0, epochs=60, log_every=0, architecture="paper", early_stopping=True,
                           validation_every=5, patience=2, learning_rate=1e-3)
    sampler.fit_resample(X, y)
    history = sampler.history_
    assert history["epoch"].max() == 20  # checks at 5, 10, 15, 20: no gain after 10 twice, so stop at 20
    assert history["val_f1"].dropna().tolist() == [0.2, 0.6, 0.5, 0.4]
    assert sampler.best_epochs_[1] == 10
    best = kept[0.6]  # the generator returned is the one scored 0.6, not the last one
    for name, value in sampler.generators_[1].state_dict().items():
        assert torch.equal(value, best[name]), name


BAD_INPUTS = [
    ("nan", lambda X, y: (X.assign(f1=np.r_[np.nan, X["f1"].iloc[1:]]), y),
     r"1 NaN or infinite value\(s\), first in column 'f1'"),
    ("inf", lambda X, y: (X.assign(f2=np.r_[np.inf, X["f2"].iloc[1:]]), y), r"NaN or infinite value\(s\), first in column 'f2'"),
    ("text", lambda X, y: (X.assign(f0="a"), y), r"non-numeric column\(s\) \['f0'\]"),
    ("one class", lambda X, y: (X, np.zeros_like(y)), "single class"),
    ("few minority", lambda X, y: (X.iloc[:125], y[:125]), r"class 1 has 5 row\(s\); .* k_neighbors=5 needs at least 6"),
    ("no rows", lambda X, y: (X.iloc[:0], y[:0]), r"X has 0 row\(s\) and 4 column\(s\)"),
    ("no columns", lambda X, y: (X.iloc[:, :0], y), r"X has 140 row\(s\) and 0 column\(s\)"),
    ("lengths", lambda X, y: (X, y[:-1]), "X has 140 rows but y has 139 labels"),
    ("range", lambda X, y: (X.assign(f3=X["f3"] * 10), y), r"feature 'f3' ranges over \[.*\] .* scale the features to \[0, 1\]"),
]


CASES = [(cls, *case) for cls in (SMOTifiedGAN, GANOverSampler) for case in BAD_INPUTS
         if not (cls is GANOverSampler and case[0] == "few minority")]  # the plain GAN has no k-neighbour phase


@pytest.mark.parametrize("sampler_class, name, corrupt, message", CASES,
                         ids=[f"{c[0].__name__}-{c[1]}" for c in CASES])
def test_bad_input_is_a_clear_value_error(sampler_class, name, corrupt, message):
    X, y = corrupt(*data())
    with pytest.raises(ValueError, match=message):
        sampler_class(random_state=0, **FAST).fit_resample(X, y)


def test_identity_output_accepts_any_range():
    X, y = data(frame=False)
    _, y_res = SMOTifiedGAN(random_state=0, output_activation="identity", **FAST).fit_resample(X * 10 - 3, y)
    assert Counter(y_res)[1] == 120


@pytest.mark.parametrize("sampler_class", [SMOTifiedGAN, GANOverSampler])
@pytest.mark.parametrize("name, value", [("architecture", "cod"), ("device", "gpu"), ("output_activation", "tanh"),
                                         ("epochs", 0), ("learning_rate", -1.0)])
def test_a_typo_in_a_setting_fails_before_any_work(sampler_class, name, value, monkeypatch):
    import smotified_gan.core.samplers.base as base

    def no_training(*args, **kwargs):
        raise AssertionError("training started despite an invalid parameter")

    monkeypatch.setattr(base, "refine_many", no_training)
    X, y = data(frame=False)
    sampler = sampler_class(**{**FAST, name: value})
    with pytest.raises(ValueError, match=f"The '{name}' parameter of {sampler_class.__name__} must be"):
        sampler.fit_resample(X, y)
    assert not hasattr(sampler, "generators_")


def test_minmax_rounding_past_one_is_accepted_and_clipped_a_real_overflow_is_not():
    X, y = data(frame=False)
    X[0, 1] = 1 + 1e-9  # what MinMaxScaler can give on new data
    X_res, _ = SMOTifiedGAN(random_state=0, **FAST).fit_resample(X, y)
    assert X_res[0, 1] == 1 + 1e-9  # the original rows come back as given
    X[0, 1] = 1.01
    with pytest.raises(ValueError, match=r"feature 'x1' ranges over \[.*1.01\]"):
        SMOTifiedGAN(random_state=0, **FAST).fit_resample(X, y)


def test_generate_leaves_the_generator_as_it_found_it():
    """The validation monitor calls ``generate`` mid-training: device and train mode must survive it."""
    from smotified_gan.core.samplers.gan import generate
    from smotified_gan.core.samplers.networks import build_generator

    generator = build_generator(3, 3, (8, 8), batch_norm=True).train()
    rows = generate(generator, np.random.default_rng(0).uniform(size=(5, 3)), device="cpu")
    assert rows.shape == (5, 3)
    assert generator.training and all(m.training for m in generator.modules())
    assert {p.device.type for p in generator.parameters()} == {"cpu"}
    generator.eval()
    generate(generator, np.zeros((2, 3)), device="cpu")
    assert not generator.training


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs CUDA")
def test_generate_on_the_cpu_leaves_a_cuda_generator_on_cuda():
    from smotified_gan.core.samplers.gan import generate
    from smotified_gan.core.samplers.networks import build_generator

    generator = build_generator(3, 3, (8, 8)).cuda().train()
    cpu_rows = generate(generator, np.zeros((4, 3)), device="cpu")
    assert {p.device.type for p in generator.parameters()} == {"cuda"} and generator.training
    np.testing.assert_allclose(generate(generator, np.zeros((4, 3)), device="cuda"), cpu_rows, atol=1e-5)


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs CUDA")
def test_cuda_and_cpu_fits_run_with_the_validation_monitor():
    X, y = data(frame=False)
    for device in ("cpu", "cuda"):
        sampler = SMOTifiedGAN(random_state=0, device=device, monitor_validation=True, validation_every=2,
                               **{**FAST, "epochs": 6})
        X_res, _ = sampler.fit_resample(X, y)
        assert sampler.history_["val_f1"].notna().sum() == 3 and X_res.shape == (240, 4)


@pytest.mark.parametrize("option", ["early_stopping", "monitor_validation"])
def test_validation_rows_never_reach_the_first_phase_or_the_gan(option, monkeypatch):
    import smotified_gan.core.samplers.oversamplers as oversamplers
    import smotified_gan.core.samplers.refine as refine

    seen = {}
    original_first, original_train = oversamplers.first_phase_rows, refine.train_gans

    def first_phase_spy(X, y, *args, **kwargs):
        seen["first_phase"] = np.asarray(X).copy()
        return original_first(X, y, *args, **kwargs)

    def train_spy(reals, *args, **kwargs):
        (seen["gan"],) = [np.asarray(real).copy() for real in reals]
        return original_train(reals, *args, **kwargs)

    monkeypatch.setattr(oversamplers, "first_phase_rows", first_phase_spy)
    monkeypatch.setattr(refine, "train_gans", train_spy)
    X, y = data(n_minor=30, frame=False)
    sampler = SMOTifiedGAN(random_state=0, validation_every=2, validation_fraction=0.2, **{**FAST, "epochs": 4},
                           **{option: True})
    X_res, y_res = sampler.fit_resample(X, y)
    assert len(seen["first_phase"]) == 120 and len(seen["gan"]) == 24  # 80% of the 150 rows, of the 30 minority
    fitted = {tuple(row) for row in seen["first_phase"].round(6)}
    held_out = [row for row in X.astype(np.float32).round(6) if tuple(row) not in fitted]
    assert len(held_out) == 30
    gan_rows = {tuple(row) for row in seen["gan"].round(6)}
    assert not any(tuple(row) in gan_rows for row in held_out)
    assert (y_res == 1).sum() == 120 and len(X_res) == 240  # the output still balances the whole input
    assert sampler.history_["val_f1"].notna().sum() == 2
