"""Document → :class:`~vecedit.scene.model.Scene`: every drawn shape, paint, mask, frame and filter
as rows of flat tensors."""

from __future__ import annotations

import math
from typing import Optional, Union

import numpy as np
import torch

import vecedit.limits as limits
from vecedit.svg.model import (Document, Gradient, GradientRef, Group, ImageRef, Mask, PaintSpace, PatternRef, Shape,
                               fill_paints_nothing)
from vecedit.svg.geometry import subpaths_bbox
from vecedit.svg.masking import bbox_in, shapes_of
from vecedit.svg.shapes import rect_subpath
from vecedit.svg.transform import is_invertible, max_scale, translate
from vecedit.scene.model import (GradientPaint, ImagePaint, PatternPaint, Scene, SceneFrame, SceneGradient, SceneGroup,
                                 SceneMask, ScenePaint, SceneShape, SolidPaint)


MAX_TILE_PIXELS = 2048 * 2048
FLOAT32_MAX = float(np.finfo(np.float32).max)
MAX_TILE_SIDE = 8192


class _Builder:
    def __init__(self, doc: Document, scale: tuple[float, float], size: tuple[int, int]):
        self.doc = doc
        self.sizes = {-1: size}  # (height, width) of each raster drawn into: the canvas (-1), the frames
        self.filter_work = 0  # filter primitives × their regions' pixels, every raster's (Limits.filter_pixels)
        self.layers = 0  # groups drawn as layers of their own, counted with the shapes (Limits.shapes)
        self.scale = np.diag([scale[0], scale[1], 1.0])
        self.points: list[np.ndarray] = []
        self.n_points = 0
        self.colors: list[tuple[float, ...]] = []
        self.color_owner: list[tuple[int, str]] = []
        self.widths: list[float] = []
        self.opacities: list[float] = []
        self.offsets: list[float] = []
        self.stop_colors: list[tuple[float, ...]] = []
        self.geometry: list[tuple[float, ...]] = []
        self.gradients: list[SceneGradient] = []
        self.gradient_index: dict[str, int] = {}
        self.shapes: list[SceneShape] = []
        self.frames: list[SceneFrame] = []
        self.tile_frames: dict[tuple, tuple] = {}  # (id(tile), paint ctm bytes) → (tile, (frame, to_raster) or None)
        self.images: list[np.ndarray] = []
        self.element_index = {id(s): i for i, s in enumerate(doc.shapes())}
        self.filter_table = None  # vecedit.render.filters.resolve.ParamTable, made when a filter is met
        self.filter_users: list[tuple[list[int], list[int]]] = []
        self.viewport = (doc.viewbox[2], doc.viewbox[3])

    def group(self, group: Group, to_frame: Optional[np.ndarray] = None, frame: int = -1) -> SceneGroup:
        children: list[Union[SceneGroup, int]] = []
        for child in group.children:
            if isinstance(child, Group):
                children.append(self.group(child, to_frame, frame))
            elif child.visible and child.subpaths and self._drawable(child, to_frame):
                children.append(self.shape(child, to_frame, frame))
        clip = None if group.clip is None else self.group(group.clip, to_frame, frame)
        mask = None if group.masking is None else self.mask(group.masking, to_frame, frame)
        out = SceneGroup(opacity=group.opacity, children=children, clip=clip, mask=mask, blend=group.blend,
                         isolate=group.isolate)
        if group.filters:
            out.filters = self.filters(group, to_frame, frame)
            if out.filters is None:  # the filter cannot apply to this element: it is not drawn
                return SceneGroup(opacity=group.opacity, children=[])
        if out.layered:
            self._count_layer()
        return out

    def _count_layer(self) -> None:
        """A layered group (opacity, clip, mask, filter, blend: drawn on a raster of its own) costs the
        renderer about what a shape does, so it counts as one against ``Limits.shapes`` (a masked element
        is two: the element's layer and its mask region's)."""
        self.layers += 1
        limits.current().check("shapes", len(self.shapes) + self.layers, "the drawing's shapes and layers (groups "
                               "with opacity, a clip, a mask, a filter or a blend mode) are more than the budget")

    def mask(self, mask: Mask, to_frame: Optional[np.ndarray], frame: int) -> SceneMask:
        inner = None if mask.mask is None else self.mask(mask.mask, to_frame, frame)
        return SceneMask(self.group(mask.content, to_frame, frame), mask.kind, inner)

    def filters(self, group: Group, to_frame: Optional[np.ndarray] = None, frame: int = -1):
        """The group's filter chain resolved to the pixels of its raster (None: the group is not drawn)."""
        from vecedit.render.filters.resolve import ParamTable, resolve

        if self.filter_table is None:
            self.filter_table = ParamTable()
        table = self.filter_table
        bbox = group_bbox(group)
        ctm = (self.scale if to_frame is None else to_frame) @ group.user_ctm
        programs = []
        for f in group.filters:
            self._charge_filter(f, bbox, ctm, frame)
            program = resolve(f, bbox, ctm, self.viewport, table)
            if program is None:
                return None
            for step in program.steps:
                if step.kind == "feImage" and "content" in step.params:
                    step.params = self.image_frame(step.params, program.box)
            programs.append(program)
        rows = sorted({r for program in programs for r in _ref_rows(program)})
        shapes = [self.element_index[id(s)] for s in shapes_of(group) if id(s) in self.element_index]
        self.filter_users.append((shapes, rows))
        return programs

    def _charge_filter(self, f, bbox, ctm: np.ndarray, frame: int) -> None:
        """Count one filter use against ``Limits.filter_pixels`` before it is resolved: its primitives
        over its region within the raster (the render counts again, with the margin content may move
        in from), so a document with too much filter work is refused before any of it is done."""
        from vecedit.render.filters.cost import STEPS_PER_PIXEL, passes, work
        from vecedit.render.filters.resolve import region_box

        box = region_box(f, bbox, ctm, self.viewport)
        if box is None:
            return
        height, width = self.sizes[frame]
        h = min(box[2], height) - max(box[0], 0)
        w = min(box[3], width) - max(box[1], 0)
        steps = sum(passes(p) for p in f.primitives)
        self.filter_work += work(steps, h, w)
        canvas = self.sizes[-1]
        limits.current().check("filter_pixels", self.filter_work, f"filters ({steps} primitive passes over "
                               f"{max(w, 0)}×{max(h, 0)} px here)", at_least=STEPS_PER_PIXEL * canvas[0] * canvas[1])

    def _reserve_frame(self, height: int, width: int) -> int:
        """The index of a new raster of its own (a pattern tile, an feImage's element), counted against
        ``Limits.tiles`` (each is a render pass) and ``Limits.pixels`` (its size); its frames inside are
        added while its content is built."""
        budget = limits.current()
        budget.check("tiles", len(self.frames) + 1, "pattern tiles and feImage elements: the document "
                     "draws more rasters of their own (one per pattern and placement) than the budget")
        budget.check("pixels", height * width, f"a pattern tile or feImage element raster of {width}×{height} px")
        self.frames.append(None)
        self.sizes[len(self.frames) - 1] = (height, width)
        return len(self.frames) - 1

    def image_frame(self, p: dict, box) -> dict:
        """An feImage's element drawn in a raster of its own covering the filter region ``box``:
        its space's origin at the subregion's corner, at the filtered element's scale."""
        (ox, oy), (sx, sy) = p["origin"], p["scale"]
        to_frame = np.array([[sx, 0.0, ox - box[1]], [0.0, sy, oy - box[0]], [0.0, 0.0, 1.0]])
        frame = self._reserve_frame(box[2] - box[0], box[3] - box[1])
        root = SceneGroup(1.0, [self.group(p["content"], to_frame, frame)])
        self.frames[frame] = SceneFrame(box[3] - box[1], box[2] - box[0], None, root)
        return {"frame": frame, "box": box}

    def _drawable(self, shape: Shape, to_frame: Optional[np.ndarray]) -> bool:
        """A singular (or non-finite) transform to the canvas draws nothing (SVG 2 §8.6), nor does one
        beyond float32 (the renderer's precision; Skia-based renderers drop such matrices too)."""
        m = (self.scale if to_frame is None else to_frame) @ shape.ctm
        return bool(np.abs(m).max() < FLOAT32_MAX) and is_invertible(m)

    def shape(self, shape: Shape, to_frame: Optional[np.ndarray] = None, frame: int = -1) -> int:
        """Add a shape drawn on the canvas (``frame`` -1) or in a pattern tile's raster (``to_frame``)."""
        index = len(self.shapes)
        self.shapes.append(None)  # reserved: a pattern paint adds its tile's shapes first
        base = self.scale if to_frame is None else to_frame  # the shape's user space is base @ shape.ctm
        ctm = base @ shape.ctm
        subpaths = []
        for sub in shape.subpaths:
            pts = _bounded(sub.points @ ctm[:2, :2].T + ctm[:2, 2])
            subpaths.append((self.n_points, len(pts), sub.closed))
            self.points.append(pts)
            self.n_points += len(pts)
        # the one guard on what reaches the rasterizer: finite, bounded coordinates and widths
        self.widths.append(min(_finite(float(shape.stroke_width)), 2 * COORD_LIMIT / max(max_scale(ctm), 1e-300)))
        self.opacities.append(shape.opacity)
        width_row, opacity_row = len(self.widths) - 1, len(self.opacities) - 1
        unfilled = fill_paints_nothing(shape)
        self.shapes[index] = SceneShape(
            element=self.element_index.get(id(shape), -1),  # -1: clip, marker or pattern content
            subpaths=subpaths,
            fill=None if unfilled else self.paint(shape, shape.fill, shape.fill_opacity, index, "fill", base,
                                                  subpaths[0][0] if subpaths else 0),
            stroke=self.paint(shape, shape.stroke, shape.stroke_opacity, index, "stroke", base),
            stroke_width=width_row,
            opacity=opacity_row,
            ctm=ctm,
            fill_rule=shape.fill_rule,
            linecap=shape.linecap,
            linejoin=shape.linejoin,
            miterlimit=shape.miterlimit,
            paint_order=tuple(shape.paint_order),
            visible=shape.visible,
            editable=shape.editable,
            dasharray=shape.dasharray,
            dashoffset=shape.dashoffset,
            frame=frame,
            unfilled=unfilled,
        )
        return index

    def paint(self, shape, paint, opacity, index, kind, base, first_row: int = 0) -> ScenePaint:
        if paint is None:
            return None
        if isinstance(paint, ImageRef):
            return self.image(paint, shape, first_row)
        if isinstance(paint, PatternRef):
            return self.pattern(paint, opacity, _paint_ctm(paint, shape, base))
        if isinstance(paint, GradientRef):
            gradient = self.doc.gradients.get(paint.id)
            if gradient is None or not gradient.stops:
                return None if paint.fallback is None else self.solid(paint.fallback, opacity, index, kind)
            to_canvas = _paint_ctm(paint, shape, base) @ _units_transform(gradient, shape, paint.space) @ gradient.transform
            if not np.all(np.isfinite(to_canvas)) or abs(np.linalg.det(to_canvas[:2, :2])) < 1e-12:
                return None  # zero-size bounding box: the spec says the element is not painted
            return GradientPaint(self.gradient(gradient), to_canvas, float(opacity))
        return self.solid(paint, opacity, index, kind)

    def pattern(self, paint: PatternRef, opacity: float, ctm: np.ndarray) -> Optional[PatternPaint]:
        """The paint of a pattern tile drawn at ``ctm``: one raster per tile and placement, however
        many shapes use it (thousands of markers borrowing one ``context-fill`` share it)."""
        if paint.tile is None:
            return None
        key = (id(paint.tile), ctm.tobytes())
        if key not in self.tile_frames:  # the tile is kept in the value, so its id stays unique
            self.tile_frames[key] = (paint.tile, self._tile_frame(paint.tile, ctm))
        placed = self.tile_frames[key][1]
        return None if placed is None else PatternPaint(placed[0], placed[1], float(opacity))

    def _tile_frame(self, tile, ctm: np.ndarray) -> Optional[tuple[int, np.ndarray]]:
        """(frame, canvas → tile raster) of a new tile raster at about the canvas's density (as resvg:
        the tile's size × the scale, rounded), or None: the tile draws nothing."""
        to_canvas = ctm @ tile.to_user  # pattern space -> canvas (or the enclosing tile's raster)
        if not np.all(np.isfinite(to_canvas)) or abs(np.linalg.det(to_canvas[:2, :2])) < 1e-12:
            return None
        x, y, w, h = tile.rect
        sx, sy = float(np.hypot(*to_canvas[:2, 0])), float(np.hypot(*to_canvas[:2, 1]))
        fw, fh = min(w * sx, 1e9), min(h * sy, 1e9)  # a tile 1e38 units wide overflows, then shrinks below
        if fw < 0.5 or fh < 0.5:
            return None
        tw, th = math.floor(fw + 0.5), math.floor(fh + 0.5)  # half away from zero, as resvg's (Python's round(0.5) is 0)
        exact = (tw, th)
        if tw * th > MAX_TILE_PIXELS or max(tw, th) > MAX_TILE_SIDE:  # a huge tile is drawn coarser, not refused
            k = min(math.sqrt(MAX_TILE_PIXELS / (tw * th)), MAX_TILE_SIDE / max(tw, th))
            tw, th = max(1, int(tw * k)), max(1, int(th * k))
        # Content at the canvas's density; the tile repeats every tw (th) raster pixels, i.e.
        # every tw / sx pattern units: resvg's rounding, kept so the pictures agree.
        kx, ky = (sx, sy) if (tw, th) == exact else (tw / w, th / h)
        origin = to_canvas @ np.array([x, y, 1.0])
        phase = origin[:2] - np.floor(origin[:2])
        if abs(to_canvas[0, 1]) < 1e-12 and abs(to_canvas[1, 0]) < 1e-12:
            # axis-aligned: resvg reads its tile pixmap pixel for pixel from the origin rounded
            # half down, so the tile is drawn on whole pixels there (crisp, not half-covered rows)
            snapped = np.ceil(origin[:2] - 0.5)
            to_canvas = translate(*(snapped - origin[:2])) @ to_canvas
            phase = np.zeros(2)
        to_raster = np.array([[kx, 0, phase[0] - x * kx], [0, ky, phase[1] - y * ky], [0, 0, 1.0]])
        frame = self._reserve_frame(th + 1, tw + 1)
        first, first_array, first_row = len(self.shapes), len(self.points), self.n_points
        content = self.group(tile.content, to_raster, frame)
        root = SceneGroup(1.0, [content])
        rows = np.concatenate(self.points[first_array:]) if len(self.points) > first_array else np.zeros((0, 2))
        if not _inside(self.shapes[first:], rows, first_row, self.widths, (phase[0], phase[1], phase[0] + tw, phase[1] + th)):
            # content reaching out of the tile is clipped to it (a clip edge on a content edge
            # would count that pixel's coverage twice, so only where needed)
            clip = Shape(node=None, tag="rect", id=None, classes=(), subpaths=[rect_subpath(phase[0], phase[1], tw, th)],
                         ctm=np.eye(3), fill=(1.0, 1.0, 1.0, 1.0), stroke=None, editable=False)
            root.clip = SceneGroup(1.0, [self.shape(clip, np.eye(3), frame)])
        self.frames[frame] = SceneFrame(tw + 1, th + 1, (tw, th), root)
        return frame, to_raster @ np.linalg.inv(to_canvas)

    def image(self, paint: ImageRef, shape: Shape, first_row: int) -> ImagePaint:
        """The rectangle (rect_subpath: corners at rows 0, 3, 6, 9) painted with the image's pixels."""
        x0, y0, x1, y1 = shape_bbox(shape)
        unit_to_user = np.array([[x1 - x0, 0, x0], [0, y1 - y0, y0], [0, 0, 1.0]])
        known = next((i for i, p in enumerate(self.images) if p is paint.pixels), None)
        if known is None:
            self.images.append(paint.pixels)
            known = len(self.images) - 1
        return ImagePaint(known, np.array([first_row, first_row + 3, first_row + 9]),
                          paint.to_image @ unit_to_user, paint.smooth)

    def solid(self, rgba, opacity, index, kind) -> SolidPaint:
        r, g, b, a = rgba
        self.colors.append((r, g, b, a * opacity))
        self.color_owner.append((index, kind))
        return SolidPaint(len(self.colors) - 1)

    def gradient(self, gradient: Gradient) -> int:
        if gradient.id in self.gradient_index:
            return self.gradient_index[gradient.id]
        start = len(self.offsets)
        for stop in gradient.stops:
            self.offsets.append(stop.offset)
            self.stop_colors.append(stop.color)
        geometry = tuple(_bounded(np.asarray(gradient.geometry, dtype=np.float64)).tolist())
        geometry += (0.0,) * (6 - len(geometry))
        self.geometry.append(geometry)
        self.gradients.append(
            SceneGradient(gradient.kind, gradient.spread, slice(start, len(self.offsets)), gradient.id)
        )
        self.gradient_index[gradient.id] = len(self.gradients) - 1
        return len(self.gradients) - 1


