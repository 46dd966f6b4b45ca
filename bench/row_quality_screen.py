"""Issue 35's screen: do typed rows and the GAN's own levers make GAN rows as hard to tell from real ones as SMOTE's,
at no F1 cost? On the development tables only, with split seeds the benchmark never uses.

    .venv/bin/python bench/row_quality_screen.py [--tables a,b] [--candidates smote,gan_typed,...] [--repeats 3]
                                                 [--seed-base 1000] [--out screen.csv]

Per table (conf/keel's 24 development tables by default) and repeat r: a stratified 80/20 split seeded
``seed_base + r`` (the benchmark's repeats are seeded 42 + r), MinMax scaling fitted on the training rows, then the
experiment's own functions: ``core.oversampling.oversample_repeats`` (a GAN candidate's repeats in one stack) and
``threshold_fold_rows`` (3 stratified folds, the GANs reused: the experiment's tuned-threshold rule). Scikit-learn's
HistGradientBoostingClassifier is fitted on each repeat's augmented rows and on each fold set's; its threshold is
the F1-best one on the calibrated out-of-fold scores (``production.calibration.calibrate``), applied to the test
rows. Row quality is ``core.evaluation.synthetic_row_quality`` (the run's own node): grouped random-forest and
gradient-boosting detection AUC, the real-vs-real reference, DCR against the real test rows' and the giveaway
columns. Printed: per candidate the medians over tables with at least 20 distinct real minority test rows, the
tables where each detector scores below SMOTE's, and the F1 comparison against SMOTE by the grid's statistics
(``metrics.compare_across_tables``: Wilcoxon + Holm, baycomp's signed-rank test with a ROPE of 0.01, power).
GANs train ``--gan-steps`` generator steps each (the epochs follow from the class's size and the batch).
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
# the development tables (conf/keel's `gan_tables`, the same list as bench/refinement_screen.py)
TABLES = ("appendicitis car_good cm1 dermatology_6 flaref haberman hepatitis kc1 kddcup_guess_passwd_vs_satan "
          "kr_vs_k_zero_one_vs_draw led7digit_0_2_4_5_6_7_8_9_vs_1 new_thyroid1 pc1 pima satimage segment0 "
          "shuttle_c0_vs_c4 shuttle_2_vs_5 spectf vehicle0 winequality_white_3_vs_7 winequality_white_3_9_vs_5 yeast3 "
          "yeast_1_4_5_8_vs_7").split()


def candidates() -> dict[str, dict]:
    """name -> a grid method (``core.protocol.method_settings``); GAN settings on top of the authors' defaults."""
    from smotified_gan.core.samplers.recommended import RECOMMENDED

    refinement = {k: v for k, v in RECOMMENDED.items() if k not in ("first_phase", "k_neighbors", "epochs")}
    return {
        "smote": {"sampler": "smote"},
        "gan": {"sampler": "gan"},
        "gan_typed": {"sampler": "gan", "gan": {"typed_rows": True}},
        "gan_typed_r1": {"sampler": "gan", "gan": {"typed_rows": True, "gradient_penalty": 10.0}},
        "smotified_gan": {"sampler": "smotified_gan"},
        "smotified_gan_typed": {"sampler": "smotified_gan", "gan": {"typed_rows": True}},
        "refinement": {"sampler": "smotified_gan", "gan": refinement},
        "refinement_typed": {"sampler": "smotified_gan", "gan": {**refinement, "typed_rows": True}},
        "refinement_typed_r1": {"sampler": "smotified_gan",
                                "gan": {**refinement, "typed_rows": True, "gradient_penalty": 10.0}},
    }


