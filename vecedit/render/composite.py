"""The builtin differentiable renderer: Scene → H×W×4 image.

Stages: flatten every subpath once; build fill edges and stroke outline edges; one
signed-area accumulation for all items (:mod:`vecedit.render.raster`); then composite
items in document order onto a premultiplied canvas, each only over its own crop.
Groups with opacity, clips, masks, filters or blend modes go through the one layer
mechanism (:mod:`vecedit.render.layers`); elements whose fill and stroke overlap under
an opacity are composited as a layer of their own, as SVG requires.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch

from vecedit.render.dash import dash
from vecedit.render.filters.layer import margin
from vecedit.render.flatten import flatten, polylines_outside, subpaths_outside
from vecedit.render.paint import gradient_colors
from vecedit.render.layers import Blend, blend_onto, layer_ops, node_ops, source_size
from vecedit.render.raster import PER_PIXEL_PAINT, PIECES_PER_PIXEL, Accumulation, accumulate, nonzero_rule
from vecedit.render.over import FUSED_FROM, Solid, TableRows, over_crops, over_solid_coverage, table_rows
from vecedit.render.stroke import StrokeStyle, outline
import vecedit.render.image as image
import vecedit.render.pattern as pattern
from vecedit.scene import GradientPaint, ImagePaint, PatternPaint, Scene, SceneGroup, SolidPaint


@dataclass
class _Items:
    """Each shape's fill and stroke item numbers (-1: not drawn); ``members``: the shapes of the raster drawn."""

    fill: np.ndarray
    stroke: np.ndarray
    members: list


def _assign_items(scene: Scene, members: list) -> tuple[_Items, int]:
    """Number the visible fills and strokes (the items) of the shapes ``members`` (one raster's, in document order)."""
    n = len(scene.shapes)
    fill_item, stroke_item = np.full(n, -1), np.full(n, -1)
    widths = scene.stroke_widths.detach().cpu().numpy()
    n_items = 0
    for i in members:
        s = scene.shapes[i]
        if not s.visible:
            continue
        if s.fill is not None:
            fill_item[i] = n_items
            n_items += 1
        if s.stroke is not None and widths[s.stroke_width] > 0:
            stroke_item[i] = n_items
            n_items += 1
    return _Items(fill_item, stroke_item, members), n_items


def _build_edges(scene: Scene, items: _Items, tolerance: float, size: tuple[int, int], pads: Optional[np.ndarray]):
    """Edges (E, 2, 2) of every item's outline in raster pixels, and the item of each edge.

    What cannot show in the raster costs little: subpaths and dashes wholly beyond it are
    left out, curves beyond it are flattened as chords (see :func:`hull_outside`)."""
    width, height = size[1], size[0]
    drawn = [i for i in items.members if items.fill[i] >= 0 or items.stroke[i] >= 0]
    reach, dashed = _reaches(scene, items, drawn, pads)
    every = [(i, sub) for i in drawn for sub in scene.shapes[i].subpaths]
    shape_of_sub = np.array([i for i, _ in every], dtype=np.int64)
    shown = ~subpaths_outside(scene.points, [sub for _, sub in every], width, height, reach[shape_of_sub])
    subpaths = [sub for (_, sub), keep in zip(every, shown) if keep]
    shape_of_sub = shape_of_sub[shown]
    chord_margin = np.where(dashed, np.inf, reach)[shape_of_sub]  # a dash's place depends on the length before it
    lines = flatten(scene.points, subpaths, tolerance, (width, height, chord_margin))
    line_shape = shape_of_sub[lines.source] if len(lines.source) else np.zeros(0, np.int64)
    segs, owners = [], []
    # fills: every polyline closed
    a, b, sub = lines.edges(close_open=True)
    fill_of_edge = items.fill[line_shape[sub]] if len(sub) else np.zeros(0, np.int64)
    keep = fill_of_edge >= 0
    if keep.any():
        ia = torch.as_tensor(a[keep], device=scene.device)
        ib = torch.as_tensor(b[keep], device=scene.device)
        segs.append(torch.stack([lines.vertices[ia], lines.vertices[ib]], dim=1))
        owners.append(fill_of_edge[keep])
    # strokes: outline polygons built per polyline
    stroked = np.nonzero(items.stroke[line_shape] >= 0)[0] if len(line_shape) else np.zeros(0, np.int64)
    if len(stroked):
        stroked_shapes = [scene.shapes[k] for k in line_shape[stroked]]
        style = _stroke_style(scene, line_shape[stroked])
        strokes = lines.subset(stroked)
        stroke_shape = line_shape[stroked]
        if any(s.dasharray is not None for s in stroked_shapes):
            strokes, kept = _dashed(strokes, style, stroked_shapes)
            style, stroke_shape = style.take(kept), stroke_shape[kept]
            near = np.nonzero(~polylines_outside(strokes, width, height, reach[stroke_shape]))[0]
            strokes, style, stroke_shape = strokes.subset(near), style.take(near), stroke_shape[near]
        edges, owner = outline(strokes, style, tolerance, edge_allowance=PIECES_PER_PIXEL * width * height)
        segs.append(edges)
        owners.append(items.stroke[stroke_shape][owner])
    if not segs:
        return scene.points.new_zeros((0, 2, 2)), torch.zeros(0, dtype=torch.long, device=scene.device)
    return torch.cat(segs), torch.as_tensor(np.concatenate(owners), device=scene.device)


