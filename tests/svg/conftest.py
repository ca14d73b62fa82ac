"""Shared helpers for the vecedit.svg tests."""

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

SVG_NS = "http://www.w3.org/2000/svg"


def svg(body: str, attrs: str = 'width="100" height="100"') -> str:
    """Wrap *body* in an SVG root with the SVG and xlink namespaces."""
    return (f'<svg xmlns="{SVG_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" {attrs}>'
            f"{body}</svg>")


@pytest.fixture
def make_svg():
    return svg
