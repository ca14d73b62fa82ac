"""feGaussianBlur, feOffset and feDropShadow (Filter Effects 1 §15.13, §15.19, §15.8).

A Gaussian of standard deviation σ below :data:`BOX_FROM` pixels is convolved exactly
(separable, radius 3σ). From :data:`BOX_FROM` up, the spec's approximation: three box
blurs, each a running sum, so a large blur costs the same per pixel as a small one.
Each box has a real width, its two end pixels weighted by the fraction they cover,
chosen so the three together have variance σ² exactly (:func:`box_width`): whole odd
widths are the spec's boxes, between those the result moves smoothly, so σ has a
gradient. The spec's ``d = σ·3·√(2π)/4`` gives about 6 % less spread; resvg (five boxes
from σ = 2) gives about as much or more, so matching σ² is closer to both the Gaussian
and the reference.

Offsets by a fraction of a pixel interpolate linearly between the two whole-pixel
shifts (exact for whole pixels), so dx/dy have gradients too.
"""

from __future__ import annotations

import math
from typing import Union

import torch
import torch.nn.functional as F

BOX_FROM = 2.0  # σ in pixels from which the three-box approximation is used
MIN_SIGMA = 0.05  # smaller deviations leave that axis as it is (as resvg does)

Number = Union[float, torch.Tensor]


def value(x: Number) -> float:
    """A number's plain value (no autograd warning for tensors that require gradients)."""
    return float(x.detach()) if isinstance(x, torch.Tensor) else float(x)


def gaussian_blur(img: torch.Tensor, sigma_x: Number, sigma_y: Number, edge: str = "none") -> torch.Tensor:
    """Blur a (C, H, W) image; σ in pixels per axis; ``edge``: none | duplicate | wrap."""
    out = _blur_axis(img, sigma_x, 2, edge)
    return _blur_axis(out, sigma_y, 1, edge)


def _blur_axis(img: torch.Tensor, sigma: Number, dim: int, edge: str) -> torch.Tensor:
    s = value(sigma)
    if not s >= MIN_SIGMA or img.shape[dim] == 0:
        return img
    longest = 4.0 * img.shape[dim]  # wider blurs change nothing visible but would pad without bound
    if s > longest:
        sigma = sigma * (longest / s)
        s = longest
    x = img.transpose(dim, -1)
    if s < BOX_FROM:
        x = _gaussian_last(x, sigma, edge)
    else:
        d = box_width(sigma)
        for _ in range(3):
            x = _box_last(x, d, edge)
    return x.transpose(dim, -1)


def box_width(sigma: Number) -> Number:
    """Width of each of three centred boxes that together have variance σ² (a box of width
    d = 2r + 1 + 2f covers r whole pixels each side of its centre and f of the next)."""
    v = sigma * sigma / 3
    r = math.floor((math.sqrt(1 + 12 * value(v)) - 1) / 2)  # the widest whole box not over v
    whole, edge = r * (r + 1) * (2 * r + 1) / 3, (r + 1) ** 2
    return ((2 * r + 1) * edge - whole) / (edge - v)


def pad_last(x: torch.Tensor, left: int, right: int, edge: str) -> torch.Tensor:
    n = x.shape[-1]
    if edge == "none" or n == 0:
        return F.pad(x, (left, right))
    index = torch.arange(-left, n + right, device=x.device)
    index = index.remainder(n) if edge == "wrap" else index.clamp(0, n - 1)
    return x.index_select(-1, index)


def _gaussian_last(x: torch.Tensor, sigma: Number, edge: str) -> torch.Tensor:
    radius = max(1, math.ceil(3 * value(sigma)))
    k = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device)
    weights = torch.exp(-(k * k) / (2 * sigma * sigma))
    weights = weights / weights.sum()
    shape = x.shape
    flat = pad_last(x, radius, radius, edge).reshape(-1, 1, shape[-1] + 2 * radius)
    return F.conv1d(flat, weights.view(1, 1, -1)).reshape(shape)


def _box_last(x: torch.Tensor, width: Number, edge: str) -> torch.Tensor:
    """Mean over a window of real ``width`` centred on each pixel (pixels cover unit intervals).

    The window's integral is the difference of the running sum, linearly interpolated
    at the window's two ends.
    """
    n = x.shape[-1]
    half = width / 2
    pad = math.ceil(value(half)) + 1
    xp = pad_last(x, pad, pad, edge)
    run = torch.cat([xp.new_zeros(x.shape[:-1] + (1,)), xp.cumsum(-1)], -1)

    def at(end: Number) -> torch.Tensor:  # running sum at (pixel centre + end) for every pixel
        start = math.floor(0.5 + value(end))
        frac = 0.5 + end - start
        lo = run[..., pad + start : pad + start + n]
        hi = run[..., pad + start + 1 : pad + start + 1 + n]
        return torch.lerp(lo, hi, frac)

    return (at(half) - at(-half)) / width


def shift(img: torch.Tensor, dx: Number, dy: Number) -> torch.Tensor:
    """Move a (C, H, W) image by (dx, dy) pixels; what comes in is transparent."""
    return _shift_axis(_shift_axis(img, dx, 2), dy, 1)


def _shift_axis(x: torch.Tensor, d: Number, dim: int) -> torch.Tensor:
    whole = math.floor(value(d))
    frac = d - whole
    a = _whole_shift(x, whole, dim)
    if value(frac) == 0.0 and not (isinstance(frac, torch.Tensor) and frac.requires_grad):
        return a
    return a + (_whole_shift(x, whole + 1, dim) - a) * frac


def _whole_shift(x: torch.Tensor, n: int, dim: int) -> torch.Tensor:
    size = x.shape[dim]
    if n == 0:
        return x
    if abs(n) >= size:
        return torch.zeros_like(x)
    zeros = x.new_zeros(x.shape[:dim] + (abs(n),) + x.shape[dim + 1 :])
    if n > 0:
        return torch.cat([zeros, x.narrow(dim, 0, size - n)], dim)
    return torch.cat([x.narrow(dim, -n, size + n), zeros], dim)


def drop_shadow(img: torch.Tensor, sigma_x: Number, sigma_y: Number, dx: Number, dy: Number,
                color: torch.Tensor) -> torch.Tensor:
    """feDropShadow: the input over its blurred, offset alpha painted in ``color`` (premultiplied (4, 1, 1))."""
    alpha = shift(gaussian_blur(img[3:], sigma_x, sigma_y), dx, dy)
    return img + color * alpha * (1 - img[3:])
