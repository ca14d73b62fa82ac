"""Small hand-built scenes for the renderer tests."""

import numpy as np
import torch

from vecedit.scene import Scene, SceneGroup, SceneShape, SolidPaint


def make_scene(polygons, colors, size=(16, 16), closed=True, dtype=torch.float64, **shape_kw):
    """A scene of straight-edged shapes (each edge a degenerate cubic), one per polygon."""
    points, shapes, start = [], [], 0
    for i, poly in enumerate(polygons):
        poly = np.asarray(poly, dtype=float)
        n = len(poly)
        rows = []
        for k in range(n if closed else n - 1):
            a, b = poly[k], poly[(k + 1) % n]
            rows += [a, a + (b - a) / 3, a + 2 * (b - a) / 3]
        if not closed:
            rows.append(poly[-1])
        points.append(np.array(rows))
        shapes.append(SceneShape(element=i, subpaths=[(start, len(rows), closed)], fill=SolidPaint(i),
                                 stroke=None, stroke_width=i, opacity=i, ctm=np.eye(3), **shape_kw))
        start += len(rows)
    t = lambda a: torch.tensor(np.asarray(a, dtype=float), dtype=dtype)
    n = len(polygons)
    return Scene(width=size[0], height=size[1], points=t(np.concatenate(points)), colors=t(colors),
                 stroke_widths=t(np.ones(n)), opacities=t(np.ones(n)), stop_offsets=t(np.zeros(0)),
                 stop_colors=t(np.zeros((0, 4))), gradient_geometry=t(np.zeros((0, 6))),
                 shapes=shapes, gradients=[], root=SceneGroup(1.0, list(range(n))))


def weighted_render_loss(scene, name: str, seed: int, rows=None):
    """``(loss, start)``: a random weighting of the scene's render (white background) as a
    function of its tensor ``name`` — or of those ``rows`` of it — for gradient checks; the
    scene's own tensor is restored after every call. ``start``: the values it has now."""
    from vecedit.render.composite import render_scene

    base = scene.tensors()[name].detach().clone()
    weights = torch.rand(scene.height, scene.width, 4, generator=torch.Generator().manual_seed(seed),
                         dtype=torch.float64)

    def loss(values):
        setattr(scene, name, values if rows is None else base.index_put((rows,), values))
        try:
            return (render_scene(scene, background=(1, 1, 1)) * weights).sum()
        finally:
            setattr(scene, name, base)

    return loss, (base if rows is None else base[rows])
