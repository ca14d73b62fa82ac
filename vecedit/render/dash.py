"""Dashed strokes: flattened polylines cut into dash polylines (SVG 2 §13.5.6).

Dashes are measured along each polyline in its shape's user space (where the
``stroke-dasharray`` lengths live). Where a dash starts or ends is a constant
arc length ``s``; the point there is interpolated on the edge holding ``s`` from the
(differentiable) cumulative edge lengths, so gradients reach every vertex, and the
stroke outline built from the dashes carries the stroke width's gradient as any
stroke does. Each dash becomes an open polyline, so it gets its own caps; a
zero-length dash is a single vertex, which the stroker draws as a dot (round) or an
upright square (square), as resvg/Skia do.

The pattern follows Skia's dasher (which resvg uses): the offset is taken modulo the
pattern length (negative offsets count backwards), and on a closed subpath a dash
running through the start point is one dash (its join is drawn), not two capped ones.
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch

from vecedit.render.flatten import Polylines

MAX_DASHES = 200_000  # per render; beyond this a stroke is drawn solid (Skia gives up at 1e6)


def _intervals(total: float, pattern: np.ndarray, offset: float,
               most: int = MAX_DASHES) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """"On" intervals ``[start, end]`` of the pattern over ``[0, total]`` (clipped to it); None
    where that is over *most* dashes or a length is not finite (drawn solid, as Skia does)."""
    period = float(pattern.sum())
    if not (0 < period < math.inf and math.isfinite(total) and math.isfinite(offset)):
        return None
    phase = offset % period  # Python's % is already non-negative for a negative offset
    cycles = (total + phase) / period + 2  # counted before the arrays are built: 1e-7 dashes round a circle
    if cycles * (len(pattern) // 2) > most:
        return None
    cycles = math.ceil((total + phase) / period) + 1
    edges = np.concatenate([[0.0], np.cumsum(pattern)])
    on_start, on_end = edges[:-1:2], edges[1::2]
    base = np.arange(cycles, dtype=np.float64)[:, None] * period - phase
    starts = (base + on_start[None]).ravel()
    ends = (base + on_end[None]).ravel()
    # as Skia: a dash ending exactly where the path starts, or starting where it ends, is not drawn
    keep = (ends >= 0) & (starts < total) & ~((ends == 0) & (starts < 0))
    return np.clip(starts[keep], 0, total), np.clip(ends[keep], 0, total)


def dash(lines: Polylines, user: torch.Tensor, patterns: list, offsets: np.ndarray) -> tuple[Polylines, np.ndarray]:
    """Cut the polylines that have a pattern into dashes.

    ``user`` holds every vertex in its shape's user space (V, 2); ``patterns[i]`` is the
    even-length dash array of polyline ``i`` (or None: kept whole) and ``offsets[i]`` its
    ``stroke-dashoffset``. Returns the new polylines (vertices in the same space as
    ``lines.vertices``) and, per new polyline, the index of the polyline it came from.
    """
    # every polyline as a sequence of vertex rows along its edges (a closed one wrapped)
    seq_rows = []
    for start, count, closed in zip(lines.starts, lines.counts, lines.closed):
        rows = np.arange(start, start + count)
        seq_rows.append(np.append(rows, start) if closed and count > 1 else rows)
    bases = np.cumsum([0] + [len(r) for r in seq_rows])
    seq = np.concatenate(seq_rows) if seq_rows else np.zeros(0, np.int64)
    user_np = user.detach().cpu().numpy().astype(np.float64)
    step = np.zeros(len(seq))
    if len(seq) > 1:
        d = user_np[seq[1:]] - user_np[seq[:-1]]
        step[1:] = np.sqrt((d * d).sum(-1))
    pieces, closed_out, owner = [], [], []
    bounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (polyline base, edge start position, arc length s)
    n_bounds = n_dashes = 0
    for i, rows in enumerate(seq_rows):
        base = int(bases[i])
        whole = np.arange(base, base + len(rows))
        closed = bool(lines.closed[i])
        keep_whole = whole[:-1] if closed and len(rows) > 1 else whole
        pattern = patterns[i]
        starts = ends = np.zeros(0)
        if pattern is not None and len(rows) >= 2:
            cum = np.concatenate([[0.0], np.cumsum(step[base + 1 : base + len(rows)])])
            total = float(cum[-1])
            found = _intervals(total, np.asarray(pattern, dtype=np.float64), float(offsets[i]), MAX_DASHES - n_dashes)
            if found is None:
                pattern = None
            else:
                starts, ends = found
                n_dashes += len(starts)
        if pattern is None or len(rows) < 2 or (
                closed and len(starts) == 1 and starts[0] <= 0 and ends[0] >= total):
            pieces.append(keep_whole)  # not dashed, or one dash covering a whole closed subpath
            closed_out.append(closed)
            owner.append(i)
            continue
        dashes, pos, s = _cut(whole, cum, starts, ends, n_bounds)
        bounds.append((np.full(len(pos), base), pos, s))
        n_bounds += len(pos)
        if closed and len(dashes) > 1 and starts[0] <= 0 and ends[-1] >= total:
            # one dash through the start point: joined there (Skia appends the skipped first dash)
            dashes[0] = np.concatenate([dashes.pop()[:-1], [base], dashes[0][1:]])
        pieces += dashes
        closed_out += [False] * len(dashes)
        owner += [i] * len(dashes)
    owner = np.asarray(owner, dtype=np.int64)
    return _assemble(lines, seq, bases, pieces, closed_out, owner, bounds, user), owner


def _cut(whole: np.ndarray, cum: np.ndarray, starts: np.ndarray, ends: np.ndarray, first_bound: int):
    """One polyline's dashes: pieces of sequence positions (``whole``; ``cum`` the arc length at each),
    a dash's two ends as boundary points numbered from ``first_bound`` (ids -1, -2, …), and those
    points' edge positions and arc lengths; whole arrays at once (a render may cut 10⁵ dashes)."""
    if not len(starts):
        return [], np.zeros(0, np.int64), np.zeros(0)
    n_edges = len(whole) - 1
    ea = np.clip(np.searchsorted(cum, starts, side="right") - 1, 0, n_edges - 1)
    eb = np.maximum(ea, np.clip(np.searchsorted(cum, ends, side="left") - 1, 0, n_edges - 1))
    inner = eb - ea  # the vertices strictly inside each dash: whole[ea + 1 : eb + 1]
    last = np.cumsum(inner + 2) - 1
    first = last - inner - 1
    flat = np.empty(int(last[-1]) + 1, np.int64)
    ids = first_bound + 2 * np.arange(len(starts))
    flat[first], flat[last] = -(ids + 1), -(ids + 2)
    body = np.ones(len(flat), bool)
    body[first] = body[last] = False
    flat[body] = whole[np.repeat(ea + 1 - (np.cumsum(inner) - inner), inner) + np.arange(int(inner.sum()))]
    return np.split(flat, last[:-1] + 1), whole[0] + np.stack([ea, eb], 1).ravel(), np.stack([starts, ends], 1).ravel()


