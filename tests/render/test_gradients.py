"""Gradients of the builtin renderer against finite differences (float64).

Every parameter kind the issue names: control points, colours, stroke widths,
gradient stop colours and offsets, gradient geometry, element opacity.
"""

import pytest
import torch

from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from render_scenes import weighted_render_loss

SVG = """
<svg xmlns="http://www.w3.org/2000/svg" width="14" height="12">
  <defs>
    <linearGradient id="lin" x1="1.3" y1="2.1" x2="11.7" y2="9.4" gradientUnits="userSpaceOnUse" spreadMethod="reflect">
      <stop offset="0.15" stop-color="#d33"/><stop offset="0.55" stop-color="#3a6" stop-opacity="0.7"/>
      <stop offset="0.9" stop-color="#36c"/>
    </linearGradient>
    <radialGradient id="rad" cx="0.45" cy="0.55" r="0.6" fx="0.4" fy="0.5">
      <stop offset="0.1" stop-color="#fc0"/><stop offset="0.8" stop-color="#60f"/>
    </radialGradient>
  </defs>
  <path d="M1.3 1.7 C5.2 0.4 9.9 3.1 12.6 1.9 L11.8 10.3 C7.7 11.1 4.1 8.2 1.9 10.6 Z" fill="url(#lin)"/>
  <circle cx="7.1" cy="6.3" r="3.7" fill="url(#rad)" opacity="0.8" stroke="#123" stroke-width="1.3"/>
  <path d="M2.2 3.3 L6.4 9.1 L10.3 4.2" fill="none" stroke="#0a8" stroke-width="1.7"
        stroke-linejoin="miter" stroke-linecap="square" stroke-opacity="0.6"/>
  <path d="M9.1 8.7 Q12.4 10.2 13.3 6.6" fill="none" stroke="#a08" stroke-width="0.9"
        stroke-linejoin="round" stroke-linecap="round"/>
  <!-- gradients shared by several items (shaded together): a layered shape, an unlayered one with opacity -->
  <rect x="3.2" y="5.1" width="5.3" height="4.4" fill="url(#rad)" fill-opacity="0.7" stroke="url(#lin)"
        stroke-width="1.1" opacity="0.9"/>
  <ellipse cx="10.2" cy="8.3" rx="2.6" ry="1.9" fill="url(#lin)" opacity="0.75"/>
</svg>
"""

PARAMS = ["points", "colors", "stroke_widths", "opacities", "stop_offsets", "stop_colors", "gradient_geometry"]


@pytest.fixture(scope="module")
def scene():
    from vecedit.svg import load_svg

    return from_document(load_svg(SVG), dtype=torch.float64)


@pytest.mark.parametrize("name", PARAMS)
def test_gradient_matches_finite_differences(scene, name):
    loss, base = weighted_render_loss(scene, name, seed=0)

    assert base.numel() > 0
    torch.autograd.gradcheck(loss, (base.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gradients_reach_every_kind(scene):
    tensors = {n: scene.tensors()[n].detach().clone().requires_grad_(True) for n in PARAMS}
    for n, t in tensors.items():
        setattr(scene, n, t)
    render_scene(scene, background=(1, 1, 1)).sum().backward()
    for n, t in tensors.items():
        assert t.grad is not None and t.grad.abs().sum() > 0, n
        assert torch.isfinite(t.grad).all(), n
