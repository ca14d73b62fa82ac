"""Exact box-filtered coverage by signed-area accumulation (the font-rasterizer method).

Every edge of every item (a fill or a stroke outline) is cut into pieces that each lie
inside one pixel cell. A piece going from ``(xa, ya)`` to ``(xb, yb)`` inside cell
``(row, col)`` adds ``dy · (1 − m)`` to that cell and ``dy · m`` to the next cell of the
row, where ``m`` is the piece's mean x within the cell. A prefix sum along each row then
gives, per pixel, the integral of the winding number over the pixel square: the exact
area coverage wherever edges do not overlap inside one pixel. The values are
polynomials of the vertex coordinates, so autograd gives exact gradients in x and y.

Each item accumulates into its own bounding-box crop (plus one spill column) of a
single flat buffer, so the work scales with the area items cover, not items × canvas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

import vecedit.limits as limits


CHECKPOINT_FROM = 128 * 2**20
"""Buffers of at least this many elements (512 MiB in float32): the pieces are recomputed in
the backward pass (see :func:`accumulate`); below it they are kept, which is faster."""
PIECES_PER_PIXEL = 8  # a render may always cut this many edge pieces per canvas pixel (the size asked for)
PAINTS_PER_PIXEL = 100  # a render may always paint this many crop pixels per canvas pixel (100 full-canvas fills)
PER_PIXEL_PAINT = 4  # Limits.paint_pixels per crop pixel of a gradient, pattern or image (colour per pixel)
CHECKPOINT_EDGES = 65536


@dataclass
class Accumulation:
    """Per-item accumulation crops in one flat buffer.

    Item ``i`` covers canvas rows ``y0[i] : y0[i] + h[i]`` and columns
    ``x0[i] : x0[i] + w[i]``; its crop is ``buffer[offset[i] : offset[i] + h[i]·(w[i]+1)]``
    viewed as ``(h, w + 1)``. Items with ``h == 0`` or ``w == 0`` are not visible.
    """

    buffer: torch.Tensor
    x0: np.ndarray
    y0: np.ndarray
    w: np.ndarray
    h: np.ndarray
    offset: np.ndarray

    @property
    def sizes(self) -> np.ndarray:
        """Elements of each item's crop, spill column included."""
        return self.h * (self.w + 1)

    def winding(self) -> torch.Tensor:
        """Flat integral of the winding number over each pixel of every crop.

        A prefix sum along each crop row, done as one running sum over the whole
        buffer: every row of a closed outline sums to exactly zero (what lies right of
        the canvas lands in the row's spill column), so each row starts from zero.
        The buffer's trailing slot is kept (slicing it off would cost a full-size
        gradient copy in the backward pass); nothing reads it.
        """
        return _Winding.apply(self.buffer, self.spills())

    def nonzero_coverage(self) -> torch.Tensor:
        """``min(|winding()|, 1)``: the nonzero fill rule's coverage, with a lean backward pass."""
        return _NonzeroCoverage.apply(self.buffer, self.spills())

    def spills(self) -> torch.Tensor:
        """Flat position of every crop row's last element (its spill column), in buffer order."""
        rows = self.h
        first_row = np.repeat(np.cumsum(rows) - rows, rows)
        row_in_item = np.arange(int(rows.sum())) - first_row
        ends = np.repeat(self.offset, rows) + (row_in_item + 1) * np.repeat(self.w + 1, rows) - 1
        return torch.as_tensor(ends, dtype=torch.long, device=self.buffer.device)


