"""Curves that cannot show are flattened as their chord: the same picture and gradients as
flattening them in full, for fills, strokes, filters and pattern tiles, at a fraction of the work."""

import numpy as np
import pytest
import torch

import vecedit.render.flatten as flatten_module
from vecedit.render.composite import render_scene
from vecedit.render.flatten import flatten
from vecedit.scene import from_document
from vecedit.svg import load_svg

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30">
  <!-- vertices off the pixel grid: exact alignments have one-sided derivatives -->
  <defs>
    <filter id="blur" x="-1" y="-1" width="3" height="3"><feGaussianBlur stdDeviation="2"/></filter>
    <pattern id="tiles" width="12" height="10" patternUnits="userSpaceOnUse">
      <path d="M2 2 L6 2 C20 -30 25 30 14 8 L2 8 Z" fill="#08f"/>
    </pattern>
  </defs>
  <g transform="translate(0.37 0.21)">
  <path d="M-20 -10 C-60 5 -5 40 -30 50 L20 50 L20 -10 Z" fill="#c33" fill-opacity="0.7"/>
  <path d="M10 5 L50 5 C80 0 45 40 70 25 L10 25 Z" fill="#3a3" fill-opacity="0.6"/>
  <path d="M5 -5 C10 -40 30 -20 35 -5 L35 10 C30 60 10 60 5 10 Z" fill="#33c" fill-opacity="0.5"
        fill-rule="evenodd"/>
  <path d="M-10 8 C-12 0 0 -12 8 -10 L20 20 Z" fill="#990"/>
  <path d="M20 15 L-2 15 C-30 0 -30 30 -3 28" fill="none" stroke="#a0a" stroke-width="6"
        stroke-linejoin="miter" stroke-linecap="square"/>
  <path d="M20.4 5.3 L-25 5.3 C-60 -10 -60 30 -25 25.6 L20.2 25.6" fill="none" stroke="#0aa" stroke-width="4"
        stroke-opacity="0.5"/>
  <g filter="url(#blur)"><path d="M10 12 L-4 12 C-8 -20 -9 40 -4 18 L10 18 Z" fill="#555"/></g>
  <rect x="22" y="12" width="18" height="18" fill="url(#tiles)"/>
  </g>
</svg>"""


def _render_and_grad(scene):
    points = scene.points.detach().clone().requires_grad_(True)
    scene.points = points
    image = render_scene(scene, background=(1, 1, 1))
    weights = torch.rand(image.shape, generator=torch.Generator().manual_seed(1), dtype=image.dtype)
    (grad,) = torch.autograd.grad((image * weights).sum(), points)
    return image.detach(), grad


def test_chords_draw_what_full_flattening_draws(monkeypatch):
    scene = from_document(load_svg(SVG), dtype=torch.float64)
    chords = []
    real = flatten_module.hull_outside
    monkeypatch.setattr(flatten_module, "hull_outside", lambda *a: chords.append(real(*a)) or chords[-1])
    image, grad = _render_and_grad(scene)
    assert sum(int(c.sum()) for c in chords) >= 4  # the curves left, right, above and below (not the near ones)
    monkeypatch.setattr(flatten_module, "hull_outside", lambda ctrl, *a: np.zeros(len(ctrl), dtype=bool))
    full_image, full_grad = _render_and_grad(scene)
    assert np.abs((image - full_image).numpy()).max() < 1e-9
    assert torch.allclose(grad, full_grad, atol=1e-7)


@pytest.mark.parametrize("margin, samples", [(0.0, 1), (2e6, None)])
def test_a_huge_far_off_curve_costs_one_vertex_unless_it_may_show(margin, samples):
    # a cubic 1e6 px left of a 40 × 30 raster, bulging over 1e7 px: full detail is the sample cap
    points = torch.tensor([[-1e6, 0.0], [-3e7, -1e7], [-3e7, 1e7], [-1e6, 10.0]], dtype=torch.float64)
    far = flatten(points, [(0, 4, False)], 0.05, (40, 30, np.array([margin])))
    full = flatten(points, [(0, 4, False)], 0.05)
    assert len(full.vertices) == flatten_module.MAX_SAMPLES + 1
    assert len(far.vertices) == (samples + 1 if samples else len(full.vertices))


def test_a_dashed_stroke_keeps_its_curves_in_full(monkeypatch):
    # a dash pattern depends on the length of the path before it, visible or not
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><path d="M-50 5 C-90 -40 -90 40 -50 20 '
           'L40 20" fill="none" stroke="#000" stroke-width="2" stroke-dasharray="3 2"/></svg>')
    hidden = []
    real = flatten_module.hull_outside
    monkeypatch.setattr(flatten_module, "hull_outside", lambda *a: hidden.append(real(*a)) or hidden[-1])
    render_scene(from_document(load_svg(svg), dtype=torch.float64))
    assert len(hidden) == 1 and not hidden[0].any()
