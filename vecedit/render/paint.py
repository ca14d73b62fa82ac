"""Paint evaluation over an item's crop: solid colours and SVG gradients.

Gradients follow SVG 1.1 §13.2 (and SVG 2's ``fr``): the gradient parameter ``t`` is
found in gradient space (pixel centres mapped through the inverse of the paint's
``to_canvas`` transform), spread by pad / reflect / repeat, then the stops are
interpolated linearly in straight (un-premultiplied) sRGB. Everything is
differentiable with respect to gradient geometry, stop offsets and stop colours.
"""

from __future__ import annotations

import numpy as np
import torch

EPS = 1e-9


def pixel_grid(x0: int, y0: int, w: int, h: int, to_canvas: np.ndarray, like: torch.Tensor):
    """Pixel centres of a crop mapped into gradient space: two (h, w) tensors."""
    inv = np.linalg.inv(to_canvas)
    xs = np.arange(x0, x0 + w) + 0.5
    ys = np.arange(y0, y0 + h) + 0.5
    u = inv[0, 0] * xs[None, :] + inv[0, 1] * ys[:, None] + inv[0, 2]
    v = inv[1, 0] * xs[None, :] + inv[1, 1] * ys[:, None] + inv[1, 2]
    return (
        torch.as_tensor(u, dtype=like.dtype, device=like.device),
        torch.as_tensor(v, dtype=like.dtype, device=like.device),
    )


def _safe_div(num: torch.Tensor, den: torch.Tensor, ok: torch.Tensor, fallback: float):
    den = torch.where(ok, den, torch.ones_like(den))
    return torch.where(ok, num / den, torch.full_like(num, fallback))


def linear_t(u, v, geometry):
    x1, y1, x2, y2 = geometry[0], geometry[1], geometry[2], geometry[3]
    dx, dy = x2 - x1, y2 - y1
    den = dx * dx + dy * dy
    num = (u - x1) * dx + (v - y1) * dy
    # zero-length vector: the area is painted with the last stop (SVG 1.1 §13.2.2)
    return _safe_div(num, den.expand_as(num), (den > EPS).expand_as(num), 1.0)


def radial_t(u, v, geometry):
    """The largest t whose circle (centre f + t·(c − f), radius fr + t·(r − fr) ≥ 0) passes through (u, v)."""
    cx, cy, r, fx, fy, fr = (geometry[i] for i in range(6))
    # SVG 1.1 (and the issue): a focal point outside the end circle is moved onto it (just
    # inside); resvg draws SVG 2's cone instead
    fdx, fdy = fx - cx, fy - cy
    dist = torch.sqrt(fdx * fdx + fdy * fdy + EPS)
    pull = torch.clamp(r * 0.999 / dist, max=1.0)
    fx, fy = cx + fdx * pull, cy + fdy * pull
    cdx, cdy, dr = cx - fx, cy - fy, r - fr
    pdx, pdy = u - fx, v - fy
    a = cdx * cdx + cdy * cdy - dr * dr
    b = pdx * cdx + pdy * cdy + fr * dr
    c = pdx * pdx + pdy * pdy - fr * fr
    disc = torch.clamp(b * b - a * c, min=0.0)
    s = torch.sqrt(disc + EPS)
    quad = (a.abs() > EPS).expand_as(b)
    hi = _safe_div(b + torch.where(a < 0, -s, s), a.expand_as(b), quad, 0.0)
    lo = _safe_div(b - torch.where(a < 0, -s, s), a.expand_as(b), quad, 0.0)
    t_quad = torch.where(fr + hi * dr >= 0, hi, lo)  # the larger root unless its radius is negative (fr > r)
    t_lin = _safe_div(c, 2 * b, b.abs() > EPS, 0.0)
    return torch.where(quad, t_quad, t_lin)


def spread(t: torch.Tensor, method: str) -> torch.Tensor:
    """Repeat and reflect fold t into [0, 1]; pad leaves it: :func:`stop_colors` holds the end stops
    beyond, so where stops share an offset the pad area takes the outermost one (before 0: the first)."""
    if method == "repeat":
        return t - torch.floor(t)
    if method == "reflect":
        m = t - 2 * torch.floor(t * 0.5)
        return 1 - (m - 1).abs()
    return t


def stop_colors(t: torch.Tensor, offsets: torch.Tensor, colors: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear stop interpolation: (…) parameters -> (…, 4) colours.

    Each parameter reads only the two stops around it (a binary search, then a gather), so the
    cost does not grow with the number of stops. Offsets are made non-decreasing first, as a
    reload of the written file would (§13.2.4); where stops share an offset (closer than 1e-6),
    the later colour starts there."""
    count = len(offsets)
    if count == 1:
        return colors[0].expand(*t.shape, 4)
    offsets = torch.cummax(offsets, dim=0).values
    flat = t.reshape(-1)
    above = torch.searchsorted(offsets.detach().contiguous(), flat.detach().contiguous(), right=True)
    hi_index = above.clamp(1, count - 1)  # the stops on either side of t (the last two beyond the end)
    lo, hi = offsets[hi_index - 1], offsets[hi_index]
    width = hi - lo
    ramp = _safe_div(flat - lo, width, width > 1e-6, 0.0).clamp(0, 1)
    weight = torch.where(above >= count, torch.ones_like(ramp), torch.where(above == 0, torch.zeros_like(ramp), ramp))
    lo_color = colors[hi_index - 1]
    rgba = lo_color + weight[:, None] * (colors[hi_index] - lo_color)
    return rgba.reshape(*t.shape, 4)


def gradient_colors(scene, gradient: int, crops: list) -> torch.Tensor:
    """(N, 4) straight RGBA of gradient number *gradient* over the crops ``(x0, y0, w, h, paint)`` of
    the :class:`~vecedit.scene.GradientPaint` items using it: their pixels row by row, one crop after
    another (N = Σ w·h), in one pass for all of them."""
    like = scene.gradient_geometry
    grids = [pixel_grid(x0, y0, w, h, paint.to_canvas, like) for x0, y0, w, h, paint in crops]
    u = torch.cat([g[0].reshape(-1) for g in grids])
    v = torch.cat([g[1].reshape(-1) for g in grids])
    rgba = _stops_at(scene, gradient, u, v)
    opacity = [paint.opacity for *_, paint in crops]
    if any(o != 1.0 for o in opacity):
        per_pixel = np.repeat(np.asarray(opacity, dtype=np.float64), [w * h for _, _, w, h, _ in crops])
        rgba = torch.cat([rgba[:, :3], rgba[:, 3:] * torch.as_tensor(per_pixel, dtype=rgba.dtype,
                                                                      device=rgba.device)[:, None]], dim=1)
    return rgba


def _stops_at(scene, gradient: int, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Straight RGBA (…, 4) of gradient number *gradient* at gradient-space points (u, v)."""
    grad = scene.gradients[gradient]
    geometry = scene.gradient_geometry[gradient]
    t = linear_t(u, v, geometry) if grad.kind == "linear" else radial_t(u, v, geometry)
    t = spread(t, grad.spread)
    if grad.kind == "radial":  # r = 0: the last stop's colour everywhere (SVG 1.1 §13.2.3)
        t = torch.where(geometry[2] > 0, t, torch.ones_like(t))
    return stop_colors(t, scene.stop_offsets[grad.stops], scene.stop_colors[grad.stops])
