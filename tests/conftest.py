"""Fixtures every test folder may use. This folder is on ``sys.path`` (pytest's rootdir
conftest), so ``import standins`` works from any test module."""

import pytest
from standins import build_tiny_clip


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test gets an empty vecedit cache folder of its own (never the user's)."""
    folder = tmp_path / "vecedit-cache"
    monkeypatch.setenv("VECEDIT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    """(config.json, checkpoint.pt) of a randomly initialised tiny open_clip model."""
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))
