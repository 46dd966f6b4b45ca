"""The report over every cell: TABLE 3, the repeats, the tests, comparison with the paper, FIGURES 4, 6 and 7, the CD diagram."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.core.protocol import cell_name
from smotified_gan.pipelines.grid import Grid
from smotified_gan.pipelines.grid_registry import current_grid

from .nodes import (
    compare_methods,
    compile_quality,
    compile_results,
    compile_run_metrics,
    describe_data,
    figure_critical_difference,
    figure_f1,
    figure_gan_losses,
    figure_pr_curves,
    paper_comparison,
    test_significance,
    write_results_markdown,
)


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current_grid()

    def each(output: str) -> list[str]:
        return [f"{cell_name(dataset, method)}.{output}" for dataset, method in grid.cells()]

    return Pipeline([
        Node(compile_results, ["params:grid", *each("summary")], "results", name="compile_results"),
        Node(compile_run_metrics, each("run_metrics"), "run_metrics", name="compile_run_metrics"),
        Node(compile_quality, ["params:grid", *each("synthetic_quality")],
             "synthetic_quality", name="compile_quality"),
        Node(describe_data, ["run_metrics", "params:datasets", *[f"{dataset}.card" for dataset in grid.datasets_with_cells()]],
             "data_description", name="describe_data"),
        Node(test_significance, ["run_metrics", "results", "data_description", "params:reporting"],
             ["significance", "method_ranks", "friedman_test"], name="test_significance"),
        Node(compare_methods, ["results", "params:reporting"], "method_comparison", name="compare_methods"),
        Node(paper_comparison, ["results", "params:reporting"], "paper_comparison", name="paper_comparison"),
        Node(write_results_markdown, ["results", "paper_comparison", "significance", "method_ranks", "friedman_test",
                                      "synthetic_quality", "data_description", "run_metrics", "params:split",
                                      "params:oversampling", "params:training", "params:grid", "params:reporting",
                                      "method_comparison"],
             "results_markdown",
             name="write_results_markdown"),
        Node(figure_f1, ["results", "params:grid"], "figure4_f1", name="figure_f1"),
        Node(figure_pr_curves, ["params:grid", *each("test_scores")], "figure6_pr_curves", name="figure_pr_curves"),
        Node(figure_gan_losses, ["params:grid", *each("gan_history")], "figure7_gan_losses",
             name="figure_gan_losses"),
        Node(figure_critical_difference, ["method_ranks", "friedman_test", "params:grid"], "critical_difference",
             name="figure_critical_difference"),
    ], tags=["reporting"])
