"""A textPath's path for arc-length lookups, and glyphs bent along it (SVG 2 §11.8)."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from vecedit.svg.model import Subpath
from vecedit.text.content import PathFlow


class Track:
    """A path for arc-length lookups (textPath): its cubics, sampled finely for the lengths;
    positions and tangents are evaluated on the cubic itself."""

    STEPS = 64  # samples per cubic segment for the arc length

    def __init__(self, controls: np.ndarray):
        self.controls = controls  # (k, 4, 2)
        t = np.linspace(0, 1, self.STEPS + 1)
        pts = _bezier(controls[:, None], t[None, :, None])  # (k, S+1, 2)
        lengths = np.linalg.norm(np.diff(pts, axis=1), axis=2).reshape(-1)
        self.lengths = lengths
        self.cumulative = np.concatenate([[0.0], np.cumsum(lengths)])

    @property
    def total(self) -> float:
        return float(self.cumulative[-1])

    @staticmethod
    def of(flow: PathFlow) -> "Track":
        cached = getattr(flow, "_track", None)
        if cached is not None:
            return cached
        from vecedit.svg.geometry import segment_array

        subpaths = flow.subpaths
        if flow.side == "right":  # SVG 2 §11.8.1: the path's direction reversed
            subpaths = [_reverse(s) for s in reversed(subpaths)]
        controls = [segment_array(sub) for sub in subpaths if sub.num_segments]
        track = Track(np.concatenate(controls) if controls else np.zeros((0, 4, 2)))
        flow._track = track
        return track

    def at(self, offset: float) -> Optional[tuple[float, float, float]]:
        if not len(self.lengths) or offset > self.total + 1e-9:
            return None
        i = int(np.searchsorted(self.cumulative, offset, side="right") - 1)
        i = min(max(i, 0), len(self.lengths) - 1)
        f = (offset - self.cumulative[i]) / self.lengths[i] if self.lengths[i] else 0.0
        seg, step = divmod(i, self.STEPS)
        t = (step + min(max(f, 0.0), 1.0)) / self.STEPS
        c = self.controls[seg]
        p = _bezier(c, t)
        d = 3 * ((1 - t) ** 2 * (c[1] - c[0]) + 2 * (1 - t) * t * (c[2] - c[1]) + t ** 2 * (c[3] - c[2]))
        if not np.any(d):
            d = c[3] - c[0]
        return float(p[0]), float(p[1]), math.degrees(math.atan2(d[1], d[0]))

    def frames(self, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points and unit tangents at many arc lengths (clamped to the path), for bent glyphs."""
        offsets = np.clip(offsets, 0.0, self.total)
        i = np.clip(np.searchsorted(self.cumulative, offsets, side="right") - 1, 0, len(self.lengths) - 1)
        f = np.where(self.lengths[i] > 0, (offsets - self.cumulative[i]) / np.maximum(self.lengths[i], 1e-300), 0.0)
        seg, step = np.divmod(i, self.STEPS)
        t = ((step + np.clip(f, 0.0, 1.0)) / self.STEPS)[:, None]
        c = self.controls[seg]
        p = _bezier(c, t)
        d = 3 * ((1 - t) ** 2 * (c[:, 1] - c[:, 0]) + 2 * (1 - t) * t * (c[:, 2] - c[:, 1]) + t ** 2 * (c[:, 3] - c[:, 2]))
        d = np.where(np.linalg.norm(d, axis=1, keepdims=True) > 0, d, c[:, 3] - c[:, 0])
        return p, d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-300)


def _bezier(c: np.ndarray, t):
    return ((1 - t) ** 3 * c[..., 0, :] + 3 * (1 - t) ** 2 * t * c[..., 1, :] + 3 * (1 - t) * t ** 2 * c[..., 2, :]
            + t ** 3 * c[..., 3, :])


def _reverse(sub: Subpath) -> Subpath:
    if sub.closed:
        pts = np.concatenate([sub.points[:1], sub.points[1:][::-1]])
        return Subpath(pts, True)
    return Subpath(sub.points[::-1].copy(), False)


def bend(points: np.ndarray, cluster_of: np.ndarray, clusters: list) -> np.ndarray:
    """Points in bent clusters' own frames (x along the baseline, y across) → along their path."""
    out = points.copy()
    starts = np.array([c.bend[1] if c.bend is not None else np.nan for c in clusters])[cluster_of]
    mask = ~np.isnan(starts)
    track = next(c.bend[0] for c in clusters if c.bend is not None)
    where, tangent = track.frames(starts[mask] + points[mask, 0])
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], 1)
    out[mask] = where + points[mask, 1:2] * normal
    return out
