"""feBlend, feComposite and feMerge (Filter Effects 1 §15.6, §15.9, §15.18).

All on premultiplied layers; ``top`` is ``in``, ``bottom`` is ``in2``. Blend modes
follow Compositing and Blending Level 1 §5 (separable and non-separable).
"""

from __future__ import annotations

import torch

from vecedit.render.filters.space import EPS, unpremultiply
from vecedit.svg.filter_primitives import BLEND_MODES

SEPARABLE = BLEND_MODES[:12]
NON_SEPARABLE = BLEND_MODES[12:]


def _safe_div(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    ok = b.abs() > EPS
    return torch.where(ok, a / torch.where(ok, b, torch.ones_like(b)), torch.zeros_like(a))


def _hard_light(cb: torch.Tensor, cs: torch.Tensor) -> torch.Tensor:
    return torch.where(cs <= 0.5, cb * 2 * cs, cb + (2 * cs - 1) - cb * (2 * cs - 1))


def _separable(mode: str, cb: torch.Tensor, cs: torch.Tensor) -> torch.Tensor:
    if mode == "normal":
        return cs
    if mode == "multiply":
        return cb * cs
    if mode == "screen":
        return cb + cs - cb * cs
    if mode == "overlay":
        return _hard_light(cs, cb)
    if mode == "darken":
        return torch.minimum(cb, cs)
    if mode == "lighten":
        return torch.maximum(cb, cs)
    if mode == "color-dodge":
        out = torch.minimum(torch.ones_like(cb), _safe_div(cb, 1 - cs))
        return torch.where(cb <= 0, torch.zeros_like(cb), torch.where(cs >= 1, torch.ones_like(cb), out))
    if mode == "color-burn":
        out = 1 - torch.minimum(torch.ones_like(cb), _safe_div(1 - cb, cs))
        return torch.where(cb >= 1, torch.ones_like(cb), torch.where(cs <= 0, torch.zeros_like(cb), out))
    if mode == "hard-light":
        return _hard_light(cb, cs)
    if mode == "soft-light":
        d = torch.where(cb <= 0.25, ((16 * cb - 12) * cb + 4) * cb, cb.clamp(min=0).sqrt())
        return torch.where(cs <= 0.5, cb - (1 - 2 * cs) * cb * (1 - cb), cb + (2 * cs - 1) * (d - cb))
    if mode == "difference":
        return (cb - cs).abs()
    if mode == "exclusion":
        return cb + cs - 2 * cb * cs
    raise ValueError(mode)


def _lum(c: torch.Tensor) -> torch.Tensor:
    return 0.3 * c[0:1] + 0.59 * c[1:2] + 0.11 * c[2:3]


def _clip_color(c: torch.Tensor) -> torch.Tensor:
    lum = _lum(c)
    lo, hi = c.min(0, keepdim=True).values, c.max(0, keepdim=True).values
    c = torch.where(lo < 0, lum + _safe_div((c - lum) * lum, lum - lo), c)
    return torch.where(hi > 1, lum + _safe_div((c - lum) * (1 - lum), hi - lum), c)


def _set_lum(c: torch.Tensor, lum: torch.Tensor) -> torch.Tensor:
    return _clip_color(c + (lum - _lum(c)))


def _sat(c: torch.Tensor) -> torch.Tensor:
    return c.max(0, keepdim=True).values - c.min(0, keepdim=True).values


def _set_sat(c: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
    lo, hi = c.min(0, keepdim=True).values, c.max(0, keepdim=True).values
    return _safe_div((c - lo) * s, hi - lo)


def _non_separable(mode: str, cb: torch.Tensor, cs: torch.Tensor) -> torch.Tensor:
    if mode == "hue":
        return _set_lum(_set_sat(cs, _sat(cb)), _lum(cb))
    if mode == "saturation":
        return _set_lum(_set_sat(cb, _sat(cs)), _lum(cb))
    if mode == "color":
        return _set_lum(cs, _lum(cb))
    return _set_lum(cb, _lum(cs))  # luminosity


def blend(top: torch.Tensor, bottom: torch.Tensor, mode: str) -> torch.Tensor:
    """``top`` blended onto ``bottom`` (both premultiplied (4, H, W))."""
    as_, ab = top[3:], bottom[3:]
    if mode == "normal":
        return top + bottom * (1 - as_)
    cs, _ = unpremultiply(top)
    cb, _ = unpremultiply(bottom)
    mixed = _separable(mode, cb, cs) if mode in SEPARABLE else _non_separable(mode, cb, cs)
    rgb = (1 - ab) * top[:3] + (1 - as_) * bottom[:3] + as_ * ab * mixed
    return torch.cat([rgb, as_ + ab - as_ * ab])


def composite(a: torch.Tensor, b: torch.Tensor, operator: str, k=None) -> torch.Tensor:
    """Porter-Duff ``a operator b`` or ``arithmetic`` with ``k`` = (k1, k2, k3, k4)."""
    aa, ab = a[3:], b[3:]
    if operator == "in":
        return a * ab
    if operator == "out":
        return a * (1 - ab)
    if operator == "atop":
        return a * ab + b * (1 - aa)
    if operator == "xor":
        return a * (1 - ab) + b * (1 - aa)
    if operator == "lighter":
        return (a + b).clamp(max=1)
    if operator == "arithmetic":
        k1, k2, k3, k4 = k[0], k[1], k[2], k[3]
        out = k1 * a * b + k2 * a + k3 * b + k4
        alpha = out[3:].clamp(0, 1)
        return torch.cat([torch.minimum(out[:3].clamp(min=0), alpha), alpha])
    return a + b * (1 - aa)  # over


def merge(layers: list[torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(like)
    for layer in layers:
        out = layer + out * (1 - layer[3:])
    return out
