"""Stroke joins and zero-length subpaths as resvg draws them: miter-clip, closed dots."""

import pytest
import torch

from vecedit.render.api import render_document
from vecedit.scene import from_document
from vecedit.svg import load_svg
from render_scenes import weighted_render_loss

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40">'


def alpha(body: str) -> torch.Tensor:
    return render_document(load_svg(HEAD + body + "</svg>"))[..., 3]


def test_miter_clip_cuts_the_mitre_at_the_limit():
    # a right angle at (20, 10), half width 4: the mitre tip is 4·√2 ≈ 5.7 beyond the corner on the bisector
    corner = '<path d="M5 25 L20 10 L35 25" fill="none" stroke="black" stroke-width="8" stroke-miterlimit="1.2"'
    clipped, bevel = alpha(corner + ' stroke-linejoin="miter-clip"/>'), alpha(corner + ' stroke-linejoin="miter"/>')
    mitre = alpha(corner.replace('1.2', '4') + ' stroke-linejoin="miter"/>')
    # cut flat at limit · half width = 4.8 above the corner (y = 5.2): 80 % of row 5, nothing of row 4;
    # a bevel stops at y ≈ 7.2, the full mitre reaches y ≈ 4.3
    assert clipped[5, 19:21].tolist() == pytest.approx([0.8] * 2, abs=0.02) and clipped[4].max() < 0.01
    assert bevel[6].max() < 0.01 and mitre[4, 19:21].min() > 0.05
    assert bevel.sum() < clipped.sum() < mitre.sum()


def test_a_moveto_closepath_subpath_gets_its_caps():
    assert alpha('<path d="M20 20 Z" stroke="black" stroke-width="10" stroke-linecap="round"/>').sum() == pytest.approx(
        78.5, abs=1.0)
    assert alpha('<path d="M20 20 Z" stroke="black" stroke-width="10" stroke-linecap="square"/>').sum() == pytest.approx(100)
    assert alpha('<path d="M20 20 Z" stroke="black" stroke-width="10"/>').sum() == 0


@pytest.mark.parametrize("name", ["points", "stroke_widths"])
def test_miter_clip_is_differentiable(name):
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="14" height="12"><path d="M1.2 10.1 L6.7 2.3 L12.4 9.6"'
                   ' fill="none" stroke="#246" stroke-width="2.3" stroke-linejoin="miter-clip" stroke-miterlimit="1.3"/></svg>')
    scene = from_document(doc, dtype=torch.float64)
    loss, base = weighted_render_loss(scene, name, seed=2)

    torch.autograd.gradcheck(loss, (base.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3)
