"""Framework-free report building: TABLE 3, the paper comparison, and FIGURES 4, 6 and 7."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import average_precision_score, precision_recall_curve  # noqa: E402

METHOD_ORDER = ("none", "smote", "gan", "smotified_gan")
METHOD_LABELS = {"none": "No augmentation", "smote": "SMOTE", "gan": "GAN", "smotified_gan": "SMOTified-GAN"}
TABLE3_METRICS = ("train_accuracy", "test_accuracy", "f1", "precision", "recall", "pr_auc")


def _method_key(method: str) -> tuple:
    return (METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER), method)


def sort_results(results: pd.DataFrame) -> pd.DataFrame:
    order = results["method"].map(lambda m: _method_key(m)[0])
    return results.assign(_order=order).sort_values(["dataset", "_order", "metric"]).drop(columns="_order").reset_index(drop=True)


def compare_with_paper(results: pd.DataFrame, claims: list[dict]) -> pd.DataFrame:
    """The numbers the paper states next to ours (NaN where a dataset did not run)."""
    rows = []
    for claim in claims:
        match = results[(results["dataset"] == claim["dataset"]) & (results["method"] == claim["method"])
                        & (results["metric"] == claim["metric"])]
        mean = float(match["mean"].iloc[0]) if len(match) else float("nan")
        best = float(match["best"].iloc[0]) if len(match) else float("nan")
        rows.append({**claim, "paper": claim["value"], "ours_mean": mean, "ours_best": best,
                     "difference": mean - claim["value"]})
    columns = ["dataset", "method", "metric", "paper", "ours_mean", "ours_best", "difference"]
    return pd.DataFrame(rows, columns=columns + ["value"]).drop(columns="value")[columns]


def _cell(row) -> str:
    return f"{row['mean']:.3f} ± {row['std']:.3f} ({row['best']:.3f})"


def results_markdown(results: pd.DataFrame, comparison: pd.DataFrame, significance: pd.DataFrame,
                     ranks: pd.DataFrame, friedman: dict, quality: pd.DataFrame, runs_note: str) -> str:
    """``results.md``: TABLE 3 in the paper's shape, then the comparison, tests and synthetic-row quality."""
    lines = ["# SMOTified-GAN: results", "", runs_note, "",
             "## TABLE 3: mean ± std (best) over the classifier runs; minority = positive class", "",
             "*best* is the highest of the runs' **test** scores: it is chosen on the test set and therefore "
             "optimistic; read the mean. *pr_auc* is the mean over the runs of each run's average precision "
             "(FIGURE 6's legend gives the average precision of the run-averaged scores, another quantity).", ""]
    if len(quality):
        counts = quality.drop_duplicates("dataset").set_index("dataset")["real_test_rows"]
        lines += ["Minority rows in each test split (every metric but the accuracies rests on them): "
                  + ", ".join(f"{dataset} {int(n)}" for dataset, n in counts.items()) + ".", ""]
    header = "| dataset | method | " + " | ".join(TABLE3_METRICS) + " |"
    lines += [header, "|" + "---|" * (len(TABLE3_METRICS) + 2)]
    for dataset in sorted(results["dataset"].unique()):
        subset = results[results["dataset"] == dataset]
        for method in sorted(subset["method"].unique(), key=_method_key):
            cells = subset[subset["method"] == method].set_index("metric")
            values = [_cell(cells.loc[m]) if m in cells.index else "" for m in TABLE3_METRICS]
            lines.append(f"| {dataset} | {METHOD_LABELS.get(method, method)} | " + " | ".join(values) + " |")
    lines += ["", "## The paper's stated numbers next to ours", "",
              "| dataset | method | metric | paper | ours (mean) | ours (best) |", "|---|---|---|---|---|---|"]
    for row in comparison.itertuples():
        lines.append(f"| {row.dataset} | {METHOD_LABELS.get(row.method, row.method)} | {row.metric} | {row.paper:.3f} | "
                     + ("not run |  |" if math.isnan(row.ours_mean) else f"{row.ours_mean:.3f} | {row.ours_best:.3f} |"))
    lines += ["", "## SMOTified-GAN vs each method (Wilcoxon signed-rank on F1, paired by classifier seed)", "",
              "Unit of replication: the classifier's seed. All runs of a cell share one split, one first phase and "
              "one GAN fit, so these p-values measure classifier-initialisation noise given that single "
              "augmentation, not the variance of the split or of the GAN, and they are not corrected for multiple "
              "comparisons: read them as descriptive, not as evidence that one method is better.", "",
              "| dataset | versus | mean F1 difference | p-value |", "|---|---|---|---|"]
    for row in significance.itertuples():
        versus = METHOD_LABELS.get(row.versus, row.versus)
        lines.append(f"| {row.dataset} | {versus} | {row.mean_difference:+.3f} | {row.p_value:.3g} |")
    lines += ["", f"Average rank by mean F1 over {friedman['datasets']} datasets (1 = best); Friedman test "
              f"statistic {friedman['statistic']:.3f}, p = {friedman['p_value']:.3g}:", ""]
    lines += [f"- {METHOD_LABELS.get(r.method, r.method)}: {r.average_rank:.2f}" for r in ranks.itertuples()]
    lines += ["", "## Synthetic minority rows vs real minority test rows", "",
              "Detection AUC: a random forest telling them apart (0.5 = indistinguishable); KS: mean per-column "
              "Kolmogorov-Smirnov statistic (0 = same marginals).", "",
              "| dataset | method | detection AUC | KS distance | synthetic rows | real rows |", "|---|---|---|---|---|---|"]
    for row in quality.itertuples():
        auc = "n/a (too few real rows)" if math.isnan(row.detection_auc) else f"{row.detection_auc:.3f}"
        lines.append(f"| {row.dataset} | {METHOD_LABELS.get(row.method, row.method)} | {auc} | "
                     f"{row.ks_distance:.3f} | {row.synthetic_rows} | {row.real_test_rows} |")
    return "\n".join(lines) + "\n"


