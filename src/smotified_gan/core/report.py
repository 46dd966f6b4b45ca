"""Framework-free report building: TABLE 3, the tests, the paper comparison, FIGURES 4, 6 and 7 and the CD diagram.

Methods are shown in the grid's order under the grid's labels
(``grid.methods.<name>.label`` in ``conf/``): ``Methods`` carries both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import average_precision_score, precision_recall_curve  # noqa: E402

from smotified_gan.core.metrics import ALPHA, corrected_t_power, exact_sign_p  # noqa: E402
from smotified_gan.core.names import TARGET  # noqa: E402

TABLE3_METRICS = ("train_accuracy", "test_accuracy", "f1", "precision", "recall", "pr_auc")
REPEAT_METRICS = ("f1", "precision", "recall", "pr_auc", "balanced_accuracy")
# the compact layout's tables: F1 at the fixed and at the tuned threshold, the threshold-free PR-AUC and its
# class-balance-normalised form, balanced accuracy
COMPACT_METRICS = (("f1", "F1 at 0.5"), ("f1_tuned", "F1 at the tuned threshold"), ("pr_auc", "PR-AUC"),
                   ("pr_auc_normalized", "normalised AP ((AP - p) / (1 - p), p the test minority share)"),
                   ("balanced_accuracy", "balanced accuracy"))


class Methods:
    """The grid's methods in order, with their labels (``grid.methods`` of the parameters)."""

    def __init__(self, methods: Mapping[str, Mapping] | None = None):
        self.order = list(methods or {})
        self.labels = {name: (settings or {}).get("label", name) for name, settings in (methods or {}).items()}

    def key(self, method: str) -> tuple:
        return (self.order.index(method) if method in self.order else len(self.order), method)

    def label(self, method: str) -> str:
        return self.labels.get(method, method)

    def sort(self, methods) -> list[str]:
        return sorted(methods, key=self.key)


def sort_results(results: pd.DataFrame, methods: Methods) -> pd.DataFrame:
    """By lens (the primary classifier first), dataset, the grid's method order and metric."""
    order = results["method"].map(lambda m: methods.key(m)[0])
    frame = results.assign(_order=order)
    columns = ["dataset", "_order"] + (["metric"] if "metric" in results.columns else [])
    if "classifier" in results.columns:
        frame["_lens"] = frame["classifier"].map({lens: i for i, lens in enumerate(results["classifier"].unique())})
        columns = ["_lens", *columns]
    return frame.sort_values(columns, kind="stable").drop(columns=["_order", "_lens"], errors="ignore").reset_index(drop=True)


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


# a run whose test scores vary less than this has collapsed to a constant output
CONSTANT_SCORE_STD = 1e-4


def collapse_flags(run_metrics: pd.DataFrame) -> pd.DataFrame:
    """Per cell (and lens): runs whose test scores are constant, and runs that predict no minority row at all."""
    keys = ["dataset", "method"] + (["classifier"] if "classifier" in run_metrics.columns else [])
    grouped = run_metrics.groupby(keys, sort=False)
    return pd.DataFrame({
        "runs": grouped.size(),
        "constant_runs": grouped["score_std"].apply(lambda s: int((s < CONSTANT_SCORE_STD).sum())),
        "no_minority_runs": grouped["predicted_minority"].apply(lambda s: int((s == 0).sum())),
    }).reset_index()


