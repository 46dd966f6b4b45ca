"""What `retrain.method: auto` costs on the README's own table: each candidate kind alone, and auto within its budget.

    .venv/bin/python bench/auto_cost.py --rows 4000 --alone [--folds-timed 5] [--out auto_cost.csv]
    .venv/bin/python bench/auto_cost.py --rows 40000 [--max-seconds 600]

The table is the README's own-table example (`tests/production/own_table.py`:
two integer, two float and one categorical column, 7.5% minority), taken
through the retrain pipeline's own ingestion, holdout, one-hot and scaling
nodes, with the default settings of conf/base + conf/prod (5 folds, 10 network
runs, the step budget).

`--alone`: every candidate of `retrain.auto` cross-fitted by itself (no
over-sampled rows shared with another candidate), one line and one CSV row as
each ends: seconds, and seconds per 10,000 training rows, beside what
`production.selection.expected_seconds` foresees. `--folds-timed K` times the
first K folds only and counts the rest at their pace (a GAN candidate on a
large table), said in the line.

Without `--alone`: auto as retrain runs it (`pipelines.retrain.nodes.score_and_choose`),
within `--max-seconds` (default: `retrain.auto.max_seconds` as configured):
its total seconds, each candidate's cost or why it was skipped, the choice.
Run it alone on the machine (it uses every core, as retrain does).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(PROJECT / "src"), str(PROJECT)]


def training_set(rows: int) -> pd.DataFrame:
    """The own table's scaled training rows, as the retrain pipeline builds them."""
    from bench.auto_selection import settings
    from smotified_gan.core.data.tables import build_labelled_table
    from smotified_gan.core.parameters import Holdout
    from smotified_gan.core.preprocessing import build_model_inputs, fit_transformer
    from smotified_gan.pipelines.retrain.nodes import key_rows, split_holdout
    from tests.production.own_table import PRODUCTION_PARAMETERS, own_table

    spec = PRODUCTION_PARAMETERS["production"]["dataset"]
    raw = own_table(rows, seed=0)
    table = build_labelled_table(raw, spec, spec["id"])
    holdout = Holdout(**{**settings()["retrain"]["holdout"], "key_column": "customer_id"})
    keyed = key_rows(raw, table, holdout, spec)
    train, test, _ = split_holdout(keyed, holdout, spec)
    return build_model_inputs(fit_transformer(train, spec), train, test)[0]


class _Timed(Exception):
    pass


def alone(rows: int, folds_timed: int | None, out: Path) -> None:
    """Each candidate cross-fitted by itself; a line and a CSV row as each ends."""
    from bench.auto_selection import settings
    from smotified_gan.core.parameters import AutoSettings, ThresholdSettings
    from smotified_gan.core.production.calibration import out_of_fold_scores
    from smotified_gan.core.production.selection import expected_seconds
    from smotified_gan.pipelines.retrain.nodes import _candidates, _fitter

    params = settings()
    retrain = params["retrain"]
    train = training_set(rows)
    threshold = ThresholdSettings(**retrain["threshold"])
    training = {**retrain["training"], "classifier": "auto"}
    y = train["target"].to_numpy()
    for candidate in _candidates("auto", training, AutoSettings(**retrain["auto"])):
        fit_and_score, _ = _fitter(train, params["oversampling"], retrain["gan_epochs"], training,
                                   retrain["classifier_epochs"])
        timed = {}

        def stop_after(done, folds, seconds, timed=timed):
            timed.update(done=done, folds=folds, seconds=seconds)
            if folds_timed and done >= folds_timed and done < folds:
                raise _Timed

        started = time.perf_counter()
        try:
            out_of_fold_scores(y, lambda fit, scored, c=candidate, f=fit_and_score: f(c, fit, scored), threshold.folds,
                               threshold.seed, after_fold=stop_after)
        except _Timed:
            pass
        seconds = (time.perf_counter() - started) * timed["folds"] / timed["done"]
        row = {"rows": rows, "training_rows": len(train), "candidate": candidate.name, "seconds": round(seconds, 1),
               "seconds_per_10k": round(seconds / len(train) * 10_000, 1), "folds_timed": timed["done"],
               "folds": timed["folds"], "foreseen": round(expected_seconds(candidate, len(train)), 1)}
        print(" | ".join(f"{k} {v}" for k, v in row.items()), flush=True)
        frame = pd.DataFrame([row])
        frame.to_csv(out, mode="a", header=not out.exists(), index=False)


def within_budget(rows: int, max_seconds: float | None) -> None:
    from bench.auto_selection import settings
    from smotified_gan.core.parameters import AutoSettings, DecisionSettings, ThresholdSettings
    from smotified_gan.pipelines.retrain.nodes import score_and_choose

    params = settings()
    retrain = params["retrain"]
    train = training_set(rows)
    auto = {**retrain["auto"], **({"max_seconds": max_seconds} if max_seconds else {})}
    started = time.perf_counter()
    scored, winner, reason, _ = score_and_choose(
        train, "auto", params["oversampling"], retrain["gan_epochs"], {**retrain["training"], "classifier": "auto"},
        retrain["classifier_epochs"], ThresholdSettings(**retrain["threshold"]), AutoSettings(**auto),
        DecisionSettings(**retrain["decision"]))
    total = time.perf_counter() - started
    print(f"{rows} rows ({len(train)} training rows), budget {AutoSettings(**auto).max_seconds} s: {total:.0f} s of "
          "cross-fitting in all")
    for s in scored:
        print(f"  {s.candidate.name}: {s.describe('f1')}")
    print(f"  Choice: {reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    parser.add_argument("--alone", action="store_true")
    parser.add_argument("--folds-timed", type=int, default=None)
    parser.add_argument("--max-seconds", type=float, default=None)
    parser.add_argument("--out", type=Path, default=Path("auto_cost.csv"))
    args = parser.parse_args()
    import logging

    from smotified_gan.adapters.upstream_notices import silence_upstream_notices

    silence_upstream_notices()
    logging.basicConfig(level=logging.WARNING)
    if args.alone:
        alone(args.rows, args.folds_timed, args.out)
    else:
        within_budget(args.rows, args.max_seconds)


if __name__ == "__main__":
    main()
