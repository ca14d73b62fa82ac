"""Source-over compositing of many small crops, with a backward pass linear in their area.

Writing crops into a canvas with autograd's in-place slicing costs a full-canvas
gradient copy per crop in the backward pass (quadratic in the number of items), and
every per-crop tensor costs autograd nodes. This function composites all crops in one
forward pass and, in the backward pass, walks them in reverse. For the premultiplied
``C' = S + C·(1 − Sₐ)``: ``∂C'/∂S = 1``, ``∂C'/∂Sₐ = −C`` and ``∂C'/∂C = 1 − Sₐ``,
each applied to the crop only.

A source is either

* a premultiplied tensor ``(h, w, 4)``, or
* a :class:`Solid`: a crop of one shared flat coverage buffer painted with one row of a
  shared ``(n, 4)`` straight-RGBA table — ``S = (rgb·a, a)`` with ``a = cover · alpha``.
  Solid paints are the common case; fusing them here means no per-pixel colour tensor
  is ever built for them.
"""

from __future__ import annotations

import contextlib
import os
from typing import NamedTuple, Optional, Union

import torch

from vecedit.render.raster import nonzero_rule, suffix_sums


class Solid(NamedTuple):
    offset: int  # first element of the crop in the flat coverage buffer
    h: int
    w: int
    stride: int  # elements per crop row in the buffer (≥ w)
    row: int  # row of the colour table


Source = Union[torch.Tensor, Solid]


def _cover(flat: torch.Tensor, s: Solid) -> torch.Tensor:
    return flat.as_strided((s.h, s.w), (s.stride, 1), flat.storage_offset() + s.offset)


def _crop(planes: torch.Tensor, y0: int, x0: int, h: int, w: int) -> torch.Tensor:
    """``planes[:, y0 : y0 + h, x0 : x0 + w]`` of a contiguous (4, H, W) tensor, as one op."""
    _, height, width = planes.shape
    return planes.as_strided((4, h, w), (height * width, width, 1), planes.storage_offset() + y0 * width + x0)


def _planar(image: torch.Tensor) -> torch.Tensor:
    """A fresh contiguous (4, H, W) copy of an (H, W, 4) image (never a view of it: it is written in place)."""
    out = image.new_empty((image.shape[2], image.shape[0], image.shape[1]))
    return out.copy_(image.permute(2, 0, 1))


class single_thread:
    """Run a loop of many small crop ops on one thread.

    Each op is too small to gain from intra-op threads, and waking them thousands of
    times costs more than the work; on a busy machine, far more (measured: 5–12×). The
    edit loop runs the whole render, forward and backward, this way (on a 2-core machine
    under load: 0.62 s against 1.6–3.3 s with two threads for a 1000-path 512² scene).
    """

    def __enter__(self):
        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        torch.set_num_threads(self.threads)


def render_threads():
    """The threads a whole render (forward and backward) should run on, as a context.

    With passive OpenMP waiting (``vecedit`` sets it when it is imported before torch),
    the caller's threads: two threads render a 1000-path 512² scene about 12 % faster on
    an idle 2-core machine and as fast as one when the other core is busy. With spinning
    threads a busy core makes two threads 2.5–4× slower, so then one thread.
    """
    if os.environ.get("OMP_WAIT_POLICY", "").strip().upper() == "PASSIVE":
        return contextlib.nullcontext()
    return single_thread()