def win_tie_loss(significance: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Per method against the reference (``significance.method``): datasets where it is better (win), worse (loss)
    or not shown to differ (tie) by the per-dataset test, Holm-adjusted over every comparison, at ``alpha``."""
    better = significance["mean_difference"] < 0  # the difference is reference - method
    shown = significance["p_holm"] < alpha
    return (significance.assign(win=shown & better, loss=shown & ~better, tie=~shown)
            .groupby("versus", sort=False)[["win", "tie", "loss"]].sum().astype(int).reset_index())


def _fmt(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def results_markdown(results: pd.DataFrame, comparison: pd.DataFrame, significance: pd.DataFrame,
                     ranks: pd.DataFrame, friedman: dict, quality: pd.DataFrame, data: pd.DataFrame,
                     collapses: pd.DataFrame, names: Methods, protocol: str, layout: str = "paper",
                     method_comparison: pd.DataFrame | None = None, failed: dict[str, str] | None = None) -> str:
    """``results.md``: the protocol, the cells that failed (``failed``: cell -> why; not in any figure below), the
    data each number stands on, the results, the tests, the quality.

    ``paper``: TABLE 3 and the per-dataset tests in full, through the primary
    classifier (and ranks for every other lens). ``compact`` (many tables):
    per lens, mean F1, PR-AUC and balanced accuracy per (dataset, method), the
    ranks and win/tie/loss against the reference method.
    """
    repeats = int(results["repeats"].max()) if len(results) else 0
    views = _lens_views(results, significance, ranks, friedman)
    across = method_comparison if method_comparison is not None else pd.DataFrame()
    primary = views[0]
    sections = [["# SMOTified-GAN: results", "", protocol, ""], _failed_section(failed or {}), _data_section(data)]
    if layout == "compact":
        for view in views:
            sections += [_compact_section(view, repeats, names), _ranks_section(view["ranks"], view["friedman"], names,
                                                                                  view["title"]),
                         _win_tie_loss_section(view, names), _across_tables_section(view, across, names)]
    else:
        sections += [_table3_section(primary["results"], names), _repeats_section(primary["results"], data, repeats, names),
                     _paper_section(comparison, names),
                     _significance_section(primary["significance"], repeats, primary["friedman"], names,
                                           _test_train_ratio(data)),
                     *[_ranks_section(view["ranks"], view["friedman"], names, view["title"])
                       + _across_tables_section(view, across, names) for view in views]]
    sections += [_collapse_section(collapses, names), _quality_section(quality, names)]
    return "\n".join(line for section in sections for line in section) + "\n"


def _test_train_ratio(data: pd.DataFrame) -> float:
    """The median test/train row ratio over the tables (0.25 for an 80/20 split)."""
    if not len(data) or "train_rows" not in data:
        return 0.25
    return float(np.median(data["test_rows"] / data["train_rows"]))


def _lens_views(results: pd.DataFrame, significance: pd.DataFrame, ranks: pd.DataFrame, friedman: dict) -> list[dict]:
    """Per lens (the primary classifier first): its results, tests, ranks and Friedman test."""
    if "classifier" not in results.columns:
        return [{"lens": None, "title": "", "results": results, "significance": significance, "ranks": ranks,
                 "friedman": friedman}]
    views = []
    for lens in results["classifier"].unique():
        views.append({"lens": lens, "title": f" (classifier: {lens})", "results": _of_lens(results, lens),
                      "significance": _of_lens(significance, lens), "ranks": _of_lens(ranks, lens),
                      "friedman": friedman[lens] if isinstance(friedman.get(lens), dict) else friedman})
    return views


def _of_lens(frame: pd.DataFrame, lens: str) -> pd.DataFrame:
    return frame[frame["classifier"] == lens] if "classifier" in frame.columns else frame


def _compact_section(view: dict, repeats: int, names: Methods) -> list[str]:
    """Mean over repeats of F1, PR-AUC and balanced accuracy: datasets down, methods across, the best in bold."""
    lines = ["", f"## Results{view['title']}: mean over {repeats} repeats of each repeat's mean", ""]
    results = view["results"]
    methods = names.sort(results["method"].unique())
    available = set(results["metric"])
    for metric, title in COMPACT_METRICS:
        if metric not in available:
            continue
        table = results[results["metric"] == metric].pivot_table(index="dataset", columns="method", values="repeat_mean")
        table = table.reindex(columns=methods)
        lines += [f"**{title}**", "", "| dataset | " + " | ".join(names.label(m) for m in methods) + " |",
                  "|---|" + "---|" * len(methods)]
        for dataset, row in table.iterrows():
            best = row.max()
            cells = [f"**{_fmt(v)}**" if np.isfinite(v) and v == best else _fmt(v) for v in row]
            lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
        lines += ["| mean (descriptive) | " + " | ".join(_fmt(v) for v in table.mean()) + " |", ""]
    return lines


def _win_tie_loss_section(view: dict, names: Methods) -> list[str]:
    significance = view["significance"]
    if not len(significance) or significance["p_value"].isna().all():
        return ["", "No win/tie/loss: one repeat leaves nothing to test with."]
    alpha = view["friedman"].get("alpha", ALPHA)
    reference = names.label(significance["method"].iloc[0])
    counts = win_tie_loss(significance, alpha)
    lines = ["", f"## Against {reference}{view['title']}: datasets won, tied, lost", "",
             f"Per dataset, the corrected resampled t-test on the per-repeat mean F1, Holm-adjusted over all "
             f"{int(significance['p_value'].notna().sum())} comparisons, at {alpha:g} (significance.csv: every p-value "
             f"and each difference's corrected 95% interval). A win: better than {reference} and shown; a loss: worse "
             f"and shown; a tie: not shown to differ, which is not *equal* (the across-tables section says what is "
             f"equivalent).", "",
             "| method | wins | ties | losses |", "|---|---|---|---|"]
    return lines + [f"| {names.label(r.versus)} | {r.win} | {r.tie} | {r.loss} |"
                    for r in counts.set_index("versus").loc[names.sort(counts["versus"])].reset_index().itertuples()]


def _across_tables_section(view: dict, across: pd.DataFrame, names: Methods) -> list[str]:
    """Every method against the reference over the tables, per metric: the verdict and the statistics behind it."""
    frame = _of_lens(across, view["lens"]) if len(across) and view["lens"] is not None else across
    if not len(frame):
        return []
    reference = names.label(frame["versus"].iloc[0])
    alpha = view["friedman"].get("alpha", ALPHA)
    lines = ["", f"## Against {reference} across tables{view['title']}: better, worse, equivalent", "",
             "Per metric, each method's per-table mean over repeats minus the reference's. *better*/*worse*: Wilcoxon "
             "signed-rank over the tables (exact ties ranked and split, Demšar 2006), Holm-adjusted over the methods "
             f"of one metric, at {alpha:g}; *equivalent within +-m*: in at least 95% of the posterior's draws of "
             "the Bayesian signed-rank test (baycomp; Benavoli et al. 2017) the region inside the margin m is the "
             "most probable of the three; *not shown*: neither. *shift*: the Hodges-Lehmann estimate with its 95% "
             "interval. *power*: the Wilcoxon's chance, with these tables, to detect a true shift of m at Holm's "
             "most stringent level (exact ties kept as ties). Means are descriptive (tables of very different "
             "minority shares).", "",
             "| metric | method | tables | mean / median difference | shift [95%] | wins / losses | p (Holm) | "
             "P(better / equivalent / worse) | power at m | verdict |", "|---|---|---|---|---|---|---|---|---|---|"]
    for metric, group in frame.groupby("metric", sort=False):
        rows = group.set_index("method").loc[names.sort(group["method"])].reset_index()
        lines += [f"| {metric} | {names.label(r.method)} | {r.tables} | {r.mean_difference:+.3f} / "
                  f"{r.median_difference:+.3f} | {_shift(r)} | {r.wins} / {r.losses} | {_fmt(r.p_holm)} | "
                  f"{_fmt(r.p_better, 2)} / "
                  f"{_fmt(r.p_equivalent, 2)} / {_fmt(r.p_worse, 2)} | {_fmt(r.power, 2)} | {r.verdict} |"
                  for r in rows.itertuples()]
    return lines


def _shift(row) -> str:
    """The Hodges-Lehmann shift and its interval (a comparison table written before them: n/a)."""
    if not np.isfinite(getattr(row, "hodges_lehmann", float("nan"))):
        return "n/a"
    return f"{row.hodges_lehmann:+.3f} [{row.hl_low:+.3f}, {row.hl_high:+.3f}]"


def _failed_section(failed: dict[str, str]) -> list[str]:
    if not failed:
        return []
    lines = ["## Cells that failed", "",
             f"**{len(failed)} cell(s) failed and are in none of the figures below** (a comparison across tables uses "
             "the tables where both methods ran). Run the grid again to retry them: finished cells are skipped.", "",
             "| cell | why |", "|---|---|"]
    lines += [f"| {cell} | {' '.join(str(why).split()).replace('|', '/')} |" for cell, why in sorted(failed.items())]
    return lines + [""]


def _data_section(data: pd.DataFrame) -> list[str]:
    lines = ["## What the numbers stand on", "",
             "Rows per split and minority rows per repeat (every metric but the accuracies rests on the test "
             "minority), and the scaling each dataset used, fitted on each repeat's training split alone.", "",
             "| dataset | rows | train / test rows | minority train / test | scaling (ours) | scaling (authors') |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {row.dataset} | {row.rows} | {row.train_rows} / {row.test_rows} | {row.train_minority} / "
              f"{row.test_minority} | {row.scaling} | {row.authors_scaling} |" for row in data.itertuples()]
    return lines + [""]


def _cell_rows(results: pd.DataFrame, names: Methods):
    """(dataset, method, that cell's results by metric) in the report's order."""
    for dataset in sorted(results["dataset"].unique()):
        subset = results[results["dataset"] == dataset]
        for method in names.sort(subset["method"].unique()):
            yield dataset, method, subset[subset["method"] == method].set_index("metric")


def _table3_section(results: pd.DataFrame, names: Methods) -> list[str]:
    lines = ["## TABLE 3 (the paper's layout): first repeat, mean ± std (best) over its classifier runs", "",
             "One split, one augmentation, many classifier seeds, as in the paper, for the side-by-side with its "
             "numbers. *best* is the best of the runs' **test** scores: chosen on the test set, hence optimistic. "
             "*pr_auc* is the mean over runs of each run's average precision (FIGURE 6's legend, `AP(avg scores)`, "
             "is the average precision of the run-averaged scores: another quantity).", "",
             "| dataset | method | " + " | ".join(TABLE3_METRICS) + " |", "|" + "---|" * (len(TABLE3_METRICS) + 2)]
    for dataset, method, cells in _cell_rows(results, names):
        values = [f"{_fmt(cells.loc[m, 'mean'])} ± {_fmt(cells.loc[m, 'std'])} (best of {int(cells.loc[m, 'runs'])}: "
                  f"{_fmt(cells.loc[m, 'best'])})" if m in cells.index else "" for m in TABLE3_METRICS]
        lines.append(f"| {dataset} | {names.label(method)} | " + " | ".join(values) + " |")
    return lines


def _repeats_section(results: pd.DataFrame, data: pd.DataFrame, repeats: int, names: Methods) -> list[str]:
    fixed = sorted(data.loc[data["fixed_split"], "dataset"]) if "fixed_split" in data else []
    spread = ("Each repeat redoes the split, the preprocessing, the first phase, the GAN and the classifier runs, "
              "so this spread includes the variance of the split and of the augmentation.")
    if fixed:
        spread += (f" Except for {', '.join(fixed)}: {'it keeps' if len(fixed) == 1 else 'they keep'} their own split "
                   "files in every repeat, so there the spread is that of the augmentation and the classifier alone.")
    lines = ["", f"## Over the {repeats} repeats: mean ± std of the per-repeat means", "", spread, "",
             "| dataset | method | " + " | ".join(REPEAT_METRICS) + " |", "|" + "---|" * (len(REPEAT_METRICS) + 2)]
    for dataset, method, cells in _cell_rows(results, names):
        values = [f"{_fmt(cells.loc[m, 'repeat_mean'])} ± {_fmt(cells.loc[m, 'repeat_std'])}"
                  if m in cells.index else "" for m in REPEAT_METRICS]
        lines.append(f"| {dataset} | {names.label(method)} | " + " | ".join(values) + " |")
    return lines


def _collapse_section(collapses: pd.DataFrame, names: Methods) -> list[str]:
    flagged = collapses[(collapses["constant_runs"] > 0) | (collapses["no_minority_runs"] > 0)]
    lines = ["", "## Classifier collapses", ""]
    if not len(flagged):
        return lines + ["None: every run's test scores vary and predict some minority rows."]
    lines += ["Runs whose test scores are constant (std < "
              f"{CONSTANT_SCORE_STD:g}: the classifier learned nothing) or that predict no minority row at all. "
              "Their F1 says more about the classifier than about the method.", "",
              "| dataset | method | constant-score runs | runs predicting no minority |", "|---|---|---|---|"]
    return lines + [f"| {r.dataset} | {names.label(r.method)} | {r.constant_runs} / {r.runs} | {r.no_minority_runs} / "
                    f"{r.runs} |" for r in flagged.itertuples()]


def _paper_section(comparison: pd.DataFrame, names: Methods) -> list[str]:
    lines = ["", "## The paper's stated numbers next to ours (first repeat)", "",
             "| dataset | method | metric | paper | ours (mean) | ours (best of the runs' test scores) |",
             "|---|---|---|---|---|---|"]
    return lines + [f"| {row.dataset} | {names.label(row.method)} | {row.metric} | {row.paper:.3f} | "
                    + ("not run |  |" if math.isnan(row.ours_mean) else f"{row.ours_mean:.3f} | {row.ours_best:.3f} |")
                    for row in comparison.itertuples()]


def _power_sentence(repeats: int, ratio: float, alpha: float) -> str:
    """What the per-table test can see: its power at one standard deviation of the per-repeat differences, and the
    effect it detects with 80% power (``metrics.corrected_t_power``)."""
    if repeats < 2:
        return ""
    effects = np.linspace(0.05, 20, 800)
    power = np.array([corrected_t_power(e, repeats, ratio, alpha) for e in effects])
    eighty = effects[np.argmax(power >= 0.8)] if (power >= 0.8).any() else float("nan")
    return (f"With {repeats} repeats (test/train {ratio:.2f}) the test's power at {alpha:g}, unadjusted, is "
            f"{corrected_t_power(1.0, repeats, ratio, alpha):.0%} against a true difference of one standard deviation "
            f"of the per-repeat differences; 80% needs {_fmt(eighty, 1)} of them: *not significant* means *not shown*, "
            f"not *equal*.")


def _significance_section(significance: pd.DataFrame, repeats: int, friedman: dict, names: Methods,
                          ratio: float = 0.25) -> list[str]:
    alpha = friedman.get("alpha", ALPHA)
    reference = significance["method"].iloc[0] if len(significance) else ""
    lines = ["", f"## {names.label(reference)} vs each method, per dataset", ""]
    if repeats < 2:
        lines += ["One repeat: there is no replicate to test with (the classifier runs of a repeat share its split "
                  "and augmentation, so they are not replicates). Run with `split.repeats` of 2 or more (default 5).", ""]
    else:
        lines += ["Unit of replication: the repeat. The classifier runs of a repeat share its split and augmentation, "
                  "so they are averaged, not counted as replicates. Test: Nadeau-Bengio corrected resampled t-test on "
                  f"the per-repeat mean F1 (up to {repeats} repeats; each row's degrees of freedom are its repeats - 1), "
                  "which widens the variance for the overlap of the repeats' training sets; the plain paired t-test for "
                  "a dataset that keeps one split in every repeat. p-values Holm-adjusted over all "
                  f"{int(significance['p_value'].notna().sum())} comparisons. The same non-zero difference in every "
                  "repeat has no spread: its t is infinite and its p the exact sign test's "
                  f"({_fmt(exact_sign_p(np.ones(repeats)), 4)} with {repeats} repeats), and it stays in the family. "
                  + _power_sentence(repeats, ratio, alpha), ""]
    lines += [f"| dataset | versus | mean F1 difference (± std over repeats) | test | df | t | p | p (Holm) | "
              f"significant at {alpha:g} |", "|---|---|---|---|---|---|---|---|---|"]
    for row in significance.itertuples():
        t = f"{row.t:+.0f}".replace("inf", "∞") if np.isinf(row.t) else _fmt(row.t, 2)
        lines.append(f"| {row.dataset} | {names.label(row.versus)} | {row.mean_difference:+.3f} ± {_fmt(row.std_difference)} "
                     f"| {row.test} | {row.df} | {t} | {_fmt(row.p_value)} | {_fmt(row.p_holm)} | "
                     f"{'yes' if row.significant else 'no'} |")
    return lines


def _ranks_section(ranks: pd.DataFrame, friedman: dict, names: Methods, title: str = "") -> list[str]:
    cd, alpha = friedman.get("critical_difference", float("nan")), friedman.get("alpha", ALPHA)
    post_hoc = friedman.get("post_hoc", False)
    lines = ["", f"## Across datasets{title}: average ranks, Friedman test, Nemenyi critical difference", "",
             f"Ranks by the mean over repeats of F1 on {friedman['datasets']} datasets (1 = best). Friedman statistic "
             f"(corrected for ties) {_fmt(friedman['statistic'])}, p = {_fmt(friedman['p_value'])}; Iman-Davenport F "
             f"{_fmt(friedman.get('iman_davenport_f', float('nan')), 2)}, p = "
             f"{_fmt(friedman.get('iman_davenport_p', float('nan')))} (Demsar 2006's recommendation for few datasets). "
             f"Nemenyi critical difference at alpha {alpha:g}: {_fmt(cd, 2)}; see `critical_difference.png`. "
             + (f"Iman-Davenport rejects equal ranks at {alpha:g}: two methods whose average ranks differ by more than "
                "the critical difference are shown to differ." if post_hoc else
                f"Iman-Davenport does not reject equal ranks at {alpha:g}, so no pair of methods is compared against the "
                "critical difference: the ranks below are not shown to differ.")
             + ("" if not friedman.get("left_out") else " Not ranked here (run on fewer tables; compared pairwise "
                "across tables below): " + ", ".join(f"{names.label(m)} ({n} tables)"
                                                      for m, n in friedman["left_out"].items()) + "."), ""]
    best = ranks["average_rank"].min() if len(ranks) else float("nan")
    for r in ranks.itertuples():
        gap = r.average_rank - best
        verdict = "" if not post_hoc or not math.isfinite(cd) or gap == 0 else (
            " (worse than the best by more than the CD)" if gap > cd else " (within the CD of the best)")
        lines.append(f"- {names.label(r.method)}: {r.average_rank:.2f}{verdict}")
    return lines


def _quality_section(quality: pd.DataFrame, names: Methods) -> list[str]:
    lines = ["", "## Synthetic minority rows vs real minority test rows", "",
             "Each repeat's synthetic rows with that repeat's real minority test rows (same scaling), pooled over the "
             "repeats; a table row in the test split of several repeats counts once, and the detector's folds keep "
             "its copies together. Detection AUC: a random forest telling them apart, cross-validated (0.5 = "
             "indistinguishable); beside it, the same detector telling the real minority test rows from the real "
             "minority training rows of the same repeats (real vs real: what indistinguishable scores at this "
             "size). KS: mean per-column Kolmogorov-Smirnov statistic; energy: the multivariate energy distance (0 = "
             "same distribution). Boosting AUC: gradient boosting in the same grouped protocol. DCR: the median distance of "
             "a synthetic row to its closest real training row over that of a real test row (about 1: as far as new real "
             "rows; near 0: copies), and the share of exact copies. Giveaway: the columns the forest leans on most. "
             "n/a where the test minority is too small for either to mean anything.", "",
             "| dataset | method | detection AUC | boosting AUC | real vs real | KS distance | energy distance | DCR ratio "
             "| copies | giveaway columns | synthetic rows per repeat | distinct real rows |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in quality[quality["synthetic_rows"] > 0].itertuples():  # methods that add rows
        auc = row.note if isinstance(row.note, str) and row.note else _fmt(row.detection_auc)
        pooled = getattr(row, "pooled_real_rows", row.real_test_rows)
        extra = {name: getattr(row, name, float("nan")) for name in (
            "real_detection_auc", "energy_distance", "boosting_detection_auc", "dcr_ratio", "dcr_copies")}
        giveaway = getattr(row, "giveaway_columns", "")
        lines.append(f"| {row.dataset} | {names.label(row.method)} | {auc} | {_fmt(extra['boosting_detection_auc'])} | "
                     f"{_fmt(extra['real_detection_auc'])} | {_fmt(row.ks_distance)} | {_fmt(extra['energy_distance'])} | "
                     f"{_fmt(extra['dcr_ratio'])} | {_fmt(extra['dcr_copies'])} | "
                     f"{giveaway if isinstance(giveaway, str) else ''} | {row.synthetic_rows} | {pooled} |")
    return lines


def plot_f1_bars(results: pd.DataFrame, names: Methods) -> plt.Figure:
    """FIGURE 4: F1 per dataset and method: the mean over repeats of the per-repeat means, bars = their std."""
    f1 = results[results["metric"] == "f1"]
    datasets = sorted(f1["dataset"].unique())
    methods = names.sort(f1["method"].unique())
    figure, axis = plt.subplots(figsize=(max(6, 1.4 * len(datasets)), 4))
    width = 0.8 / max(1, len(methods))
    for i, method in enumerate(methods):
        rows = f1[f1["method"] == method].set_index("dataset").reindex(datasets)
        axis.bar(np.arange(len(datasets)) + i * width, rows["repeat_mean"], width, yerr=rows["repeat_std"].fillna(0),
                 capsize=2, label=names.label(method))
    axis.set_xticks(np.arange(len(datasets)) + width * (len(methods) - 1) / 2, datasets, rotation=30)
    axis.set_ylabel("minority F1 (mean ± std over repeats)")
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


def plot_pr_curves(scores: dict[str, dict[str, pd.DataFrame]], names: Methods) -> plt.Figure:
    """FIGURE 6: per dataset, one precision-recall curve per method, of the first repeat's run-averaged scores.

    The legend's number is the average precision of those averaged scores (an
    ensemble's), named ``AP(avg scores)``: not TABLE 3's ``pr_auc``, the mean of
    each run's average precision.
    """
    datasets = sorted(scores)
    figure, axes = _grid(len(datasets))
    for axis, dataset in zip(axes.flat, datasets):
        for method in names.sort(scores[dataset]):
            frame = scores[dataset][method]
            if "repeat" in frame.columns:
                frame = frame[frame["repeat"] == frame["repeat"].min()].drop(columns="repeat")
            y = frame[TARGET].to_numpy()
            mean_score = frame.filter(like="run_").mean(axis=1).to_numpy()
            precision, recall, _ = precision_recall_curve(y, mean_score)
            auc = average_precision_score(y, mean_score)
            axis.plot(recall, precision, label=f"{names.label(method)} (AP(avg scores) {auc:.3f})")
        axis.set_title(dataset)
        axis.set_xlabel("recall")
        axis.set_ylabel("precision")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1.02)
        axis.legend(fontsize=7, loc="lower left")
    figure.suptitle("Precision-recall curves of the run-averaged scores (first repeat), AP(avg scores) in brackets "
                    "(paper's FIGURE 6)")
    figure.tight_layout()
    return figure


def plot_gan_losses(histories: dict[tuple[str, str], pd.DataFrame], names: Methods) -> plt.Figure:
    """FIGURE 7: the GANs' generator and discriminator loss per epoch (first repeat), per (dataset, method).

    With early stopping or the monitor, the F1 of a logistic regression on
    training rows held out before the first phase is drawn too.
    """
    cells = sorted(histories, key=lambda cell: (cell[0], names.key(cell[1])))
    figure, axes = _grid(len(cells))
    for axis, cell in zip(axes.flat, cells):
        history = histories[cell]
        if "repeat" in history.columns:
            history = history[history["repeat"] == history["repeat"].min()]
        axis.plot(history["epoch"], history["g_loss"], label="generator loss", linewidth=0.8)
        axis.plot(history["epoch"], history["d_loss"], label="discriminator loss", linewidth=0.8)
        axis.set_title(f"{cell[0]}: {names.label(cell[1])}", fontsize=9)
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
    figure.suptitle("GANs' losses per epoch, first repeat (paper's FIGURE 7)")
    figure.tight_layout()
    return figure


def plot_critical_difference(ranks: pd.DataFrame, friedman: dict, names: Methods) -> plt.Figure:
    """The critical-difference diagram (Demsar 2006): average ranks on an axis, methods closer than the CD joined;
    one panel per lens (``ranks.classifier``; ``friedman`` then maps each lens to its test)."""
    panels = ([(lens, ranks[ranks["classifier"] == lens], friedman[lens]) for lens in ranks["classifier"].unique()]
              if "classifier" in ranks.columns and all(isinstance(friedman.get(lens), dict)
                                                       for lens in ranks["classifier"].unique())
              else [(None, ranks, friedman)])
    k = max(len(panel) for _, panel, _ in panels)
    figure, axes = plt.subplots(len(panels), 1, figsize=(7, (1.6 + 0.32 * k) * len(panels)), squeeze=False)
    for axis, (lens, panel, test) in zip(axes[:, 0], panels):
        _critical_difference_panel(axis, panel, test, names, "" if lens is None or len(panels) == 1 else f"{lens}: ")
    figure.tight_layout()
    return figure


def _critical_difference_panel(axis, ranks: pd.DataFrame, friedman: dict, names: Methods, prefix: str) -> None:
    """One lens's diagram, drawn by scikit-posthocs: methods whose average ranks are closer than the Nemenyi critical
    difference are joined (not shown to differ); with no critical difference, none is joined."""
    import scikit_posthocs as sp

    cd = friedman.get("critical_difference", float("nan"))
    average = pd.Series(ranks["average_rank"].to_numpy(float), index=[names.label(m) for m in ranks["method"]])
    apart = np.abs(average.to_numpy()[:, None] - average.to_numpy()[None, :]) >= cd if math.isfinite(cd) else True
    # scikit-posthocs joins the pairs whose entry is at least its alpha: 1 for "not shown to differ", else 0
    joined = np.where(apart, 0.0, 1.0) * np.ones((len(average),) * 2)
    np.fill_diagonal(joined, 1.0)
    sig = pd.DataFrame(joined, index=average.index, columns=average.index)
    sp.critical_difference_diagram(average, sig, ax=axis, label_fmt_left="{label} ({rank:.2f})",
                                   label_fmt_right="({rank:.2f}) {label}", label_props={"fontsize": 8},
                                   crossbar_props={"color": "black", "linewidth": 2.5})
    value = "the mean over repeats of" if friedman.get("value") == "repeat_mean" else "mean"
    axis.set_title(f"{prefix}average rank by {value} F1 over {friedman.get('datasets')} datasets; "
                   f"Friedman p = {friedman.get('p_value', float('nan')):.3g}\njoined: not shown to differ (Nemenyi, "
                   f"alpha {friedman.get('alpha', ALPHA):g}, CD = {cd:.2f})", fontsize=8, pad=22)
