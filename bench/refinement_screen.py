"""Screen over-samplers on the 24 development KEEL tables before a full benchmark run: F1 and row quality.

    .venv/bin/python bench/refinement_screen.py [--repeats 3] [--candidates smote,residual_penalty,...]
                                                [--tables appendicitis,...] [--out screen.csv]

The development tables of issue 16 (conf/keel), each through the project's
own CommonDatasetsDataset; per repeat a stratified 80/20 split (seed 42 + r),
MinMax scaling fitted on the training rows, the candidate over-sampler on the
training rows, then two classifiers on the augmented rows: scikit-learn's
HistGradientBoostingClassifier and the paper's network (5 runs, about 3,000
steps). Printed per candidate: mean F1 and PR-AUC over tables for each
classifier, average ranks by F1, and the energy distance of the synthetic rows
to the real minority test rows (pooled over repeats; lower is closer), with
its ratio to SMOTE's rows on the same tables, and the median detection AUC of
those rows against the same real rows (0.5 = indistinguishable). A screen, not the benchmark:
fewer repeats and runs, and no significance tests (`kedro run --env keel`).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
TABLES = ("appendicitis car_good cm1 dermatology_6 flaref haberman hepatitis kc1 kddcup_guess_passwd_vs_satan "
          "kr_vs_k_zero_one_vs_draw led7digit_0_2_4_5_6_7_8_9_vs_1 new_thyroid1 pc1 pima satimage segment0 "
          "shuttle_c0_vs_c4 shuttle_2_vs_5 spectf vehicle0 winequality_white_3_vs_7 winequality_white_3_9_vs_5 yeast3 "
          "yeast_1_4_5_8_vs_7").split()
GAN_STEPS = 1000  # generator steps per GAN, whatever the class's size


def candidates() -> dict:
    """name -> (sampler kind, constructor arguments); GAN epochs are set per table from GAN_STEPS."""
    quick = {"log_every": 0, "precision": "float32"}
    refine = {**quick, "residual": True, "learning_rate": 1e-3, "architecture": "paper"}
    return {
        "none": ("none", {}),
        "smote": ("smote", {"first_phase": "smote"}),
        "borderline_smote": ("smote", {"first_phase": "borderline_smote"}),
        "adasyn": ("smote", {"first_phase": "adasyn"}),
        "smotified_gan": ("smotified_gan", {**quick}),
        "residual": ("smotified_gan", {**quick, "residual": True}),
        "residual_fast": ("smotified_gan", {**refine}),
        "residual_penalty": ("smotified_gan", {**refine, "identity_penalty": 10.0}),
        "penalty_3": ("smotified_gan", {**refine, "identity_penalty": 3.0}),
        "penalty_30": ("smotified_gan", {**refine, "identity_penalty": 30.0}),
        "penalty_3_snap_2": ("smotified_gan", {**refine, "identity_penalty": 3.0, "snap_discrete": 2}),
        "penalty_3_snap_10": ("smotified_gan", {**refine, "identity_penalty": 3.0, "snap_discrete": 10}),
        "smote_snap_10": ("smotified_gan", {**refine, "identity_penalty": 1e6, "snap_discrete": 10}),
        "drs": ("smotified_gan", {**refine, "identity_penalty": 10.0, "rejection": 3.0}),
        "drs_mild": ("smotified_gan", {**refine, "identity_penalty": 10.0, "rejection": 1.5}),
        "drs_mild_filter": ("smotified_gan", {**refine, "identity_penalty": 10.0, "rejection": 1.5,
                                              "majority_filter": 5}),
        "drs_filter": ("smotified_gan", {**refine, "identity_penalty": 10.0, "rejection": 3.0, "majority_filter": 5}),
        "smote_drs": ("smotified_gan", {**refine, "identity_penalty": 1e6, "rejection": 3.0}),
        "smote_drs_filter": ("smotified_gan", {**refine, "identity_penalty": 1e6, "rejection": 3.0,
                                               "majority_filter": 5}),
    }


def table(name: str) -> tuple[np.ndarray, np.ndarray]:
    from smotified_gan.io import CommonDatasetsDataset

    frame = CommonDatasetsDataset(name).load().frame
    return frame.drop(columns="class").to_numpy(np.float64), frame["class"].to_numpy()


def splits(X: np.ndarray, y: np.ndarray, repeats: int):
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import MinMaxScaler

    for repeat in range(repeats):
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=42 + repeat)
        scaler = MinMaxScaler().fit(X_train)
        yield repeat, np.clip(scaler.transform(X_train), 0, 1), y_train, np.clip(scaler.transform(X_test), 0, 1), y_test


def build(kind: str, settings: dict, seed: int, minority: int):
    from smotified_gan.core.oversampling import build_sampler

    if kind == "none":
        return None
    gan = {k: v for k, v in settings.items() if k not in ("first_phase",)}
    oversampling = {"sampling_strategy": "auto", "random_state": seed, "first_phase": settings.get("first_phase", "smote"),
                    "k_neighbors": 5, "first_phase_kwargs": {}, "gan": gan if kind != "smote" else {}}
    epochs = max(1, math.ceil(GAN_STEPS / max(1, math.ceil(minority / settings.get("batch_size", 128)))))
    return build_sampler({"sampler": kind}, oversampling, epochs)


def classify(X, y, X_test, y_test, seed: int) -> dict:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import average_precision_score, f1_score

    from smotified_gan.core.classifier import ClassifierConfig, train_classifiers

    scores = {}
    gb = HistGradientBoostingClassifier(random_state=seed).fit(X, y)
    probability = gb.predict_proba(X_test)[:, 1]
    scores["gb_f1"] = f1_score(y_test, probability > 0.5, zero_division=0)
    scores["gb_pr_auc"] = average_precision_score(y_test, probability)
    epochs = max(5, min(100, round(3000 / math.ceil(len(y) / 32))))
    nets = train_classifiers(X, y, ClassifierConfig(epochs=epochs, precision="bfloat16"), [seed + i for i in range(5)])
    output = nets.scores(X_test)
    scores["net_f1"] = float(np.mean([f1_score(y_test, o > 0.5, zero_division=0) for o in output]))
    scores["net_pr_auc"] = float(np.mean([average_precision_score(y_test, o) for o in output]))
    return scores


def main() -> None:
    from smotified_gan.core.metrics import detection_auc, energy_distance

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--candidates", default=",".join(candidates()))
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    chosen = {name: candidates()[name] for name in args.candidates.split(",")}
    rows = []
    for name in args.tables.split(","):
        X, y = table(name)
        for candidate, (kind, settings) in chosen.items():
            started, real, synthetic, scores = time.perf_counter(), [], [], []
            for repeat, X_train, y_train, X_test, y_test in splits(X, y, args.repeats):
                sampler = build(kind, settings, 42 + repeat, int(y_train.sum()))
                try:
                    X_aug, y_aug = (X_train, y_train) if sampler is None else sampler.fit_resample(X_train, y_train)
                except (ValueError, RuntimeError) as error:
                    print(f"{name} {candidate}: {error}", file=sys.stderr)
                    X_aug, y_aug = X_train, y_train
                X_aug, y_aug = np.asarray(X_aug), np.asarray(y_aug)
                synthetic.append(X_aug[len(X_train):][y_aug[len(X_train):] == 1])
                real.append(X_test[y_test == 1])
                scores.append(classify(X_aug, y_aug, X_test, y_test, 1000 + repeat))
            pooled = np.vstack(synthetic)
            energy = energy_distance(np.vstack(real), pooled) if len(pooled) else float("nan")
            auc = detection_auc(np.vstack(real), pooled) if len(pooled) else float("nan")
            rows.append({"table": name, "candidate": candidate, **pd.DataFrame(scores).mean().to_dict(),
                         "energy": energy, "detection_auc": auc, "seconds": time.perf_counter() - started})
            print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rows[-1].items()}, flush=True)
    report(pd.DataFrame(rows), args.out)


def report(results: pd.DataFrame, out: str | None) -> None:
    if out:
        results.to_csv(out, index=False)
    summary = results.groupby("candidate", sort=False)[["gb_f1", "net_f1", "gb_pr_auc", "net_pr_auc", "seconds"]].mean()
    for lens in ("gb", "net"):
        ranks = results.pivot(index="table", columns="candidate", values=f"{lens}_f1").rank(axis=1, ascending=False)
        summary[f"{lens}_rank"] = ranks.mean()
    energy = results.pivot(index="table", columns="candidate", values="energy")
    if "smote" in energy:
        ratio = energy.div(energy["smote"], axis=0)
        summary["energy_vs_smote"] = ratio.median()
        summary["closer_than_smote"] = (ratio < 1).sum()
    summary["median_detection_auc"] = results.groupby("candidate", sort=False)["detection_auc"].median()
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
