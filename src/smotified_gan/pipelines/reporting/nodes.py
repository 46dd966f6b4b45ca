"""Reporting nodes: gather every cell's outputs into the paper's tables and figures, and the tests.

Every cell's outputs carry their ``dataset`` and ``method`` columns (and the
classifier, the lens they were measured through): the report concatenates
them. Methods appear in the grid's order under the grid's labels
(``grid.methods`` in ``conf/``); each lens gets its own tests and ranks, the
first (the primary classifier) the paper's tables and figures.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from smotified_gan.core.metrics import compare_across_tables, compare_over_repeats, friedman_ranks
from smotified_gan.core.parameters import Oversampling, Reporting, Split, Training, as_block, settings_of
from smotified_gan.core.protocol import protocol_line
from smotified_gan.core.report import (
    Methods,
    collapse_flags,
    compare_with_paper,
    plot_critical_difference,
    plot_f1_bars,
    plot_gan_losses,
    plot_pr_curves,
    results_markdown,
    sort_results,
)
from smotified_gan.core.training import NETWORK


def _cells(frames) -> list[pd.DataFrame]:
    missing = [i for i, frame in enumerate(frames) if not {"dataset", "method"} <= set(frame.columns)]
    if missing:
        raise ValueError(f"{len(missing)} cell output(s) lack their 'dataset'/'method' columns: re-run the evaluation")
    return list(frames)


def compile_results(grid: dict[str, Any], *summaries: pd.DataFrame) -> pd.DataFrame:
    """TABLE 3 as a long table: ``dataset, method, metric``, the first repeat's statistics and those over repeats."""
    return sort_results(pd.concat(_cells(summaries), ignore_index=True), Methods(grid["methods"]))


def compile_run_metrics(*per_run: pd.DataFrame) -> pd.DataFrame:
    """Every run of every cell and repeat in one table (the seeds are recorded)."""
    return pd.concat(_cells(per_run), ignore_index=True)


def compile_quality(grid: dict[str, Any], *quality: dict[str, Any]) -> pd.DataFrame:
    """Synthetic-row quality per dataset and method."""
    return sort_results(pd.DataFrame(list(quality)), Methods(grid["methods"]))


def describe_data(run_metrics: pd.DataFrame, datasets: dict[str, Any], *cards: dict[str, Any]) -> pd.DataFrame:
    """Per dataset: rows, train/test rows and minority rows per repeat, the scaling used (ours, the authors'), and
    whether it keeps its own split files in every repeat (``fixed_split``).

    ``cards``: each dataset's data card (ingestion's ``<dataset>.card``).
    """
    first = run_metrics.drop_duplicates(["dataset", "repeat"]).groupby("dataset")[["test_rows", "test_minority_rows"]]
    tests = first.mean().round().astype(int)
    cards = pd.DataFrame(list(cards)).set_index("dataset")
    rows = []
    for dataset, test in tests.iterrows():
        spec = datasets.get(dataset, {})
        total, minority = int(cards.loc[dataset, "rows"]), int(cards.loc[dataset, "minority_rows"])
        rows.append({"dataset": dataset, "rows": total, "train_rows": total - test.test_rows, "test_rows": test.test_rows,
                     "train_minority": minority - test.test_minority_rows, "test_minority": test.test_minority_rows,
                     "scaling": spec.get("scaling", "minmax"), "authors_scaling": spec.get("authors_scaling", "unknown"),
                     "fixed_split": bool(spec.get("split_column"))})
    return pd.DataFrame(rows)


def lenses(frame: pd.DataFrame) -> list[str]:
    """The classifiers a table was measured through, the primary first (a table without the column: one)."""
    return list(frame["classifier"].unique()) if "classifier" in frame.columns else [NETWORK]


def _lens(frame: pd.DataFrame, lens: str) -> pd.DataFrame:
    return frame[frame["classifier"] == lens] if "classifier" in frame.columns else frame