def _ref_rows(program) -> list[int]:
    from vecedit.render.filters.graph import Ref

    rows: list[int] = []

    def walk(value):
        if isinstance(value, Ref):
            rows.extend(range(value.start, value.start + value.count))
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    for step in program.steps:
        walk(step.params)
    return rows


def group_bbox(group: Group) -> Optional[tuple[float, float, float, float]]:
    """Object bounding box of a group's displayed shapes in its own user space (``user_ctm``); None if empty."""
    return bbox_in(group, group.user_ctm)


def _inside(shapes: list[SceneShape], rows: np.ndarray, row0: int, widths: list[float], box) -> bool:
    """Whether the shapes (control points ``rows``, numbered from ``row0``, widened by their strokes'
    reach) lie inside ``box``."""
    x0, y0, x1, y1 = box
    for s in shapes:
        if s.frame < 0 or not s.subpaths:
            continue
        pts = np.concatenate([rows[a - row0 : a - row0 + n] for a, n, _ in s.subpaths])
        reach = 0.0
        if s.stroke is not None:
            mitre = max(s.miterlimit, math.sqrt(2)) if s.linejoin in ("miter", "miter-clip") else math.sqrt(2)  # caps: √2
            reach = 0.5 * widths[s.stroke_width] * np.linalg.norm(s.ctm[:2, :2], 2) * mitre
        lo, hi = pts.min(axis=0) - reach, pts.max(axis=0) + reach
        if lo[0] < x0 - 1e-9 or lo[1] < y0 - 1e-9 or hi[0] > x1 + 1e-9 or hi[1] > y1 + 1e-9:
            return False
    return True


