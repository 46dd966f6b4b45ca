"""The Examples sections of the samplers' docstrings run as written."""

import doctest

from smotified_gan.core.samplers import oversamplers


def test_docstring_examples_run():
    result = doctest.testmod(oversamplers, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 8 and result.failed == 0