def _reaches(scene: Scene, items: _Items, drawn: list[int], pads: Optional[np.ndarray]):
    """Per shape (indexed by shape number): how far past the raster its outline can still show,
    and whether its stroke is dashed.

    A filter's reach (``pads``), plus a stroke's: half its width in raster pixels times the
    larger of the miter limit and 2 (square caps, smooth-vertex mitres)."""
    reach, dashed = np.zeros(len(scene.shapes)), np.zeros(len(scene.shapes), dtype=bool)
    widths = scene.stroke_widths.detach().cpu().numpy().astype(np.float64)
    for i in drawn:
        shape = scene.shapes[i]
        for it in (items.fill[i], items.stroke[i]):
            if it >= 0 and pads is not None:
                reach[i] = max(reach[i], float(pads[it]))
        if items.stroke[i] >= 0:
            scale = np.linalg.norm(shape.ctm[:2, :2], 2)
            reach[i] += abs(widths[shape.stroke_width]) * 0.5 * scale * max(shape.miterlimit, 2.0)
            dashed[i] = shape.dasharray is not None
    return reach, dashed


def _dashed(lines, style: StrokeStyle, shapes):
    """Stroked polylines cut into dashes; also the input polyline of each output one."""
    sub_of_vertex = torch.as_tensor(np.repeat(np.arange(len(lines.counts)), lines.counts), device=lines.vertices.device)
    m = style.to_user[sub_of_vertex]
    user = torch.einsum("vij,vj->vi", m[..., :2], lines.vertices) + m[..., 2]
    return dash(lines, user, [s.dasharray for s in shapes], np.array([s.dashoffset for s in shapes]))


def _stroke_style(scene: Scene, shape_of_line: np.ndarray) -> StrokeStyle:
    """The stroke of each polyline, from its shape (``shape_of_line``): each shape's matrices once,
    not once per polyline (a stroked text span has thousands)."""
    dev, dt = scene.device, scene.points.dtype
    unique, back = np.unique(shape_of_line, return_inverse=True)
    shapes = [scene.shapes[k] for k in unique]
    # Outlines and dashes depend on the CTM's linear part only: drawn in user space translated to the
    # canvas origin, so a far-off translation (1e75 px, clamped points) cannot overflow float32 to NaN.
    ctms = np.stack([s.ctm for s in shapes])
    ctms[:, :2, 2] = 0.0
    rows = torch.as_tensor([s.stroke_width for s in shapes], device=dev)[torch.as_tensor(back, device=dev)]
    return StrokeStyle(
        half_width=scene.stroke_widths[rows] * 0.5,
        to_user=torch.as_tensor(np.linalg.inv(ctms)[:, :2][back], dtype=dt, device=dev),
        to_canvas=torch.as_tensor(ctms[:, :2][back], dtype=dt, device=dev),
        scale=np.linalg.norm(ctms[:, :2, :2], 2, axis=(1, 2))[back],
        linecap=[shapes[b].linecap for b in back],
        linejoin=[shapes[b].linejoin for b in back],
        miterlimit=np.array([shapes[b].miterlimit for b in back], dtype=np.float64),
    )


Op = tuple[tuple[int, int], torch.Tensor]  # ((y0, x0), premultiplied (h, w, 4) source)


def _evenodd(wind: torch.Tensor) -> torch.Tensor:
    """Distance of the winding to the nearest even number: 1 at odd, 0 at even windings. At
    exactly ±1 the slope is that of moving a bordering edge inward (as :func:`nonzero_rule`)."""
    return (wind - 2 * torch.round(wind * 0.5)).abs()