def suffix_sums(out: torch.Tensor, spills: torch.Tensor | None) -> torch.Tensor:
    """In place on ``out`` = [0, x₀ … xₙ₋₁]: for every k, Σ_{j ≥ k} x_j over k's own crop row
    (ending at its spill slot, ``spills``), less a constant per row; the running sum's backward pass.

    Every row of entries sums to zero, so a constant per row adds nothing to any point's
    gradient, and the sum over the rest of the buffer (later rows and items) is such a
    constant. Leaving it out keeps the numbers at the size of one row: summed over a whole
    float32 buffer, the differences between neighbours that a point's gradient is made of
    were lost in rounding (a full-canvas rect's corners got gradients from pixels they
    never reach). Each row's total is taken off at its spill slot.
    """
    if spills is not None and len(spills):
        x = out[1:]
        lengths = torch.diff(spills, prepend=spills.new_full((1,), -1))
        totals = torch.segment_reduce(x[: int(spills[-1]) + 1], "sum", lengths=lengths)  # 3× a cumsum's speed
        x.index_add_(0, spills, totals.neg_())
    prefix = out.cumsum_(0)  # prefix[k] = Σ_{j<k}
    return prefix[:-1].neg_().add_(prefix[-1])


class _Winding(torch.autograd.Function):
    """The buffer's running sum (the winding of every pixel), with :func:`suffix_sums` as backward."""

    @staticmethod
    def forward(ctx, buffer, spills):
        ctx.save_for_backward(spills)
        return buffer.cumsum(0)

    @staticmethod
    def backward(ctx, grad):
        (spills,) = ctx.saved_tensors
        out = grad.new_empty(len(grad) + 1)
        out[0] = 0
        out[1:] = grad
        return suffix_sums(out, spills), None


def nonzero_rule(wind: torch.Tensor) -> torch.Tensor:
    """``min(|wind|, 1)`` with the slope :class:`_NonzeroCoverage` gives: sign(wind) up to and
    including |wind| = 1, 0 beyond.

    At exactly ±1 (a pixel an edge on its border covers fully) the slope is the one of
    moving that edge inward. ``clamp(max=1)`` passes none there, and a shape whose edges all
    lie on pixel borders (a rect at whole coordinates) got an all-zero gradient.
    """
    magnitude = wind.abs()
    return torch.where(magnitude > 1, magnitude.new_ones(()), magnitude)


class _NonzeroCoverage(torch.autograd.Function):
    """``min(|running sum|, 1)`` of the flat buffer: nonzero-rule coverage from the winding.

    Autograd's own chain (cumsum → abs → clamp) allocates six buffer-sized tensors in the
    backward pass, and each fresh one costs its page faults (measured: more than the
    arithmetic). This backward pass allocates one: dcover/dwind = sign(wind) where
    |wind| ≤ 1 (see :func:`nonzero_rule`), else 0; the reverse running sum is the total
    minus the exclusive prefix sum, computed in place, row by row (:func:`suffix_sums`;
    without ``spills``, over the whole buffer).
    """

    @staticmethod
    def forward(ctx, buffer, spills=None):
        wind = buffer.cumsum(0)
        ctx.save_for_backward(wind, spills)
        return wind.abs().clamp_(max=1.0)

    @staticmethod
    def backward(ctx, grad):
        wind, spills = ctx.saved_tensors
        out = wind.new_empty(len(wind) + 1)
        out[0] = 0
        outside = wind.abs() > 1  # more than covered (overlapping subpaths): flat
        slope = torch.sign(wind, out=out[1:])
        slope.masked_fill_(outside, 0).mul_(grad)
        return suffix_sums(out, spills), None


def _lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return a + (b - a) * t


def _crossing(a: torch.Tensor, b: torch.Tensor, level) -> torch.Tensor:
    """Parameter in (0, 1) where a→b crosses ``level``, else 1 (no split)."""
    lo, hi = torch.minimum(a, b).detach(), torch.maximum(a, b).detach()
    level = torch.as_tensor(level, dtype=a.dtype, device=a.device)
    crosses = (lo < level) & (hi > level)
    denom = torch.where(crosses, b - a, torch.ones_like(a))
    return torch.where(crosses, (level - a) / denom, torch.ones_like(a))


