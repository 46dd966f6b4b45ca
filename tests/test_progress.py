"""One progress reporter for long work: GAN training, classifier training and the grid say how far and how long left."""

import logging

import numpy as np

from smotified_gan.core import progress as progress_module
from smotified_gan.core.progress import Progress


def test_a_line_every_interval_with_the_time_left_at_the_pace_so_far(monkeypatch, caplog):
    clock = [100.0]
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: clock[0])
    caplog.set_level(logging.INFO)
    reporter = Progress("Training", 200, "epochs", logging.getLogger("t"), every=20.0)
    for epoch, at in [(1, 105.0), (2, 119.0), (10, 125.0), (11, 130.0), (50, 150.0)]:
        clock[0] = at
        reporter.update(epoch)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == ["Training: 10 of 200 epochs (5%), 25 s so far, about 475 s left",
                     "Training: 50 of 200 epochs (25%), 50 s so far, about 150 s left"]
    assert reporter.left(100) == (50.0, 50.0)


def test_gan_training_reports_its_epochs_with_the_time_left(monkeypatch, caplog):
    from smotified_gan.core.samplers.gan import GANConfig, train_gans

    ticks = iter(np.arange(0.0, 10_000.0, 7.0))  # every clock read 7 s later: a line every few epochs
    monkeypatch.setattr(progress_module.time, "perf_counter", lambda: float(next(ticks)))
    caplog.set_level(logging.INFO, logger="smotified_gan.core.samplers.gan")
    rng = np.random.default_rng(0)
    real = rng.random((40, 3), dtype=np.float32)
    train_gans([real, real], [None, None], GANConfig(epochs=12, batch_size=16, log_every=0), seeds=[0, 1])
    lines = [r.getMessage() for r in caplog.records if "GAN(s)" in r.getMessage()]
    assert lines and all(line.startswith("Training 2 GAN(s) on 40 real rows each: ") for line in lines)
    assert "of 12 epochs" in lines[-1] and "s left" in lines[-1]
