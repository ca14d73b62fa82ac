"""feMorphology, feConvolveMatrix, feDisplacementMap and feTile (Filter Effects 1 §15.17, §15.12, §15.15, §15.21)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vecedit.render.filters.blur import pad_last
from vecedit.render.filters.space import premultiply, unpremultiply


def pad2d(img: torch.Tensor, top: int, bottom: int, left: int, right: int, edge: str) -> torch.Tensor:
    """Extend a (C, H, W) image: ``edge`` none (transparent) | duplicate | wrap."""
    out = pad_last(img, left, right, edge)
    return pad_last(out.transpose(1, 2), top, bottom, edge).transpose(1, 2)


def morphology(img: torch.Tensor, rx: float, ry: float, operator: str) -> torch.Tensor:
    """Erode (minimum) or dilate (maximum) over the spec's 2·rx × 2·ry window.

    With whole-pixel radii ``k`` (rounded up, as resvg) the window spans
    x − k … x + k − 1; pixels beyond the region do not take part (as resvg).
    """
    kx, ky = max(1, math.ceil(rx - 1e-6)), max(1, math.ceil(ry - 1e-6))
    kx, ky = min(kx, img.shape[2]), min(ky, img.shape[1])  # a wider window already covers the region
    sign = -1.0 if operator == "erode" else 1.0
    # a rectangle's maximum is the maximum over its rows' maxima: two 1-D passes
    # (a window as wide as the region is the whole row or column)
    signed = sign * img
    if kx >= img.shape[2]:
        rows = signed.amax(2, keepdim=True).expand_as(signed)
    else:
        rows = F.max_pool2d(F.pad(signed, (kx, kx - 1), value=-math.inf)[None], (1, 2 * kx), stride=1)[0]
    if ky >= img.shape[1]:
        return sign * rows.amax(1, keepdim=True).expand_as(signed)
    return sign * F.max_pool2d(F.pad(rows, (0, 0, ky, ky - 1), value=-math.inf)[None], (2 * ky, 1), stride=1)[0]


def convolve(img: torch.Tensor, kernel: torch.Tensor, target: tuple[int, int], divisor, bias,
             edge: str, preserve_alpha: bool) -> torch.Tensor:
    """feConvolveMatrix: ``kernel`` (rows, cols), ``target`` (x, y) as the spec defines them."""
    rows, cols = kernel.shape
    tx, ty = target
    if preserve_alpha:
        rgb, alpha = unpremultiply(img)
        src = rgb
    else:
        src, alpha = img, None
    padded = pad2d(src, ty, rows - 1 - ty, tx, cols - 1 - tx, edge)
    out = F.conv2d(padded[:, None], kernel.flip(0, 1)[None, None])[:, 0] / divisor
    if preserve_alpha:
        return premultiply((out + bias * alpha).clamp(0, 1), alpha)
    new_alpha = out[3:] + bias
    bounded = new_alpha.clamp(0, 1)
    rgb = torch.minimum((out[:3] + bias * new_alpha).clamp(min=0), bounded)
    return torch.cat([rgb, bounded])


def displace(img: torch.Tensor, displacement: torch.Tensor, scale_x, scale_y, x_channel: int,
             y_channel: int) -> torch.Tensor:
    """feDisplacementMap: sample ``img`` at p + scale·(C(p) − ½), C from the straight ``displacement`` map.

    Sampled bilinearly (resvg takes the nearest pixel) so the scale and both images
    have gradients; beyond the region is transparent.
    """
    _, h, w = img.shape
    rgb, alpha = unpremultiply(displacement)
    straight = torch.cat([rgb, alpha])
    ys, xs = torch.meshgrid(torch.arange(h, dtype=img.dtype, device=img.device),
                            torch.arange(w, dtype=img.dtype, device=img.device), indexing="ij")
    x = xs + scale_x * (straight[x_channel] - 0.5)
    y = ys + scale_y * (straight[y_channel] - 0.5)
    grid = torch.stack([2 * x / max(w - 1, 1) - 1, 2 * y / max(h - 1, 1) - 1], -1)
    return F.grid_sample(img[None], grid[None], mode="bilinear", padding_mode="zeros", align_corners=True)[0]


def tile(img: torch.Tensor, box: tuple[int, int, int, int]) -> torch.Tensor:
    """feTile: repeat the input's subregion ``box`` (y0, x0, y1, x1, region pixels) over the region."""
    _, h, w = img.shape
    y0, x0, y1, x1 = box
    if y1 <= y0 or x1 <= x0:
        return torch.zeros_like(img)
    ys = y0 + (torch.arange(h, device=img.device) - y0).remainder(y1 - y0)
    xs = x0 + (torch.arange(w, device=img.device) - x0).remainder(x1 - x0)
    return img.index_select(1, ys).index_select(2, xs)
