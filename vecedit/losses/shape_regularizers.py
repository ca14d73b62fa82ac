"""Shape regularisers that keep letters legible while their outlines move (Word-As-Image, SIGGRAPH 2023).

Both are loss terms of the edit loop (:mod:`vecedit.losses.terms`): a ``name``, a
``prepare(context)`` that records the starting state, and a ``__call__(context)`` that
returns one named scalar. Each is zero at the start and grows with the distortion.

* :class:`AcapLoss` — as-conformal-as-possible: each glyph's control points (one shape
  = one glyph) are triangulated once (Delaunay, on the initial points); the loss is the
  mean squared change of every triangle angle. Moving, scaling and rotating a glyph as
  a whole costs nothing; shearing and squashing it does.
* :class:`ToneLoss` — low-pass tone: the render and the initial render, both blurred by
  a Gaussian, are compared by mean squared error (grey levels), so the letters may
  change in detail but keep where their ink is.

Pure functions underneath, shapes in the docstrings: :func:`triangle_angles`,
:func:`delaunay_triangles`, :func:`gaussian_blur`.
"""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from vecedit.losses.terms import Context

def triangle_angles(corners: torch.Tensor) -> torch.Tensor:
    """Interior angles (radians) of triangles ``(T, 3, 2)`` → ``(T, 3)``, angle ``i`` at corner ``i``.

    Uses ``atan2(|cross|, dot)``, which has finite gradients for any non-degenerate triangle.
    """
    if corners.dim() != 3 or corners.shape[1:] != (3, 2):
        raise ValueError(f"triangle_angles takes (T, 3, 2) corners, got {tuple(corners.shape)}")
    a = corners.roll(-1, dims=1) - corners  # to the next corner
    b = corners.roll(1, dims=1) - corners  # to the previous corner
    cross = (a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]).abs()
    dot = (a * b).sum(-1)
    return torch.atan2(cross, dot)


def delaunay_triangles(points: np.ndarray, groups: Sequence[np.ndarray],
                       min_angle: float = math.radians(2.0)) -> np.ndarray:
    """Delaunay triangles of each group of rows of ``points`` ``(P, 2)`` → ``(T, 3)`` row indices.

    Repeated points are triangulated once; triangles with an angle below ``min_angle``
    (slivers, whose angles swing wildly with tiny moves) are left out. Groups with fewer
    than three distinct points, or all on a line, give no triangle.
    """
    from scipy.spatial import Delaunay
    from scipy.spatial import QhullError

    out = []
    for rows in groups:
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) < 3:
            continue
        unique, first = np.unique(np.round(points[rows], 6), axis=0, return_index=True)
        if len(unique) < 3:
            continue
        try:
            tri = Delaunay(points[rows[first]]).simplices
        except (QhullError, ValueError):
            continue
        out.append(rows[first][tri])
    if not out:
        return np.zeros((0, 3), dtype=np.int64)
    tris = np.concatenate(out)
    angles = triangle_angles(torch.as_tensor(points[tris], dtype=torch.float64)).numpy()
    return tris[angles.min(1) >= min_angle]


def gaussian_kernel1d(sigma: float, dtype=torch.float32, device=None) -> torch.Tensor:
    radius = max(1, int(math.ceil(3 * sigma)))
    x = torch.arange(-radius, radius + 1, dtype=dtype, device=device)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def gaussian_blur(image: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``(H, W, C)`` or ``(B, C, H, W)`` images (edges replicated), same shape."""
    if sigma <= 0:
        return image
    channels_last = image.dim() == 3
    x = image.permute(2, 0, 1)[None] if channels_last else image
    c = x.shape[1]
    k = gaussian_kernel1d(sigma, x.dtype, x.device)
    r = (len(k) - 1) // 2
    x = F.pad(x, (r, r, r, r), mode="replicate")
    x = F.conv2d(x, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    x = F.conv2d(x, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    return x[0].permute(1, 2, 0) if channels_last else x


class AcapLoss:
    """As-conformal-as-possible term over each shape's control points (see the module docstring).

    The font recipe's weight is :data:`vecedit.fonts.stylize.ACAP_WEIGHT`.

    Args:
        weight: multiplies the mean squared angle change (radians²).
        shapes: indices into ``scene.shapes`` to regularise (default: every shape).
    """

    name = "acap"

    def __init__(self, weight: float = 1.0, shapes: Optional[Sequence[int]] = None):
        if not weight >= 0:
            raise ValueError(f"the ACAP weight must be >= 0, got {weight}")
        self.weight = float(weight)
        self.shapes = None if shapes is None else list(shapes)
        self.triangles: Optional[torch.Tensor] = None
        self.initial: Optional[torch.Tensor] = None

    def prepare(self, context: Context) -> None:
        scene = context.scene
        points = scene.points.detach().cpu().double().numpy()
        chosen = range(len(scene.shapes)) if self.shapes is None else self.shapes
        groups = [np.concatenate([np.arange(a, a + n) for a, n, _ in scene.shapes[i].subpaths])
                  for i in chosen if scene.shapes[i].subpaths]
        tris = delaunay_triangles(points, groups)
        self.triangles = torch.as_tensor(tris, dtype=torch.long, device=scene.points.device)
        with torch.no_grad():
            self.initial = triangle_angles(scene.points.detach()[self.triangles])

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        if self.triangles is None:
            self.prepare(context)
        points = context.scene.points
        if self.weight == 0 or len(self.triangles) == 0:
            return {self.name: points.sum() * 0.0}
        angles = triangle_angles(points[self.triangles])
        return {self.name: self.weight * (angles - self.initial).square().mean()}


class ToneLoss:
    """Low-pass tone term: blurred grey render vs blurred initial render (see the module docstring).

    The font recipe's weight is :data:`vecedit.fonts.stylize.TONE_WEIGHT`.

    Args:
        weight: multiplies the mean squared difference (grey levels in [0, 1]).
        sigma: Gaussian standard deviation in *document* pixels (converted to the render's
            pixels in :meth:`prepare`); default 2% of the document's longest side.
    """

    name = "tone"

    def __init__(self, weight: float = 1.0, sigma: Optional[float] = None):
        if not weight >= 0:
            raise ValueError(f"the tone weight must be >= 0, got {weight}")
        if sigma is not None and not sigma > 0:
            raise ValueError(f"the tone blur sigma must be > 0, got {sigma}")
        self.weight = float(weight)
        self.sigma = sigma
        self.pixels: float = 1.0
        self.target: Optional[torch.Tensor] = None

    def _sigma_px(self, context: Context) -> float:
        h, w = context.initial.shape[:2]
        doc = context.document
        doc_side = max(float(getattr(doc, "width", w)), float(getattr(doc, "height", h))) if doc is not None else max(h, w)
        sigma_doc = self.sigma if self.sigma is not None else 0.02 * doc_side
        return sigma_doc * max(h, w) / doc_side

    def prepare(self, context: Context) -> None:
        self.pixels = self._sigma_px(context)
        with torch.no_grad():
            self.target = gaussian_blur(context.initial.detach().mean(-1, keepdim=True), self.pixels)

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        if self.target is None:
            self.prepare(context)
        if self.weight == 0:
            return {self.name: context.image.sum() * 0.0}
        blurred = gaussian_blur(context.image.mean(-1, keepdim=True), self.pixels)
        return {self.name: self.weight * (blurred - self.target).square().mean()}


__all__ = ["AcapLoss", "ToneLoss", "triangle_angles", "delaunay_triangles", "gaussian_blur", "gaussian_kernel1d"]