def _safe_length(d: torch.Tensor) -> torch.Tensor:
    """|d| with a zero (not NaN) gradient where d = 0."""
    sq = (d * d).sum(-1)
    ok = sq > 0
    return torch.where(ok, torch.sqrt(torch.where(ok, sq, torch.ones_like(sq))), torch.zeros_like(sq))


def _boundary_points(lines, seq, bases, bounds, user) -> torch.Tensor:
    """The points at arc lengths ``s``, differentiable through every edge length before them."""
    vertices = lines.vertices
    dev = vertices.device
    if not bounds:
        return vertices.new_zeros((0, 2))
    base = np.concatenate([b[0] for b in bounds]).astype(np.int64)
    pos = np.concatenate([b[1] for b in bounds]).astype(np.int64)
    s = torch.as_tensor(np.concatenate([b[2] for b in bounds]), dtype=torch.float64, device=dev)
    lengths = _safe_length(user[torch.as_tensor(seq[1:], device=dev)] - user[torch.as_tensor(seq[:-1], device=dev)])
    cum = torch.cat([lengths.new_zeros(1), lengths.double().cumsum(0)])  # along the whole sequence
    before = cum[torch.as_tensor(pos, device=dev)] - cum[torch.as_tensor(base, device=dev)]
    length = lengths[torch.as_tensor(pos, device=dev)]
    ok = length > 0
    t = torch.where(ok, (s - before).to(length.dtype) / torch.where(ok, length, torch.ones_like(length)),
                    torch.zeros_like(length)).clamp(0.0, 1.0)[:, None]
    ia, ib = torch.as_tensor(seq[pos], device=dev), torch.as_tensor(seq[pos + 1], device=dev)
    return vertices[ia] + (vertices[ib] - vertices[ia]) * t


def _assemble(lines, seq, bases, pieces, closed_out, owner, bounds, user) -> Polylines:
    """Gather the dash polylines: ids ≥ 0 are sequence positions, negative ids boundary points."""
    vertices = lines.vertices
    points = _boundary_points(lines, seq, bases, bounds, user)
    counts = np.array([len(p) for p in pieces], dtype=np.int64)
    flat = np.concatenate(pieces).astype(np.int64) if pieces else np.zeros(0, np.int64)
    is_bound = flat < 0
    rows = seq[np.where(is_bound, 0, flat)] if len(seq) else np.zeros(len(flat), np.int64)
    gather = np.where(is_bound, len(vertices) + (-flat - 1), rows)
    table = torch.cat([vertices, points])
    corner = np.where(is_bound, False, lines.corner[rows] if len(rows) else False).astype(bool)
    starts = np.cumsum(counts) - counts
    closed = np.asarray(closed_out, dtype=bool)
    open_ends = ~closed & (counts > 0)
    corner[starts[open_ends]] = False  # an open polyline's ends are caps, not joins
    corner[(starts + counts - 1)[open_ends]] = False
    return Polylines(
        table[torch.as_tensor(gather, dtype=torch.long, device=vertices.device)],
        starts,
        counts,
        closed,
        corner,
        lines.source[owner] if len(owner) else np.zeros(0, np.int64),
    )
