"""Stroke outlines as unions of consistently oriented polygons.

SVG defines a stroke as the union of every segment swept by the pen, plus joins and
caps (SVG 2 §13.5). We build exactly those pieces — one quad per polyline edge, a
join polygon at every vertex (the user's join at corners of the input path, a bevel
between the flattening steps of a curve), and caps at open ends — all with the same
orientation, so the nonzero rule fills their union. The pieces are built in each
shape's own user space (the pen is round in user space, as the spec says) and then
mapped to canvas pixels, so non-uniform scales and skews stroke correctly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

import vecedit.limits as limits
from vecedit.render.flatten import Polylines

EPS = 1e-12
COS_CURVE_SMOOTH = 0.9  # inside a flattened curve: turns under ~25° meet on the mitre
COS_CORNER_SMOOTH = 0.985  # at a joint of the input path: turns under ~10°


@dataclass
class StrokeStyle:
    """Per-polyline stroke settings (arrays have one entry per polyline)."""

    half_width: torch.Tensor  # (n,) user units
    to_user: torch.Tensor  # (n, 2, 3) canvas -> user space
    to_canvas: torch.Tensor  # (n, 2, 3) user space -> canvas
    scale: np.ndarray  # (n,) largest canvas scale of each user space
    linecap: list[str]
    linejoin: list[str]
    miterlimit: np.ndarray  # (n,)

    def take(self, rows: np.ndarray) -> "StrokeStyle":
        """The settings of the polylines at ``rows`` (one entry per row)."""
        t = torch.as_tensor(rows, device=self.half_width.device)
        return StrokeStyle(self.half_width[t], self.to_user[t], self.to_canvas[t], self.scale[rows],
                           [self.linecap[r] for r in rows], [self.linejoin[r] for r in rows], self.miterlimit[rows])


def _affine(m: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """Apply per-point (…, 2, 3) affine maps to (…, 2) points."""
    return torch.einsum("...ij,...j->...i", m[..., :2], p) + m[..., 2]


def _unit(d: torch.Tensor) -> torch.Tensor:
    return d / torch.sqrt((d * d).sum(-1, keepdim=True) + EPS)


def _perp(d: torch.Tensor) -> torch.Tensor:
    return torch.stack([-d[..., 1], d[..., 0]], dim=-1)


def _signed_area(poly: torch.Tensor) -> torch.Tensor:
    x, y = poly[..., 0], poly[..., 1]
    return (x * y.roll(-1, -1) - x.roll(-1, -1) * y).sum(-1)


def _orient(poly: torch.Tensor) -> torch.Tensor:
    """Reverse polygons whose orientation is positive, so that all are negative."""
    flip = (_signed_area(poly.detach()) > 0)[:, None, None]
    return torch.where(flip, poly.flip(1), poly)


def _edges(poly: torch.Tensor) -> torch.Tensor:
    """(n, k, 2) polygons -> (n·k, 2, 2) closed edge lists."""
    return torch.stack([poly, poly.roll(-1, 1)], dim=2).reshape(-1, 2, 2)


def _circles(centre: torch.Tensor, radius: torch.Tensor, sides: int) -> torch.Tensor:
    angle = torch.arange(sides, dtype=centre.dtype, device=centre.device) * (2 * math.pi / sides)
    ring = torch.stack([torch.cos(angle), -torch.sin(angle)], dim=-1)  # negative orientation
    return centre[:, None, :] + radius[:, None, None] * ring[None]


def _half_disc(centre: torch.Tensor, radius: torch.Tensor, out: torch.Tensor, steps: int) -> torch.Tensor:
    """Round caps: the half disc beyond each end (it does not overlap the end's quad)."""
    phi = torch.linspace(0, math.pi, steps, dtype=centre.dtype, device=centre.device)
    n = _perp(out)
    ring = torch.cos(phi)[None, :, None] * n[:, None] + torch.sin(phi)[None, :, None] * out[:, None]
    return centre[:, None, :] + radius[:, None, None] * ring


def _round_wedge(centre, radius, d1, d2, steps: int) -> torch.Tensor:
    """Round joins: the pie slice on the outer side of the turn, between the two quads."""
    cross = (d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]).detach()
    # a full reversal has no outer side: sweep the half disc ahead of the vertex
    side = torch.where(cross == 0, torch.ones_like(cross), -torch.sign(cross))[:, None]
    u1, u2 = side * _perp(d1), side * _perp(d2)
    turn = torch.atan2((u1[:, 0] * u2[:, 1] - u1[:, 1] * u2[:, 0]).abs(), (u1 * u2).sum(-1))
    spin = torch.sign((u1[:, 0] * u2[:, 1] - u1[:, 1] * u2[:, 0]).detach())
    spin = torch.where(spin == 0, -torch.ones_like(spin), spin)[:, None]
    t = torch.linspace(0, 1, steps, dtype=centre.dtype, device=centre.device)[None, :]
    angle = (turn[:, None] * t)[..., None]
    arc = torch.cos(angle) * u1[:, None] + torch.sin(angle) * spin[..., None] * _perp(u1)[:, None]
    return torch.cat([centre[:, None], centre[:, None] + radius[:, None, None] * arc], dim=1)


