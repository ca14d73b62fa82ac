"""A tiny test-only fill rasterizer over the parsed model, to check the parser against resvg.

It draws what the model says (geometry, CTMs, fill rule, solid and gradient fills,
opacities, group layers) and ignores strokes, so a document rendered here and the
same document rendered by resvg with strokes switched off must agree. Disagreement
means the parser resolved something differently from resvg. 4×4 supersampling.
"""

from __future__ import annotations

import io

import numpy as np

from vecedit.svg.model import Document, GradientRef, Group, Shape

SS = 4


def _flatten(points: np.ndarray, closed: bool, n: int = 32) -> np.ndarray:
    pts = np.asarray(points, dtype=np.float64)
    k = len(pts) // 3 if closed else (len(pts) - 1) // 3
    if k == 0:
        return pts[:1]
    idx = np.arange(k)[:, None] * 3 + np.arange(4)[None, :]
    seg = pts[idx % len(pts)]  # (k, 4, 2)
    t = np.linspace(0.0, 1.0, n + 1)[1:]
    w = np.stack([(1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3], axis=1)  # (n, 4)
    curve = np.einsum("nj,kjd->knd", w, seg).reshape(-1, 2)
    return np.vstack([pts[:1], curve])


def _polys(shape: Shape) -> list[np.ndarray]:
    return [_flatten(sp.points, sp.closed) for sp in shape.subpaths]


def coverage(shape: Shape, width: int, height: int) -> np.ndarray:
    rows, cols = height * SS, width * SS
    acc = np.zeros((rows, cols + 1))
    m = shape.ctm
    for poly in _polys(shape):
        poly = poly @ m[:2, :2].T + m[:2, 2]
        poly = np.vstack([poly, poly[:1]]) * SS - 0.5  # sample centres at integers
        a, b = poly[:-1], poly[1:]
        keep = a[:, 1] != b[:, 1]
        a, b = a[keep], b[keep]
        if not len(a):
            continue
        direction = np.where(b[:, 1] > a[:, 1], 1, -1)
        lo, hi = np.minimum(a[:, 1], b[:, 1]), np.maximum(a[:, 1], b[:, 1])
        r0 = np.clip(np.ceil(lo), 0, rows).astype(int)
        r1 = np.clip(np.ceil(hi), 0, rows).astype(int)
        counts = np.maximum(r1 - r0, 0)
        edge = np.repeat(np.arange(len(a)), counts)
        if not len(edge):
            continue
        row = r0[edge] + (np.arange(len(edge)) - np.repeat(np.cumsum(counts) - counts, counts))
        x = a[edge, 0] + (row - a[edge, 1]) * (b[edge, 0] - a[edge, 0]) / (b[edge, 1] - a[edge, 1])
        col = np.clip(np.ceil(x), 0, cols).astype(int)
        np.add.at(acc, (row, col), direction[edge])
    wind = np.cumsum(acc, axis=1)[:, :cols]
    inside = (wind % 2 != 0) if shape.fill_rule == "evenodd" else (wind != 0)
    return inside.reshape(height, SS, width, SS).mean(axis=(1, 3))


def _gradient_colors(doc: Document, shape: Shape, ref: GradientRef, width: int, height: int) -> np.ndarray:
    g = doc.gradients[ref.id]
    m = shape.ctm
    if g.units == "objectBoundingBox":
        pts = np.vstack(_polys(shape))
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        m = m @ np.array([[x1 - x0, 0, x0], [0, y1 - y0, y0], [0, 0, 1.0]])
    inv = np.linalg.inv(m @ g.transform)
    ys, xs = np.mgrid[0:height, 0:width] + 0.5
    p = np.stack([xs, ys, np.ones_like(xs)], axis=-1) @ inv.T
    px, py = p[..., 0], p[..., 1]
    if g.kind == "linear":
        x1, y1, x2, y2 = g.geometry
        dx, dy = x2 - x1, y2 - y1
        t = ((px - x1) * dx + (py - y1) * dy) / max(dx * dx + dy * dy, 1e-300)
    else:
        cx, cy, r, fx, fy, _fr = g.geometry
        dx, dy, qx, qy = cx - fx, cy - fy, px - fx, py - fy
        a = dx * dx + dy * dy - r * r
        qd, qq = qx * dx + qy * dy, qx * qx + qy * qy
        if abs(a) < 1e-12:
            t = qq / np.maximum(2 * qd, 1e-300)
        else:
            t = (qd - np.sqrt(np.maximum(qd * qd - a * qq, 0))) / a
    if g.spread == "repeat":
        t = t - np.floor(t)
    elif g.spread == "reflect":
        t = 1 - np.abs(np.mod(t, 2) - 1)
    t = np.clip(t, 0, 1)
    offsets = np.array([s.offset for s in g.stops])
    colors = np.array([s.color for s in g.stops])
    return np.stack([np.interp(t, offsets, colors[:, c]) for c in range(4)], axis=-1)


def render(doc: Document, width: int, height: int) -> np.ndarray:
    """(H, W, 4) straight-alpha float image of the fills."""

    def draw(group: Group) -> np.ndarray:
        layer = np.zeros((height, width, 4))  # premultiplied
        for child in group.children:
            if isinstance(child, Group):
                src = draw(child) * child.opacity
            else:
                if not child.visible or child.fill is None or not child.subpaths:
                    continue
                cov = coverage(child, width, height)[..., None]
                if isinstance(child.fill, GradientRef):
                    rgba = _gradient_colors(doc, child, child.fill, width, height)
                else:
                    rgba = np.broadcast_to(np.array(child.fill, dtype=np.float64), (height, width, 4))
                a = cov * rgba[..., 3:4] * child.fill_opacity * child.opacity
                src = np.concatenate([rgba[..., :3] * a, a], axis=-1)
            layer = src + layer * (1 - src[..., 3:4])
        return layer

    out = draw(doc.root) * doc.root.opacity
    a = out[..., 3:4]
    rgb = np.where(a > 0, out[..., :3] / np.maximum(a, 1e-12), 0.0)
    return np.concatenate([rgb, a], axis=-1)


def resvg_render(text: str, width: int, height: int, no_strokes: bool = False) -> np.ndarray:
    import resvg_py
    from PIL import Image

    kwargs = {"style_sheet": "* { stroke: none !important; }"} if no_strokes else {}
    png = resvg_py.svg_to_bytes(svg_string=text, width=width, height=height, dpi=96, **kwargs)
    return np.asarray(Image.open(io.BytesIO(bytes(png))).convert("RGBA"), dtype=np.float64) / 255.0


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of two straight-alpha images composited over white."""

    def over_white(x):
        return x[..., :3] * x[..., 3:4] + (1 - x[..., 3:4])

    mse = float(((over_white(a) - over_white(b)) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(1.0 / mse)
