"""A year of nightly retrains, simulated: how often an equal or worse model takes the crown, how soon a better one
does, and how far the champion's reported figure is from its true one, under the decision `retrain` makes.

    .venv/bin/python bench/nightly_decisions.py [--quick] [--years 200] [--seed 0]

The world and the designs: ``smotified_gan.core.production.schedule`` (a holdout that
grows by a month's rows every 30 nights, keys of 1 or 3 rows, a challenger a
night with a true F1 equal to the champion's, +0.05, +0.10 or -0.05 above it).
``all rows + looks`` is retrain's decision, the project's own code; the other
two are the designs it was chosen against. Confidence 0.9, F1,
``min_holdout_minority`` 30; the reference design ``every night`` runs with a
key per row only (its keyed form needs a Monte Carlo test every night).

The columns. ``P(false crown)``: the share of years in which an equal or worse
model takes the crown at least once; ``false/yr``: such crowns per year;
``nights to better``: the median night on which a better model first holds the
crown (``>365`` where it does not in most years); ``reported - true``: the
champion's reported F1 after night 365 minus its true F1 (the mean over
years; for the designs with looks, its F1 on the rows since its crown, or the
figure it won on where no minority row has arrived since).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from smotified_gan.core.production.decision import detectable_gain, look_alpha, look_minority
from smotified_gan.core.production.schedule import BASE_RECALL, CHOSEN, DESIGNS, EVERY, MAJORITY_PER_MINORITY, calls, cell


def look_power(looks: int = 7, first: int = 30, draws: int = 5) -> list[tuple[int, int, float, float]]:
    """Per look: its holdout minority rows, its level, and the F1 gain it detects with 80% power
    (``production.decision.detectable_gain``) between two models of recall 0.6 and false alarms 0.05 with
    independent errors, averaged over ``draws`` holdouts."""
    rng = np.random.default_rng(0)
    table = []
    for look in range(1, looks + 1):
        m = look_minority(look, first)
        y = np.r_[np.ones(m, int), np.zeros(MAJORITY_PER_MINORITY * m, int)]
        gains = [detectable_gain(y, calls(rng, y == 1, BASE_RECALL), calls(rng, y == 1, BASE_RECALL), "f1",
                                 look_alpha(0.1, look)) for _ in range(draws)]
        table.append((look, m, look_alpha(0.1, look), float(np.mean(gains))))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="25 years a cell (under 2 minutes)")
    parser.add_argument("--years", type=int, default=None,
                        help="simulated years per cell of retrain's design (default 200; quick 25); the reference "
                             "design, which tests every night, gets a fifth of them")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    years = args.years or (25 if args.quick else 200)
    started = time.perf_counter()
    print(f"{years} simulated years of 365 nightly retrains per cell ({max(5, years // 5)} for 'every night'); "
          "confidence 0.9, F1; false crowns: an equal or worse model crowned")
    print("| design | minority rows (night 0; +1/30 a night) | rows per key | challenger | P(false crown) | false/yr "
          "| nights to better | reported - true |")
    print("|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for design in DESIGNS:
        for n in (5, 30, 300):
            for rows_per_key in (1, 3):
                if design == EVERY and rows_per_key > 1:
                    continue
                for delta in (0.0, 0.05, 0.10, -0.05):
                    cell_years = years if design != EVERY else max(5, years // 5)
                    result = cell(design, n, rows_per_key, delta, cell_years, args.seed)
                    nights = "" if result["nights"] is None else (
                        ">365" if np.isinf(result["nights"]) else f"{result['nights']:.0f}")
                    name = "equal" if delta == 0 else f"{delta:+.2f}"
                    print(f"| {design} | {n} | {rows_per_key} | {name} | {result['p_false']:.3f} | "
                          f"{result['false_per_year']:.3f} | {nights} | {result['bias']:+.3f} |", flush=True)
                    if design == CHOSEN:
                        worst = max(worst, result["false_per_year"])
    print("\nthe gain each look detects with 80% power (two models of recall 0.6, independent errors)")
    print("| look | holdout minority rows | level | F1 gain detected with 80% power |")
    print("|---|---|---|---|")
    for look, minority, level, gain in look_power():
        print(f"| {look} | {minority} | {level:.4f} | +{gain:.3f} |")
    print(f"({time.perf_counter() - started:.0f} s)")
    print(f"{CHOSEN} (retrain's decision): worst false crowns per year {worst:.3f} (bound 0.10)")


if __name__ == "__main__":
    main()
