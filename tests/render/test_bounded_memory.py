"""The fused, chunked coverage + compositing of large scenes against the general path."""

import functools

import numpy as np
import pytest
import torch

from vecedit.render import composite, over
from vecedit.render.composite import render_scene
from vecedit.scene import Scene, SceneGroup, SceneShape, SolidPaint


def blobs(n, size, seed=0, dtype=torch.float64):
    rng = np.random.default_rng(seed)
    points, shapes, start = [], [], 0
    for i in range(n):
        k = int(rng.integers(3, 6))
        angles = np.sort(rng.uniform(0, 2 * np.pi, 3 * k))
        radius = rng.uniform(0.05, 0.4) * size * rng.uniform(0.5, 1.2, 3 * k)
        centre = rng.uniform(-0.1, 1.1, 2) * size  # some cross the canvas edge
        points.append(centre + np.stack([radius * np.cos(angles), radius * np.sin(angles)], 1))
        shapes.append(SceneShape(element=i, subpaths=[(start, 3 * k, True)], fill=SolidPaint(i), stroke=None,
                                 stroke_width=i, opacity=i, ctm=np.eye(3)))
        start += 3 * k
    colors = rng.uniform(0, 1, (n, 4))
    colors[:, 3] = rng.uniform(0.3, 1, n)
    t = lambda a: torch.tensor(np.asarray(a), dtype=dtype)
    return Scene(width=size, height=size, points=t(np.concatenate(points)), colors=t(colors),
                 stroke_widths=torch.ones(n, dtype=dtype), opacities=t(rng.uniform(0.5, 1, n)),
                 stop_offsets=torch.zeros(0, dtype=dtype), stop_colors=torch.zeros(0, 4, dtype=dtype),
                 gradient_geometry=torch.zeros(0, 6, dtype=dtype), shapes=shapes, gradients=[],
                 root=SceneGroup(1.0, list(range(n))))


def image_and_grads(scene):
    params = [scene.points, scene.colors, scene.opacities]
    for p in params:
        p.grad = None
        p.requires_grad_(True)
    image = render_scene(scene, (1.0, 1.0, 1.0))
    weights = torch.rand(image.shape, dtype=image.dtype, generator=torch.Generator().manual_seed(0))
    (image * weights).sum().backward()
    return [image.detach()] + [p.grad.clone() for p in params]


@pytest.mark.parametrize("chunk", [None, 150])  # one chunk; many (crops split across chunks)
def test_fused_path_matches_the_general_one(monkeypatch, chunk):
    scene = blobs(24, 48)
    general = image_and_grads(scene)
    calls = []

    def fused(*args, **kwargs):
        calls.append(1)
        return over.over_solid_coverage(*args, **kwargs, chunk=chunk)

    monkeypatch.setattr(composite, "FUSED_FROM", 0)
    monkeypatch.setattr(composite, "over_solid_coverage", fused)
    chunked = image_and_grads(scene)
    assert calls  # the fused path ran
    for new, old in zip(chunked, general):
        torch.testing.assert_close(new, old, rtol=1e-9, atol=1e-9 * float(old.abs().max()))


def test_fused_path_gradcheck(monkeypatch):
    monkeypatch.setattr(composite, "FUSED_FROM", 0)
    monkeypatch.setattr(composite, "over_solid_coverage", functools.partial(over.over_solid_coverage, chunk=40))
    scene = blobs(3, 12, seed=3)
    points, colors = scene.points.detach().clone(), scene.colors.detach().clone()

    def draw(p, c):
        scene.points, scene.colors = p, c
        return render_scene(scene, (1.0, 1.0, 1.0))

    assert torch.autograd.gradcheck(draw, (points.requires_grad_(True), colors.requires_grad_(True)), eps=1e-6,
                                    atol=1e-5, nondet_tol=1e-12)


def test_small_scenes_keep_the_general_path(monkeypatch):
    calls = []
    monkeypatch.setattr(composite, "over_solid_coverage", lambda *a, **k: calls.append(1))
    image_and_grads(blobs(5, 32))
    assert not calls