def plot_f1_bars(results: pd.DataFrame) -> plt.Figure:
    """FIGURE 4: mean F1 (with std) per dataset and method."""
    f1 = results[results["metric"] == "f1"]
    datasets = sorted(f1["dataset"].unique())
    methods = sorted(f1["method"].unique(), key=_method_key)
    figure, axis = plt.subplots(figsize=(max(6, 1.4 * len(datasets)), 4))
    width = 0.8 / max(1, len(methods))
    for i, method in enumerate(methods):
        rows = f1[f1["method"] == method].set_index("dataset").reindex(datasets)
        axis.bar(np.arange(len(datasets)) + i * width, rows["mean"], width, yerr=rows["std"], capsize=2,
                 label=METHOD_LABELS.get(method, method))
    axis.set_xticks(np.arange(len(datasets)) + width * (len(methods) - 1) / 2, datasets, rotation=30)
    axis.set_ylabel("minority F1 (mean ± std over runs)")
    axis.set_ylim(0, 1.05)
    axis.set_title("F1 per dataset and method (paper's FIGURE 4)")
    axis.legend(fontsize=8, ncol=2)
    figure.tight_layout()
    return figure


def _grid(n: int) -> tuple[plt.Figure, np.ndarray]:
    columns = min(4, max(1, n))
    rows = max(1, math.ceil(n / columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.4 * rows), squeeze=False)
    for axis in axes.flat[n:]:
        axis.set_visible(False)
    return figure, axes


def plot_pr_curves(scores: dict[str, dict[str, pd.DataFrame]]) -> plt.Figure:
    """FIGURE 6: per dataset, one precision-recall curve per method (scores averaged over runs), with its AUC."""
    datasets = sorted(scores)
    figure, axes = _grid(len(datasets))
    for axis, dataset in zip(axes.flat, datasets):
        for method in sorted(scores[dataset], key=_method_key):
            frame = scores[dataset][method]
            y = frame["target"].to_numpy()
            mean_score = frame.drop(columns="target").mean(axis=1).to_numpy()
            precision, recall, _ = precision_recall_curve(y, mean_score)
            auc = average_precision_score(y, mean_score)
            axis.plot(recall, precision, label=f"{METHOD_LABELS.get(method, method)} (AP {auc:.3f})")
        axis.set_title(dataset)
        axis.set_xlabel("recall")
        axis.set_ylabel("precision")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1.02)
        axis.legend(fontsize=7, loc="lower left")
    figure.suptitle("Precision-recall curves of the run-averaged scores, their average precision in brackets "
                    "(paper's FIGURE 6)")
    figure.tight_layout()
    return figure


def plot_gan_losses(histories: dict[str, pd.DataFrame]) -> plt.Figure:
    """FIGURE 7: SMOTified-GAN's generator and discriminator loss per epoch, with the validation F1 when recorded."""
    datasets = sorted(histories)
    figure, axes = _grid(len(datasets))
    for axis, dataset in zip(axes.flat, datasets):
        history = histories[dataset]
        axis.plot(history["epoch"], history["g_loss"], label="generator loss", linewidth=0.8)
        axis.plot(history["epoch"], history["d_loss"], label="discriminator loss", linewidth=0.8)
        axis.set_title(dataset)
        axis.set_xlabel("epoch")
        axis.set_ylabel("BCE loss")
        validation = history.dropna(subset=["val_f1"]) if "val_f1" in history else history.iloc[:0]
        if len(validation):
            twin = axis.twinx()
            twin.plot(validation["epoch"], validation["val_f1"], color="green", marker=".",
                      label="F1 on held-out training rows")
            twin.set_ylabel("held-out F1 (logistic regression)")
            twin.set_ylim(0, 1)
        axis.legend(fontsize=7, loc="upper right")
    figure.suptitle("SMOTified-GAN losses per epoch (paper's FIGURE 7)")
    figure.tight_layout()
    return figure