def _split(p0: torch.Tensor, p1: torch.Tensor, ts: list[torch.Tensor]):
    """Cut segments p0→p1 at the given parameters; returns (parts, 2, 2) and part→segment."""
    t = torch.stack([torch.zeros_like(ts[0])] + ts + [torch.ones_like(ts[0])], dim=1)
    t, _ = torch.sort(t, dim=1)
    a = _lerp(p0[:, None, :], p1[:, None, :], t[:, :-1, None])
    b = _lerp(p0[:, None, :], p1[:, None, :], t[:, 1:, None])
    parts = torch.stack([a, b], dim=2).reshape(-1, 2, 2)
    owner = torch.arange(len(p0), device=p0.device).repeat_interleave(t.shape[1] - 1)
    return parts, owner


def _clip_to_canvas(seg: torch.Tensor, item: torch.Tensor, width: int, height: int,
                    pad: torch.Tensor | None = None):
    """Cut edges at the canvas border (grown by ``pad[item]`` pixels each way); clamp what lies outside.

    Outside parts keep their exact effect: a part left of x = 0 only adds its dy to
    column 0 onwards, which is what its projection onto x = 0 does; parts right of the
    canvas or above/below it contribute nothing visible and collapse to zero.
    """
    x, y = seg[..., 0].detach(), seg[..., 1].detach()
    m = 0.0 if pad is None else pad[item].to(seg.dtype)  # per edge: its item's margin (a filter's reach)
    inside = (x.min(1).values >= -m) & (x.max(1).values <= width + m) & (y.min(1).values >= -m) & (
        y.max(1).values <= height + m
    )
    out_seg, out_item = seg[~inside], item[~inside]
    if len(out_seg):
        p0, p1 = out_seg[:, 0], out_seg[:, 1]
        m = 0.0 if pad is None else m[~inside]
        ts = [
            _crossing(p0[:, 0], p1[:, 0], -m),
            _crossing(p0[:, 0], p1[:, 0], width + m),
            _crossing(p0[:, 1], p1[:, 1], -m),
            _crossing(p0[:, 1], p1[:, 1], height + m),
        ]
        parts, owner = _split(p0, p1, ts)
        # parts above or below the canvas collapse onto its border: no area, no derivative;
        # the cuts also leave zero-length parts where a segment crosses fewer borders
        fixed = parts.detach()
        mid_y = (fixed[:, 0, 1] + fixed[:, 1, 1]) * 0.5
        m = 0.0 if pad is None else m[owner]
        live = (fixed[:, 0] != fixed[:, 1]).any(1) & (mid_y >= -m) & (mid_y <= height + m)
        parts, owner = parts[live], owner[live]
        if pad is None:
            lo = parts.new_tensor([0.0, 0.0])
            hi = parts.new_tensor([float(width), float(height)])
        else:
            m = m[live][:, None, None]
            lo = torch.cat([-m, -m], dim=2)
            hi = torch.cat([width + m, height + m], dim=2)
        # clamp by where, not maximum/minimum: those split the gradient in half at a tie
        # (a part exactly on the border keeps all of it, as the parts inside do)
        parts = torch.where(parts > hi, hi, torch.where(parts < lo, lo, parts))
        out_seg, out_item = parts, out_item[owner]
    # Horizontal parts in the canvas add no area but are kept: their dy is zero, its derivative is not, and
    # without it a row's derivative would not sum to zero, so the running sum over the flat
    # buffer would carry it into every later row and item (corners beside horizontal edges,
    # a full-canvas rect's top corners first, got large spurious gradients).
    return torch.cat([seg[inside], out_seg]), torch.cat([item[inside], out_item])


def _subdivide(seg: torch.Tensor, item: torch.Tensor):
    """Cut every edge into pieces no longer than one pixel along x and along y.

    Returns the pieces' start and end points, (N, 2) each, and the item of each piece.
    """
    d = (seg[:, 1] - seg[:, 0]).detach().abs().amax(dim=1)
    # strictly shorter than one pixel (floor + 1, not ceil): a piece of exactly one pixel can,
    # rounded, reach a hair into a third row, where its part would land in the wrong row
    n = (torch.floor(d) + 1).long()
    owner = torch.arange(len(seg), device=seg.device).repeat_interleave(n)
    first = torch.cumsum(n, 0) - n
    j = torch.arange(int(n.sum()), device=seg.device) - first.repeat_interleave(n)
    nn = n[owner].to(seg.dtype)
    t0 = (j.to(seg.dtype) / nn)[:, None]
    t1 = ((j + 1).to(seg.dtype) / nn)[:, None]
    a, b = seg[owner, 0], seg[owner, 1]
    return _lerp(a, b, t0), _lerp(a, b, t1), item[owner]