class _Compositor:
    """Premultiplied sources for every item, then the group tree composited crop by crop.

    Coverage and solid paints are computed for all items at once over the flat
    accumulation buffer, gradient paints once per gradient; patterns, images and the
    compositing itself go item by item.
    """

    def __init__(self, scene: Scene, acc: Accumulation, items: _Items, size: tuple[int, int], tiles):
        self.scene, self.acc, self.items = scene, acc, items
        self.size = size  # (height, width) of the raster drawn into
        self.tiles = tiles  # frame index -> folded premultiplied tile (pattern paints) or raster (feImage)
        self.filter_work = 0  # filter primitives × layer pixels so far (Limits.filter_pixels)
        opacities = scene.opacities.detach().cpu().numpy()
        def drawn(item: np.ndarray) -> np.ndarray:  # an item with an empty crop (a zero-area fill) draws nothing
            safe = np.maximum(item, 0)
            return (item >= 0) & (acc.h[safe] > 0) & (acc.w[safe] > 0) if len(acc.h) else item >= 0

        both = drawn(items.fill) & drawn(items.stroke)
        varies = scene.opacities.requires_grad
        self.layered = np.zeros(len(scene.shapes), dtype=bool)
        for i in items.members:
            self.layered[i] = both[i] and (varies or opacities[scene.shapes[i].opacity] != 1.0)
        self._cover: Optional[torch.Tensor] = None
        self._split: Optional[tuple] = None  # per-item pieces of the coverage and the colour table (_pieces)
        self.corners = list(zip(acc.y0.tolist(), acc.x0.tolist()))  # (y0, x0) of each item's crop
        self.sources = self._sources()

    def _item_table(self):
        """Per item: shape index, paint, and fill rule."""
        n = len(self.acc.h)
        shape_of, paint_of, evenodd = np.zeros(n, np.int64), [None] * n, np.zeros(n, bool)
        for i in self.items.members:
            s = self.scene.shapes[i]
            for it, paint, rule in ((self.items.fill[i], s.fill, s.fill_rule), (self.items.stroke[i], s.stroke, "nonzero")):
                if it >= 0:
                    shape_of[it], paint_of[it], evenodd[it] = i, paint, rule == "evenodd"
        return shape_of, paint_of, evenodd

    def _sources(self) -> list:
        """Per item: a :class:`Solid` crop, a premultiplied gradient tensor, or None."""
        scene, acc = self.scene, self.acc
        shape_of, paints, self.evenodd = self._item_table()
        dev = scene.device
        solid = np.array([isinstance(p, SolidPaint) for p in paints], dtype=bool)
        # items without a solid paint read a transparent padding row
        colors = torch.cat([scene.colors, scene.colors.new_zeros((1, 4))])
        color_row = np.array([p.color if isinstance(p, SolidPaint) else len(scene.colors) for p in paints], dtype=np.int64)
        table = colors[torch.as_tensor(color_row, device=dev)]
        unlayered = ~self.layered[shape_of] if len(shape_of) else np.zeros(0, bool)
        if unlayered.any():
            opacity_row = np.array([scene.shapes[i].opacity for i in shape_of], dtype=np.int64)
            opacity = scene.opacities[torch.as_tensor(opacity_row, device=dev)]
            alpha = torch.where(torch.as_tensor(unlayered, device=dev), table[:, 3] * opacity, table[:, 3])
            table = torch.cat([table[:, :3], alpha[:, None]], dim=1)
        self.table, self.rows = table, table_rows(table)
        out = []
        gradient = np.array([isinstance(p, GradientPaint) for p in paints], dtype=bool)
        crops = self._crops(~solid & ~gradient)
        shaded = self._gradient_sources(paints, gradient, unlayered, shape_of)
        for it, paint in enumerate(paints):
            h, w = int(acc.h[it]), int(acc.w[it])
            if h == 0 or w == 0 or paint is None:
                out.append(None)
            elif solid[it]:
                out.append(Solid(int(acc.offset[it]), h, w, w + 1, it))
            else:
                crop = crops[it].view(h, w + 1)[:, :w] if crops[it] is not None else None
                if isinstance(paint, PatternPaint):
                    out.append(self._pattern_source(it, paint, crop, unlayered[it], shape_of[it]))
                elif isinstance(paint, ImagePaint):
                    out.append(self._image_source(it, paint, crop, unlayered[it], shape_of[it]))
                else:
                    out.append(shaded[it])
        return out

    def _pattern_source(self, it, paint, cover, unlayered, shape) -> torch.Tensor:
        acc = self.acc
        rgba = pattern.sample(self.tiles(paint.frame), paint.to_raster, int(acc.x0[it]), int(acc.y0[it]),
                              int(acc.w[it]), int(acc.h[it]))
        alpha = cover[..., None] * paint.opacity
        if unlayered:
            alpha = alpha * self.scene.opacities[self.scene.shapes[shape].opacity]
        return rgba * alpha

    def _image_source(self, it, paint, cover, unlayered, shape) -> torch.Tensor:
        acc, scene = self.acc, self.scene
        corners = scene.points[torch.as_tensor(paint.corners, device=scene.device)]
        rgba = image.sample(scene.images[paint.image], corners, paint.unit_to_image, paint.smooth,
                            int(acc.x0[it]), int(acc.y0[it]), int(acc.w[it]), int(acc.h[it]))
        alpha = cover[..., None]
        if unlayered:
            alpha = alpha * scene.opacities[scene.shapes[shape].opacity]
        return rgba * alpha

    @property
    def cover(self) -> torch.Tensor:
        """Every item's coverage in the flat accumulation layout (computed on first use)."""
        if self._cover is None:
            acc, dev = self.acc, self.scene.device
            if not self.evenodd.any():
                self._cover = acc.nonzero_coverage()
            else:
                wind = acc.winding()
                sizes = torch.as_tensor(acc.sizes, device=dev)
                mask = torch.as_tensor(self.evenodd, device=dev).repeat_interleave(sizes)
                mask = torch.cat([mask, mask.new_zeros(len(wind) - len(mask))])
                self._cover = torch.where(mask, _evenodd(wind), nonzero_rule(wind))
        return self._cover

    def over(self, base: torch.Tensor, ops: list[Op], top: bool = False) -> torch.Tensor:
        """``ops`` composited over ``base``, each :class:`Blend` source blended onto what lies under it."""
        start = 0
        for k, (at, src) in enumerate(ops):
            if isinstance(src, Blend):
                base = blend_onto(self._over(base, ops[start:k], top and start == 0), at, src)
                start = k + 1
        return self._over(base, ops[start:], top and start == 0)

    def _over(self, base: torch.Tensor, ops: list[Op], top: bool = False) -> torch.Tensor:
        """``ops`` composited over ``base``; a large top-level drawing of solid nonzero fills and
        strokes alone goes through :func:`over_solid_coverage` (memory bounded by the buffer)."""
        boxes, sources = [box for box, _ in ops], [src for _, src in ops]
        if (top and self._cover is None and len(self.acc.buffer) >= FUSED_FROM and not self.evenodd.any()
                and sources and all(isinstance(src, Solid) for src in sources)):
            return over_solid_coverage(base, boxes, sources, self.acc.buffer, self.table, spills=self.acc.spills())
        if top:
            return over_crops(base, boxes, sources, self.cover, self.table, self.rows)
        return over_crops(base, boxes, *self._local(sources))

    def _local(self, sources: list) -> tuple:
        """``sources`` reading a coverage buffer and a colour table of their own items only, gathered
        from per-item pieces split once. Given the whole buffer and table, each layer's compositing
        returned gradients of their whole size: a thousand masked shapes cost a thousand full-size
        gradients in the backward pass (quadratic); pieces cost what the layer reads."""
        items = sorted({s.row for s in sources if isinstance(s, Solid)})
        if not items:
            return sources, None, None
        covers, rows = self._pieces()
        start, at = {}, 0
        for k, it in enumerate(items):
            start[it] = (at - int(self.acc.offset[it]), k)
            at += len(covers[it])
        moved = [s._replace(offset=s.offset + start[s.row][0], row=start[s.row][1]) if isinstance(s, Solid) else s
                 for s in sources]
        local = TableRows(self.rows.paints[items], [self.rows.alphas[it] for it in items])
        return moved, torch.cat([covers[it] for it in items]), torch.cat([rows[it] for it in items]), local

    def solid_picture(self, solid: Solid) -> torch.Tensor:
        """The premultiplied (h, w, 4) picture of one solid crop alone (what :meth:`over` gives for it
        on a transparent raster, in a few autograd ops)."""
        covers, rows = self._pieces()
        it = solid.row
        top, left = divmod(solid.offset - int(self.acc.offset[it]), solid.stride)
        cover = covers[it].view(-1, solid.stride)[top : top + solid.h, left : left + solid.w]
        row = rows[it][0]
        return cover[..., None] * torch.cat([row[:3] * row[3], row[3:]])

    def _pieces(self) -> tuple:
        """Per item: its flat coverage crop and its colour row (one split each: the backward pass
        gathers their gradients once, not once per piece over the whole buffer)."""
        if self._split is None:
            self._split = (torch.split(self.cover[: int(self.acc.sizes.sum())], self.acc.sizes.tolist()),
                           torch.split(self.table, 1))
        return self._split

    def _crops(self, wanted: np.ndarray) -> list:
        """Per item: its coverage crop, flat, where *wanted* (else None)."""
        if not wanted.any():
            return [None] * len(wanted)
        return list(self._pieces()[0])

    def _gradient_sources(self, paints: list, gradient: np.ndarray, unlayered: np.ndarray, shape_of: np.ndarray) -> dict:
        """Premultiplied (h, w, 4) sources of the gradient items, item -> tensor: the items of each
        gradient shaded in one pass, their coverage read in one gather (a drawing whose shapes share a
        gradient costs a few ops, not a few dozen per shape, forward and backward)."""
        acc, scene, dev = self.acc, self.scene, self.scene.device
        by_gradient: dict[int, list[int]] = {}
        for it in np.flatnonzero(gradient & (acc.h > 0) & (acc.w > 0)):
            by_gradient.setdefault(paints[it].gradient, []).append(int(it))
        out = {}
        for g, items in by_gradient.items():
            w, h = acc.w[items], acc.h[items]
            crops = [(int(acc.x0[it]), int(acc.y0[it]), int(acc.w[it]), int(acc.h[it]), paints[it]) for it in items]
            rgba = gradient_colors(scene, g, crops)
            alpha = self.cover[torch.as_tensor(_crop_indices(acc.offset[items], w, h), device=dev)] * rgba[:, 3]
            if unlayered[items].any():  # the shape's own opacity, where it is not applied to a layer
                rows = torch.as_tensor([scene.shapes[shape_of[it]].opacity for it in items], device=dev)
                factor = torch.where(torch.as_tensor(unlayered[items], device=dev), scene.opacities[rows], 1.0)
                alpha = alpha * factor.repeat_interleave(torch.as_tensor(w * h, device=dev))
            source = torch.cat([rgba[:, :3] * alpha[:, None], alpha[:, None]], dim=1)
            for it, part, rows, cols in zip(items, torch.split(source, (w * h).tolist()), h, w):
                out[it] = part.view(int(rows), int(cols), 4)
        return out

    def layer(self, root: SceneGroup) -> torch.Tensor:
        """The picture of ``root`` on the whole raster."""
        base = self.scene.points.new_zeros((*self.size, 4))
        return self.over(base, node_ops(self, root), top=True)

    def ops(self, group: SceneGroup) -> list[Op]:
        """The ops drawing ``group``'s children (layered children as one op each)."""
        out: list[Op] = []
        for child in group.children:
            if not isinstance(child, SceneGroup):
                out.extend(self.shape(child))
            elif child.layered:
                out.extend(layer_ops(self, child))
            else:
                out.extend(self.ops(child))
        return out

    def shape(self, index: int) -> list[Op]:
        shape = self.scene.shapes[index]
        order = [self.items.fill[index], self.items.stroke[index]]
        if tuple(shape.paint_order)[:1] == ("stroke",):
            order.reverse()
        ops = [(self.corners[it], self.sources[it]) for it in order if it >= 0]
        ops = [op for op in ops if op[1] is not None]
        if not self.layered[index] or len(ops) < 2:
            return ops
        # fill and stroke overlap: the element's opacity applies to them as one layer
        y0 = min(b[0] for b, _ in ops)
        x0 = min(b[1] for b, _ in ops)
        y1 = max(b[0] + source_size(s)[0] for b, s in ops)
        x1 = max(b[1] + source_size(s)[1] for b, s in ops)
        opacity = self.scene.opacities[shape.opacity]
        base = opacity.new_zeros((y1 - y0, x1 - x0, 4))
        layer = over_crops(base, [(b[0] - y0, b[1] - x0) for b, _ in ops], *self._local([s for _, s in ops]))
        return [((y0, x0), layer * opacity)]


