"""GAN refinement throughput: mini-batch generator input vs the authors' all-rows-per-step loop.

Prints, on d = 30 features (Credit card's width): real samples per second and
seconds per epoch for this project's loop (one mini-batch of first-phase rows
through G per step) at batch 128 and at larger batches, then the same figures
for a loop that pushes every synthetic row through G at every step, as the
authors' code did, on the same data, and the ratio.

    .venv/bin/python bench/gan_throughput.py [--real 1024] [--synthetic 20000] [--epochs 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from smotified_gan.core.samplers.gan import GANConfig, make_generator, train_gan
from smotified_gan.core.samplers.networks import build_discriminator
from smotified_gan.core.torch_utils import adam, resolve_device


def ours(real, synthetic, batch, epochs):
    config = GANConfig(epochs=epochs, batch_size=batch, log_every=0, device="auto")
    trained = train_gan(real, synthetic, config, seed=0)
    per_epoch = trained.seconds / epochs
    return len(real) / per_epoch, per_epoch


def authors(real, synthetic, batch, epochs):
    """Every step: G(all synthetic rows), D on the real batch vs all of them, G loss on all of them."""
    device = resolve_device("auto")
    config = GANConfig(batch_size=batch)
    torch.manual_seed(0)
    generator = make_generator(config, synthetic.shape[1], real.shape[1], refining=True).to(device)
    discriminator = build_discriminator(real.shape[1], config.layers()[2]).to(device)
    opt_g, opt_d = adam(generator.parameters(), 1e-5), adam(discriminator.parameters(), 1e-5)  # same optimiser as ours
    bce = nn.BCEWithLogitsLoss()
    real_t = torch.as_tensor(real, device=device)
    synthetic_t = torch.as_tensor(synthetic, device=device)
    started = time.perf_counter()
    for _ in range(epochs):
        for start in range(0, len(real_t), batch):
            real_batch = real_t[start:start + batch]
            fake = generator(synthetic_t)
            d_real, d_fake = discriminator(real_batch), discriminator(fake.detach())
            d_loss = 0.5 * (bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake)))
            opt_d.zero_grad()
            d_loss.backward()
            opt_d.step()
            d_gen = discriminator(fake)
            g_loss = bce(d_gen, torch.ones_like(d_gen))
            opt_g.zero_grad()
            g_loss.backward()
            opt_g.step()
    per_epoch = (time.perf_counter() - started) / epochs
    return len(real) / per_epoch, per_epoch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--real", type=int, default=1024, help="real minority rows (steps per epoch = real / batch)")
    parser.add_argument("--synthetic", type=int, default=20000, help="first-phase rows")
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    real = rng.uniform(size=(args.real, args.features)).astype(np.float32)
    synthetic = rng.uniform(size=(args.synthetic, args.features)).astype(np.float32)
    print(f"device {resolve_device('auto')}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"d={args.features}, {args.real} real rows, {args.synthetic} synthetic rows, {args.epochs} epochs")
    ours(real, synthetic, 128, 1)  # warm-up
    results = {}
    for batch in (128, 256, 512, 1024):
        rate, per_epoch = ours(real, synthetic, batch, args.epochs)
        results[batch] = rate
        print(f"mini-batch loop  batch {batch:5d}: {rate:10.0f} real samples/s, {per_epoch:8.3f} s/epoch")
    best = max(results, key=results.get)
    rate_authors, per_epoch_authors = authors(real, synthetic, 128, 1)
    print(f"all-rows loop    batch   128: {rate_authors:10.0f} real samples/s, {per_epoch_authors:8.3f} s/epoch")
    print(f"ratio at batch 128: {results[128] / rate_authors:.1f}x; best batch {best}: {results[best] / rate_authors:.1f}x")


if __name__ == "__main__":
    main()
