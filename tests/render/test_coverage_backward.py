"""The fused nonzero-coverage function against autograd's own chain (cumsum → abs → clamp).

Windings of exactly ±1 (fully covered pixels of axis-aligned shapes) are where a
hand-written backward can silently differ: torch's clamp passes no gradient at its bound.
"""

from pathlib import Path

import torch

from vecedit.render.raster import Accumulation, _NonzeroCoverage
from vecedit.scene import from_document
from vecedit.render.composite import render_scene
from vecedit.svg import load_svg

CORPUS = Path(__file__).parent.parent / "corpus"


def _both(buffer, grad):
    buffer = buffer.detach().requires_grad_(True)
    ref = torch.autograd.grad(buffer.cumsum(0).abs().clamp(max=1.0), buffer, grad)[0]
    new = torch.autograd.grad(_NonzeroCoverage.apply(buffer), buffer, grad)[0]
    return ref, new


def test_matches_autograd_on_random_windings():
    gen = torch.Generator().manual_seed(0)
    buffer = torch.randn(200, dtype=torch.float64, generator=gen)
    grad = torch.randn(200, dtype=torch.float64, generator=gen)
    ref, new = _both(buffer, grad)
    torch.testing.assert_close(new, ref, rtol=0, atol=1e-12)


def test_no_gradient_through_windings_of_exactly_one():
    buffer = torch.tensor([1.0, 0, -2, 1, 1.5, 0, 0.25, -1.25, 0.5, -1, 0], dtype=torch.float64)
    grad = torch.linspace(-1, 2, len(buffer), dtype=torch.float64)
    ref, new = _both(buffer, grad)
    torch.testing.assert_close(new, ref, rtol=0, atol=1e-12)


def test_scene_gradients_match_the_autograd_chain(monkeypatch):
    # pixel-aligned rectangles: many windings of exactly 1 (where a wrong backward gave
    # gradients ~200× too large while the image stayed identical)
    def points_grad():
        scene = from_document(load_svg(CORPUS / "31-color-hex.svg"), width=48, dtype=torch.float64)
        scene.points.requires_grad_(True)
        image = render_scene(scene, (1.0, 1.0, 1.0))
        weights = torch.rand(image.shape, dtype=image.dtype, generator=torch.Generator().manual_seed(0))
        (image * weights).sum().backward()
        return scene.points.grad

    fused = points_grad()
    monkeypatch.setattr(Accumulation, "nonzero_coverage", lambda acc: acc.winding().abs().clamp(max=1.0))
    chain = points_grad()
    torch.testing.assert_close(fused, chain, rtol=1e-9, atol=1e-9 * float(chain.abs().max()))