def _crop_indices(offsets: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Flat coverage-buffer indices of crops' pixels, row by row, crop after crop (spill columns left out):
    the pixel of rank r in a crop is at offset + row·(w + 1) + column = offset + r + r // w."""
    sizes = w * h
    local = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    return np.repeat(offsets, sizes) + local + local // np.repeat(w, sizes)


def _paint_weights(scene: Scene, items: _Items, n_items: int) -> np.ndarray:
    """Per item, what one pixel of its crop costs in ``Limits.paint_pixels``: 1 for a solid colour,
    :data:`~vecedit.render.raster.PER_PIXEL_PAINT` where the colour is worked out per pixel."""
    weights = np.ones(n_items, dtype=np.int64)
    for i in items.members:
        s = scene.shapes[i]
        for it, paint in ((items.fill[i], s.fill), (items.stroke[i], s.stroke)):
            if it >= 0 and not isinstance(paint, SolidPaint):
                weights[it] = PER_PIXEL_PAINT
    return weights


def _draw(scene: Scene, frame: int, root: SceneGroup, size: tuple[int, int], tolerance: float, tiles: dict,
          members: dict):
    """The premultiplied (height, width, 4) picture of ``root``, whose shapes (``members[frame]``) are drawn in ``frame``."""

    def tile(index: int) -> torch.Tensor:  # each pattern tile drawn once per render
        if index not in tiles:
            f = scene.frames[index]
            raster = _draw(scene, index, f.root, (f.height, f.width), tolerance, tiles, members)
            tiles[index] = raster if f.tile is None else pattern.fold(raster, f.tile)
        return tiles[index]

    items, n_items = _assign_items(scene, members.get(frame, []))
    pads = _filter_pads(scene, root, items, n_items, size)
    segments, item = _build_edges(scene, items, tolerance, size, pads)
    acc = accumulate(segments, item, n_items, size[1], size[0], pads, _paint_weights(scene, items, n_items))
    return _Compositor(scene, acc, items, size, tile).layer(root)


def _filter_pads(scene: Scene, root: SceneGroup, items: _Items, n_items: int, size: tuple[int, int]):
    """Per item: how far past the raster its crop reaches, the margin of the filters it is under
    (content beyond the edge that a blur or an offset brings into view); None without filters."""
    pads, table = np.zeros(n_items, dtype=np.int64), None

    def walk(group: SceneGroup, pad: int) -> None:
        nonlocal table
        if group.filters:
            if table is None:
                table = scene.filter_params.detach().cpu().double().numpy()
            pad = max(pad, margin(group.filters, size[1], size[0], table))
        for child in group.children:
            if isinstance(child, SceneGroup):
                walk(child, pad)
            elif pad:
                for it in (items.fill[child], items.stroke[child]):
                    if it >= 0:
                        pads[it] = max(pads[it], pad)

    walk(root, 0)
    return pads if table is not None else None


def render_scene(
    scene: Scene,
    background: Optional[Sequence[float]] = None,
    tolerance: float = 0.05,
) -> torch.Tensor:
    """Render a scene to an (H, W, 4) straight-alpha image in [0, 1].

    ``background`` is an RGB or RGBA colour composited under the drawing (None keeps
    the canvas transparent). ``tolerance`` bounds the curve flattening error in pixels.
    """
    members: dict[int, list[int]] = {}  # per raster (-1: the canvas, else a pattern tile) its shapes: each tile's
    for i, s in enumerate(scene.shapes):  # drawing costs its own shapes, not the whole scene's
        members.setdefault(s.frame, []).append(i)
    canvas = _draw(scene, -1, scene.root, (scene.height, scene.width), tolerance, {}, members)
    if background is not None:
        bg = torch.as_tensor(list(background), dtype=canvas.dtype, device=canvas.device)
        if len(bg) == 3:
            bg = torch.cat([bg, bg.new_ones(1)])
        bg = torch.cat([bg[:3] * bg[3], bg[3:]])
        canvas = canvas + bg * (1 - canvas[..., 3:])
    alpha = canvas[..., 3:]
    safe = torch.where(alpha > 1e-8, alpha, torch.ones_like(alpha))
    rgb = torch.where(alpha > 1e-8, canvas[..., :3] / safe, torch.zeros_like(canvas[..., :3]))
    return _unit_range(torch.cat([rgb, alpha], dim=-1))


def _unit_range(image: torch.Tensor) -> torch.Tensor:
    """``image.clamp(0, 1)`` whose gradient passes at 0 and 1 themselves: a fully covered black
    or white pixel sits exactly on a bound, and ``clamp`` gave every shape drawn only in such
    pixels (a black rect at whole coordinates) an all-zero gradient."""
    return torch.where((image >= 0) & (image <= 1), image, image.clamp(0, 1))