class _OverCrops(torch.autograd.Function):
    @staticmethod
    def forward(ctx, base, cover, table, rows, boxes, kinds, *tensors):
        with single_thread():
            return _OverCrops._forward(ctx, base, cover, table, rows, boxes, kinds, *tensors)

    @staticmethod
    def backward(ctx, grad):
        with single_thread():
            return _OverCrops._backward(ctx, grad)

    @staticmethod
    def _forward(ctx, base, cover, table, rows, boxes, kinds, *tensors):
        # The canvas is planar (4, H, W) while compositing: per-crop ops then broadcast
        # coverage over the outer channel axis and reduce over it, which vectorises;
        # an interleaved last axis of 4 does not (measured 2–3× slower per crop).
        # For a solid paint, C' = C + a·(paint − C) with paint = (r, g, b, 1) and
        # a = cover·alpha: one fused op per crop, and the saved (paint − C) is exactly
        # what the backward pass needs.
        canvas = _planar(base.detach())
        paints, alphas = rows
        saved = []
        for (y0, x0), kind in zip(boxes, kinds):
            if isinstance(kind, Solid):
                view = _crop(canvas, y0, x0, kind.h, kind.w)
                diff = paints[kind.row] - view
                view.addcmul_(_cover(cover, kind), diff, value=alphas[kind.row])
                saved.append(diff)
            else:
                src = tensors[kind].permute(2, 0, 1)
                h, w = src.shape[1:]
                view = canvas[:, y0 : y0 + h, x0 : x0 + w]
                saved.append(view.clone())
                view.mul_(1 - src[3]).add_(src)
        ctx.boxes, ctx.kinds, ctx.n_tensors, ctx.rows = boxes, kinds, len(tensors), rows
        ctx.save_for_backward(cover, table, *tensors, *saved)
        return canvas.permute(1, 2, 0)

    @staticmethod
    def _backward(ctx, grad):
        # Walking the crops in reverse, ``grad`` holds G·T: the output gradient times the
        # transmittance of everything composited above the current crop.
        saved = ctx.saved_tensors
        cover, table = saved[0], saved[1]
        tensors, kept = saved[2 : 2 + ctx.n_tensors], saved[2 + ctx.n_tensors :]
        grad = _planar(grad)
        g_cover = torch.zeros_like(cover) if ctx.needs_input_grad[1] else None
        want_table = ctx.needs_input_grad[2]
        alphas = ctx.rows.alphas
        rows, g_rgb, g_alpha = [], [], []
        g_tensors: list[Optional[torch.Tensor]] = [None] * ctx.n_tensors
        for i in range(len(ctx.boxes) - 1, -1, -1):
            (y0, x0), kind = ctx.boxes[i], ctx.kinds[i]
            if isinstance(kind, Solid):
                alpha = alphas[kind.row]
                g = _crop(grad, y0, x0, kind.h, kind.w)
                cov = _cover(cover, kind)
                g_a = torch.linalg.vecdot(g, kept[i], dim=0)  # dL/da = G · (paint − C_under)
                if g_cover is not None:
                    _cover(g_cover, kind).add_(g_a, alpha=alpha)
                if want_table:
                    rows.append(kind.row)
                    g_rgb.append((g[:3] * cov).sum((1, 2)))  # ÷ alpha: scaled once, below
                    g_alpha.append((g_a * cov).sum())
                g.addcmul_(g, cov, value=-alpha)  # g·(1 − a)
            else:
                src = tensors[kind].permute(2, 0, 1)
                h, w = src.shape[1:]
                g = grad[:, y0 : y0 + h, x0 : x0 + w]
                gs = g.clone()
                gs[3] -= torch.linalg.vecdot(g, kept[i], dim=0)
                g_tensors[kind] = gs.permute(1, 2, 0)
                g.mul_(1 - src[3])
        g_table = None
        if want_table:
            g_table = torch.zeros_like(table)
            if rows:
                index = torch.tensor(rows, device=table.device)
                g_row = torch.cat([torch.stack(g_rgb) * table[index, 3:].detach(), torch.stack(g_alpha)[:, None]], 1)
                g_table.index_add_(0, index, g_row)
        return (grad.permute(1, 2, 0), g_cover, g_table, None, None, None, *g_tensors)


class TableRows(NamedTuple):
    """A colour table's rows as the solid crops read them: paints ``(n, 4, 1, 1)`` = (r, g, b, 1), alphas."""

    paints: torch.Tensor
    alphas: list[float]


def table_rows(table: torch.Tensor) -> TableRows:
    """Once per table: a compositor drawing shapes as layers of their own calls :func:`over_crops`
    per shape, and reading the whole table per call made ten thousand such shapes quadratic."""
    table = table.detach()
    return TableRows(torch.cat([table[:, :3], torch.ones_like(table[:, 3:])], 1)[:, :, None, None],
                     table[:, 3].tolist())


