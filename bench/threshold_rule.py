"""Which decision-threshold rule never loses to 0.5 in expectation and wins where tuning helps (issue 33, item 1)?

    .venv/bin/python bench/threshold_rule.py [--sizes 100,400,1600,10000] [--shares 0.03,0.1,0.3]
                                             [--classifiers boosting,network] [--draws 30] [--out rules.csv]

A seeded simulation: per (rows, minority share, classifier) and draw, a table of ``rows`` training rows and 15,000
fresh rows from one ``make_classification`` process (10 features, 5 informative, 1% label noise); SMOTE + the
classifier (scikit-learn's HistGradientBoosting, or the paper's network: one run, about 1,500 steps) cross-fitted on
5 stratified folds as retrain does (SMOTE refitted in each fold; ``production.calibration.out_of_fold_scores``),
then refitted on every training row. Each rule turns the out-of-fold scores into a threshold for the refitted model;
its F1 on the fresh rows is compared with the classifier's own 0.5 and with the ideal threshold (the best F1 on the
fresh rows, which no rule can know). Rules:

- ``fixed``: the classifier's own 0.5;
- ``tuned``: Platt calibration and the F1-best threshold on the out-of-fold scores (retrain's rule today);
- ``shrunk_<m0>``: the tuned threshold moved toward 0.5's calibrated value by m0 / (m0 + minority rows);
- ``shown``: tuned where its honest out-of-fold F1 (each fold's threshold fitted on the others,
  ``honest_outputs``) beats 0.5's out-of-fold F1, else 0.5 (``production.calibration.decide_threshold``);
- ``shown_se``, ``shown_2se``: the same, by more than one (two) bootstrap standard errors of the paired
  difference;
- ``sklearn``: scikit-learn's ``TunedThresholdClassifierCV`` (5 folds, F1, refit) around the SMOTE pipeline
  (gradient boosting only, on tables up to ``--sklearn-max-rows``).

Printed per cell and rule: the mean F1 gain against 0.5 with two standard errors, its 5th percentile, and the mean
loss against the ideal threshold.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

FOLDS, FRESH = 5, 15_000
SHRINK = (30, 100)


def table(rows: int, share: float, seed: int) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import make_classification

    X, y = make_classification(rows + FRESH, n_features=10, n_informative=5, n_redundant=2, weights=[1 - share],
                               flip_y=0.01, class_sep=0.8, random_state=seed)
    X = (X - X.min(axis=0)) / (X.max(axis=0) - X.min(axis=0))  # the GAN-free pipeline still works in [0, 1]
    return X[:rows].astype(np.float32), y[:rows], X[rows:].astype(np.float32), y[rows:]


def fit_and_score(classifier: str, seed: int):
    from imblearn.over_sampling import SMOTE
    from sklearn.ensemble import HistGradientBoostingClassifier

    from smotified_gan.core.classifier import ClassifierConfig, train_classifiers

    def fit(X: np.ndarray, y: np.ndarray):
        k = max(1, min(5, int(y.sum()) - 1))
        X_res, y_res = SMOTE(k_neighbors=k, random_state=seed).fit_resample(X, y)
        if classifier == "boosting":
            model = HistGradientBoostingClassifier(random_state=seed).fit(X_res, y_res)
            return lambda rows: model.predict_proba(rows)[:, 1]
        epochs = max(2, round(1500 / np.ceil(len(y_res) / 32)))
        trained = train_classifiers(X_res, y_res, ClassifierConfig(epochs=epochs, precision="float32"), [seed])
        return lambda rows: trained.scores(rows)[0]

    return fit


def thresholds(scores: np.ndarray, y: np.ndarray, fold: np.ndarray, seed: int) -> dict[str, object]:
    """Each rule's decision on out-of-fold ``scores``: a function raw scores -> 0/1 calls."""
    from smotified_gan.core.production.calibration import calibrate, decide_threshold

    calibration, _ = calibrate(scores, y, "platt", "f1")
    default = float(calibration.probabilities(np.array([0.5]))[0])  # 0.5's calibrated value
    minority = int(y.sum())
    rules = {"fixed": lambda s: (s > 0.5).astype(int), "tuned": calibration.predict}
    for m0 in SHRINK:
        shrunk = default + minority / (minority + m0) * (calibration.threshold - default)
        rules[f"shrunk_{m0}"] = lambda s, t=shrunk: (calibration.probabilities(s) > t).astype(int)
    for name, margin in (("shown", 0.0), ("shown_se", 1.0), ("shown_2se", 2.0)):  # the project's rule
        rules[name] = decide_threshold(scores, y, fold, 0.5, "platt", "f1", "shown", margin, seed)[0].predict
    return rules


