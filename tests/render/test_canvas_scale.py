"""A document whose size is not whole pixels draws at its own scale on its own (rounded) canvas, as resvg
does; any other canvas size is filled. Stretching 10.4 px to 10 moved every edge by up to 0.4 px."""

import torch

from vecedit.render.reference import render_reference
from vecedit.scene import canvas_scale, from_document
from vecedit.svg import load_svg
import vecedit

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="10.4" height="6.4" viewBox="0 0 10.4 6.4">'
       '<rect x="6" y="2" width="2" height="2"/></svg>')


def test_own_size_draws_at_scale_one():
    doc = load_svg(SVG)
    assert canvas_scale(doc, 10, 6) == (1.0, 1.0)
    alpha = vecedit.render(SVG)[..., 3]
    assert alpha.shape == (6, 10)
    assert torch.equal(alpha[3, 5:9], torch.tensor([0.0, 1.0, 1.0, 0.0]))
    reference = torch.from_numpy(render_reference(SVG))[..., 3]
    assert torch.allclose(alpha, reference, atol=1 / 255)


def test_any_other_size_is_filled():
    doc = load_svg(SVG)
    assert canvas_scale(doc, 20, 12) == (20 / 10.4, 12 / 6.4)
    scene = from_document(doc, 52, 32)
    assert scene.points[:, 0].max().item() == 40.0  # x = 8 user px at 5 px each
