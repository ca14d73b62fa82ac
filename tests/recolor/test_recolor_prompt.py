"""``recolor(prompt=…)``: colour-only optimisation through the edit loop; shapes stay bit-identical."""

import re

import numpy as np

from vecedit.recolor.api import recolor
from vecedit.svg import dumps_svg, load_svg

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">
  <rect id="bg" width="64" height="64" fill="#e0e0e0"/>
  <path id="blob" d="M10 30 C10 10 30 8 40 14 C56 22 54 50 34 54 C20 56 10 46 10 30 Z" fill="#5070a0"/>
  <circle id="dot" cx="46" cy="46" r="10" fill="none" stroke="#208040" stroke-width="4"/>
  <ellipse id="egg" cx="20" cy="48" rx="8" ry="5" fill="#a0a040" opacity="0.8"/>
</svg>"""


def geometry(text):
    return re.findall(r'\b(?:d|cx|cy|r|rx|ry|width|height|stroke-width)="[^"]*"', text)


def test_prompt_recolour_moves_colours_only(colour_encoder):
    doc = recolor(SVG, prompt="something red", encoder=colour_encoder, iterations=12, patches=2,
                  templates="none", seed=1)
    out = dumps_svg(doc)
    assert geometry(out) == geometry(SVG)  # shapes written back untouched (attributes byte-identical)
    before, after = load_svg(SVG), load_svg(out)
    for a, b in zip(before.shapes(), after.shapes()):
        assert a.tag == b.tag and len(a.subpaths) == len(b.subpaths)
        for sa, sb in zip(a.subpaths, b.subpaths):
            assert np.array_equal(sa.points, sb.points)  # bit-identical control points
        assert a.stroke_width == b.stroke_width and a.opacity == b.opacity
    red = [(b.fill[0] - b.fill[2]) - (a.fill[0] - a.fill[2]) for a, b in zip(before.shapes(), after.shapes())
           if isinstance(a.fill, tuple)]
    assert all(r > 0 for r in red), red  # every fill moved toward red
    result = doc.recolor_result
    assert result.paints >= 4 and "#5070a0" in result.mapping