def _dedupe(lines: Polylines) -> Polylines:
    """Drop vertices that repeat the previous one (they carry no direction)."""
    v = lines.vertices.detach()
    sub = np.repeat(np.arange(len(lines.counts)), lines.counts)
    first = np.zeros(len(v), dtype=bool)
    first[lines.starts] = True
    same = np.zeros(len(v), dtype=bool)
    if len(v) > 1:
        same[1:] = ((v[1:] - v[:-1]).abs().amax(-1) < 1e-9).cpu().numpy()
    keep = ~same | first
    # a closed polyline whose last vertex repeats its first
    ends = lines.starts + lines.counts - 1
    wrap = lines.closed & (lines.counts > 1)
    if wrap.any():
        tail, head = ends[wrap], lines.starts[wrap]
        keep[tail[((v[tail] - v[head]).abs().amax(-1) < 1e-9).cpu().numpy()]] = False
    if keep.all():
        return lines
    corner = lines.corner.copy()
    # a dropped corner passes its role to the kept vertex it duplicates
    kept_index = np.maximum.accumulate(np.where(keep, np.arange(len(v)), 0))
    corner[kept_index[~keep & corner]] = True
    counts = np.bincount(sub[keep], minlength=len(lines.counts))
    starts = np.cumsum(counts) - counts
    idx = torch.as_tensor(np.nonzero(keep)[0], device=lines.vertices.device)
    return Polylines(
        lines.vertices[idx], starts, counts, lines.closed, corner[keep], lines.source
    )


def outline(lines: Polylines, style: StrokeStyle, tolerance: float = 0.05, edge_allowance: int = 0):
    """Stroke polygons of every polyline as edges (E, 2, 2) and the polyline of each edge.
    *edge_allowance*: the edges a render of the size asked for may always make (``Limits.check``'s at_least)."""
    lines = _dedupe(lines)
    n_vertices = len(lines.vertices)
    if n_vertices == 0:
        return lines.vertices.new_zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
    sub_of_vertex = np.repeat(np.arange(len(lines.counts)), lines.counts)
    dev = lines.vertices.device
    sov = torch.as_tensor(sub_of_vertex, device=dev)
    user = _affine(style.to_user[sov], lines.vertices)  # (V, 2) in user space
    r_v = style.half_width[sov]
    a, b, edge_sub = lines.edges(close_open=False)
    add = _Pieces(style, edge_allowance)

    ta, tb = torch.as_tensor(a, device=dev), torch.as_tensor(b, device=dev)
    pa, pb = user[ta], user[tb]
    d = _unit(pb - pa)
    normal = _perp(d)

    # vertices with an incoming and an outgoing edge; smooth ones (inside a flattened
    # curve, turning < 60°) need no join: the quads on either side meet on the mitre
    incoming = np.full(n_vertices, -1)
    outgoing = np.full(n_vertices, -1)
    incoming[b] = np.arange(len(b))
    outgoing[a] = np.arange(len(a))
    inner = np.nonzero((incoming >= 0) & (outgoing >= 0))[0]
    cos = (normal[incoming[inner]] * normal[outgoing[inner]]).sum(-1).detach().cpu().numpy()
    # a turn this small looks the same under every join (mitre ≈ round ≈ bevel to
    # within r·θ²/8), so corners that barely turn are mitred like curve interiors
    smooth = np.where(lines.corner[inner], cos > COS_CORNER_SMOOTH, cos > COS_CURVE_SMOOTH)
    mitre = normal.new_zeros((n_vertices, 2))
    sv = inner[smooth]
    if len(sv):
        n1, n2 = normal[incoming[sv]], normal[outgoing[sv]]
        mitre = mitre.index_put((torch.as_tensor(sv, device=dev),), (n1 + n2) / (1 + (n1 * n2).sum(-1, keepdim=True)))
    is_smooth = torch.zeros(n_vertices, dtype=torch.bool, device=dev)
    is_smooth[torch.as_tensor(sv, device=dev)] = True

    # one quad per edge, ending on the mitre at smooth vertices and square elsewhere
    if len(a):
        ma = torch.where(is_smooth[ta][:, None], mitre[ta], normal) * r_v[ta][:, None]
        mb = torch.where(is_smooth[tb][:, None], mitre[tb], normal) * r_v[tb][:, None]
        quad = torch.stack([pa + ma, pb + mb, pb - mb, pa - ma], dim=1)
        add(quad, edge_sub, torch.as_tensor(edge_sub, device=dev))

    at = inner[~smooth]
    if len(at):
        _joins(add, lines, style, user, r_v, d, incoming[at], outgoing[at], at, sub_of_vertex, dev, tolerance)

    # caps at the ends of open polylines; a zero-length one still gets its caps
    # (SVG 2 §13.5.3: a dot for round caps, a square aligned with the user x axis)
    open_subs = np.nonzero(~lines.closed & (lines.counts >= 2))[0]
    if len(open_subs):
        _caps(add, lines, style, user, r_v, open_subs, dev, tolerance)
    dots = np.nonzero(lines.counts == 1)[0]  # closed too: "M x y Z" gets its caps, as resvg
    if len(dots):
        _dot_caps(add, lines, style, user, r_v, dots, dev, tolerance)

    if not add.pieces:
        return lines.vertices.new_zeros((0, 2, 2)), np.zeros(0, dtype=np.int64)
    return torch.cat(add.pieces), np.concatenate(add.owners)


