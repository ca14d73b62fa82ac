"""The tracing backend interface: one colour-quantised round of an image → closed filled paths.

A backend is any object with a ``name`` and a :meth:`Tracer.trace` method; the
registry (:mod:`vecedit.vectorizers.tracers`) maps names to factories. Backends see pixels only (an
``(H, W, 3)`` uint8 array at the size they should trace) and answer in that image's
pixel coordinates (x right, y down, pixel ``(i, j)`` covering ``[j, j+1] × [i, i+1]``);
:mod:`vecedit.vectorizers.api` scales, offsets, stacks and prunes.

>>> import numpy as np
>>> from vecedit.vectorizers.tracers import get_tracer
>>> img = np.full((16, 16, 3), 255, np.uint8); img[4:12, 4:12] = (200, 30, 30)
>>> paths = get_tracer("skimage").trace(img, n_colors=2)
>>> len(paths), paths[-1].color        # the white ground first (bottom), then the square
(2, (200, 30, 30))
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np



@dataclass
class TracedPath:
    """One filled path: closed cubic subpaths (model layout, ``(3k, 2)`` each) and its colour."""

    subpaths: list[np.ndarray]
    color: tuple[int, int, int]  # sRGB, 0–255
    fill_rule: str = "nonzero"
    area: float = field(default=0.0)  # filled area in px² of the traced image (set by the backends)


class Tracer(Protocol):
    """Trace ``rgb`` quantised to at most ``n_colors`` colours; paths in paint order, bottom first."""

    name: str

    def trace(self, rgb: np.ndarray, n_colors: int, seed: int = 0) -> list[TracedPath]: ...


def min_region_area(width: int, height: int, n_colors: int) -> int:
    """Smallest region a round keeps: coarser rounds keep only larger regions.

    About 1/(150·n) of the image (≈ 175 px² for 10 colours at 512², 58 px² for 30), at least 4.
    """
    return max(4, round(width * height / (150 * max(1, n_colors))))


def polygon_area(points: np.ndarray) -> float:
    """Signed shoelace area of a closed polygon ``(N, 2)`` (positive: clockwise on screen)."""
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def cubic_outline(sub: np.ndarray, samples: int = 6) -> np.ndarray:
    """A closed subpath's cubics sampled at ``samples`` points each → ``(k·samples, 2)`` polygon."""
    n = len(sub)
    k = n // 3
    if k == 0:
        return sub
    rows = (np.arange(k)[:, None] * 3 + np.arange(4)[None, :]) % n
    ctrl = sub[rows]  # (k, 4, 2)
    t = np.linspace(0, 1, samples, endpoint=False)[None, :, None]
    mt = 1 - t
    p0, p1, p2, p3 = (ctrl[:, i : i + 1] for i in range(4))
    pts = mt**3 * p0 + 3 * mt**2 * t * p1 + 3 * mt * t**2 * p2 + t**3 * p3
    return pts.reshape(-1, 2)


def path_area(subpaths: list[np.ndarray]) -> float:
    """Filled area (nonzero, holes as reversed subpaths) of closed cubic subpaths, in px²."""
    return abs(sum(polygon_area(cubic_outline(s)) for s in subpaths if len(s) >= 3))
