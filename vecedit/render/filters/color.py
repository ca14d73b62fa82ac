"""feFlood, feColorMatrix and feComponentTransfer (Filter Effects 1 §15.10, §15.11, §15.12).

Colour operations act on straight (unpremultiplied) values in the primitive's working
space and are clamped to [0, 1], then premultiplied again. Every coefficient may be a
tensor that requires gradients.
"""

from __future__ import annotations

import math

import torch

from vecedit.render.filters.space import premultiply, unpremultiply

LUMA = (0.2125, 0.7154, 0.0721)  # luminanceToAlpha and saturate/hueRotate weights (§15.10)


def flood(color: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """A premultiplied (4, 1, 1) colour over an (h, w) region."""
    return color.expand(4, h, w)


def saturate_matrix(s: torch.Tensor) -> torch.Tensor:
    r, g, b = 0.213, 0.715, 0.072
    one, zero = torch.ones_like(s), torch.zeros_like(s)
    rows = [
        [r + (1 - r) * s, g - g * s, b - b * s],
        [r - r * s, g + (1 - g) * s, b - b * s],
        [r - r * s, g - g * s, b + (1 - b) * s],
    ]
    return _rgb_matrix(rows, one, zero)


def hue_rotate_matrix(degrees: torch.Tensor) -> torch.Tensor:
    a = degrees * (math.pi / 180)
    c, s = torch.cos(a), torch.sin(a)
    one, zero = torch.ones_like(a), torch.zeros_like(a)
    rows = [
        [0.213 + c * 0.787 - s * 0.213, 0.715 - c * 0.715 - s * 0.715, 0.072 - c * 0.072 + s * 0.928],
        [0.213 - c * 0.213 + s * 0.143, 0.715 + c * 0.285 + s * 0.140, 0.072 - c * 0.072 - s * 0.283],
        [0.213 - c * 0.213 - s * 0.787, 0.715 - c * 0.715 + s * 0.715, 0.072 + c * 0.928 + s * 0.072],
    ]
    return _rgb_matrix(rows, one, zero)


def _rgb_matrix(rows, one, zero) -> torch.Tensor:
    full = [row + [zero, zero] for row in rows] + [[zero, zero, zero, one, zero]]
    return torch.stack([torch.stack([zero + v for v in row]) for row in full])


def luminance_to_alpha_matrix(like: torch.Tensor) -> torch.Tensor:
    m = like.new_zeros((4, 5))
    m[3, :3] = like.new_tensor(LUMA)
    return m


def color_matrix(img: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """Apply a (4, 5) matrix to straight RGBA (the fifth column is the offset)."""
    rgb, alpha = unpremultiply(img)
    value = torch.cat([rgb, alpha])
    out = torch.einsum("ij,jhw->ihw", matrix[:, :4], value) + matrix[:, 4, None, None]
    out = out.clamp(0, 1)
    return premultiply(out[:3], out[3:])


def transfer(c: torch.Tensor, kind: str, p: dict) -> torch.Tensor:
    """One feFunc on a (H, W) channel; ``p`` holds its numbers (tensors)."""
    if kind == "table" or kind == "discrete":
        values = p["tableValues"]
        n = values.numel()
        if n == 0:
            return c
        if kind == "discrete":
            k = (c * n).floor().clamp(0, n - 1).long()
            return values[k]
        if n == 1:
            return values[0].expand_as(c)
        pos = c * (n - 1)
        k = pos.floor().clamp(0, n - 2)
        t = pos - k
        k = k.long()
        return values[k] + t * (values[k + 1] - values[k])
    if kind == "linear":
        return p["slope"] * c + p["intercept"]
    if kind == "gamma":
        positive = c > 0
        base = torch.where(positive, c, torch.ones_like(c))
        powered = torch.where(positive, base ** p["exponent"], torch.zeros_like(c))
        return p["amplitude"] * powered + p["offset"]
    return c  # identity (and unknown types, as the spec says)


def component_transfer(img: torch.Tensor, funcs: list) -> torch.Tensor:
    """``funcs``: four (kind, numbers) for R, G, B, A."""
    rgb, alpha = unpremultiply(img)
    channels = [rgb[0], rgb[1], rgb[2], alpha[0]]
    out = [transfer(c, kind, p).clamp(0, 1) for c, (kind, p) in zip(channels, funcs)]
    return premultiply(torch.stack(out[:3]), out[3][None])