class _Pieces:
    """The outline's polygons as edges, counted against ``Limits.edge_pixels`` as they are made: every
    edge is at least one piece of the rasterizer's work, wherever it lies. Round joins and caps are
    checked before they are built (``fits``): a stroke far wider than the canvas with a round join at
    each of 10⁵ vertices would be 10⁷ edges, seconds of work before the rasterizer's own count."""

    def __init__(self, style: "StrokeStyle", allowance: int):
        self.style, self.allowance = style, allowance
        self.pieces, self.owners, self.count = [], [], 0

    def fits(self, more: int) -> None:
        limits.current().check("edge_pixels", self.count + more, "the strokes' outlines have more edges than the "
                               "budget (a smaller --width, or fewer/narrower strokes)", at_least=self.allowance)

    def __call__(self, poly, owner, canvas_map_rows) -> None:
        self.fits(poly.shape[0] * poly.shape[1])
        self.count += poly.shape[0] * poly.shape[1]
        maps = self.style.to_canvas[canvas_map_rows][:, None].expand(-1, poly.shape[1], -1, -1)
        poly = _affine(maps, poly)
        self.pieces.append(_edges(_orient(poly)))
        self.owners.append(np.repeat(owner, poly.shape[1]))


def _circle_sides(style: StrokeStyle, subs: np.ndarray, tolerance: float) -> int:
    radius = float((style.half_width.detach().cpu().numpy()[subs] * style.scale[subs]).max(initial=0))
    if not radius > tolerance:
        return 8
    step = 2 * math.acos(max(-1.0, 1 - tolerance / radius))
    return 128 if step <= 0 else int(min(128, max(8, math.ceil(2 * math.pi / step))))


def _joins(add, lines, style, user, r_v, d, e_in, e_out, at, sub_of_vertex, dev, tolerance):
    sub = sub_of_vertex[at]
    kind = np.array(
        [style.linejoin[s] if c else "round" for s, c in zip(sub, lines.corner[at])], dtype=object
    )
    v = user[torch.as_tensor(at, device=dev)]
    r = r_v[torch.as_tensor(at, device=dev)]
    rounds = kind == "round"
    if rounds.any():
        idx = torch.as_tensor(np.nonzero(rounds)[0], device=dev)
        sides = _circle_sides(style, sub[rounds], tolerance) // 2 + 1
        add.fits(len(idx) * (sides + 2))
        d1 = d[torch.as_tensor(e_in[rounds], device=dev)]
        d2 = d[torch.as_tensor(e_out[rounds], device=dev)]
        add(_round_wedge(v[idx], r[idx], d1, d2, sides), sub[rounds], torch.as_tensor(sub[rounds], device=dev))
    rest = ~rounds
    if not rest.any():
        return
    idx = torch.as_tensor(np.nonzero(rest)[0], device=dev)
    v, r = v[idx], r[idx][:, None]
    d1 = d[torch.as_tensor(e_in[rest], device=dev)]
    d2 = d[torch.as_tensor(e_out[rest], device=dev)]
    n1, n2 = _perp(d1), _perp(d2)
    cross = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    side = -torch.sign(cross.detach())[:, None]  # the outer side of the turn
    p1, p2 = v + side * r * n1, v + side * r * n2
    cos = (n1 * n2).sum(-1, keepdim=True)
    limit = torch.as_tensor(style.miterlimit[sub[rest]], dtype=v.dtype, device=dev)[:, None]
    # miter length / stroke width = 1 / sin(φ/2) = 1 / sqrt((1 + cos θ) / 2)
    within = (1 + cos.detach()) * 0.5 * limit * limit >= 1
    mitred = np.isin(kind[rest], ("miter", "miter-clip"))
    miter_ok = torch.as_tensor(mitred, device=dev)[:, None] & within
    denom = torch.where(miter_ok, 1 + cos, torch.ones_like(cos))
    tip = torch.where(miter_ok, v + side * r * (n1 + n2) / denom, (p1 + p2) * 0.5)
    clipped = (kind[rest] == "miter-clip") & ~within[:, 0].cpu().numpy()
    owners = sub[rest]
    plain = torch.as_tensor(np.nonzero(~clipped)[0], device=dev)
    add(torch.stack([v, p1, tip, p2], dim=1)[plain], owners[~clipped], torch.as_tensor(owners[~clipped], device=dev))
    if clipped.any():
        at = torch.as_tensor(np.nonzero(clipped)[0], device=dev)
        add(_clipped_miter(v[at], p1[at], p2[at], d1[at], d2[at], side[at], r[at], limit[at]),
            owners[clipped], torch.as_tensor(owners[clipped], device=dev))


