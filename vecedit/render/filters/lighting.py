"""feDiffuseLighting and feSpecularLighting with distant, point and spot lights (Filter Effects 1 §15.7, §15.20).

The input's alpha is a height map (× surfaceScale). Surface normals use the spec's
Sobel kernels, including its one-sided kernels on the region's edges: those are
separable, a derivative (central inside, one-sided on the edge) times a smoothing
(1 2 1 inside, 2 1 on the edge), which is how they are computed here. Light positions
are in region pixels; pixel (x, y) sits at its index, as resvg has it.
"""

from __future__ import annotations

import math

import torch


def _derivative(a: torch.Tensor, dim: int) -> torch.Tensor:
    n = a.shape[dim]
    inner = (a.narrow(dim, 2, n - 2) - a.narrow(dim, 0, n - 2)) / 2
    first = a.narrow(dim, 1, 1) - a.narrow(dim, 0, 1)
    last = a.narrow(dim, n - 1, 1) - a.narrow(dim, n - 2, 1)
    return torch.cat([first, inner, last], dim)


def _smooth(a: torch.Tensor, dim: int) -> torch.Tensor:
    n = a.shape[dim]
    inner = (a.narrow(dim, 0, n - 2) + 2 * a.narrow(dim, 1, n - 2) + a.narrow(dim, 2, n - 2)) / 4
    first = (2 * a.narrow(dim, 0, 1) + a.narrow(dim, 1, 1)) / 3
    last = (a.narrow(dim, n - 2, 1) + 2 * a.narrow(dim, n - 1, 1)) / 3
    return torch.cat([first, inner, last], dim)


def surface_normal(alpha: torch.Tensor, surface_scale) -> torch.Tensor:
    """(3, H, W) unit normals of the height map ``surface_scale · alpha`` ((H, W), H, W ≥ 3)."""
    nx = -surface_scale * 2 * _smooth(_derivative(alpha, 1), 0)
    ny = -surface_scale * 2 * _smooth(_derivative(alpha, 0), 1)
    n = torch.stack([nx, ny, torch.ones_like(nx)])
    return n / n.norm(dim=0, keepdim=True)


def light_vectors(light: dict, alpha: torch.Tensor, surface_scale) -> torch.Tensor:
    """(3, H, W) unit vectors from the surface towards the light."""
    h, w = alpha.shape
    if light["type"] == "distant":
        az, el = light["azimuth"] * (math.pi / 180), light["elevation"] * (math.pi / 180)
        v = torch.stack([torch.cos(az) * torch.cos(el), torch.sin(az) * torch.cos(el), torch.sin(el)])
        return v[:, None, None].expand(3, h, w)
    ys, xs = torch.meshgrid(torch.arange(h, dtype=alpha.dtype, device=alpha.device),
                            torch.arange(w, dtype=alpha.dtype, device=alpha.device), indexing="ij")
    v = torch.stack([light["x"] - xs, light["y"] - ys, light["z"] - surface_scale * alpha])
    length = v.norm(dim=0, keepdim=True)
    return torch.where(length > 0, v / torch.where(length > 0, length, torch.ones_like(length)), v)


def light_color(light: dict, to_light: torch.Tensor, color: torch.Tensor) -> torch.Tensor:
    """(3, H, W) or (3, 1, 1) colour of the light reaching each pixel (spot lights fall off)."""
    if light["type"] != "spot":
        return color[:, None, None]
    s = torch.stack([light["pointsAtX"] - light["x"], light["pointsAtY"] - light["y"],
                     light["pointsAtZ"] - light["z"]])
    s = s / s.norm().clamp(min=1e-12)
    minus_l_dot_s = -(to_light * s[:, None, None]).sum(0)
    lit = minus_l_dot_s > 0
    if light.get("limitingConeAngle") is not None:
        lit = lit & (minus_l_dot_s >= math.cos(math.radians(float(light["limitingConeAngle"]))))
    factor = torch.where(lit, minus_l_dot_s.clamp(min=1e-12) ** light["specularExponent"],
                         torch.zeros_like(minus_l_dot_s))
    return color[:, None, None] * factor


def lighting(img: torch.Tensor, kind: str, light: dict, color: torch.Tensor, p: dict) -> torch.Tensor:
    """Premultiplied (4, H, W) result; ``color`` (3,) is the lighting colour in the working space."""
    alpha = img[3]
    h, w = alpha.shape
    if h < 3 or w < 3:
        return torch.zeros_like(img)
    scale = p["surfaceScale"]
    normal = surface_normal(alpha, scale)
    to_light = light_vectors(light, alpha, scale)
    reaching = light_color(light, to_light, color)
    if kind == "diffuse":
        factor = p["diffuseConstant"] * (normal * to_light).sum(0)
        rgb = (reaching * factor).clamp(0, 1)
        return torch.cat([rgb, torch.ones_like(rgb[:1])])
    half = to_light + torch.tensor([0.0, 0.0, 1.0], dtype=img.dtype, device=img.device)[:, None, None]
    half = half / half.norm(dim=0, keepdim=True).clamp(min=1e-12)
    n_dot_h = (normal * half).sum(0).clamp(min=1e-12)
    factor = p["specularConstant"] * n_dot_h ** p["specularExponent"]
    rgb = (reaching * factor).clamp(0, 1)
    return torch.cat([rgb, rgb.max(0, keepdim=True).values])