def _grid_ends(p0: torch.Tensor, p1: torch.Tensor, owner: torch.Tensor):
    """Give pieces that end exactly on a row boundary the derivative of a crossing there.

    A piece whose lower end lies exactly on the grid line ``y = r`` sits in row ``r - 1``,
    but moved down by any amount it would cross into row ``r``: that end belongs to row
    ``r`` (the side an exact crossing takes), so in row ``r - 1`` it acts as the fixed
    crossing point (no y derivative; x moves along the piece) and a zero-length part in
    row ``r`` carries its y derivative. Without this, rows did not balance: a vertex on a
    grid line (an axis-aligned rect at pixel coordinates) handed row ``r - 1`` a derivative
    that the running sum carried into every later row and item.
    """
    y0, y1 = p0[:, 1].detach(), p1[:, 1].detach()
    end_low = y1 > y0  # the piece's end is its lower (larger y) point
    low = torch.maximum(y0, y1)
    on_grid = (low == torch.floor(low)) & (low != torch.minimum(y0, y1))
    if not bool(on_grid.any()):
        return p0, p1, owner
    d = (p1 - p0).detach()
    slope = torch.where(on_grid, d[:, 0] / torch.where(on_grid, d[:, 1], torch.ones_like(d[:, 1])),
                        torch.zeros_like(d[:, 0]))

    def as_crossing(p: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
        dy = p[:, 1] - p[:, 1].detach()  # zero, with p's y derivative
        moved = torch.stack([p[:, 0] - slope * dy, p[:, 1] - dy], dim=1)
        return torch.where(which[:, None], moved, p)

    at_end, at_start = on_grid & end_low, on_grid & ~end_low
    e0, e1 = p0[at_start], p1[at_end]
    q0 = torch.cat([as_crossing(p0, at_start), e1.detach(), e0])
    q1 = torch.cat([as_crossing(p1, at_end), e1, e0.detach()])
    return q0, q1, torch.cat([owner, owner[at_end], owner[at_start]])


def _cell_points(p0: torch.Tensor, p1: torch.Tensor):
    """Cut ≤1-px pieces at the one row and one column boundary each may cross.

    Returns (N, 4, 2) points per piece: its start, its two crossings in order along
    the piece (the end point where there is no crossing), and its end; part k of a
    piece runs from point k to point k + 1. Also returns which of the three parts have
    nonzero length, and each part's row. Each crossing is computed once for the two parts
    that share it.

    A part's row is the side of the row crossing it lies on, not the floor of its midpoint:
    a crossing point rounded a hair past its grid line would put a tiny part in the wrong
    row, and its y derivative with it (the rows' derivatives must each sum to zero, see
    :func:`_grid_ends`).
    """
    low = torch.minimum(p0, p1).detach()
    boundary = torch.floor(low) + 1  # the only grid line crossed, per axis
    tx = _crossing(p0[:, 0], p1[:, 0], boundary[:, 0])
    ty = _crossing(p0[:, 1], p1[:, 1], boundary[:, 1])
    t, _ = torch.sort(torch.stack([tx, ty], dim=1), dim=1)
    inner = _lerp(p0[:, None, :], p1[:, None, :], t[:, :, None])
    points = torch.cat([p0[:, None], inner, p1[:, None]], dim=1)
    t = t.detach()
    live = torch.stack([t[:, 0] > 0, t[:, 1] > t[:, 0], t[:, 1] < 1], dim=1)
    ty = ty.detach()
    starts = torch.cat([torch.zeros_like(t[:, :1]), t], dim=1)  # (N, 3): where each part begins
    past = (starts >= ty[:, None]) & (ty < 1)[:, None]  # beyond the row crossing, on p1's side
    p1_lower = (p1[:, 1] > p0[:, 1]).detach()[:, None]
    row = low[:, 1:2].floor().long() + (past == p1_lower).long() * (ty < 1).long()[:, None]
    return points, live, row


def _interior_sign(seg: torch.Tensor, it: torch.Tensor, n_items: int) -> torch.Tensor:
    """Per item, the sign of the winding inside its outline: −sign of its shoelace area (y down)."""
    fixed = seg.detach()
    cross = fixed[:, 0, 0] * fixed[:, 1, 1] - fixed[:, 1, 0] * fixed[:, 0, 1]
    return -torch.sign(fixed.new_zeros(n_items).index_add_(0, it, cross))


def _left_covered(p0: torch.Tensor, p1: torch.Tensor, interior: torch.Tensor) -> torch.Tensor:
    """Pieces lying exactly on a vertical grid line whose covered side is to their left (1, else 0).

    Such a piece lies in cell ``x`` with no area there (m = 0), so its x derivative reached
    only that cell's pixel, the uncovered one, where ``|winding|`` has its kink at 0 and
    passes nothing: the right edge of a rect at whole coordinates got no gradient. Counted
    in cell ``x − 1`` at m = 1 it adds the same values, and its x derivative reaches the
    covered pixel (the slope of moving the edge inward, as for the other sides). The covered
    side of an edge going down (dy > 0) is its right for a positive interior.
    """
    x = p0[:, 0]
    on_line = (x == p1[:, 0]) & (x == torch.floor(x))
    return (on_line & ((p1[:, 1] - p0[:, 1]) * interior < 0)).to(p0.dtype)


def _entries(seg, it, x0, y0, w, h, offset) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat buffer positions and signed-area values of edges ``seg`` of items ``it`` (crops as given)."""
    p0, p1, owner = _grid_ends(*_subdivide(seg, it))
    points, live, row = _cell_points(p0, p1)
    fixed = points.detach()
    col = torch.floor((fixed[:, 1:, 0] + fixed[:, :-1, 0]) * 0.5)
    ox, oy, ow, oh = x0[owner, None], y0[owner, None], w[owner, None], h[owner, None]
    edge_x = seg[:, :, 0].detach()
    if bool(((edge_x[:, 0] == edge_x[:, 1]) & (edge_x[:, 0] == torch.floor(edge_x[:, 0]))).any()):
        col = col - _left_covered(p0.detach(), p1.detach(), _interior_sign(seg, it, len(x0))[owner])[:, None] * (col > ox)
    # a horizontal part on its crop's bottom edge (y = ceil(ymax)) belongs to the row above
    lc, lr = col.long() - ox, torch.minimum(row - oy, oh - 1)
    # lc == w: a part clamped onto the canvas' right edge; it lands in the spill
    # column, invisible, and keeps the row's total at zero for the running sum
    keep = live & (lr >= 0) & (lc <= ow)
    kept = keep.flatten().nonzero().squeeze(1)
    flat = (offset[owner, None] + lr * (ow + 1) + lc).flatten()[kept]
    dy = (points[:, 1:, 1] - points[:, :-1, 1]).flatten().index_select(0, kept)
    m = ((points[:, 1:, 0] + points[:, :-1, 0]) * 0.5 - col).flatten().index_select(0, kept)
    return torch.cat([flat, flat + 1]), torch.cat([dy * (1 - m), dy * m])


def accumulate(
    segments: torch.Tensor, item: torch.Tensor, n_items: int, width: int, height: int,
    pad: np.ndarray | None = None, paint_weight: np.ndarray | None = None,
) -> Accumulation:
    """Signed-area accumulation of ``segments`` (E, 2, 2) belonging to ``item`` (E,).

    ``pad`` (per item, whole pixels): how far past the canvas an item's crop may reach
    (content a filter can move into view); None: none. ``paint_weight`` (per item): what each
    pixel of its crop counts against ``Limits.paint_pixels`` (None: 1)."""
    pad_t = None if pad is None or not pad.any() else torch.as_tensor(pad, device=segments.device)
    seg, it = _clip_to_canvas(segments, item, width, height, pad_t)
    x0 = np.zeros(n_items, dtype=np.int64)
    y0 = np.zeros(n_items, dtype=np.int64)
    w = np.zeros(n_items, dtype=np.int64)
    h = np.zeros(n_items, dtype=np.int64)
    if len(seg):
        xs, ys = seg[..., 0].detach(), seg[..., 1].detach()
        big = torch.full((n_items,), float("inf"), dtype=seg.dtype, device=seg.device)
        xmin = big.scatter_reduce(0, it, xs.amin(1), "amin")
        ymin = big.scatter_reduce(0, it, ys.amin(1), "amin")
        xmax = (-big).scatter_reduce(0, it, xs.amax(1), "amax")
        ymax = (-big).scatter_reduce(0, it, ys.amax(1), "amax")
        present = torch.isfinite(xmin).cpu().numpy()
        m = 0 if pad_t is None else pad_t.to(seg.dtype)
        fx0 = torch.clamp(torch.floor(xmin), -m, width + m).cpu().numpy()
        fy0 = torch.clamp(torch.floor(ymin), -m, height + m).cpu().numpy()
        fx1 = torch.clamp(torch.floor(xmax) + 1, -m, width + m).cpu().numpy()
        fy1 = torch.clamp(torch.ceil(ymax), -m, height + m).cpu().numpy()
        x0 = np.where(present, fx0, 0).astype(np.int64)
        y0 = np.where(present, fy0, 0).astype(np.int64)
        w = np.where(present, fx1 - fx0, 0).astype(np.int64)
        h = np.where(present, fy1 - fy0, 0).astype(np.int64)
    sizes = h * (w + 1)
    if len(seg):  # the work _subdivide is about to do, against the budget (which grows with the canvas)
        pieces = int((torch.floor((seg[:, 1] - seg[:, 0]).detach().abs().amax(dim=1)) + 1).sum())
        limits.current().check("edge_pixels", pieces, "the picture's edges cross more pixels than the budget "
                               "(a smaller --width, or fewer/shorter strokes)", at_least=PIECES_PER_PIXEL * width * height)
    painted = int((h * w * (1 if paint_weight is None else paint_weight)).sum())
    limits.current().check("paint_pixels", painted, "the picture paints more pixels than the budget (the crops of "
                           "all its fills and strokes; a smaller --width, or fewer large shapes)",
                           at_least=PAINTS_PER_PIXEL * width * height)
    offset = np.cumsum(sizes) - sizes
    buffer = segments.new_zeros(int(sizes.sum()) + 1)  # +1: a harmless slot for empty input
    if len(seg) == 0:
        return Accumulation(buffer, x0, y0, w, h, offset)
    dev = seg.device
    layout = [torch.as_tensor(a, device=dev) for a in (x0, y0, w, h, offset)]
    if len(buffer) < CHECKPOINT_FROM or not seg.requires_grad:
        buffer.index_add_(0, *_entries(seg, it, *layout))  # in place: the fresh zeros need no copy
        return Accumulation(buffer, x0, y0, w, h, offset)
    # a large scene: the pieces' autograd graph (~170 bytes a piece) is rebuilt in the backward
    # pass, a run of edges at a time, instead of being kept for all of them
    from torch.utils.checkpoint import checkpoint

    for lo in range(0, len(seg), CHECKPOINT_EDGES):
        part = slice(lo, lo + CHECKPOINT_EDGES)
        buffer.index_add_(0, *checkpoint(_entries, seg[part], it[part], *layout, use_reentrant=False))
    return Accumulation(buffer, x0, y0, w, h, offset)
