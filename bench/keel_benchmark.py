"""The development benchmark (`--env keel`: 95 KEEL tables, the cheap methods on all, the GAN methods on 24, three
classifiers, fixed and tuned thresholds): wall time and what it says.

    .venv/bin/python bench/keel_benchmark.py --modes grid-2        # kedro grid run --workers 2 (the README's figures)
    .venv/bin/python bench/keel_benchmark.py --modes run           # kedro run alone
    .venv/bin/python bench/keel_benchmark.py --summary-only DIR    # the summary of a finished run's data root
    .venv/bin/python bench/keel_benchmark.py --markdown DIR        # its tables as docs/benchmark.md prints them
    .venv/bin/python bench/keel_benchmark.py --tables pima,satimage --no-fit-seconds   # a quicker timing
    .venv/bin/python bench/keel_benchmark.py --methods none,class_weights,random,smote,borderline_smote,adasyn

Each mode runs in its own environment of a scratch configuration (conf/base
and conf/keel, with the mode's own data root in a temporary folder, kept with
`--keep DIR`), so no mode skips work another did. Printed: each mode's wall
time and its speed against `kedro run`, the largest F1 difference between the
modes (the same seeds: the same work), then from the first mode's report, per
classifier: the average ranks by F1 with Friedman / Iman-Davenport and the
critical difference, win/tie/loss against SMOTE, and mean F1 / PR-AUC /
balanced accuracy; per method, the synthetic rows' energy distance to the real
minority test rows as a ratio to SMOTE's on the same tables (median, and on how
many tables closer), and the seconds one fit of the over-sampler takes on each
table's first training split (median over tables).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from kedro_modes import MODES, PROJECT, timed_mode


def scratch_configuration(root: Path, modes: list[str], tables: list[str] | None = None,
                          methods: list[str] | None = None) -> Path:
    conf = root / "conf"
    shutil.copytree(PROJECT / "conf" / "base", conf / "base")
    if methods:  # the grid's methods, in base and in the environment alike (they merge key by key)
        grid_file = conf / "base" / "parameters_grid.yml"
        base = yaml.safe_load(grid_file.read_text())
        base["grid"]["methods"] = {m: s for m, s in base["grid"]["methods"].items() if m in methods}
        grid_file.write_text(yaml.safe_dump(base, sort_keys=False))
    for mode in modes:
        env = conf / f"bench_{mode.replace('-', '_')}"
        shutil.copytree(PROJECT / "conf" / "keel", env)
        scratch_globals = {**yaml.safe_load((env / "globals.yml").read_text()), "data_root": str(root / f"data_{mode}")}
        (env / "globals.yml").write_text(yaml.safe_dump(scratch_globals))
        if methods:
            parameters = yaml.safe_load((env / "parameters.yml").read_text())
            known = parameters["grid"]["methods"]
            unknown = sorted(set(methods) - set(known))
            if unknown:
                sys.exit(f"--methods: {unknown} are not methods of conf/keel; known: {list(known)}")
            parameters["grid"]["methods"] = {m: known[m] for m in known if m in methods}
            (env / "parameters.yml").write_text(yaml.safe_dump(parameters, sort_keys=False))
        if tables:
            definitions = yaml.safe_load((env / "parameters_datasets.yml").read_text())
            unknown = sorted(set(tables) - set(definitions["grid"]["datasets"]))
            if unknown:
                sys.exit(f"--tables: {unknown} are not development tables of conf/keel")
            definitions["grid"]["datasets"] = tables
            (env / "parameters_datasets.yml").write_text(yaml.safe_dump(definitions, sort_keys=False))
    return conf


def run_modes(modes: list[str], keep: Path | None, tables: list[str] | None = None,
              methods: list[str] | None = None) -> tuple[dict, Path]:
    scratch = Path(tempfile.mkdtemp(prefix="keel_benchmark_", dir=keep))
    conf = scratch_configuration(scratch, modes, tables, methods)
    seconds = {}
    for mode in modes:
        seconds[mode] = timed_mode(mode, conf)
    return seconds, scratch


def agreement(scratch: Path, modes: list[str]) -> None:
    f1 = {m: pd.read_csv(scratch / f"data_{m}" / "08_reporting" / "results.csv").query("metric == 'f1'") for m in modes}
    for mode in modes[1:]:
        merged = f1[modes[0]].merge(f1[mode], on=["dataset", "method", "classifier"], suffixes=("_a", "_b"))
        difference = (merged["repeat_mean_a"] - merged["repeat_mean_b"]).abs()
        print(f"  F1, {mode} vs {modes[0]}: largest difference {difference.max():.4f} over {len(merged)} cells")


def summary(data_root: Path, fit: bool = True) -> None:
    reporting = data_root / "08_reporting"
    results = pd.read_csv(reporting / "results.csv")
    ranks = pd.read_csv(reporting / "method_ranks.csv")
    friedman = json.loads((reporting / "friedman_test.json").read_text())
    significance = pd.read_csv(reporting / "significance.csv")
    quality = pd.read_csv(reporting / "synthetic_quality.csv")
    comparison = pd.read_csv(reporting / "method_comparison.csv")
    from smotified_gan.core.report import win_tie_loss

    for lens in results["classifier"].unique():
        test = friedman[lens]
        print(f"\nclassifier {lens}: {test['datasets']} tables; Friedman p {test['p_value']:.3g}, Iman-Davenport p "
              f"{test['iman_davenport_p']:.3g}, critical difference {test['critical_difference']:.2f}")
        table = results[(results["classifier"] == lens)].pivot_table(index="method", columns="metric",
                                                                      values="repeat_mean", aggfunc="mean")
        table = table[[m for m in ("f1", "f1_tuned", "pr_auc", "pr_auc_normalized", "balanced_accuracy")
                       if m in table.columns]]
        table["rank"] = ranks[ranks["classifier"] == lens].set_index("method")["average_rank"]
        counts = win_tie_loss(significance[significance["classifier"] == lens], test.get("alpha", 0.05))
        table = table.join(counts.set_index("versus").rename(columns=lambda c: f"{c}s_vs_smote"))
        print(table.sort_values("rank").round(3).to_string())
        across = comparison[comparison["classifier"] == lens]
        print(across[["metric", "method", "tables", "mean_difference", "median_difference", "p_holm", "p_better",
                      "p_equivalent", "p_worse", "power", "verdict"]].round(3).to_string(index=False))
    energy = quality.pivot_table(index="dataset", columns="method", values="energy_distance")
    auc = quality.pivot_table(index="dataset", columns="method", values="detection_auc")
    reference = quality.pivot_table(index="dataset", columns="method", values="real_detection_auc")
    ratio = energy.div(energy["smote"], axis=0)
    rows = pd.DataFrame({"median energy / SMOTE's": ratio.median(), "tables closer than SMOTE": (ratio < 1).sum(),
                         "tables measured": ratio.notna().sum(), "median detection AUC": auc.median(),
                         "median real vs real": reference.median()})
    print("\nsynthetic rows against the real minority test rows (pooled over repeats):")
    print(rows.round(3).to_string())
    if fit:
        print("\nseconds of one fit per table's first training split (median over tables):")
        print(fit_seconds(data_root).round(3).to_string())


LABELS = {"none": "No augmentation", "class_weights": "Class weights", "random": "Random over-sampling",
          "smote": "SMOTE", "borderline_smote": "Borderline-SMOTE", "adasyn": "ADASYN", "gan": "GAN",
          "smotified_gan": "SMOTified-GAN", "refined": "SMOTified-GAN (refined)"}


def markdown(data_root: Path) -> str:
    """Per classifier: each method's means over its tables (descriptive) and its verdict against SMOTE per metric
    (the report's method_comparison.csv), as docs/benchmark.md prints them."""
    reporting = data_root / "08_reporting"
    results = pd.read_csv(reporting / "results.csv")
    ranks = pd.read_csv(reporting / "method_ranks.csv")
    friedman = json.loads((reporting / "friedman_test.json").read_text())
    comparison = pd.read_csv(reporting / "method_comparison.csv")
    lines = []
    for lens in results["classifier"].unique():
        test = friedman[lens]
        cells = results[(results["classifier"] == lens)]
        lines += [f"**{lens}** (ranks by F1 at 0.5 over the {test['datasets']} tables every method ran on: Friedman "
                  f"p = {test['p_value']:.3g}, Iman-Davenport p = {test['iman_davenport_p']:.3g}, "
                  f"CD {test['critical_difference']:.2f})", "",
                  "| method | tables | F1 at 0.5 | F1 tuned | tuned - 0.5 | normalised AP | PR-AUC | rank (F1 at 0.5) |",
                  "|---|---|---|---|---|---|---|---|"]
        rank = ranks[ranks["classifier"] == lens].set_index("method")["average_rank"]
        tables_of = cells.groupby("method")["dataset"].unique().map(frozenset)
        rows = [(LABELS[m], m, tables_of[m]) for m in LABELS if m in tables_of.index]
        # methods run on fewer tables (the GAN methods' 24) are read beside SMOTE on those same tables
        rows += [(f"SMOTE, on those {len(t)} tables", "smote", t) for t in dict.fromkeys(tables_of)
                 if "smote" in tables_of.index and t < tables_of["smote"]]
        for label, method, tables in rows:
            mean = cells[(cells["method"] == method) & cells["dataset"].isin(tables)].pivot_table(
                index="dataset", columns="metric", values="repeat_mean").mean()
            method_rank = rank.get(method, float("nan")) if tables == tables_of[method] else float("nan")
            lines.append(f"| {label} | {len(tables)} | {mean['f1']:.3f} | {mean['f1_tuned']:.3f} | "
                         f"{mean['f1_tuned'] - mean['f1']:+.3f} | {mean['pr_auc_normalized']:.3f} | "
                         f"{mean['pr_auc']:.3f} | {method_rank:.2f} |".replace("| nan |", "| - |"))
        lines += ["", "| metric | method vs SMOTE | tables | mean / median difference | wins / losses | Wilcoxon p "
                  "(Holm) | P(better / equiv. / worse), margin 0.01 | power at 0.01 | verdict |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for row in comparison[comparison["classifier"] == lens].itertuples():
            lines.append(f"| {row.metric} | {LABELS.get(row.method, row.method)} | {row.tables} | "
                         f"{row.mean_difference:+.3f} / {row.median_difference:+.3f} | {row.wins} / {row.losses} | "
                         f"{row.p_holm:.3g} | {row.p_better:.2f} / {row.p_equivalent:.2f} / {row.p_worse:.2f} | "
                         f"{row.power:.2f} | {row.verdict} |")
        lines.append("")
    return "\n".join(lines)


def fit_seconds(data_root: Path) -> pd.Series:
    """Time each method's over-sampler on each table's first-repeat training set, as the pipeline builds it."""
    from smotified_gan import settings as project_settings
    from smotified_gan.core.oversampling import _gan_epochs, build_sampler
    from smotified_gan.core.oversampling import _xy as xy
    from smotified_gan.core.protocol import dataset_epochs
    from smotified_gan.pipelines.grid import Grid

    arguments = {**project_settings.CONFIG_LOADER_ARGS, "default_run_env": "keel"}
    parameters = dict(project_settings.CONFIG_LOADER_CLASS(str(PROJECT / "conf"), **arguments)["parameters"])
    grid = Grid.from_parameters(parameters)
    oversampling = parameters["oversampling"]
    seconds: dict[str, list[float]] = {method: [] for method in grid.methods}
    for dataset in [d for d in grid.datasets if (data_root / "04_feature" / d / "train_set.parquet").exists()]:
        train = pd.read_parquet(data_root / "04_feature" / dataset / "train_set.parquet")
        train = train[train["repeat"] == 0].drop(columns="repeat").reset_index(drop=True)
        epochs = dataset_epochs(oversampling["gan_epochs"], dataset)
        for method, settings in grid.methods.items():
            sampler = build_sampler(settings, oversampling, _gan_epochs(epochs, settings, oversampling, train))
            started = time.perf_counter()
            if sampler is not None:
                sampler.fit_resample(*xy(train))
            seconds[method].append(time.perf_counter() - started)
    return pd.Series({method: float(np.median(values)) for method, values in seconds.items()}, name="seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=["run", "grid-2"])
    parser.add_argument("--keep", type=Path, default=None, help="a folder to keep the scratch data roots in")
    parser.add_argument("--summary-only", type=Path, default=None, help="a finished keel run's data root")
    parser.add_argument("--markdown", type=Path, default=None, help="a finished keel run's data root: its tables")
    parser.add_argument("--tables", default=None, help="a comma-separated subset of the 95 tables (a quicker timing)")
    parser.add_argument("--methods", default=None, help="a comma-separated subset of conf/keel's methods")
    parser.add_argument("--no-fit-seconds", action="store_true", help="skip timing each method's fit per table")
    args = parser.parse_args()
    if args.summary_only:
        summary(args.summary_only)
        return
    if args.markdown:
        print(markdown(args.markdown))
        return
    tables = args.tables.split(",") if args.tables else None
    methods = args.methods.split(",") if args.methods else None
    seconds, scratch = run_modes(args.modes, args.keep, tables, methods)
    print(f"\n{len(tables) if tables else 95} KEEL tables, methods {methods or 'all of conf/keel'} ({scratch})")
    for mode in args.modes:
        print(f"  {mode:8s} {seconds[mode]:8.0f} s ({seconds[mode] / 60:.1f} min)   "
              f"{seconds[args.modes[0]] / seconds[mode]:.2f}x the speed of {args.modes[0]}")
    agreement(scratch, args.modes)
    summary(scratch / f"data_{args.modes[0]}", fit=not args.no_fit_seconds)
    if args.keep is None:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
