"""How often the scoring drift check cries wolf: PSI >= 0.25 on batches drawn from the training distribution itself.

The training rows: a category with one level at 85% and ten at 1.5% each, a
normal number and a Poisson count (20,000 rows, the input contract's 10
quantile bins). Batches of 100, 300 and 1,000 rows are drawn from the same
distribution (no drift), 1,000 of each; the share whose PSI reaches the
threshold is the false alarm rate, with and without pooling bins that expect
fewer than 5 of the batch's rows. Then one drifted batch per column, to show the
check still sees drift.

    python bench/psi_false_alarms.py [--batches 1000]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from smotified_gan.core.production.contract import MIN_EXPECTED, InputContract, population_stability

LEVELS = ["common"] + [f"rare{i}" for i in range(10)]
SHARES = [0.85] + [0.015] * 10


def rows(rng: np.random.Generator, n: int, shares=SHARES, mean: float = 0.0, rate: float = 4.0) -> pd.DataFrame:
    return pd.DataFrame({"category": rng.choice(LEVELS, n, p=shares), "number": rng.normal(mean, 1.0, n),
                         "count": rng.poisson(rate, n)})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--threshold", type=float, default=0.25)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    contract = InputContract.from_training_rows(rows(rng, 20_000))
    print(f"false alarm rate (PSI >= {args.threshold}) on {args.batches} no-drift batches per size")
    print("| batch rows | column | unpooled | pooled (each bin expects >= 5 rows) |")
    print("|---|---|---|---|")
    for n in (100, 300, 1000):
        batches = [rows(rng, n) for _ in range(args.batches)]
        for column in ("category", "number", "count"):
            reference = contract.reference[column]
            rates = [np.mean([population_stability(b[column], reference, floor) >= args.threshold for b in batches])
                     for floor in (0.0, MIN_EXPECTED)]
            print(f"| {n} | {column} | {rates[0]:.1%} | {rates[1]:.1%} |")
    drifted = rows(rng, 300, shares=[0.5] + [0.05] * 10, mean=0.8, rate=6.0)
    psi = {c: population_stability(drifted[c], contract.reference[c]) for c in drifted}
    print("one drifted batch (300 rows; common level 85% -> 50%, mean 0 -> 0.8, rate 4 -> 6), pooled PSI: "
          + ", ".join(f"{c} {v:.3f}" for c, v in psi.items()))


if __name__ == "__main__":
    main()
