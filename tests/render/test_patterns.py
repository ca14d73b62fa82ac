"""Patterns: tiles fold and repeat exactly, gradients reach the content (float64), the writer keeps url(#p)."""

import numpy as np
import pytest
import torch

from vecedit.render.composite import render_scene
from vecedit.render.pattern import fold, sample
from vecedit.scene import PatternPaint, from_document, write_back
from vecedit.svg import PatternRef, dumps_svg, load_svg
from render_scenes import weighted_render_loss

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="12" height="10">
  <pattern id="p" x="0.37" y="0.21" width="5.5" height="4.5" patternUnits="userSpaceOnUse" patternTransform="rotate(10)">
    <path d="M0.7 0.4 L4.3 1.1 L2.2 3.9 Z" fill="#c33" fill-opacity="0.8"/>
    <ellipse cx="3.7" cy="2.9" rx="1.1" ry="0.9" fill="#36c" stroke="#0a0" stroke-width="0.5"/>
  </pattern>
  <path d="M1.2 1.3 C5 0.2 9 2 11.1 1.4 C10.1 4.2 11.7 6.4 10.6 8.8 C7.1 9.9 4.4 8.1 1.7 9.1 Z" fill="url(#p)"/>
  <path d="M2 5.2 C5 4.1 7.3 6.3 10.2 4.7" fill="none" stroke="url(#p)" stroke-width="1.5"/>
</svg>"""


def test_fold_wraps_the_spill_onto_the_first_row_and_column():
    raster = torch.zeros(3, 4, 4)
    raster[0, 3] = 1.0  # right spill of row 0
    raster[2, 1] = 2.0  # bottom spill of column 1
    raster[2, 3] = 4.0  # the corner
    out = fold(raster, (3, 2))
    assert out.shape == (2, 3, 4)
    assert out[0, 0, 0] == 5.0 and out[0, 1, 0] == 2.0 and out.sum() == 7.0 * 4


def test_sample_repeats_the_tile_at_pixel_centres():
    tile = torch.arange(6, dtype=torch.float64).reshape(2, 3, 1).expand(2, 3, 4)
    got = sample(tile, np.eye(3), 0, 0, 7, 5)[..., 0]
    expect = torch.tensor([[(x % 3) + 3 * (y % 2) for x in range(7)] for y in range(5)], dtype=torch.float64)
    assert torch.equal(got, expect)


@pytest.mark.parametrize("name", ["points", "colors", "stroke_widths"])
def test_gradients_reach_the_pattern_content(name):
    scene = from_document(load_svg(SVG), dtype=torch.float64)
    assert scene.frames and any(isinstance(s.fill, PatternPaint) for s in scene.shapes)
    base = scene.tensors()[name].detach().clone()
    rows = torch.arange(len(base))
    if name == "points":  # the content's and the painted shapes' points (not the tile's clip rectangle)
        clip = {i for f in scene.frames if f.root.clip is not None for i in f.root.clip.children}
        rows = torch.tensor([r for i, s in enumerate(scene.shapes) if i not in clip
                             for a, n, _ in s.subpaths for r in range(a, a + n)])
    loss, start = weighted_render_loss(scene, name, seed=2, rows=rows)
    values = start.clone().requires_grad_(True)
    loss(values).backward()
    content = [i for i, s in enumerate(scene.shapes) if s.frame >= 0 and s.fill is not None]
    if name == "colors":  # the content's colours move the picture
        assert values.grad[[s.fill.color for i, s in enumerate(scene.shapes) if i in content]].abs().sum() > 0
    torch.autograd.gradcheck(loss, (start.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3,
                             fast_mode=True)


def test_an_edited_shape_keeps_its_pattern_paint():
    doc = load_svg(SVG)
    scene = from_document(doc)
    with torch.no_grad():
        scene.points[0] += 0.5  # move the filled path
    write_back(scene, doc)
    text = dumps_svg(doc)
    assert 'fill="url(#p)"' in text or "fill:url(#p)" in text
    assert isinstance(load_svg(text).shapes()[0].fill, PatternRef)
    doc.shapes()[0].edited.add("fill")  # a rewrite of the paint itself keeps the reference too
    assert dumps_svg(doc).count('fill="url(#p)"') == 1  # rewritten in its own form, an attribute


def test_a_pattern_inside_itself_paints_nothing_there():
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
                   '<pattern id="p" width="10" height="10" patternUnits="userSpaceOnUse">'
                   '<rect width="5" height="5" fill="url(#p)"/><rect x="5" width="5" height="5" fill="red"/></pattern>'
                   '<rect width="20" height="20" fill="url(#p)"/></svg>')
    assert any("cycle" in n.message for n in doc.notes)
    image = render_scene(from_document(doc))
    assert image[2, 7, 0] > 0.99 and image[2, 2, 3] < 0.01


def test_an_axis_aligned_tile_at_a_fractional_origin_lands_on_whole_pixels():
    # origin y = 2.5: resvg reads its tile from the origin rounded half down (y = 2), so rows are crisp
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="12">'
                   '<pattern id="p" patternUnits="userSpaceOnUse" x="0" y="2.5" width="8" height="4">'
                   '<rect width="8" height="2" fill="black"/></pattern>'
                   '<rect width="8" height="12" fill="url(#p)"/></svg>')
    from vecedit.render.api import render_document

    alpha = render_document(doc)[:, 3, 3].tolist()
    assert alpha == pytest.approx([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1], abs=1e-6)  # what resvg draws
