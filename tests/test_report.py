"""The critical-difference diagram joins exactly the methods the Nemenyi critical difference cannot tell apart."""

import math

import pandas as pd
import pytest

from smotified_gan.core.report import Methods, plot_critical_difference

RANKS = pd.DataFrame({"method": ["none", "smote", "gan", "smotified_gan"], "average_rank": [3.1, 2.0, 2.6, 2.3]})


def _crossbars(figure) -> list[tuple[float, float]]:
    """The black 2.5-pt bars of each panel, as (left, right) rank spans."""
    return sorted((round(min(line.get_xdata()), 2), round(max(line.get_xdata()), 2))
                  for axis in figure.axes for line in axis.get_lines()
                  if line.get_linewidth() == 2.5 and line.get_color() == "black")


@pytest.mark.parametrize(("cd", "bars"), [(0.9, [(2.0, 2.6), (2.3, 3.1)]), (0.35, [(2.0, 2.3), (2.3, 2.6)]),
                                          (2.0, [(2.0, 3.1)]), (0.1, []), (math.nan, [])])
def test_methods_closer_than_the_critical_difference_are_joined(cd, bars):
    friedman = {"critical_difference": cd, "p_value": 0.03, "datasets": 7, "alpha": 0.05}
    figure = plot_critical_difference(RANKS, friedman, Methods({"none": {"label": "No augmentation"}}))
    assert _crossbars(figure) == bars
    labels = {text.get_text() for axis in figure.axes for text in axis.texts}
    assert "No augmentation (3.10)" in labels or "(3.10) No augmentation" in labels


def test_one_panel_per_lens_each_with_its_own_test():
    ranks = pd.concat([RANKS.assign(classifier="network"),
                       RANKS.assign(classifier="HGB", average_rank=[1.2, 2.9, 3.6, 2.3])])
    tests = {"network": {"critical_difference": 0.9, "datasets": 7}, "HGB": {"critical_difference": 0.5, "datasets": 7}}
    figure = plot_critical_difference(ranks, tests, Methods())
    titles = [axis.get_title() for axis in figure.axes if axis.get_title()]
    assert len(titles) == 2 and titles[0].startswith("network: ") and "CD = 0.50" in titles[1]