def repeats_of(name: str, repeats: int, seed_base: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table's training and test rows of every repeat, scaled on each repeat's training rows, with the
    experiment's ``repeat`` and ``row_key`` columns."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    from smotified_gan.core.names import REPEAT, ROW_KEY, TARGET
    from smotified_gan.io import CommonDatasetsDataset

    frame = CommonDatasetsDataset(name).load().frame
    X, y = frame.drop(columns="class").to_numpy(np.float64), frame["class"].to_numpy().astype(np.int8)
    features = [f"x{i}" for i in range(X.shape[1])]
    trains, tests = [], []
    for repeat in range(repeats):
        train, test = train_test_split(np.arange(len(y)), test_size=0.2, stratify=y, random_state=seed_base + repeat)
        scaler = MinMaxScaler().fit(X[train])
        for rows, out in ((train, trains), (test, tests)):
            part = pd.DataFrame(np.clip(scaler.transform(X[rows]), 0, 1).astype(np.float32), columns=features)
            out.append(part.assign(**{TARGET: y[rows], REPEAT: repeat, ROW_KEY: rows}))
    return pd.concat(trains, ignore_index=True), pd.concat(tests, ignore_index=True)


def tuned_f1(augmented: pd.DataFrame, folds: pd.DataFrame, test: pd.DataFrame, seed: int) -> tuple[float, float]:
    """Gradient boosting's test F1 at 0.5 and at the threshold tuned on the fold sets' out-of-fold scores."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import f1_score

    from smotified_gan.core.data.tables import feature_columns
    from smotified_gan.core.names import TARGET
    from smotified_gan.core.oversampling import HELD_OUT
    from smotified_gan.core.production.calibration import calibrate

    features = feature_columns(test)
    model = HistGradientBoostingClassifier(random_state=seed).fit(augmented[features], augmented[TARGET])
    scores = model.predict_proba(test[features])[:, 1]
    at_half = f1_score(test[TARGET], scores > 0.5, zero_division=0)
    out_of_fold, labels = [], []
    for _, fold in folds.groupby("repeat"):
        fit, held = fold[~fold[HELD_OUT]], fold[fold[HELD_OUT]]
        fold_model = HistGradientBoostingClassifier(random_state=seed).fit(fit[features], fit[TARGET])
        out_of_fold.append(fold_model.predict_proba(held[features])[:, 1])
        labels.append(held[TARGET].to_numpy())
    if not out_of_fold:
        return at_half, at_half
    calibration, _ = calibrate(np.concatenate(out_of_fold), np.concatenate(labels), "platt", "f1")
    tuned = calibration.probabilities(scores) > calibration.threshold
    return at_half, f1_score(test[TARGET], tuned, zero_division=0)


def screen_cell(table: str, candidate: str, method: dict, train: pd.DataFrame, test: pd.DataFrame,
                gan_steps: int) -> dict:
    from smotified_gan.core.data.tables import split_repeats
    from smotified_gan.core.evaluation import synthetic_row_quality
    from smotified_gan.core.names import TARGET
    from smotified_gan.core.oversampling import oversample_repeats, threshold_fold_rows

    started = time.perf_counter()
    minority = int((split_repeats(train)[0][1][TARGET] == 1).sum())
    batch = int(method.get("gan", {}).get("batch_size", 128))
    epochs = max(1, math.ceil(gan_steps / max(1, math.ceil(minority / batch))))
    oversampling = {"random_state": 42, "gan": {"log_every": 0, "precision": "float32"}}
    cell = {"dataset": table, "method": candidate}
    augmented, new_rows, _, _, samplers = oversample_repeats(train, oversampling, method, epochs, cell)
    folds = threshold_fold_rows(train, oversampling, method, epochs, {"folds": 3, "seed": 7}, cell, samplers)
    f1 = []
    for (repeat, rows), (_, test_rows) in zip(split_repeats(augmented), split_repeats(test)):
        fold_sets = folds[folds["repeat"] // 100 == repeat]
        f1.append(tuned_f1(rows, fold_sets, test_rows, 1000 + repeat))
    quality = synthetic_row_quality(new_rows, test, {"seed": 0, "max_rows": 500, "min_real_rows": 20}, cell, train)
    half, tuned = np.mean(f1, axis=0)
    return {**quality, "f1": half, "f1_tuned": tuned, "epochs": epochs, "seconds": time.perf_counter() - started}


def report(results: pd.DataFrame) -> None:
    from smotified_gan.core.metrics import compare_across_tables

    judged = results.dropna(subset=["detection_auc"])
    columns = ["detection_auc", "boosting_detection_auc", "real_detection_auc", "dcr_ratio", "f1", "f1_tuned"]
    summary = results.groupby("method", sort=False)[["f1", "f1_tuned", "seconds"]].mean()
    summary = summary.join(judged.groupby("method", sort=False)[columns[:4]].median().add_prefix("median_"))
    for detector in ("detection_auc", "boosting_detection_auc"):
        pivot = judged.pivot(index="dataset", columns="method", values=detector)
        if "smote" in pivot:
            summary[f"{detector}_below_smote"] = [
                f"{int((pivot[m] < pivot['smote']).sum())}/{int(pivot[m].notna().sum())}" for m in summary.index]
    print(f"\nper candidate: mean F1 (gradient boosting, 0.5 and tuned) over {results['dataset'].nunique()} tables; "
          f"row quality medians over the {judged['dataset'].nunique()} with >= 20 distinct real minority test rows")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(summary.round(3).to_string())
        long = results.melt(id_vars=["dataset", "method"], value_vars=["f1", "f1_tuned"], var_name="metric",
                            value_name="repeat_mean")
        for metric in ("f1_tuned", "f1"):
            print(f"\n{metric} against SMOTE (Wilcoxon + Holm, baycomp ROPE 0.01, power to see 0.01):")
            comparison = compare_across_tables(long, "smote", metric, rope=0.01)
            print(comparison[["method", "tables", "mean_difference", "wins", "losses", "p_holm", "p_better",
                              "p_equivalent", "p_worse", "power", "verdict"]].round(3).to_string(index=False))
        giveaways = judged[judged["method"] != "smote"][["dataset", "method", "giveaway_columns"]]
        print("\ncolumns the forest leans on most, per table and candidate:")
        print(giveaways.to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--candidates", default=",".join(candidates()))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed-base", type=int, default=1000)
    parser.add_argument("--gan-steps", type=int, default=1000)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    chosen = {name: candidates()[name] for name in args.candidates.split(",")}
    rows, started = [], time.perf_counter()
    for table in args.tables.split(","):
        train, test = repeats_of(table, args.repeats, args.seed_base)
        for candidate, method in chosen.items():
            try:
                rows.append(screen_cell(table, candidate, method, train, test, args.gan_steps))
            except ValueError as error:  # a table too small for a method: said, and left out
                print(f"{table} {candidate}: {error}", flush=True)
                continue
            row = rows[-1]
            print(f"{table:28s} {candidate:22s} F1 {row['f1']:.3f} tuned {row['f1_tuned']:.3f}  detection "
                  f"{row['detection_auc']:.3f} / boosting {row['boosting_detection_auc']:.3f} (real-real "
                  f"{row['real_detection_auc']:.3f})  DCR ratio {row['dcr_ratio']:.2f}  {row['seconds']:.0f} s",
                  flush=True)
        if args.out:
            pd.DataFrame(rows).to_csv(args.out, index=False)
    report(pd.DataFrame(rows))
    print(f"\n{len(rows)} cells in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
