"""Gradients stay where the pixels are: moving a point cannot change pixels its edges never reach.

Regression for "a 1 px transparent line along the top edge after a shape edit of a
full-canvas rect": each row's accumulated areas sum to zero, and so must their
derivatives, or the running sum over the flat buffer carries a row's derivative into
every later row and item. Three things broke that: horizontal parts dropped before
differentiation, parts ending exactly on a grid line, and pieces a rounding error longer
than one pixel. A full-canvas rect's top corners then received large gradients from
pixels far below them, and Adam moved them into the canvas.
"""

import pytest
import torch

import vecedit
from vecedit.render.composite import render_scene
from vecedit.scene import from_document

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64">'
       '<rect id="bg" width="96" height="64" fill="#3080c0"/>'
       '<rect x="10" y="12" width="30" height="20" fill="#208040"/>'
       '<circle cx="60" cy="32" r="12.3" fill="#c04020"/></svg>')


@pytest.mark.parametrize("size, dtype", [((96, 64), torch.float32), ((229, 153), torch.float32),
                                         ((224, 149), torch.float64), ((512, 341), torch.float32)])
def test_no_gradient_from_pixels_an_edge_never_reaches(size, dtype):
    scene = from_document(vecedit.load_svg(SVG), *size, dtype=dtype)
    scene.points.requires_grad_(True)
    image = render_scene(scene, background=(1.0, 1.0, 1.0))
    h, w = scene.height, scene.width
    # a loss on the middle of the canvas only: the background rect's corners and the
    # small rect's top corners are at least a few pixels away from every pixel it reads
    middle = image[h // 3: 2 * h // 3, w // 2: 3 * w // 4, :3]
    (middle * torch.tensor([1.0, -0.5, 0.3], dtype=dtype)).sum().backward()
    grad = scene.points.grad
    tol = 1e-3 if dtype == torch.float32 else 1e-9
    assert grad[:12].abs().max() < tol, "full-canvas rect corners got a gradient from pixels they do not touch"
    assert grad[12:24].abs().max() < tol, "the small rect got a gradient from pixels it does not touch"


def test_axis_aligned_corner_gradient_matches_finite_differences():
    doc = vecedit.load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
                           '<path d="M10.5 10.5 L50.5 10.5 L50.5 40.5 L10.5 40.5 Z"/>'
                           '<circle cx="30" cy="55" r="6"/></svg>')
    scene = from_document(doc, dtype=torch.float64)
    weights = torch.rand(64, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)

    def loss():
        return (render_scene(scene)[..., 3] * weights).sum()

    scene.points.requires_grad_(True)
    loss().backward()
    h = 1e-5
    for row in (0, 3, 6, 9):  # the four corners, each beside a horizontal edge
        with torch.no_grad():
            scene.points[row, 1] += h
            up = loss().item()
            scene.points[row, 1] -= 2 * h
            down = loss().item()
            scene.points[row, 1] += h
        assert scene.points.grad[row, 1].item() == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-6)
