"""The fused nonzero-coverage function against autograd's own chain (cumsum → abs → clamp).

Windings of exactly ±1 (fully covered pixels of axis-aligned shapes) are where a
hand-written backward can silently differ; there both pass the slope of moving the
bordering edge inward (``nonzero_rule``), where torch's clamp passes none.
"""

from pathlib import Path

import torch

from vecedit.render.raster import Accumulation, _NonzeroCoverage, nonzero_rule, suffix_sums
from vecedit.scene import from_document
from vecedit.render.composite import render_scene
from vecedit.svg import load_svg

CORPUS = Path(__file__).parent.parent / "corpus"


def _both(buffer, grad):
    buffer = buffer.detach().requires_grad_(True)
    ref = torch.autograd.grad(nonzero_rule(buffer.cumsum(0)), buffer, grad)[0]
    new = torch.autograd.grad(_NonzeroCoverage.apply(buffer), buffer, grad)[0]
    return ref, new


def test_matches_autograd_on_random_windings():
    gen = torch.Generator().manual_seed(0)
    buffer = torch.randn(200, dtype=torch.float64, generator=gen)
    grad = torch.randn(200, dtype=torch.float64, generator=gen)
    ref, new = _both(buffer, grad)
    torch.testing.assert_close(new, ref, rtol=0, atol=1e-12)


def test_windings_of_exactly_one_pass_the_inward_slope():
    buffer = torch.tensor([1.0, 0, -2, 1, 1.5, 0, 0.25, -1.25, 0.5, -1, 0], dtype=torch.float64)
    grad = torch.linspace(-1, 2, len(buffer), dtype=torch.float64)
    ref, new = _both(buffer, grad)
    torch.testing.assert_close(new, ref, rtol=0, atol=1e-12)
    wind = buffer.detach().requires_grad_(True)
    nonzero_rule(wind).sum().backward()  # windings 1, 0, −2, 1, 1.5, …
    assert wind.grad.tolist() == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, -1.0, 0.0]


def test_suffix_sums_keep_to_each_row():
    """Σ_{j≥k} x_j less one constant per row: the rest of the buffer never enters a row's numbers."""
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(30, dtype=torch.float64, generator=gen)
    spills = torch.tensor([4, 11, 12, 20, 29])  # rows end here (the last at the buffer's end)
    out = torch.cat([x.new_zeros(1), x])
    got = suffix_sums(out.clone(), spills)
    true = x.flip(0).cumsum(0).flip(0)
    start = 0
    for end in spills.tolist():
        row = slice(start, end + 1)
        offset = got[row] - true[row]
        torch.testing.assert_close(offset, offset[:1].expand_as(offset), rtol=0, atol=1e-12)
        start = end + 1
    later = x.clone()
    later[12:] *= 1000.0  # rows after the third: the first three rows' numbers do not change
    torch.testing.assert_close(suffix_sums(torch.cat([x.new_zeros(1), later]), spills)[:13], got[:13],
                               rtol=0, atol=1e-9)
    torch.testing.assert_close(suffix_sums(out.clone(), None), true, rtol=0, atol=1e-12)


def _rect_gradient(shift: float) -> torch.Tensor:
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="12" height="12">'
                   '<path d="M2 3 L9 3 L9 7 L2 7 Z" fill="#000"/></svg>')
    scene = from_document(doc, dtype=torch.float64)
    scene.points = (scene.points + shift).requires_grad_(True)
    image = render_scene(scene, (1.0, 1.0, 1.0))
    (image * torch.rand(image.shape, dtype=image.dtype, generator=torch.Generator().manual_seed(1))).sum().backward()
    return scene.points.grad


def test_a_rect_on_whole_pixels_gets_the_gradient_of_moving_each_side_inward():
    """Left and top sides: the limit from just right/below (+ε); right and bottom: from just left/above (−ε).
    Before, every point had a zero gradient (full-coverage windings of exactly 1, black pixels
    exactly 0 under the output clamp, the right side's x only in the uncovered pixel)."""
    exact, after, before = _rect_gradient(0.0), _rect_gradient(1e-7), _rect_gradient(-1e-7)
    corners = {"top-left": 0, "top-right": 3, "bottom-right": 6, "bottom-left": 9}
    expect = {"top-left": (after[0, 0], after[0, 1]), "top-right": (before[3, 0], after[3, 1]),
              "bottom-right": (before[6, 0], before[6, 1]), "bottom-left": (after[9, 0], before[9, 1])}
    for name, row in corners.items():
        assert abs(exact[row, 0]) > 1 and abs(exact[row, 1]) > 1, name
        torch.testing.assert_close(exact[row], torch.stack(expect[name]), rtol=1e-4, atol=1e-6, msg=name)


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
    monkeypatch.setattr(Accumulation, "nonzero_coverage", lambda acc: nonzero_rule(acc.buffer.cumsum(0)))
    chain = points_grad()
    torch.testing.assert_close(fused, chain, rtol=1e-9, atol=1e-9 * float(chain.abs().max()))
