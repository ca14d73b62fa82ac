"""Cubic subpaths → polylines, differentiably.

Each cubic is sampled at ``k`` uniform parameter values, where ``k`` is chosen per
cubic (without gradient) so that the chord error stays under ``tolerance`` canvas
pixels: for uniform steps the error is at most ``3/4 · M / k²`` with ``M`` the
largest second difference of the control polygon. The samples are one gather and
one weighted sum, so gradients reach every control point.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

MAX_SAMPLES = 256


@dataclass
class Polylines:
    """Flattened subpaths.

    ``vertices`` (V, 2) hold every subpath's vertices back to back; subpath ``i`` owns
    rows ``starts[i] : starts[i] + counts[i]``. ``closed[i]`` says whether it is closed
    (an open subpath's last vertex is its end point; a closed one wraps to its first).
    ``corner[v]`` is True where the vertex joins two input segments (an SVG join), False
    inside a flattened curve.
    """

    vertices: torch.Tensor
    starts: np.ndarray
    counts: np.ndarray
    closed: np.ndarray
    corner: np.ndarray
    source: np.ndarray  # index of each polyline's subpath in the input list

    def subset(self, chosen: np.ndarray) -> "Polylines":
        """The polylines at the given indices, in that order."""
        counts = self.counts[chosen]
        rows = np.concatenate([np.zeros(0, np.int64)] + [np.arange(s, s + c) for s, c in zip(self.starts[chosen], counts)])
        return Polylines(
            self.vertices[torch.as_tensor(rows, device=self.vertices.device)],
            np.cumsum(counts) - counts,
            counts,
            self.closed[chosen],
            self.corner[rows],
            self.source[chosen],
        )

    def edges(self, close_open: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Index pairs (a, b) of consecutive vertices, and the subpath of each edge.

        ``close_open`` adds the closing edge to open subpaths too (fills close them).
        """
        counts = self.counts
        starts = self.starts
        wraps = self.closed | close_open
        n_edges = np.where(wraps, counts, counts - 1)
        n_edges = np.maximum(n_edges, 0)
        sub = np.repeat(np.arange(len(counts)), n_edges)
        first_edge = np.cumsum(n_edges) - n_edges
        local = np.arange(n_edges.sum()) - np.repeat(first_edge, n_edges)
        a = starts[sub] + local
        nxt = local + 1
        b = starts[sub] + np.where(nxt >= counts[sub], 0, nxt)
        return a, b, sub


def cubic_structure(subpaths: list[tuple[int, int, bool]]) -> tuple[np.ndarray, np.ndarray]:
    """Point rows (n, 4) of every cubic, and the subpath index of each (vectorised: text has thousands)."""
    if not subpaths:
        return np.zeros((0, 4), dtype=np.int64), np.zeros(0, dtype=np.int64)
    table = np.array(subpaths, dtype=np.int64).reshape(-1, 3)
    start, count, closed = table[:, 0], table[:, 1], table[:, 2].astype(bool)
    k = np.maximum(np.where(closed, count // 3, (count - 1) // 3), 0)
    owner = np.repeat(np.arange(len(k)), k)
    if not len(owner):
        return np.zeros((0, 4), dtype=np.int64), np.zeros(0, dtype=np.int64)
    local = np.arange(len(owner)) - np.repeat(np.cumsum(k) - k, k)
    rows = start[owner, None] + (local[:, None] * 3 + np.arange(4)[None, :]) % count[owner, None]
    return rows, owner


def sample_counts(ctrl: torch.Tensor, tolerance: float, hidden: np.ndarray | None = None) -> np.ndarray:
    """Samples per cubic so that the flattening error is below ``tolerance``; one (the chord) where
    ``hidden`` says the cubic cannot show."""
    c = ctrl.detach()
    d1 = (c[:, 0] - 2 * c[:, 1] + c[:, 2]).norm(dim=-1)
    d2 = (c[:, 1] - 2 * c[:, 2] + c[:, 3]).norm(dim=-1)
    m = torch.maximum(d1, d2).cpu().numpy().astype(np.float64)
    m = np.nan_to_num(m, nan=0.0, posinf=1e12)
    k = np.ceil(np.sqrt(0.75 * m / tolerance))
    if hidden is not None:
        k[hidden] = 1
    return np.clip(k, 1, MAX_SAMPLES).astype(np.int64)


def _box_outside(lo: np.ndarray, hi: np.ndarray, width: int, height: int, margin: np.ndarray) -> np.ndarray:
    """Boxes (n, 2) wholly outside the raster grown by ``margin`` (NaN boxes are kept)."""
    with np.errstate(invalid="ignore"):
        return (hi[:, 0] < -margin) | (lo[:, 0] > width + margin) | (hi[:, 1] < -margin) | (lo[:, 1] > height + margin)


def _ranges_box(values: np.ndarray, starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per range ``values[start : start + count]`` (count ≥ 1): the (lo, hi) box of its rows."""
    padded = np.concatenate([values, values[:1]])  # reduceat needs every index < len
    bounds = np.stack([starts, starts + counts], axis=1).ravel()
    return np.minimum.reduceat(padded, bounds)[::2], np.maximum.reduceat(padded, bounds)[::2]


def subpaths_outside(points: torch.Tensor, subpaths: list[tuple[int, int, bool]], width: int, height: int,
                     margin: np.ndarray) -> np.ndarray:
    """Subpaths whose control points' box misses the raster grown by ``margin``: they draw nothing
    there (a fill is a closed outline around none of its pixels; a stroke stays within its
    reach of the curve, which lies in the control hull; a dash pattern restarts per subpath)."""
    if not subpaths:
        return np.zeros(0, dtype=bool)
    table = np.array(subpaths, dtype=np.int64).reshape(-1, 3)
    empty = table[:, 1] == 0
    lo, hi = _ranges_box(points.detach().cpu().numpy().astype(np.float64), table[:, 0], np.maximum(table[:, 1], 1))
    return _box_outside(lo, hi, width, height, margin) & ~empty


def polylines_outside(lines: Polylines, width: int, height: int, margin: np.ndarray) -> np.ndarray:
    """Polylines (a stroke's dashes) whose vertices' box misses the raster grown by ``margin`` (per polyline)."""
    if not len(lines.counts):
        return np.zeros(0, dtype=bool)
    lo, hi = _ranges_box(lines.vertices.detach().cpu().numpy().astype(np.float64), lines.starts,
                         np.maximum(lines.counts, 1))
    return _box_outside(lo, hi, width, height, margin) & (lines.counts > 0)


def hull_outside(ctrl: torch.Tensor, width: int, height: int, margin: np.ndarray) -> np.ndarray:
    """Cubics (n, 4, 2) whose control hull lies wholly outside the raster grown by ``margin`` (per cubic).

    Such a cubic draws as its chord, exactly: the hull is convex and misses the raster, so
    in the raster's rows it lies on one side only; left of it, only its net crossing of each
    row counts (the rasterizer projects it onto x = 0), the same for the chord, which has the
    same ends and lies in the hull; right of, above or below the raster nothing shows. A
    stroke's margin covers its reach (joins, caps), so its outline pieces move only off the
    raster as well."""
    c = ctrl.detach().cpu().numpy().astype(np.float64)
    return _box_outside(c.min(axis=1), c.max(axis=1), width, height, margin)


def flatten(
    points: torch.Tensor, subpaths: list[tuple[int, int, bool]], tolerance: float = 0.05,
    raster: tuple[int, int, np.ndarray] | None = None,
) -> Polylines:
    """Flatten subpaths given as (first row, count, closed) into :class:`Polylines`.

    ``raster``: (width, height, margin per subpath): cubics that cannot show there are
    flattened as their chord (see :func:`hull_outside`); far-off text at a huge size cost
    millions of vertices."""
    rows, owner = cubic_structure(subpaths)
    closed_flags = np.array([c for (_, _, c) in subpaths], dtype=bool)
    if len(rows) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Polylines(points.new_zeros((0, 2)), empty, empty, np.zeros(0, bool), np.zeros(0, bool), empty)
    ctrl = points[torch.as_tensor(rows, device=points.device)]  # (n, 4, 2)
    hidden = None if raster is None else hull_outside(ctrl, raster[0], raster[1], raster[2][owner])
    k = sample_counts(ctrl, tolerance, hidden)
    # samples t = j / k for j in [0, k); an open subpath also gets its end point (t = 1)
    used = np.unique(owner)
    last_of_sub = np.zeros(len(subpaths), dtype=np.int64)
    last_of_sub[owner] = np.arange(len(owner))  # last cubic index of each subpath
    extra = np.zeros(len(rows), dtype=np.int64)
    open_used = used[~closed_flags[used]]
    extra[last_of_sub[open_used]] = 1
    per_cubic = k + extra
    cubic_of_sample = np.repeat(np.arange(len(rows)), per_cubic)
    first = np.cumsum(per_cubic) - per_cubic
    j = np.arange(per_cubic.sum()) - np.repeat(first, per_cubic)
    t = j / k[cubic_of_sample]
    corner = j == 0
    tt = torch.as_tensor(t, dtype=points.dtype, device=points.device)[:, None]
    mt = 1 - tt
    weights = torch.cat([mt**3, 3 * mt**2 * tt, 3 * mt * tt**2, tt**3], dim=1)  # (V, 4)
    index = torch.as_tensor(cubic_of_sample, device=points.device)
    vertices = torch.einsum("vk,vkd->vd", weights, ctrl[index])
    # subpath ranges
    counts_by_sub = np.bincount(owner, weights=per_cubic, minlength=len(subpaths)).astype(np.int64)
    counts = counts_by_sub[used]
    starts = np.cumsum(counts) - counts
    # an open subpath's first and last vertex are ends, not joins
    corner = corner.copy()
    corner[starts[~closed_flags[used]]] = False
    return Polylines(vertices, starts, counts, closed_flags[used], corner, used)