def over_crops(
    base: torch.Tensor,
    boxes: list[tuple[int, int]],
    sources: list[Source],
    cover: Optional[torch.Tensor] = None,
    table: Optional[torch.Tensor] = None,
    rows: Optional[TableRows] = None,
) -> torch.Tensor:
    """Composite ``sources`` over ``base`` (H, W, 4, premultiplied) at ``boxes`` (y0, x0), in order.

    ``cover`` (flat) and ``table`` (n, 4) back the :class:`Solid` sources; ``rows`` is
    ``table_rows(table)`` where the caller has it already.
    """
    if not sources:
        return base
    tensors = [s for s in sources if isinstance(s, torch.Tensor)]
    kinds, k = [], 0
    for s in sources:
        if isinstance(s, torch.Tensor):
            kinds.append(k)
            k += 1
        else:
            kinds.append(s)
    if cover is None:
        cover = base.new_zeros(0)
    cover = cover.contiguous()  # crops are read as strided views of the flat buffer
    if table is None:
        table = base.new_zeros((0, 4))
    return _OverCrops.apply(base, cover, table, rows or table_rows(table), list(boxes), kinds, *tensors)


# ----------------------------------------------------------------- bounded memory for large scenes

FUSED_FROM = 128 * 2**20
"""Accumulation buffers of at least this many elements (512 MiB in float32) are composited by
:func:`over_solid_coverage`, whose memory does not grow with the scene's covered area."""


class _CoverAndOver(torch.autograd.Function):
    """Nonzero coverage of the flat accumulation buffer and source-over of solid crops, fused.

    :class:`_OverCrops` with ``cover = min(|running sum of buffer|, 1)`` gives the same
    numbers; this one keeps only the buffer itself. The crops are taken in chunks of about
    ``chunk`` buffer elements: the forward pass computes each chunk's coverage, composites
    it and keeps a copy of the canvas from before the chunk; the backward pass walks the
    chunks in reverse, recomputes a chunk's coverage and ``(paint − C)`` factors from its
    canvas copy, and writes the buffer's gradient over the chunk's buffer span (each
    crop's row restarts the running sum at zero, so chunks are independent). Memory: the
    buffer, ``n_chunks`` canvas copies and one chunk's temporaries.
    """

    @staticmethod
    def forward(ctx, base, buffer, table, boxes, solids, chunk, spills=None):
        with single_thread():
            canvas = _planar(base.detach())
            paints = torch.cat([table[:, :3], torch.ones_like(table[:, 3:])], 1)[:, :, None, None]
            alphas = table[:, 3].tolist()
            chunks = _chunks(solids, chunk)
            copies = []
            for first, end, lo, hi in chunks:
                copies.append(canvas.clone())
                cover = _coverage(buffer[lo:hi])
                for k in range(first, end):
                    (y0, x0), s = boxes[k], solids[k]
                    view = _crop(canvas, y0, x0, s.h, s.w)
                    view.addcmul_(_cover(cover, s._replace(offset=s.offset - lo)), paints[s.row] - view,
                                  value=alphas[s.row])
        ctx.boxes, ctx.solids, ctx.chunks, ctx.copies, ctx.spills = boxes, solids, chunks, copies, spills
        ctx.save_for_backward(buffer, table)
        return canvas.permute(1, 2, 0)

    @staticmethod
    def backward(ctx, grad):
        with single_thread():
            return _CoverAndOver._backward(ctx, grad)

    @staticmethod
    def _backward(ctx, grad):
        buffer, table = ctx.saved_tensors
        boxes, solids = ctx.boxes, ctx.solids
        grad = _planar(grad)
        want_buffer, want_table = ctx.needs_input_grad[1], ctx.needs_input_grad[2]
        paints = torch.cat([table[:, :3], torch.ones_like(table[:, 3:])], 1)[:, :, None, None]
        alphas = table[:, 3].tolist()
        rows, g_rgb, g_alpha = [], [], []
        # Large buffers take their own gradient in place (its memory is the point of this
        # function; a second backward through the graph then fails autograd's version check)
        target = buffer if len(buffer) >= FUSED_FROM else torch.empty_like(buffer)
        done_hi = len(buffer)  # the target from here on already holds the gradient
        for (first, end, lo, hi), before in zip(reversed(ctx.chunks), reversed(ctx.copies)):
            canvas = before.clone()  # the copy stays as it was: a retained graph can replay it
            wind = buffer[lo:hi].cumsum(0)
            cover = wind.abs().clamp_(max=1.0)
            diffs = []
            for k in range(first, end):  # replay the chunk: the (paint − C) factors
                (y0, x0), s = boxes[k], solids[k]
                view = _crop(canvas, y0, x0, s.h, s.w)
                diff = paints[s.row] - view
                view.addcmul_(_cover(cover, s._replace(offset=s.offset - lo)), diff, value=alphas[s.row])
                diffs.append(diff)
            g_cover = torch.zeros_like(cover) if want_buffer else None
            for k in range(end - 1, first - 1, -1):
                (y0, x0), s = boxes[k], solids[k]
                local = s._replace(offset=s.offset - lo)
                alpha, g, cov = alphas[s.row], _crop(grad, y0, x0, s.h, s.w), _cover(cover, local)
                g_a = torch.linalg.vecdot(g, diffs[k - first], dim=0)
                if g_cover is not None:
                    _cover(g_cover, local).add_(g_a, alpha=alpha)
                if want_table:
                    rows.append(s.row)
                    g_rgb.append((g[:3] * cov).sum((1, 2)))
                    g_alpha.append((g_a * cov).sum())
                g.addcmul_(g, cov, value=-alpha)
            del diffs, cover
            if want_buffer:
                # d cover / d wind = sign(wind) where |wind| ≤ 1 (raster.nonzero_rule), else 0;
                # d wind / d buffer: the reverse running sum, within the chunk
                outside = wind.abs() > 1
                slope = wind.sign_()
                slope.masked_fill_(outside, 0).mul_(g_cover)
                del outside
                out = slope.new_empty(len(slope) + 1)
                out[0] = 0
                out[1:] = slope
                row_ends = None if ctx.spills is None else ctx.spills[(ctx.spills >= lo) & (ctx.spills < hi)] - lo
                g_span = suffix_sums(out, row_ends)
                target[hi:done_hi].zero_()  # between chunks: elements no crop reads (gradient 0)
                target[lo:hi].copy_(g_span)  # in place: this span of the buffer is not read again
                done_hi = lo
                del slope, out, g_span, g_cover
            del wind
        g_buffer = None
        if want_buffer:
            target[:done_hi].zero_()
            g_buffer = target
        g_table = None
        if want_table:
            g_table = torch.zeros_like(table)
            if rows:
                index = torch.tensor(rows, device=table.device)
                g_row = torch.cat([torch.stack(g_rgb) * table[index, 3:].detach(), torch.stack(g_alpha)[:, None]], 1)
                g_table.index_add_(0, index, g_row)
        return grad.permute(1, 2, 0), g_buffer, g_table, None, None, None, None