def test_significance(run_metrics: pd.DataFrame, results: pd.DataFrame, data: pd.DataFrame, reporting: Reporting
                      ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Per lens: corrected resampled t-tests (Holm) per dataset on the per-repeat means (the plain paired t-test where a
    dataset keeps one split); ranks, Friedman, Iman-Davenport and Nemenyi across datasets."""
    ratio = {row.dataset: row.test_rows / row.train_rows for row in data.itertuples()}
    fixed = set(data.loc[data["fixed_split"], "dataset"]) if "fixed_split" in data else set()
    reporting = as_block(Reporting, reporting)
    alpha, reference, metric = reporting.alpha, reporting.reference_method, reporting.test_metric
    tests, ranks, friedman = [], [], {}
    for lens in lenses(results):
        tests.append(compare_over_repeats(_lens(run_metrics, lens), reference, metric, ratio, alpha,
                                          fixed).assign(classifier=lens))
        lens_ranks, friedman[lens] = friedman_ranks(_lens(results, lens), metric, alpha=alpha)
        ranks.append(lens_ranks.assign(classifier=lens))
    return pd.concat(tests, ignore_index=True), pd.concat(ranks, ignore_index=True), friedman


def compare_methods(results: pd.DataFrame, reporting: Reporting) -> pd.DataFrame:
    """Per lens and per metric of ``reporting.across_tables.metrics``: every method against the reference over the
    tables (``metrics.compare_across_tables``: Wilcoxon with Holm, baycomp's signed-rank test with the metric's
    margin of practical equivalence, the power, the verdict)."""
    reporting = as_block(Reporting, reporting)
    settings = reporting.across_tables
    frames = []
    for lens in lenses(results):
        for metric, margin in settings.margins.items():
            if metric not in set(results["metric"]):
                continue
            frames.append(compare_across_tables(_lens(results, lens), reporting.reference_method, metric, margin,
                                                reporting.alpha, confidence=settings.confidence,
                                                seed=settings.seed, samples=settings.samples).assign(classifier=lens))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def paper_comparison(results: pd.DataFrame, reporting: Reporting) -> pd.DataFrame:
    """The numbers the paper's text states, next to ours (through the primary classifier)."""
    return compare_with_paper(_lens(results, lenses(results)[0]), settings_of(reporting)["paper_claims"])


def write_results_markdown(results: pd.DataFrame, comparison: pd.DataFrame, significance: pd.DataFrame,
                           ranks: pd.DataFrame, friedman: dict[str, Any], quality: pd.DataFrame, data: pd.DataFrame,
                           run_metrics: pd.DataFrame, split: Split, oversampling: Oversampling,
                           training: Training, grid: dict[str, Any], reporting: Reporting,
                           method_comparison: pd.DataFrame | None = None) -> str:
    """``results.md``: the protocol, the data, the results (TABLE 3 or a compact table per lens), collapses, the tests
    (per table and across tables), the ranks and the quality (``reporting.layout``: ``paper`` or ``compact``)."""
    protocol = protocol_line(settings_of(split), settings_of(oversampling), settings_of(training))
    return results_markdown(results, comparison, significance, ranks, friedman, quality, data,
                            collapse_flags(run_metrics), Methods(grid["methods"]), protocol,
                            as_block(Reporting, reporting).layout, method_comparison, grid.get("failed"))


def figure_f1(results: pd.DataFrame, grid: dict[str, Any]) -> plt.Figure:
    """FIGURE 4: F1 per dataset and method, mean and spread over repeats (the primary classifier)."""
    return plot_f1_bars(_lens(results, lenses(results)[0]), Methods(grid["methods"]))


def figure_pr_curves(grid: dict[str, Any], *test_scores: pd.DataFrame) -> plt.Figure:
    """FIGURE 6: precision-recall curves per dataset, one per method (the primary classifier)."""
    grouped: dict[str, dict[str, pd.DataFrame]] = {}
    for frame in _cells(test_scores):
        frame = _lens(frame, lenses(frame)[0]).drop(columns=["classifier"], errors="ignore")
        grouped.setdefault(frame["dataset"].iloc[0], {})[frame["method"].iloc[0]] = frame.drop(columns=["dataset", "method"])
    return plot_pr_curves(grouped, Methods(grid["methods"]))


def figure_gan_losses(grid: dict[str, Any], *histories: pd.DataFrame) -> plt.Figure:
    """FIGURE 7: the generator and discriminator losses per epoch of every cell that trained a GAN."""
    cells = {(h["dataset"].iloc[0], h["method"].iloc[0]): h for h in _cells(histories) if len(h)}
    return plot_gan_losses(cells, Methods(grid["methods"]))


def figure_critical_difference(ranks: pd.DataFrame, friedman: dict[str, Any], grid: dict[str, Any]) -> plt.Figure:
    """The critical-difference diagram of the average ranks (Nemenyi), one panel per lens."""
    return plot_critical_difference(ranks, friedman, Methods(grid["methods"]))
