"""Fixtures for the font tests (helpers in fontkit.py)."""

import pytest

from fontkit import InkPosition, build_font


@pytest.fixture
def ttf(tmp_path):
    return build_font(tmp_path / "vectest.ttf", gpos_kern=-80)


@pytest.fixture
def otf(tmp_path):
    return build_font(tmp_path / "vectest.otf", cff=True, gpos_kern=-80)


@pytest.fixture
def ink_encoder():
    return InkPosition()