def _clipped_miter(v, p1, p2, d1, d2, side, r, limit):
    """SVG 2 ``miter-clip`` past the limit: the mitre cut square to its bisector at limit · half width."""
    bisector = side * (_perp(d1) + _perp(d2))
    length = bisector.norm(dim=-1, keepdim=True)
    bisector = torch.where(length > 1e-9, bisector / length.clamp_min(1e-9), d1)  # a U-turn goes on ahead
    reach = limit * r
    t1 = (reach - ((p1 - v) * bisector).sum(-1, keepdim=True)) / (d1 * bisector).sum(-1, keepdim=True)
    t2 = (reach - ((p2 - v) * bisector).sum(-1, keepdim=True)) / (-(d2 * bisector).sum(-1, keepdim=True))
    return torch.stack([v, p1, p1 + t1 * d1, p2 - t2 * d2, p2], dim=1)


def _caps(add, lines, style, user, r_v, open_subs, dev, tolerance):
    caps = np.array([style.linecap[s] for s in open_subs], dtype=object)
    keep = caps != "butt"
    open_subs, caps = open_subs[keep], caps[keep]
    if not len(open_subs):
        return
    first = lines.starts[open_subs]
    last = first + lines.counts[open_subs] - 1
    ends = np.concatenate([first, last])
    inward = np.concatenate([first + 1, last - 1])
    subs = np.concatenate([open_subs, open_subs])
    kinds = np.concatenate([caps, caps])
    te, ti = torch.as_tensor(ends, device=dev), torch.as_tensor(inward, device=dev)
    p, r = user[te], r_v[te]
    out = _unit(p - user[ti])  # pointing out of the path
    rounds = kinds == "round"
    if rounds.any():
        idx = torch.as_tensor(np.nonzero(rounds)[0], device=dev)
        sides = _circle_sides(style, subs[rounds], tolerance) // 2 + 1
        add.fits(len(idx) * (sides + 2))
        add(_half_disc(p[idx], r[idx], out[idx], sides), subs[rounds], torch.as_tensor(subs[rounds], device=dev))
    squares = kinds == "square"
    if squares.any():
        idx = torch.as_tensor(np.nonzero(squares)[0], device=dev)
        p, o, rr = p[idx], out[idx], r[idx][:, None]
        n = _perp(o) * rr
        quad = torch.stack([p + n, p + n + o * rr, p - n + o * rr, p - n], dim=1)
        add(quad, subs[squares], torch.as_tensor(subs[squares], device=dev))


def _dot_caps(add, lines, style, user, r_v, subs, dev, tolerance):
    kinds = np.array([style.linecap[s] for s in subs], dtype=object)
    at = torch.as_tensor(lines.starts[subs], device=dev)
    p, r = user[at], r_v[at]
    rounds = kinds == "round"
    if rounds.any():
        idx = torch.as_tensor(np.nonzero(rounds)[0], device=dev)
        sides = _circle_sides(style, subs[rounds], tolerance)
        add.fits(len(idx) * sides)
        add(_circles(p[idx], r[idx], sides), subs[rounds], torch.as_tensor(subs[rounds], device=dev))
    squares = kinds == "square"
    if squares.any():
        idx = torch.as_tensor(np.nonzero(squares)[0], device=dev)
        c, rr = p[idx], r[idx][:, None]
        ex, ey = c.new_tensor([1.0, 0.0]) * rr, c.new_tensor([0.0, 1.0]) * rr
        quad = torch.stack([c - ex - ey, c + ex - ey, c + ex + ey, c - ex + ey], dim=1)
        add(quad, subs[squares], torch.as_tensor(subs[squares], device=dev))
