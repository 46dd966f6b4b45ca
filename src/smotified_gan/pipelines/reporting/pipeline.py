"""The report over every cell: TABLE 3, tests, comparison with the paper, FIGURES 4, 6 and 7."""

from __future__ import annotations

from kedro.pipeline import Node, Pipeline

from smotified_gan.pipelines.grid import Grid, current

from .nodes import (
    compile_quality,
    compile_results,
    compile_run_metrics,
    figure_f1,
    figure_gan_losses,
    figure_pr_curves,
    paper_comparison,
    test_significance,
    write_results_markdown,
)


def create_pipeline(grid: Grid | None = None, **kwargs) -> Pipeline:
    grid = grid or current()
    def each(output: str, samplers=("none", "smote", "gan", "smotified_gan")) -> dict[str, str]:
        return {f"{dataset}.{method}": f"{dataset}.{method}.{output}" for dataset, method in grid.cells()
                if grid.sampler(method) in samplers}

    return Pipeline([
        Node(compile_results, each("summary"), "results", name="compile_results"),
        Node(compile_run_metrics, each("run_metrics"), "run_metrics", name="compile_run_metrics"),
        Node(compile_quality, each("synthetic_quality", ("smote", "gan", "smotified_gan")), "synthetic_quality",
             name="compile_quality"),
        Node(test_significance, ["run_metrics", "results", "params:reporting"],
             ["significance", "method_ranks", "friedman_test"], name="test_significance"),
        Node(paper_comparison, ["results", "params:reporting"], "paper_comparison", name="paper_comparison"),
        Node(write_results_markdown, ["results", "paper_comparison", "significance", "method_ranks", "friedman_test",
                                      "synthetic_quality", "params:training"], "results_markdown",
             name="write_results_markdown"),
        Node(figure_f1, "results", "figure4_f1", name="figure_f1"),
        Node(figure_pr_curves, each("test_scores"), "figure6_pr_curves", name="figure_pr_curves"),
        Node(figure_gan_losses, each("gan_history", ("smotified_gan",)), "figure7_gan_losses",
             name="figure_gan_losses"),
    ], tags=["reporting"])
