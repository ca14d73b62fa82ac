"""Image paints: an ``<image>``'s pixels read through its rectangle's corners.

The rectangle's corners are rows of ``Scene.points`` (top-left, top-right,
bottom-left), so each crop pixel's centre is mapped into the rectangle's unit square
by differentiable arithmetic, then into image pixels by a constant affine map, and read
bilinearly with clamped edges (or the nearest pixel for ``image-rendering: pixelated``).
Gradients reach the placement (through the sampling weights and the rectangle's
coverage) and the element's opacity. The pixels stay uint8 on the device: only the taps
a crop reads are converted, premultiplied, as resvg's pixmaps are.
"""

from __future__ import annotations

import numpy as np
import torch


def sample(texture: torch.Tensor, corners: torch.Tensor, unit_to_image: np.ndarray, smooth: bool,
           x0: int, y0: int, w: int, h: int) -> torch.Tensor:
    """(h, w, 4) premultiplied colours of the crop at (x0, y0) (``texture``: (ih, iw, 4) uint8)."""
    dtype, device = corners.dtype, corners.device
    p0, e1, e2 = corners[0], corners[1] - corners[0], corners[2] - corners[0]
    det = e1[0] * e2[1] - e1[1] * e2[0]
    dx = (torch.arange(w, dtype=dtype, device=device) + (x0 + 0.5) - p0[0])[None, :]
    dy = (torch.arange(h, dtype=dtype, device=device) + (y0 + 0.5) - p0[1])[:, None]
    s = (dx * e2[1] - dy * e2[0]) / det
    t = (dy * e1[0] - dx * e1[1]) / det
    m = unit_to_image
    u = m[0, 0] * s + m[0, 1] * t + m[0, 2]
    v = m[1, 0] * s + m[1, 1] * t + m[1, 2]
    ih, iw = texture.shape[:2]
    flat = texture.reshape(-1, 4)

    def at(j: torch.Tensor, i: torch.Tensor) -> torch.Tensor:
        rgba = flat[(j.clamp(0, ih - 1) * iw + i.clamp(0, iw - 1)).reshape(-1)].to(dtype).reshape(h, w, 4) / 255.0
        return torch.cat([rgba[..., :3] * rgba[..., 3:], rgba[..., 3:]], dim=-1)

    if not smooth:
        return at(torch.floor(v.detach()).long(), torch.floor(u.detach()).long())
    u, v = u - 0.5, v - 0.5
    u0, v0 = torch.floor(u.detach()), torch.floor(v.detach())
    fu, fv = (u - u0)[..., None], (v - v0)[..., None]
    i0, j0 = u0.long(), v0.long()
    top = at(j0, i0) * (1 - fu) + at(j0, i0 + 1) * fu
    bottom = at(j0 + 1, i0) * (1 - fu) + at(j0 + 1, i0 + 1) * fu
    return top * (1 - fv) + bottom * fv