def one_draw(rows: int, share: float, classifier: str, seed: int, sklearn_max_rows: int = 1600) -> list[dict]:
    from sklearn.metrics import f1_score

    from smotified_gan.core.production.calibration import best_threshold, fold_of, out_of_fold_scores

    X, y, X_new, y_new = table(rows, share, seed)
    fit = fit_and_score(classifier, seed)
    scores = out_of_fold_scores(y, lambda fit_rows, scored: fit(X[fit_rows], y[fit_rows])(X[scored]), FOLDS, seed)
    fold = fold_of(y, FOLDS, seed)
    final = fit(X, y)(X_new)
    _, ideal = best_threshold(final, y_new, "f1")
    results = [{"rule": rule, "f1": f1_score(y_new, decide(final), zero_division=0)}
               for rule, decide in thresholds(scores, y, fold, seed).items()]
    if classifier == "boosting" and rows <= sklearn_max_rows:
        results.append({"rule": "sklearn", "f1": sklearn_tuned(X, y, X_new, y_new, seed)})
    return [{"rows": rows, "share": share, "classifier": classifier, "seed": seed, "ideal": ideal, **r}
            for r in results]


def sklearn_tuned(X, y, X_new, y_new, seed: int) -> float:
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV

    k = max(1, min(5, int(y.sum() * (FOLDS - 1) / FOLDS) - 1))
    pipeline = make_pipeline(SMOTE(k_neighbors=k, random_state=seed), HistGradientBoostingClassifier(random_state=seed))
    model = TunedThresholdClassifierCV(pipeline, scoring="f1", cv=StratifiedKFold(FOLDS, shuffle=True,
                                                                                  random_state=seed))
    return f1_score(y_new, model.fit(X, y).predict(X_new), zero_division=0)


def summary(results: pd.DataFrame) -> pd.DataFrame:
    fixed = results[results["rule"] == "fixed"].set_index(["rows", "share", "classifier", "seed"])["f1"]
    frame = results.join(fixed.rename("fixed_f1"), on=["rows", "share", "classifier", "seed"])
    frame["gain"] = frame["f1"] - frame["fixed_f1"]
    frame["loss_to_ideal"] = frame["ideal"] - frame["f1"]
    grouped = frame.groupby(["classifier", "rows", "share", "rule"], sort=False)
    table = grouped.agg(mean_gain=("gain", "mean"), gain_se=("gain", lambda g: g.std(ddof=1) / np.sqrt(len(g))),
                        p5_gain=("gain", lambda g: g.quantile(0.05)), loss_to_ideal=("loss_to_ideal", "mean"),
                        draws=("gain", "size"))
    table["never_loses"] = table["mean_gain"] + 2 * table["gain_se"] >= 0
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,400,1600,10000")
    parser.add_argument("--shares", default="0.03,0.1,0.3")
    parser.add_argument("--classifiers", default="boosting,network")
    parser.add_argument("--draws", type=int, default=30)
    parser.add_argument("--sklearn-max-rows", type=int, default=1600,
                        help="the sklearn rule (5 more fits a draw) on tables up to this size")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    rows, started = [], time.perf_counter()
    for classifier in args.classifiers.split(","):
        for size in map(int, args.sizes.split(",")):
            for share in map(float, args.shares.split(",")):
                if size * share * (FOLDS - 1) / FOLDS < 3:
                    print(f"{classifier} {size} rows x {share:.0%}: too few minority rows for {FOLDS} folds of SMOTE")
                    continue
                for draw in range(args.draws):
                    rows += one_draw(size, share, classifier, 1000 * draw + 7, args.sklearn_max_rows)
                print(f"{classifier} {size} rows x {share:.0%}: {args.draws} draws, "
                      f"{time.perf_counter() - started:.0f} s so far", flush=True)
                if args.out:
                    pd.DataFrame(rows).to_csv(args.out, index=False)
    table = summary(pd.DataFrame(rows))
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table.round(4).to_string())
        print("\nper rule: cells where it never loses to 0.5 (mean gain + 2 SE >= 0), its mean gain over cells, "
              "and its mean gain on the largest tables:")
        largest = table.xs(table.index.get_level_values("rows").max(), level="rows")
        overall = table.groupby(level="rule", sort=False).agg(cells=("never_loses", "size"),
                                                               never_loses=("never_loses", "sum"),
                                                               mean_gain=("mean_gain", "mean"))
        overall["gain_at_largest"] = largest.groupby(level="rule", sort=False)["mean_gain"].mean()
        print(overall.round(4).to_string())
    print(f"\n{len(rows)} rule results in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
