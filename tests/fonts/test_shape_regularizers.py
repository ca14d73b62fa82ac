"""The legibility regularisers: zero at the start, growing with distortion, gradients reaching the points."""

import math

import numpy as np
import pytest
import torch

from fontkit import build_font
from vecedit.fonts.layout import load_font, text_to_svg
from vecedit.losses.shape_regularizers import (AcapLoss, ToneLoss, delaunay_triangles, gaussian_blur,
                                                triangle_angles)
from vecedit.losses.terms import Context, LossTerm
from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from vecedit.svg import load_svg


@pytest.fixture
def glyphs(tmp_path):
    font = load_font(build_font(tmp_path / "f.ttf"))
    doc = load_svg(text_to_svg("AV", font, size=64, max_segment=6))
    scene = from_document(doc)
    return doc, scene


def context(scene, doc, initial=None):
    image = render_scene(scene, background=(1, 1, 1))[..., :3]
    return Context(scene, image, image.detach() if initial is None else initial, 0, torch.Generator(), document=doc)


def transformed(points, matrix, shift=(0.0, 0.0)):
    m = torch.tensor(matrix, dtype=points.dtype)
    centre = points.mean(0)
    return (points - centre) @ m.T + centre + torch.tensor(shift, dtype=points.dtype)


def test_triangle_angles_sum_to_pi_and_gradcheck():
    tri = torch.tensor([[[0.0, 0.0], [4.0, 0.0], [1.0, 3.0]], [[0, 0], [1, 0], [0, 1]]], dtype=torch.float64)
    angles = triangle_angles(tri)
    assert torch.allclose(angles.sum(1), torch.full((2,), math.pi, dtype=torch.float64))
    assert angles[1].tolist() == pytest.approx([math.pi / 2, math.pi / 4, math.pi / 4])
    assert torch.autograd.gradcheck(triangle_angles, (tri.clone().requires_grad_(True),))
    with pytest.raises(ValueError, match=r"\(T, 3, 2\)"):
        triangle_angles(torch.zeros(2, 4, 2))


def test_delaunay_per_group_and_degenerate_groups():
    pts = np.array([[0, 0], [1, 0], [1, 1], [0, 1], [5, 5], [6, 6], [7, 7], [9, 0], [9, 0]], dtype=float)
    tris = delaunay_triangles(pts, [np.arange(4), np.arange(4, 7), np.arange(7, 9)])
    assert len(tris) == 2 and set(tris.ravel()) == {0, 1, 2, 3}  # the collinear and repeated groups give none


def test_regularisers_are_loss_terms():
    assert isinstance(AcapLoss(), LossTerm) and isinstance(ToneLoss(), LossTerm)


def test_acap_zero_at_start_invariant_to_similarity_grows_with_shear(glyphs):
    doc, scene = glyphs
    term = AcapLoss(weight=1.0)
    term.prepare(context(scene, doc))
    assert len(term.triangles) > 10
    assert float(term(context(scene, doc))["acap"]) == 0.0
    start = scene.points.detach().clone()
    c, s = math.cos(0.4), math.sin(0.4)
    for matrix in ([[1.3 * c, -1.3 * s], [1.3 * s, 1.3 * c]], [[1, 0], [0, 1]]):
        scene.points = transformed(start, matrix, shift=(3.0, -2.0))
        assert float(term(context(scene, doc))["acap"]) < 1e-9  # rotation + uniform scale + shift: conformal
    values = []
    for shear in (0.05, 0.15, 0.3):
        scene.points = transformed(start, [[1, shear], [0, 1]])
        values.append(float(term(context(scene, doc))["acap"]))
    assert 0 < values[0] < values[1] < values[2]


def test_acap_gradient_reaches_the_points(glyphs):
    doc, scene = glyphs
    term = AcapLoss(weight=2.0)
    term.prepare(context(scene, doc))
    start = scene.points.detach().clone()
    noisy = start + 0.3 * torch.randn(start.shape, generator=torch.Generator().manual_seed(0))
    scene.points = noisy.requires_grad_(True)
    term(Context(scene, torch.zeros(1), torch.zeros(1), 0, torch.Generator()))["acap"].backward()
    grad = scene.points.grad
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0
    # a small step against the gradient lowers the loss
    with torch.no_grad():
        before = float(term(Context(scene, torch.zeros(1), torch.zeros(1), 0, torch.Generator()))["acap"])
        scene.points -= 1e-3 * grad / grad.abs().max()
        after = float(term(Context(scene, torch.zeros(1), torch.zeros(1), 0, torch.Generator()))["acap"])
    assert after < before


def test_tone_zero_at_start_grows_with_displacement_and_has_gradients(glyphs):
    doc, scene = glyphs
    term = ToneLoss(weight=1.0, sigma=2.0)
    term.prepare(context(scene, doc))
    assert float(term(context(scene, doc))["tone"]) == 0.0
    start = scene.points.detach().clone()
    initial = render_scene(scene, background=(1, 1, 1))[..., :3].detach()
    values = []
    for dx in (1.0, 3.0, 6.0):
        scene.points = start + torch.tensor([dx, 0.0])
        values.append(float(term(context(scene, doc, initial))["tone"]))
    assert 0 < values[0] < values[1] < values[2]
    scene.points = (start + torch.tensor([2.0, 0.0])).requires_grad_(True)
    term(context(scene, doc, initial))["tone"].backward()
    assert torch.isfinite(scene.points.grad).all() and scene.points.grad.abs().sum() > 0


def test_gaussian_blur_keeps_shapes_and_mass():
    image = torch.zeros(21, 21, 3)
    image[10, 10] = 1.0
    blurred = gaussian_blur(image, 2.0)
    assert blurred.shape == image.shape
    assert float(blurred.sum()) == pytest.approx(3.0, rel=1e-4)
    assert torch.equal(gaussian_blur(image, 0), image)
    batch = image.permute(2, 0, 1)[None]
    assert torch.allclose(gaussian_blur(batch, 2.0)[0].permute(1, 2, 0), blurred)
