"""Marker positions and transforms (SVG 2 §11.6 "Markers").

Markers sit on the vertices of the path *as written*: each subpath keeps the first
cubic of every original segment (:attr:`Subpath.segment_starts`), so an arc drawn as
several cubics still has one vertex at each end and none inside. ``marker-start``
goes on the path's first vertex, ``marker-end`` on its last, ``marker-mid`` on every
other one. Orientation ``auto`` bisects the incoming and outgoing directions; at the
start of a subpath only the outgoing one counts and at an end only the incoming one,
as resvg does (the reference the corpus is checked against; SVG 2 would bisect with
the closing segment at a closed subpath's start).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np

from vecedit.svg.geometry import subpaths_bbox
from vecedit.svg.model import GradientRef, PaintSpace, PatternRef, Subpath
from vecedit.svg.properties import paint_layers
from vecedit.svg.refs import BrokenReference


@dataclass
class Vertex:
    point: np.ndarray  # (2,) user units
    angle: float  # degrees, the ``auto`` orientation
    closing: bool = False  # where a closed subpath returns to its start


@dataclass
class _Seg:
    start: np.ndarray
    c1: np.ndarray  # first control point of the first cubic
    c2: np.ndarray  # last control point of the last cubic
    end: np.ndarray

    def out_dir(self) -> Optional[np.ndarray]:
        return _first_nonzero(self.c1 - self.start, self.c2 - self.start, self.end - self.start)

    def in_dir(self) -> Optional[np.ndarray]:
        return _first_nonzero(self.end - self.c2, self.end - self.c1, self.end - self.start)

    def is_line(self) -> bool:
        """Whether both control points lie on the chord (a line segment as written)."""
        chord = self.end - self.start
        cross = lambda v: abs(chord[0] * v[1] - chord[1] * v[0])  # noqa: E731
        scale = max(float(np.abs(chord).max()), 1e-12)
        return cross(self.c1 - self.start) <= 1e-9 * scale * scale and cross(self.c2 - self.start) <= 1e-9 * scale * scale


_ZERO_LENGTH_CLOSE = np.array([1.0, 0.0])  # the direction resvg gives a close that does not move


def _first_nonzero(*vectors: np.ndarray) -> Optional[np.ndarray]:
    for v in vectors:
        if np.abs(v).max() > 1e-12:
            return v
    return None


def _angle(v: Optional[np.ndarray]) -> float:
    return 0.0 if v is None else math.atan2(v[1], v[0]) % (2 * math.pi)


def _bisect(a: Optional[np.ndarray], b: Optional[np.ndarray]) -> float:
    """The direction halfway between two (radians, as resvg's ``calc_angle``)."""
    if a is None or b is None:
        return _angle(a if b is None else b)
    ia, oa = _angle(a), _angle(b)
    d = (oa - ia) * 0.5
    angle = ia + d
    if abs(d) > math.pi / 2:
        angle -= math.pi
    return angle % (2 * math.pi)


def _segments(sub: Subpath) -> tuple[list[_Seg], bool]:
    """The subpath's original segments, and whether the last one is the line ``Z`` added."""
    pts, n, k = sub.points, len(sub.points), sub.num_segments
    starts = list(sub.segment_starts) if sub.segment_starts is not None else list(range(k))
    bounds = starts + [k]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        if b <= a:
            continue
        out.append(_Seg(pts[(3 * a) % n], pts[(3 * a + 1) % n], pts[(3 * b - 1) % n], pts[(3 * b) % n]))
    return out, bool(sub.closed and sub.close_line)


def vertices(subpaths: list[Subpath]) -> tuple[list[Vertex], list[Vertex], list[Vertex]]:
    """(start, mid, end) marker vertices of a path, in user units."""
    flat: list[Vertex] = []
    for sub in subpaths:
        segs, implicit = _segments(sub)
        if not segs:
            continue
        first = segs[0]
        drawn = segs[:-1] if implicit else segs  # an added closing line is the ``Z``, not a vertex
        flat.append(Vertex(first.start, math.degrees(_angle(first.out_dir()))))
        for i, seg in enumerate(drawn):
            if i + 1 < len(drawn):
                angle = _bisect(seg.in_dir(), drawn[i + 1].out_dir())
            elif sub.closed:
                closing = first.start - seg.end
                out = closing if np.abs(closing).max() > 1e-12 else _ZERO_LENGTH_CLOSE
                angle = _bisect(seg.in_dir(), out)
            else:
                angle = _angle(seg.in_dir())
            flat.append(Vertex(seg.end, math.degrees(angle)))
        if sub.closed:
            last = drawn[-1] if drawn else first
            closing = first.start - last.end
            if np.abs(closing).max() > 1e-12:
                angle = _angle(closing)
            else:  # a zero-length close has resvg's direction atan2(0, 0) = 0; after a curve it is bisected
                angle = 0.0 if last.is_line() else _bisect(last.in_dir(), _ZERO_LENGTH_CLOSE)
            flat.append(Vertex(first.start, math.degrees(angle), closing=True))
    if not flat:
        return [], [], []
    # resvg skips the closing vertex of a closed subpath unless it ends the path
    mids = [v for v in flat[1:-1] if not v.closing]
    return [flat[0]], mids, [flat[-1]]


def marker_transform(vertex: Vertex, orient: str, is_start: bool, scale: float, viewbox_scale: tuple[float, float],
                     ref: tuple[float, float]) -> np.ndarray:
    """translate(vertex) · rotate(orientation) · scale(stroke width · viewBox) · translate(−ref)."""
    if orient == "auto":
        angle = vertex.angle
    elif orient == "auto-start-reverse":
        angle = vertex.angle + 180.0 if is_start else vertex.angle
    else:
        angle = parse_angle(orient)
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    sx, sy = viewbox_scale
    m = np.array([[c, -s, vertex.point[0]], [s, c, vertex.point[1]], [0, 0, 1.0]])
    m = m @ np.diag([scale * sx, scale * sy, 1.0])
    return m @ np.array([[1, 0, -ref[0]], [0, 1, -ref[1]], [0, 0, 1.0]])


_ANGLE_UNITS = {"deg": 1.0, "grad": 0.9, "rad": 180.0 / math.pi, "turn": 360.0, "": 1.0}


def parse_angle(text: str) -> float:
    """``orient="<angle>"``: degrees by default; anything unparsable is 0 (as resvg)."""
    t = text.strip().lower()
    for unit in ("deg", "grad", "rad", "turn", ""):
        if t.endswith(unit):
            try:
                value = float(t[: len(t) - len(unit)] if unit else t)
            except ValueError:
                continue
            return value * _ANGLE_UNITS[unit] if math.isfinite(value) else 0.0
    return 0.0


# --- instancing (called by the render-tree pass) ---------------------------------------

MARKABLE = ("path", "line", "polyline", "polygon", "rect", "circle", "ellipse")  # SVG 2: every shape


def context_paints(fill, stroke, ctm: np.ndarray, box=None) -> tuple:
    """(fill, stroke) of a context element for its marker or ``use`` content: gradients and patterns
    stay in the context element's user space (``ctm``) and bounding box (``box``; None: set later)."""
    space = PaintSpace(ctm, box)
    return tuple(replace(p, space=p.space or space) if isinstance(p, (GradientRef, PatternRef)) else p
                 for p in (fill, stroke))


def in_paint_order(shape, marks: list, paint_order: str) -> list:
    """SVG 2 §13.8: the shape and its marker instances in ``paint-order``.

    Markers between fill and stroke split the shape in two parts drawn on either side of the
    markers; like the markers, the element is then drawn but not editable (the writer never
    touches it, so both paints stay as written)."""
    present = [layer for layer in paint_layers(paint_order) if layer == "markers" or getattr(shape, layer) is not None]
    if present.index("markers") == 0:
        return marks + [shape]
    if present.index("markers") == len(present) - 1:
        return [shape] + marks
    shape.editable = False
    shape.reason = shape.reason or "paint-order draws its markers between its fill and its stroke"
    stroke = replace(shape, fill=None, edited=set())
    shape.stroke = None
    return [shape, *marks, stroke] if present[-1] == "stroke" else [stroke, *marks, shape]


def instances(builder, el, style: dict, ctx, shape) -> list:
    """The marker instances of a shape: one non-editable :class:`Group` per vertex and marker."""
    from vecedit.svg.model import Group

    if not any(style[p].strip().lower() != "none" for p in ("marker-start", "marker-mid", "marker-end")):
        return []
    starts, mids, ends = vertices(shape.subpaths)
    out: list[Group] = []
    context: Optional[tuple] = None  # the shape's paints for context-fill/-stroke, made once: its box costs O(vertices)
    for prop, verts, is_start in (("marker-start", starts, True), ("marker-mid", mids, False),
                                  ("marker-end", ends, False)):
        ref = builder._url(el, style, prop)
        if ref is None or not verts:
            continue
        marker = builder.ids.get(ref)
        if marker is None or not builder._is_svg(marker, "marker"):
            builder._note(el, f"{prop} refers to {ref!r}, which is not a <marker> in this file; nothing is drawn", True)
            continue
        if marker in ctx.markers:
            builder._note(el, f"{prop} #{ref} is used inside its own content (a cycle); the inner one is not drawn", True)
            continue
        builder.count_instances(marker, len(verts))
        if context is None:
            context = context_paints(shape.fill, shape.stroke, shape.ctm, _paint_box(shape))
        try:  # through the shared resolver: a loop via other kinds of reference, or nesting too deep
            with builder.refs.follow(prop, el, marker):
                groups = [_instance(builder, marker, v, is_start, ctx, shape, context) for v in verts]
        except BrokenReference as e:
            if not e.breaks(el):
                raise
            builder._note(el, e.message.replace("it is not drawn", "the markers are not drawn"), True)
            continue
        out += [g for g in groups if g is not None]
    return out


def _paint_box(shape):
    """The shape's bounding box where a gradient or pattern it passes on needs one (else None: it costs
    O(vertices) per shape)."""
    if isinstance(shape.fill, (GradientRef, PatternRef)) or isinstance(shape.stroke, (GradientRef, PatternRef)):
        return subpaths_bbox(shape.subpaths)
    return None


@dataclass(frozen=True)
class _Frame:
    """A marker's viewport in its context: what every instance at the same viewport shares."""
    ref: tuple[float, float]  # refX, refY
    user_units: bool  # markerUnits="userSpaceOnUse": not scaled by the stroke width
    fit: np.ndarray  # viewBox → viewport
    clip_rect: tuple  # the viewport in content units
    content_viewport: tuple[float, float]
    orient: str
    clipped: bool  # overflow hides what lies outside the viewport


def _frame(builder, marker, viewport: tuple[float, float]) -> Optional[_Frame]:
    """The marker's :class:`_Frame` in *viewport*, memoised on the builder; None: nothing is drawn."""
    key = (marker, viewport)
    if key not in builder.marker_frames:
        builder.marker_frames[key] = _make_frame(builder, marker, viewport)
    return builder.marker_frames[key]


def _make_frame(builder, marker, viewport: tuple[float, float]) -> Optional[_Frame]:
    from vecedit.errors import SVGError
    from vecedit.svg.transform import parse_preserve_aspect_ratio, parse_viewbox, viewbox_transform

    vw, vh = viewport
    width = builder._length(marker, "markerWidth", vw, 3.0)
    height = builder._length(marker, "markerHeight", vh, 3.0)
    if width <= 0 or height <= 0:
        return None  # SVG 2 §11.6.2: a zero-sized marker is not drawn
    ref = (builder._length(marker, "refX", vw, 0.0), builder._length(marker, "refY", vh, 0.0))
    fit = np.eye(3)
    clip_rect = (0.0, 0.0, width, height)
    content_viewport = (width, height)
    if marker.get("viewBox") is not None:
        try:
            vb = parse_viewbox(marker.get("viewBox"))
        except SVGError:
            vb = None
        if vb is not None and (vb[2] <= 0 or vb[3] <= 0):
            return None
        if vb is not None:
            fit = viewbox_transform(vb, width, height, parse_preserve_aspect_ratio(marker.get("preserveAspectRatio")))
            inv = np.linalg.inv(fit)
            x0, y0 = inv[:2, :2] @ (0.0, 0.0) + inv[:2, 2]
            x1, y1 = inv[:2, :2] @ (width, height) + inv[:2, 2]
            clip_rect = (x0, y0, x1 - x0, y1 - y0)
            content_viewport = (vb[2], vb[3])
    return _Frame(ref, (marker.get("markerUnits") or "").strip() == "userSpaceOnUse", fit,
                  clip_rect, content_viewport, (marker.get("orient") or "0").strip(),
                  _overflow(builder, marker) not in ("visible", "auto"))


def _instance(builder, marker, vertex: Vertex, is_start: bool, ctx, shape, context: tuple):
    from vecedit.svg.model import Group

    frame = _frame(builder, marker, ctx.viewport)
    if frame is None:
        return None
    scale = 1.0 if frame.user_units else shape.stroke_width
    if scale <= 0:
        return None
    fit = frame.fit
    ctm = shape.ctm @ marker_transform(vertex, frame.orient, is_start, scale, (fit[0, 0], fit[1, 1]), frame.ref)
    reason = f"content of marker #{marker.get('id')}"
    sub = replace(ctx, ctm=ctm, style=builder.source_style(marker), viewport=frame.content_viewport, reason=reason,
                  markers=ctx.markers + (marker,), context=context)
    group = Group(node=marker, id=None, opacity=shape.opacity)
    builder._children(marker, sub, group)
    if not group.children:
        return None
    if frame.clipped:
        group.clip = builder.rect_clip(marker, frame.clip_rect, ctm, reason)
    return group


_UA_HIDDEN = ("svg", "symbol", "image", "marker", "pattern", "foreignObject")  # SVG 2 §5.5's UA style sheet


def _overflow(builder, el) -> str:
    """The computed ``overflow`` of *el*: ``inherit`` follows the source tree (not inherited otherwise)."""
    from vecedit.svg.css import local_name

    while el is not None:
        declared = builder.cascade.specified(el).get("overflow")
        value = declared.value.strip().lower() if declared else None
        if value != "inherit":
            if value is not None:
                return value
            root = builder.parent.get(el) is None
            return "hidden" if local_name(el.tag) in _UA_HIDDEN and not root else "visible"
        el = builder.parent.get(el)
    return "visible"
