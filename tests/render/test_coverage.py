"""Exact area coverage, fill rules, clipping at the canvas border."""

import numpy as np
import pytest
import torch

from vecedit.render.composite import render_scene
from render_scenes import make_scene


def box_coverage(x0, y0, x1, y1, w, h):
    """Analytic per-pixel coverage of an axis-aligned box."""
    xs, ys = np.arange(w), np.arange(h)
    cx = np.clip(np.minimum(xs + 1, x1) - np.maximum(xs, x0), 0, 1)
    cy = np.clip(np.minimum(ys + 1, y1) - np.maximum(ys, y0), 0, 1)
    return cy[:, None] * cx[None, :]


@pytest.mark.parametrize("box", [(2.25, 3.6, 9.1, 12.75), (0.5, 0.5, 1.5, 1.5), (-3.2, 4.4, 5.3, 20.0), (3, 3, 3.4, 14)])
def test_axis_aligned_box_is_exact(box):
    x0, y0, x1, y1 = box
    scene = make_scene([[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]], [(0, 0, 0, 1)])
    alpha = render_scene(scene)[..., 3].numpy()
    np.testing.assert_allclose(alpha, box_coverage(x0, y0, x1, y1, 16, 16), atol=1e-9)


def test_triangle_area_is_conserved():
    tri = [(1.3, 2.2), (14.1, 5.7), (6.6, 13.9)]
    scene = make_scene([tri], [(0, 0, 0, 1)])
    alpha = render_scene(scene)[..., 3].numpy()
    (ax, ay), (bx, by), (cx, cy) = tri
    area = abs((bx - ax) * (cy - ay) - (cx - ax) * (by - ay)) / 2
    assert alpha.sum() == pytest.approx(area, abs=1e-9)
    assert alpha.max() <= 1 + 1e-12 and alpha.min() >= 0


def test_orientation_does_not_matter():
    tri = [(1.3, 2.2), (14.1, 5.7), (6.6, 13.9)]
    a = render_scene(make_scene([tri], [(0, 0, 0, 1)]))
    b = render_scene(make_scene([tri[::-1]], [(0, 0, 0, 1)]))
    torch.testing.assert_close(a, b)


def donut(rule):
    outer = [(1, 1), (15, 1), (15, 15), (1, 15)]
    inner = [(5, 5), (11, 5), (11, 11), (5, 11)]  # same orientation as outer
    scene = make_scene([outer], [(1, 0, 0, 1)], fill_rule=rule)
    # add the inner square as a second subpath of the same shape
    extra = make_scene([inner], [(1, 0, 0, 1)])
    n = len(scene.points)
    scene.points = torch.cat([scene.points, extra.points])
    scene.shapes[0].subpaths.append((n, len(extra.points), True))
    return render_scene(scene)[..., 3]


def test_evenodd_makes_a_hole_and_nonzero_does_not():
    assert donut("evenodd")[8, 8] == 0
    assert donut("nonzero")[8, 8] == 1
    assert donut("evenodd")[3, 3] == 1


def test_shapes_outside_the_canvas_and_partly_outside():
    far = [(-50, -50), (-40, -50), (-40, -40)]
    big = [(-100, -100), (100, -100), (100, 100), (-100, 100)]
    scene = make_scene([far, big], [(1, 0, 0, 1), (0, 0, 1, 1)])
    img = render_scene(scene).numpy()
    np.testing.assert_allclose(img[..., 3], 1.0)
    np.testing.assert_allclose(img[..., 2], 1.0)


def test_source_over_in_document_order():
    a = [(0, 0), (16, 0), (16, 16), (0, 16)]
    scene = make_scene([a, a], [(1, 0, 0, 1), (0, 0, 1, 0.5)])
    px = render_scene(scene)[4, 4].numpy()
    np.testing.assert_allclose(px, [0.5, 0, 0.5, 1.0], atol=1e-12)


def test_background_and_straight_alpha():
    a = [(0, 0), (8, 0), (8, 16), (0, 16)]
    scene = make_scene([a], [(0, 1, 0, 0.5)])
    img = render_scene(scene).numpy()
    np.testing.assert_allclose(img[0, 0], [0, 1, 0, 0.5], atol=1e-12)  # straight, not premultiplied
    np.testing.assert_allclose(img[0, 12], [0, 0, 0, 0])
    white = render_scene(scene, background=(1, 1, 1)).numpy()
    np.testing.assert_allclose(white[0, 0], [0.5, 1, 0.5, 1], atol=1e-12)


def test_running_sum_stays_exact_after_many_items_cut_by_the_right_edge():
    """Rows cut by the canvas' right edge must not leak winding into later crops."""
    rng = np.random.default_rng(1)
    polys = []
    for _ in range(300):  # tall triangles poking out of the right edge
        y = rng.uniform(0, 12)
        polys.append([(rng.uniform(8, 15), y), (40.0, y + rng.uniform(1, 4)), (rng.uniform(8, 15), y + 4)])
    box = (2.25, 3.6, 7.1, 12.75)
    polys.append([(box[0], box[1]), (box[2], box[1]), (box[2], box[3]), (box[0], box[3])])
    colors = [(1, 0, 0, 1.0)] * 300 + [(0, 0, 1, 1.0)]
    img = render_scene(make_scene(polys, colors, dtype=torch.float32))
    expected = box_coverage(*box, 16, 16)
    # the triangles start right of x = 8: columns 0..7 show the box's coverage alone
    np.testing.assert_allclose(img[..., 3].numpy()[:, :8], expected[:, :8], atol=1e-5)
