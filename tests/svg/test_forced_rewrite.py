"""Forced rewrites: every editable shape marked edited with its values unchanged renders the same (≥ 50 dB).

Over the feature families whose content is drawn through other elements (markers, masks, clips,
patterns, images, dashes): rewriting the shapes that use them must keep the
references (``url(#pattern)``, ``marker-*``) and the dash settings. Where a path has arcs,
the comparison is with the geometry-only rewrite: resvg flattens an arc differently from
its cubics (about 48 dB apart on their own), which is not what this test is about.
"""

import re

from pathlib import Path

import pytest

from vecedit.imageio import composite_on, psnr
from vecedit.render.reference import render_reference
from vecedit.svg import dumps_svg, load_svg

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
FAMILIES = ("dashes", "markers", "patterns", "images", "realworld", "masks", "clip", "structure", "blend")
FILES = sorted(p for family in FAMILIES for p in (CORPUS / family).glob("*.svg"))
EVERYTHING = {"geometry", "fill", "stroke", "stroke_width", "opacity", "fill_opacity", "stroke_opacity"}


def _rewritten(path: Path, fields: set[str]) -> tuple[str, int]:
    doc = load_svg(path)
    edited = [s for s in doc.shapes() if s.editable]
    for shape in edited:
        shape.edited |= fields
    return dumps_svg(doc), len(edited)


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_forced_rewrite_renders_the_same(path):
    text, n = _rewritten(path, EVERYTHING)
    arcs = re.search(r'\sd="[^"]*[aA]', path.read_text(encoding="utf-8"))
    if arcs:
        before = render_reference(_rewritten(path, {"geometry"})[0], width=128, resources=path.parent)
    else:
        before = render_reference(path, width=128)
    after = render_reference(text, width=128, height=before.shape[0], resources=path.parent)
    value = psnr(composite_on(after), composite_on(before))
    assert value >= 50.0, f"{path.name}: forced rewrite of {n} shapes renders {value:.1f} dB from the original"
