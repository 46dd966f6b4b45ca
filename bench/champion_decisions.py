"""How often `retrain` moves `champion`: with two equally good models (it should be at most 1 - confidence) and with
a clearly better one (as often as possible), at 5, 30 and 300 holdout minority rows.

    .venv/bin/python bench/champion_decisions.py [--retrains 2000]

A holdout of ``minority`` minority rows and 14 times as many majority rows. A
model's calls are drawn row by row: a minority row is caught with probability
``recall``, a majority row called minority with probability 0.05. "Equal": both
models have recall 0.6 (independent draws, as two retrains with other seeds).
"Better": the challenger's recall is 0.75 against the champion's 0.6. Each
retrain is decided at confidence 0.9 on F1 by

- the exact paired permutation test (``production.decision.paired_permutation_test``, today's rule), and
- the stratified paired bootstrap it replaced (lower 90% bound of the F1 gain above 0; multinomial counts of
  the (class, challenger's call, champion's call) cells, 2,000 resamples), rebuilt here for the comparison.

``min_holdout_minority`` is left out (set to 0): the table shows the tests themselves.
"""

from __future__ import annotations

import argparse

import numpy as np

from smotified_gan.core.confusion import counting_metric
from smotified_gan.core.production.decision import paired_permutation_test


def calls(rng: np.random.Generator, y: np.ndarray, recall: float) -> np.ndarray:
    return np.where(y == 1, rng.random(len(y)) < recall, rng.random(len(y)) < 0.05)


def bootstrap_lower_bound(rng: np.random.Generator, y: np.ndarray, a: np.ndarray, b: np.ndarray,
                          resamples: int = 2000, confidence: float = 0.9) -> float:
    """The replaced rule: per class, multinomial resamples of the four (a's call, b's call) cells."""
    totals = {}
    for label in (1, 0):
        mine = y == label
        cells = np.array([np.sum(mine & (a == i) & (b == j)) for i in (0, 1) for j in (0, 1)])
        draws = rng.multinomial(int(mine.sum()), cells / max(cells.sum(), 1), size=resamples)
        totals[label] = (draws[:, 2] + draws[:, 3], draws[:, 1] + draws[:, 3], int(mine.sum()))
    (tp_a, tp_b, m), (fp_a, fp_b, n0) = totals[1], totals[0]
    gain = counting_metric(tp_a, fp_a, m - tp_a, n0 - fp_a, "f1") - counting_metric(tp_b, fp_b, m - tp_b, n0 - fp_b, "f1")
    return float(np.quantile(gain, 1 - confidence))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--retrains", type=int, default=2000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"share of {args.retrains} retrains that move the champion (confidence 0.9, F1)")
    print("| holdout minority rows | equal: exact permutation | equal: bootstrap (replaced) "
          "| better: exact permutation | better: bootstrap (replaced) |")
    print("|---|---|---|---|---|")
    for minority in (5, 30, 300):
        y = np.r_[np.ones(minority, int), np.zeros(14 * minority, int)]
        moved = {key: 0 for key in ("equal_exact", "equal_boot", "better_exact", "better_boot")}
        for _ in range(args.retrains):
            for case, recall in (("equal", 0.6), ("better", 0.75)):
                a, b = calls(rng, y, recall), calls(rng, y, 0.6)
                moved[f"{case}_exact"] += paired_permutation_test(y, (a * 1.0, a), (b * 1.0, b), "f1").p_value < 0.1
                moved[f"{case}_boot"] += bootstrap_lower_bound(rng, y, a.astype(int), b.astype(int)) > 0
        shares = {key: value / args.retrains for key, value in moved.items()}
        print(f"| {minority} | {shares['equal_exact']:.1%} | {shares['equal_boot']:.1%} | {shares['better_exact']:.1%} "
              f"| {shares['better_boot']:.1%} |", flush=True)


if __name__ == "__main__":
    main()
