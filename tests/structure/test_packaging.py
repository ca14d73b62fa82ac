"""What ``pip install vecedit`` puts in site-packages: one top-level name, every package of the tree."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
import setuptools

ROOT = Path(__file__).resolve().parents[2]


def setup_arguments(monkeypatch) -> dict:
    captured: dict = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: captured.update(kwargs))
    monkeypatch.chdir(ROOT)
    runpy.run_path(str(ROOT / "setup.py"))
    return captured


def test_only_vecedit_is_installed_at_the_top(monkeypatch):
    packages = setup_arguments(monkeypatch)["packages"]
    assert {name.split(".")[0] for name in packages} == {"vecedit"}
    assert {"vecedit.plugins", "vecedit.plugins.glyphdraw", "vecedit.vectorizers"} <= set(packages)


def test_every_folder_with_an_init_is_a_package(monkeypatch):
    arguments = setup_arguments(monkeypatch)
    folder_of = {name: folder for name, folder in arguments["package_dir"].items()}
    folder_of.setdefault("vecedit", "vecedit")
    expected = set()
    for name, folder in folder_of.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            expected.add(".".join((name, *parts)))
    assert expected <= set(arguments["packages"])


def test_entry_points_name_installed_modules():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11's tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    targets = project["entry-points"]["vecedit.plugins"].values()
    assert targets and all(t.startswith("vecedit.plugins.") for t in targets)
    assert project["scripts"]["vecedit"] == "vecedit.cli:run"
