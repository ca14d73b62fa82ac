"""Shared pieces for the edit tests: the stand-in encoder (tests/standins.py), tiny documents
(editkit.py)."""

import pytest
from editkit import TWO_DOTS
from standins import ColourWords


@pytest.fixture
def encoder():
    return ColourWords()


@pytest.fixture
def two_dots(tmp_path):
    path = tmp_path / "dots.svg"
    path.write_text(TWO_DOTS)
    return path
