"""Reporting nodes: gather every cell's outputs into the paper's tables and figures.

Inputs arrive as keyword arguments named ``<dataset>.<method>`` (one per cell).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from smotified_gan.metrics import friedman_ranks, paired_tests
from smotified_gan.reporting import (
    compare_with_paper,
    plot_f1_bars,
    plot_gan_losses,
    plot_pr_curves,
    results_markdown,
    sort_results,
)


def _split(cell: str) -> tuple[str, str]:
    dataset, method = cell.rsplit(".", 1)
    return dataset, method


def compile_results(**summaries: pd.DataFrame) -> pd.DataFrame:
    """TABLE 3 as a long table: ``dataset, method, metric, mean, std, best, runs``."""
    frames = [summary.assign(dataset=_split(cell)[0], method=_split(cell)[1]) for cell, summary in summaries.items()]
    results = pd.concat(frames, ignore_index=True)[["dataset", "method", "metric", "mean", "std", "best", "runs"]]
    return sort_results(results)


def compile_run_metrics(**per_run: pd.DataFrame) -> pd.DataFrame:
    """Every run of every cell in one table (the seeds are recorded)."""
    frames = [frame.assign(dataset=_split(cell)[0], method=_split(cell)[1]) for cell, frame in per_run.items()]
    table = pd.concat(frames, ignore_index=True)
    return table[["dataset", "method", *[c for c in table.columns if c not in ("dataset", "method")]]]


def compile_quality(**quality: dict[str, float]) -> pd.DataFrame:
    """Synthetic-row quality per dataset and method."""
    rows = [{"dataset": _split(cell)[0], "method": _split(cell)[1], **values} for cell, values in quality.items()]
    return sort_results(pd.DataFrame(rows).assign(metric="")).drop(columns="metric")


def test_significance(run_metrics: pd.DataFrame, results: pd.DataFrame, reporting: dict[str, Any]
                      ) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Wilcoxon per dataset (SMOTified-GAN vs each method), average ranks and Friedman across datasets."""
    significance = paired_tests(run_metrics, reporting["reference_method"], reporting["test_metric"])
    ranks, friedman = friedman_ranks(results, reporting["test_metric"])
    return significance, ranks, friedman


def paper_comparison(results: pd.DataFrame, reporting: dict[str, Any]) -> pd.DataFrame:
    """The numbers the paper's text states, next to ours."""
    return compare_with_paper(results, reporting["paper_claims"])


def write_results_markdown(results: pd.DataFrame, comparison: pd.DataFrame, significance: pd.DataFrame,
                           ranks: pd.DataFrame, friedman: dict[str, Any], quality: pd.DataFrame,
                           training: dict[str, Any]) -> str:
    """``results.md``: TABLE 3 beside the paper's numbers, the tests, the ranks and the synthetic-row quality."""
    note = (f"Each (dataset, method) cell: the augmented training set is built once, then the classifier is "
            f"trained {training['runs']} times with seeds {training['seed']}..{training['seed'] + training['runs'] - 1}.")
    return results_markdown(results, comparison, significance, ranks, friedman, quality, note)


def figure_f1(results: pd.DataFrame) -> plt.Figure:
    """FIGURE 4: mean F1 with its spread, per dataset and method."""
    return plot_f1_bars(results)


def figure_pr_curves(**test_scores: pd.DataFrame) -> plt.Figure:
    """FIGURE 6: precision-recall curves per dataset, one per method."""
    grouped: dict[str, dict[str, pd.DataFrame]] = {}
    for cell, frame in test_scores.items():
        dataset, method = _split(cell)
        grouped.setdefault(dataset, {})[method] = frame
    return plot_pr_curves(grouped)


def figure_gan_losses(**histories: pd.DataFrame) -> plt.Figure:
    """FIGURE 7: SMOTified-GAN's generator and discriminator losses per epoch."""
    return plot_gan_losses({_split(cell)[0]: history for cell, history in histories.items()})