def _paint_ctm(paint, shape: Shape, base: np.ndarray) -> np.ndarray:
    """The paint's user space -> canvas (or tile raster, ``base``): the shape's, or a context element's
    (:class:`PaintSpace`; computed from it directly, so every borrower gets the same numbers)."""
    return base @ (shape.ctm if paint.space is None else paint.space.ctm)


def _units_transform(gradient: Gradient, shape: Shape, space: Optional[PaintSpace] = None) -> np.ndarray:
    """objectBoundingBox units map [0,1]² onto the bounding box of the shape (or of the context element)."""
    if gradient.units != "objectBoundingBox":
        return np.eye(3)
    if space is not None and space.box is not None:
        x0, y0, x1, y1 = space.box
    else:
        x0, y0, x1, y1 = shape.paint_box if shape.paint_box is not None else shape_bbox(shape)
    return np.array([[x1 - x0, 0, x0], [0, y1 - y0, y0], [0, 0, 1.0]])


def shape_bbox(shape: Shape) -> tuple[float, float, float, float]:
    """Tight geometric bounding box (x0, y0, x1, y1) of a shape in its own user space."""
    return subpaths_bbox(shape.subpaths)


def from_document(
    doc: Document,
    width: Optional[int] = None,
    height: Optional[int] = None,
    device: Union[str, torch.device] = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Scene:
    """Build a :class:`Scene` at ``width``×``height`` canvas pixels (default: the document's)."""
    out_w, out_h = output_size(doc, width, height)
    limits.current().check("pixels", out_w * out_h, f"the canvas of {out_w}×{out_h} px (give a smaller width or height)")
    builder = _Builder(doc, canvas_scale(doc, out_w, out_h), (out_h, out_w))
    with np.errstate(all="ignore"):  # products past float range meet the guards below (_bounded, _finite)
        root = builder.group(doc.root)

    def tensor(rows, cols):
        if len(rows) == 0:
            return torch.zeros((0,) + cols, dtype=dtype, device=device)
        return torch.tensor(np.asarray(rows, dtype=np.float64), dtype=dtype, device=device).reshape(
            (-1,) + cols
        )

    points = np.concatenate(builder.points) if builder.points else np.zeros((0, 2))
    scene = Scene(
        width=out_w,
        height=out_h,
        points=tensor(points, (2,)),
        colors=tensor(builder.colors, (4,)),
        stroke_widths=tensor(builder.widths, ()),
        opacities=tensor(builder.opacities, ()),
        stop_offsets=tensor(builder.offsets, ()),
        stop_colors=tensor(builder.stop_colors, (4,)),
        gradient_geometry=tensor(builder.geometry, (6,)),
        shapes=builder.shapes,
        gradients=builder.gradients,
        root=root,
        color_owner=builder.color_owner,
        frames=builder.frames,
        images=[torch.as_tensor(pixels, device=device) for pixels in builder.images],
    )
    if builder.filter_table is not None:
        scene.filter_params = tensor(builder.filter_table.values, ())
        scene.filter_slots = builder.filter_table.slots
        scene.filter_users = builder.filter_users
    scene.initial = {name: t.detach().cpu().numpy().copy() for name, t in scene.tensors().items()}
    return scene


def output_size(doc: Document, width: Optional[int], height: Optional[int]) -> tuple[int, int]:
    """Canvas size in pixels; a missing side keeps the aspect ratio, rounded up as resvg does.

    Extreme aspect ratios give at most ``2**31`` px a side (the caller refuses that size)."""
    if width is None and height is None:
        return _side(doc.width, round), _side(doc.height, round)
    if height is None:
        return int(width), _side(doc.height * width / doc.width - 1e-6, math.ceil)
    if width is None:
        return _side(doc.width * height / doc.height - 1e-6, math.ceil), int(height)
    return int(width), int(height)


def canvas_scale(doc: Document, out_w: int, out_h: int) -> tuple[float, float]:
    """Canvas pixels per document pixel. The document's own size (its width and height rounded, as
    :func:`output_size` gives by default) draws at scale 1, as resvg draws a ``521.5``-px-wide file on a
    522-px canvas: stretching it to the rounded size would move everything up to half a pixel. Any
    other size is filled."""
    if (out_w, out_h) == output_size(doc, None, None):
        return 1.0, 1.0
    return out_w / doc.width, out_h / doc.height


def _side(value: float, rounding) -> int:
    return max(1, rounding(value)) if value < 2**31 else 2**31  # also inf; NaN cannot reach here


COORD_LIMIT = 1e6  # canvas px; anything farther out is drawn as if it were this far (off any canvas)


def _finite(value: float) -> float:
    """``np.nan_to_num`` of one float, without an array per shape: NaN → 0, ±inf → ±the largest float."""
    if math.isfinite(value):
        return value
    return 0.0 if math.isnan(value) else math.copysign(np.finfo(np.float64).max, value)


def _bounded(values: np.ndarray) -> np.ndarray:
    """Non-finite and absurd coordinates → within ±COORD_LIMIT (the rasterizer's precondition)."""
    if values.size and np.abs(values).max() <= COORD_LIMIT:  # the common case, without copies (NaN fails it)
        return values
    return np.clip(np.nan_to_num(values, nan=0.0, posinf=COORD_LIMIT, neginf=-COORD_LIMIT), -COORD_LIMIT, COORD_LIMIT)