def _coverage(span: torch.Tensor) -> torch.Tensor:
    return span.cumsum(0).abs_().clamp_(max=1.0)


def _chunks(solids: list[Solid], chunk: int) -> list[tuple[int, int, int, int]]:
    """Consecutive runs of crops (first, end) whose buffer span [lo, hi) holds about ``chunk`` elements."""
    out, first, lo, hi = [], 0, None, None
    for k, s in enumerate(solids):
        start, stop = s.offset, s.offset + s.h * s.stride
        if lo is not None and max(hi, stop) - min(lo, start) > chunk:
            out.append((first, k, lo, hi))
            first, lo, hi = k, None, None
        lo, hi = (start, stop) if lo is None else (min(lo, start), max(hi, stop))
    if lo is not None:
        out.append((first, len(solids), lo, hi))
    return out


def over_solid_coverage(base: torch.Tensor, boxes: list[tuple[int, int]], solids: list[Solid],
                        buffer: torch.Tensor, table: torch.Tensor, chunk: Optional[int] = None,
                        spills: Optional[torch.Tensor] = None) -> torch.Tensor:
    """:func:`over_crops` of ``solids`` with ``cover`` = the nonzero coverage of ``buffer`` (flat
    accumulation), in memory that does not grow with the buffer beyond the buffer itself.

    The buffer belongs to this call: from :data:`FUSED_FROM` elements on, its storage holds its
    gradient after the backward pass (so that pass runs once: replaying a retained graph
    fails autograd's in-place check rather than giving wrong numbers).
    """
    height, width = base.shape[:2]
    chunk = chunk or max(height * width, int((len(buffer) * height * width) ** 0.5))
    spans = _chunks(solids, chunk)
    if any(a[3] > b[2] for a, b in zip(spans, spans[1:])):  # crops far out of buffer order (paint-order)
        return over_crops(base, boxes, solids, nonzero_rule(buffer.cumsum(0)), table)
    return _CoverAndOver.apply(base, buffer, table, list(boxes), list(solids), chunk, spills)
