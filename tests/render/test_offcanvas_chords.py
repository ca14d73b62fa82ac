"""What cannot show costs little: subpaths and dashes beyond the raster are left out, curves
beyond it are flattened as their chord; the same picture and gradients as drawing them in full,
for fills, strokes, dashes, filters and pattern tiles."""

import numpy as np
import pytest
import torch

import vecedit.render.composite as composite
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
  <path d="M2 2 L8 2 L5 6 Z M-30 5 C-10 5 -10 40 -20 25 Z M60 -40 L90 -40 L70 -60 Z" fill="#f80" stroke="#222"
        stroke-width="3"/>
  <path d="M-80 24 C-200 -100 -200 100 -60 20 L30 20 C40 -40 -60 -40 -40 -10" fill="none" stroke="#060"
        stroke-width="1.5" stroke-dasharray="4 3 1 3" stroke-linecap="round"/>
  </g>
</svg>"""


def _render_and_grad(scene):
    points = scene.points.detach().clone().requires_grad_(True)
    scene.points = points
    image = render_scene(scene, background=(1, 1, 1))
    weights = torch.rand(image.shape, generator=torch.Generator().manual_seed(1), dtype=image.dtype)
    (grad,) = torch.autograd.grad((image * weights).sum(), points)
    return image.detach(), grad


def _counting(monkeypatch, module, name):
    """Wrap ``module.name`` (a function returning a mask) to record how many it marks."""
    marked, real = [], getattr(module, name)
    monkeypatch.setattr(module, name, lambda *a: marked.append(real(*a)) or marked[-1])
    return marked


def test_what_cannot_show_draws_what_full_detail_draws(monkeypatch):
    scene = from_document(load_svg(SVG), dtype=torch.float64)
    chords = _counting(monkeypatch, flatten_module, "hull_outside")
    subpaths = _counting(monkeypatch, composite, "subpaths_outside")
    dashes = _counting(monkeypatch, composite, "polylines_outside")
    image, grad = _render_and_grad(scene)
    assert sum(int(c.sum()) for c in chords) >= 4  # the curves left, right, above and below (not the near ones)
    assert sum(int(c.sum()) for c in subpaths) >= 2 and sum(int(c.sum()) for c in dashes) >= 10
    keep_all = {"hull_outside": lambda ctrl, *a: np.zeros(len(ctrl), dtype=bool),
                "subpaths_outside": lambda points, subpaths, *a: np.zeros(len(subpaths), dtype=bool),
                "polylines_outside": lambda lines, *a: np.zeros(len(lines.counts), dtype=bool)}
    for module, name in ((flatten_module, "hull_outside"), (composite, "subpaths_outside"),
                         (composite, "polylines_outside")):
        monkeypatch.setattr(module, name, keep_all[name])
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
    hidden = _counting(monkeypatch, flatten_module, "hull_outside")
    render_scene(from_document(load_svg(svg), dtype=torch.float64))
    assert len(hidden) == 1 and not hidden[0].any()


def test_dashes_beyond_the_raster_are_not_outlined(monkeypatch):
    # 50 far-off dashed circles and one across the raster: 3·10⁵ dashes, of which some 40 can show
    far = "".join(f'<circle cx="{-3000 - 2500 * k}" cy="15" r="1000"/>' for k in range(50))
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><g fill="none" stroke="#000" '
           f'stroke-dasharray="0.5"><circle cx="20" cy="1015" r="1000"/>{far}</g></svg>')
    outlined = []
    real = composite.outline
    monkeypatch.setattr(composite, "outline", lambda lines, *a, **k: outlined.append(len(lines.counts)) or real(lines, *a, **k))
    image = render_scene(from_document(load_svg(svg)))
    assert sum(outlined) < 100
    assert image[14:16, :, 3].sum() > 10  # the near circle's dashes are drawn
