"""Shape elements → :class:`Shape`: geometry, paints, markers and the effects around them,
and the shapes/segments budget they are counted against.

The part of :class:`~vecedit.svg.render_tree.RenderTreeBuilder` that builds the leaves of
the render tree (the builder's walk over groups, ``use`` and viewports is
:mod:`vecedit.svg.render_tree`); a mixin, so markers, masks, patterns and text keep one
builder object to call. Each shape is built once per use, so ten thousand of them are a
normal document: the per-shape work stays a few tens of microseconds.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Optional, Union
from xml.etree.ElementTree import Element

import numpy as np

from vecedit.errors import SVGError
import vecedit.svg.markers as markers
import vecedit.svg.patterns as patterns
import vecedit.svg.properties as props
from vecedit.svg.color import BLACK, WHITE, parse_color, split_paint
from vecedit.svg.css import local_name
from vecedit.svg.geometry import subpaths_bbox
from vecedit.svg.model import GradientRef, Group, Paint, PatternRef, Shape
from vecedit.svg.pathdata import path_to_subpaths
from vecedit.svg.refs import href_of
from vecedit.svg.shapes import BASIC_SHAPES, rect_subpath
from vecedit.svg.transform import is_invertible, max_scale

if TYPE_CHECKING:
    from vecedit.svg.render_tree import Context

CANVAS_TOLERANCE = 0.1  # max arc approximation error, canvas pixels
MAX_USE_DEPTH = 32  # for counting instanced shapes; the walk's limit is refs.MAX_REF_DEPTH


class ShapeNodes:
    """Shapes, their paints and the budget, for :class:`~vecedit.svg.render_tree.RenderTreeBuilder`."""

    # --- the budget -------------------------------------------------------------------

    def count_instances(self, target: Element, times: int) -> None:
        """Count the shapes instancing *target* ``times`` creates; refuse a file that expands absurdly."""
        self.instanced += times * self._expansion(target, 1)
        self.limits.check("shapes", self.instanced, f"{self.name}: <use> elements, markers, clip paths and masks expand "
                          "to more shapes than the budget")

    def count_shape(self, subpaths) -> None:
        """Count one shape about to be built against the budget (``Limits.shapes``, ``Limits.segments``)."""
        self.drawn_shapes += 1
        self.segments += sum(len(sp.points) // 3 for sp in subpaths)
        self.limits.check("shapes", self.drawn_shapes, f"{self.name}: the document draws more shapes than the budget")
        self.limits.check("segments", self.segments, f"{self.name}: its shapes have more path segments than the budget")

    def rect_clip(self, node: Element, rect: tuple[float, float, float, float], ctm: np.ndarray, reason: str) -> Group:
        """A clip group of one rectangle (a viewport, a mask region); drawn as a mask, so counted as a shape."""
        subpaths = [rect_subpath(*rect)]
        self.count_shape(subpaths)
        edge = Shape(node=node, tag="rect", id=None, classes=(), subpaths=subpaths, ctm=ctm, fill=WHITE, stroke=None,
                     editable=False, reason=reason)
        return Group(node=node, id=None, children=[edge])

    def count_tile(self) -> None:
        """Count one raster of its own drawn per render (a pattern tile, a raster image) (``Limits.tiles``);
        before its content is built."""
        self.tiles += 1
        self.limits.check("tiles", self.tiles, f"{self.name}: patterns and raster images paint more elements "
                          "(each its own raster) than the budget")

    def _check_commands(self, count: int) -> None:
        self.limits.check("segments", self.segments + count, f"{self.name}: its path data has more segments than "
                          "the budget")

    def _expansion(self, el: Element, depth: int) -> int:
        """How many shapes instancing *el* creates (uses, clip paths and masks inside it expanded), memoised."""
        hit = self._expansions.get(el)
        if hit is not None:
            return hit
        if depth > MAX_USE_DEPTH:
            return 0  # the walk breaks references nested this deep
        self._expansions[el] = 0  # a cycle counts 0 here; the walk reports it
        count = 0
        for node in el.iter():
            if not self._is_svg(node):
                continue
            local = local_name(node.tag)
            if local == "path" or local in BASIC_SHAPES:
                count += 1
            elif local == "use":
                href = href_of(node)
                target = self.ids.get(href[1:]) if href and href.startswith("#") else None
                if target is not None:
                    count += self._expansion(target, depth + 1)
            specified = self.cascade.specified(node)
            for prop in ("clip-path", "mask"):  # their content is built again for each element using them
                if prop in specified:
                    target = self.refs.lookup(specified[prop].value)
                    if target is not None:
                        count += self._expansion(target, depth + 1)
            if count > self.limits.shapes:
                break
        self._expansions[el] = count
        return count

    # --- shapes and paint ---------------------------------------------------------------

    def _shape(self, el: Element, style: dict, ctx: Context) -> Union[Shape, Group]:
        local = local_name(el.tag)
        ctm = ctx.ctm @ self._transform(el, style)
        if not is_invertible(ctm):
            self._note(el, f"the transform of {self._label(el)} is singular (e.g. scale(0)) or not finite; "
                           "it is not drawn, as in browsers", False)
            return None
        tolerance = CANVAS_TOLERANCE / max(max_scale(ctm), 1e-12)
        try:
            if local == "path":
                subpaths, error = path_to_subpaths(el.get("d") or "", tolerance, self._check_commands)
                warnings = [f"path data error ({error}); drawn up to there"] if error else []
            else:
                subpaths, warnings = BASIC_SHAPES[local](_Attributes(el, self._note), ctx.viewport, tolerance)
        except SVGError as e:  # what shapes cannot skip attribute by attribute
            self._invalid(el, e, "the element is not drawn")
            return None
        for w in warnings:
            self._note(el, w, False)
        self.count_shape(subpaths)
        shape = Shape(
            node=el,
            tag=local,
            id=el.get("id"),
            classes=tuple((el.get("class") or "").split()),
            subpaths=subpaths,
            ctm=ctm,
            **self.paint_fields(el, style, ctx, subpaths, ctm),
        )
        label = f"#{shape.id}" if shape.id else f"a <{local}>"
        if style["vector-effect"].strip().lower() == "non-scaling-stroke":
            self._note(el, f"vector-effect on {label} is not applied by the builtin renderer", True)
        drawn = local in markers.MARKABLE and shape.visible and not ctx.in_clip
        marks = markers.instances(self, el, style, ctx, shape) if drawn else []
        clip_path, mask, blend, isolate = self._effects(el, style)
        filtered = style["filter"].strip().lower() != "none" and not ctx.in_clip  # clip content is not filtered
        if clip_path is None and mask is None and not filtered and not marks and blend == "normal":
            return shape
        # The model keeps clips, masks, filters, blending and markers on groups: wrap the shape (node = its element).
        children = markers.in_paint_order(shape, marks, style["paint-order"]) if marks else [shape]
        group = Group(node=el, id=None, clip_path=clip_path, mask=mask, children=children, blend=blend)
        if filtered and not self._filter(group, el, style, ctm):
            group.children = []
            return group
        if group.filters:  # opacity applies after the filter (Filter Effects 1 §9), to the markers too
            group.opacity = shape.opacity
            for part in group.children:
                part.opacity = 1.0
        if clip_path is not None or mask is not None:
            return group if self._resolve_effects(group, replace(ctx, ctm=ctm)) else None
        return group

    def paint_fields(self, el: Element, style: dict, ctx: Context, subpaths=(),
                     ctm: Optional[np.ndarray] = None) -> dict:
        """The paint and stroke fields of a :class:`Shape` drawn with *style*."""
        return dict(
            fill=self._paint(el, style, "fill", ctx, subpaths, ctm),
            stroke=self._paint(el, style, "stroke", ctx, subpaths, ctm),
            fill_opacity=props.fraction(style["fill-opacity"]),
            stroke_opacity=props.fraction(style["stroke-opacity"]),
            opacity=props.fraction(style["opacity"]),
            fill_rule=style["clip-rule" if ctx.in_clip else "fill-rule"].strip().lower(),
            stroke_width=props.stroke_width(style["stroke-width"], ctx.viewport),
            linecap=style["stroke-linecap"].strip().lower(),
            linejoin=props.linejoin(style["stroke-linejoin"]),
            miterlimit=props.miterlimit(style["stroke-miterlimit"]),
            paint_order=props.paint_order(style["paint-order"]),
            dasharray=props.dasharray(style["stroke-dasharray"], ctx.viewport),
            dashoffset=props.length(style["stroke-dashoffset"], ctx.viewport),
            visible=not ctx.hidden and style["visibility"].strip().lower() == "visible",
            displayed=not ctx.hidden,
            editable=ctx.reason is None,
            reason=ctx.reason,
        )

    def _paint(self, el: Element, style: dict, prop: str, ctx: Optional[Context] = None, subpaths=(),
               ctm: Optional[np.ndarray] = None) -> Paint:
        """SVG 2 §13.2: ``none``, a colour, ``url(#id) [fallback]``, or the context element's paint."""
        current = parse_color(style["color"]) or BLACK
        url, rest = split_paint(style[prop])
        fallback = parse_color(rest, current) if rest and rest.lower() not in ("context-fill", "context-stroke") else None
        label = f"#{el.get('id')}" if el.get("id") else f"a <{local_name(el.tag)}>"
        if url is None:
            if rest.lower() in ("context-fill", "context-stroke") and ctx is not None and ctx.context is not None:
                return ctx.context[0 if rest.lower() == "context-fill" else 1]
            if rest.lower() in ("context-fill", "context-stroke"):
                self._note(el, f"{prop}: {rest} on {label} is drawn as none by the builtin renderer", True)
                return None
            return fallback
        target = self.ids.get(url[1:]) if url.startswith("#") else None
        if target is None:
            what = "fallback colour" if fallback else "none"
            self._note(el, f"{prop} of {label} refers to {url!r}, which is not in this file; drawn as {what}", True)
            return fallback
        tlocal = local_name(target.tag)
        if subpaths and self._bbox_units(url[1:], target) and _zero_sized(subpaths):
            return fallback  # SVG 2 §13.2: no bounding box to map the server onto: the fallback paints
        if url[1:] in self.gradients:
            if not self.gradients[url[1:]].stops:  # no stops: the fallback, else nothing (as resvg and browsers)
                return fallback
            return GradientRef(url[1:], fallback)
        if tlocal == "pattern" and ctx is not None:
            return PatternRef(url[1:], fallback, patterns.resolve(self, target, el, ctx, subpaths, ctm))
        self._note(el, f"{prop} of {label} refers to a <{tlocal}>, which is not a paint server; drawn as none", True)
        return fallback


    def _bbox_units(self, server_id: str, target: Element) -> bool:
        """Whether the paint server *target* is laid out on the painted element's bounding box."""
        if server_id in self.gradients:
            return self.gradients[server_id].units == "objectBoundingBox"
        return self._is_svg(target, "pattern") and patterns.bbox_units(self, target)


def _zero_sized(subpaths) -> bool:
    x0, y0, x1, y1 = subpaths_bbox(subpaths)
    return not (x1 - x0 > 0 and y1 - y0 > 0)


class _Attributes:
    """An element's attribute getter for :mod:`.shapes` that notes invalid values it skips."""

    def __init__(self, el: Element, note):
        self.el, self.note = el, note

    def __call__(self, name: str) -> Optional[str]:
        return self.el.get(name)

    def on_invalid(self, message: str) -> None:
        self.note(self.el, message, False)
