"""Shared helpers for the vecedit.svg tests."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

from svgkit import SVG_NS, svg  # noqa: E402,F401


@pytest.fixture
def make_svg():
    return svg
