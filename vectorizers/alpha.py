"""The image's alpha as a clip outline, so transparent areas stay transparent in the SVG.

The tracers see opaque colours (:func:`vecedit.vectorizers.image.split_alpha` fills the
transparent pixels with their nearest visible colour); the rounds are then clipped by
``<clipPath id="alpha">``: the alpha's contour at :data:`~vecedit.vectorizers.image.VISIBLE`,
found by marching squares with sub-pixel interpolation (an anti-aliased edge gives a smooth
outline, a hard edge the pixels' own), simplified to within :data:`TOLERANCE` (straight
lines: a fitted curve would overshoot the corners of a hard edge). Holes are separate
contours, drawn with ``clip-rule="evenodd"``. The clip path is not edited: an edit moves
the shapes under it, and the silhouette stays where the image had it.
"""

from __future__ import annotations

import numpy as np

from vecedit.vectorizers.base import polygon_area
from vecedit.vectorizers.image import VISIBLE

TOLERANCE = 0.2
"""Largest distance of the simplified outline from the contour, working-size px."""
MIN_AREA = 1.0
"""Outline pieces (islands or holes) smaller than this, in working-size px², are dropped."""


def trace_alpha(alpha: np.ndarray, scale: tuple[float, float] = (1.0, 1.0)) -> list[np.ndarray]:
    """Closed subpaths ``(3k, 2)`` (straight segments as cubics) of ``alpha``'s contour at
    VISIBLE, in ``alpha``'s pixels times ``scale``."""
    from skimage.measure import approximate_polygon, find_contours

    from vecedit.svg.geometry import line_controls

    out = []
    for contour in find_contours(np.pad(alpha, 1), VISIBLE):  # padded: every contour closes
        # (row, col) on pixel centres of the padded image → x, y in the image's pixels
        poly = approximate_polygon(np.stack([contour[:, 1] - 0.5, contour[:, 0] - 0.5], 1), TOLERANCE)
        if np.allclose(poly[0], poly[-1]):
            poly = poly[:-1]
        if len(poly) < 3 or abs(polygon_area(poly)) < MIN_AREA:
            continue
        poly = poly * np.asarray(scale, dtype=np.float64)
        rows = []
        for a, b in zip(poly, np.roll(poly, -1, axis=0)):
            rows += [a, *line_controls(a, b)[:2]]
        out.append(np.array(rows))
    return out


__all__ = ["trace_alpha", "TOLERANCE", "MIN_AREA"]
