"""The render-tree pass: XML elements → :class:`Group` / :class:`Shape` in paint order.

Resolves, per element: the cascade and inheritance (inheritance follows the render
tree, so content instanced by ``use`` inherits from the ``use``, SVG 2 §5.6.3),
transforms into a CTM to canvas pixels, nested viewports (``svg``, ``symbol``), the
``switch`` choice, and paints (colours, gradient references with fallbacks).

``display: none`` subtrees and ``visibility: hidden`` shapes are kept with
``visible=False``. Definitions (``defs``, ``symbol``, gradients, …) are not drawn.
Shape elements themselves (geometry, paints, markers, the budget) are built by
:mod:`vecedit.svg.shape_nodes`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional, Union
from xml.etree.ElementTree import Element

import numpy as np

from vecedit.errors import SVGError
import vecedit.svg.images as images
import vecedit.svg.markers as markers
import vecedit.svg.masking as masking
import vecedit.svg.properties as props
from vecedit.svg.color import BLACK, parse_color, split_paint
from vecedit.svg.css import Cascade, local_name
from vecedit.svg.filter_primitives import BLEND_MODES
from vecedit.svg.filter_images import filter_image
from vecedit.svg.filters import FilterParser
from vecedit.svg.model import Gradient, Group, Note, Shape
import vecedit.limits as limits
from vecedit.svg.refs import BrokenReference, References, href_of
from vecedit.svg.shapes import BASIC_SHAPES
from vecedit.svg.shape_nodes import ShapeNodes
from vecedit.svg.transform import parse_preserve_aspect_ratio, parse_transform, parse_viewbox
from vecedit.svg.transform import translate, viewbox_transform
from vecedit.svg.units import length_context, lengths_in, parse_length

SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Context:
    ctm: np.ndarray
    style: dict  # computed style of the render-tree parent
    viewport: tuple[float, float]  # for percentages
    hidden: bool = False  # inside display:none
    use_chain: tuple = ()  # elements being instanced, outermost first
    reason: Optional[str] = None  # set inside use instances (not editable)
    markers: tuple = ()  # markers being instanced (a marker inside its own content is not drawn)
    context: Optional[tuple] = None  # (fill, stroke) for context-fill / context-stroke (marker content)
    in_clip: bool = False  # clip path content: markers are not drawn there
    patterns: tuple = ()  # patterns whose content is being built (one used inside itself paints nothing)


# SVG 1.1 feature strings (Appendix A) of what this renderer draws; a ``requiredFeatures`` naming any
# other (Extensibility = foreignObject, Font = SVG fonts, Animation, Scripting, ...) is false.
SUPPORTED_FEATURES = frozenset("http://www.w3.org/TR/SVG11/feature#" + name for name in (
    "SVGDOM-static", "SVG-static", "CoreAttribute", "Structure", "BasicStructure", "ContainerAttribute",
    "ConditionalProcessing", "Image", "Style", "Shape", "Text", "BasicText", "PaintAttribute",
    "BasicPaintAttribute", "OpacityAttribute", "GraphicsAttribute", "BasicGraphicsAttribute", "Marker",
    "Gradient", "Pattern", "Clip", "BasicClip", "Mask", "Filter", "BasicFilter", "XlinkAttribute"))


def conditions_hold(el: Element) -> bool:
    """Whether ``el``'s conditional processing attributes hold (see ``RenderTreeBuilder._switch_choice``)."""
    if el.get("requiredExtensions") is not None:
        return False
    features = el.get("requiredFeatures")
    if features is not None and not all(f in SUPPORTED_FEATURES for f in features.split(" ")):
        return False
    langs = el.get("systemLanguage")
    tags = [t.strip().lower() for t in (langs or "").split(",")]
    return langs is None or any(t == "en" or t.startswith("en-") for t in tags)


class RenderTreeBuilder(ShapeNodes):
    """The walk: groups, ``use`` instances, nested viewports, ``switch``, styles and effects
    (shape elements become :class:`Shape` in :class:`~vecedit.svg.shape_nodes.ShapeNodes`)."""

    def __init__(self, name: str, svg_ns: str, cascade: Cascade, ids: dict[str, Element],
                 parent: dict[Element, Element], notes: list[Note], font_dirs: tuple[str, ...] = (),
                 image_source: Optional[images.ImageSource] = None):
        self.name = name
        self.images = image_source or images.ImageSource()
        self.decoded_images: dict[str, object] = {}  # href -> pixels (or why not), each decoded once
        self.svg_images = 0  # SVG <image>s adopted so far (their gradient ids are prefixed by the count)
        self.font_dirs = font_dirs
        self.svg_ns = svg_ns
        self.cascade = cascade
        self.ids = ids
        self.parent = parent
        self.notes = notes
        self.refs = References(ids, parent.get)
        self.gradients: dict[str, Gradient] = {}
        self.instanced = 0  # shapes created through use, counted before they are built
        self.limits = limits.current()
        self.drawn_shapes = 0  # shapes built so far (each instance counts), against Limits.shapes
        self.segments = 0  # their path segments, against Limits.segments
        self.tiles = 0  # pattern tiles and raster-image placements drawn (each its own raster), against Limits.tiles
        self._expansions: dict[Element, int] = {}
        self._context_users: dict[Element, bool] = {}
        self._source_styles: dict[Element, dict] = {}
        self.marker_frames: dict = {}  # (marker, viewport) -> its markers._Frame, shared by its instances
        self.filters = FilterParser(ids, self.source_style, lambda el, m: self._note(el, m, True), self._is_svg,
                                    image=self._filter_image)
        self.viewport = (100.0, 100.0)  # the root's, once build_root has it

    # --- styles ---------------------------------------------------------------------

    def style(self, el: Element, parent_style: Optional[dict], viewport: tuple[float, float]) -> dict:
        style = self.cascade.computed(el, parent_style)
        for dropped in props.sanitize(style, parent_style, viewport):
            self._note(el, f"invalid value {dropped} is ignored", False)
        if style["color"].strip().lower() == "currentcolor":
            style["color"] = parent_style["color"] if parent_style else "black"
        # font-size and font-weight compute to absolute values (inherited ones already are)
        if parent_style is None or style["font-size"] is not parent_style["font-size"]:
            parent_size = float(parent_style["font-size"][:-2]) if parent_style else 16.0
            style["font-size"] = f"{props.font_size(style['font-size'], parent_size, viewport)!r}px"
        if parent_style is None or style["font-weight"] is not parent_style["font-weight"]:
            parent_weight = int(parent_style["font-weight"]) if parent_style else 400
            style["font-weight"] = str(props.font_weight(style["font-weight"], parent_weight))
        return style

    def source_style(self, el: Element) -> dict:
        """Computed style inheriting along the source tree (for gradients and stops)."""
        hit = self._source_styles.get(el)
        if hit is None:
            up = self.parent.get(el)
            hit = self.style(el, self.source_style(up) if up is not None else None, (100.0, 100.0))
            self._source_styles[el] = hit
        return hit

    # --- helpers --------------------------------------------------------------------

    def _note(self, el: Element, message: str, affects: bool) -> None:
        self.notes.append(Note(local_name(el.tag), el.get("id"), message, affects))

    def _error(self, el: Element, err: SVGError) -> SVGError:
        ident = f" id={el.get('id')!r}" if el.get("id") else ""
        return SVGError(f"{self.name}: <{local_name(el.tag)}{ident}>: {err}")

    @staticmethod
    def _label(el: Element) -> str:
        return f"#{el.get('id')}" if el.get("id") else f"a <{local_name(el.tag)}>"

    def _is_svg(self, el: Element, local: Optional[str] = None) -> bool:
        if not isinstance(el.tag, str):
            return False
        if self.svg_ns:
            if not el.tag.startswith(self.svg_ns):
                return False
        elif el.tag.startswith("{"):
            return False
        return local is None or local_name(el.tag) == local

    # Invalid values are dropped with a Note, as browsers and resvg do (SVG 2 §4.1: an
    # attribute in error is as if not given); only non-SVG, malformed or hostile files are refused.
    def _invalid(self, el: Element, err: SVGError, what: str) -> None:
        self._note(el, f"invalid {err}; {what}, as browsers do", False)

    def _transform(self, el: Element, style: dict) -> np.ndarray:
        """The element's ``transform`` about its ``transform-origin`` (CSS Transforms 1 §6; the
        reference box is the view box, as for SVG elements without a CSS layout box)."""
        try:
            matrix = parse_transform(style["transform"])
        except SVGError as e:
            self._invalid(el, e, "the transform is ignored")
            return np.eye(3)
        origin = style["transform-origin"].strip()
        if origin in ("0 0", "0px 0px") or np.array_equal(matrix, np.eye(3)):
            return matrix
        try:
            ox, oy = props.transform_origin(origin, length_context().viewport_box)
        except SVGError as e:
            self._invalid(el, e, "transform-origin is ignored")
            return matrix
        return translate(ox, oy) @ matrix @ translate(-ox, -oy)

    def _length(self, el: Element, attr: str, ref: float, default: float) -> float:
        text = el.get(attr)
        if text is None or not text.strip() or text.strip() == "auto":
            return default
        try:
            return parse_length(text, ref, what=attr)
        except SVGError as e:
            self._invalid(el, e, "the attribute is ignored")
            return default

    def _url(self, el: Element, style: dict, prop: str) -> Optional[str]:
        """``clip-path``/``mask``: the referenced id, or the raw value for other forms."""
        value = style[prop].strip()
        if value.lower() == "none":
            return None
        url, _ = split_paint(value)
        return url[1:] if url and url.startswith("#") else value

    def _new_group(self, el: Optional[Element], style: dict, ctx: Context) -> Group:
        group = Group(node=el, id=el.get("id") if el is not None else None)
        if el is None:
            return group
        group.opacity = props.fraction(style["opacity"])
        group.clip_path, group.mask, group.blend, group.isolate = self._effects(el, style)
        return group

    def _effects(self, el: Element, style: dict) -> tuple[Optional[str], Optional[str], str, bool]:
        """→ (clip_path, mask, mix-blend-mode, isolation), with a Note for what is dropped."""
        clip_path, mask = self._url(el, style, "clip-path"), self._url(el, style, "mask")
        label = self._label(el)
        for prop, value in (("clip-path", clip_path), ("mask", mask)):
            if value is None:
                continue
            if value not in self.ids:
                self._note(el, f"{prop} on {label} refers to {value!r}, which is not in this file; it is ignored, "
                               "as in browsers", False)
            elif self._is_svg(self.ids[value], "clipPath" if prop == "clip-path" else "mask"):
                self._note(el, f"{prop} on {label} is drawn; its content is kept but not editable", False)
        blend = style["mix-blend-mode"].strip().lower()
        if blend not in BLEND_MODES:
            self._invalid(el, SVGError(f"mix-blend-mode {blend!r}"), "normal is used")
            blend = "normal"
        return clip_path, mask, blend, style["isolation"].strip().lower() == "isolate"

    def _filter(self, group: Group, el: Element, style: dict, ctm: np.ndarray) -> bool:
        """Attach *el*'s ``filter`` chain (its user space is ``ctm``); False: do not draw *el*."""
        value = style["filter"]
        if value.strip().lower() == "none":
            return True
        chain = self.filters.chain(el, value, parse_color(style["color"]) or BLACK)
        if chain is None:
            return False
        group.filters, group.user_ctm = chain, ctm
        return True

    def _filter_image(self, fe: Element, href: str):
        """What an feImage pointing at an element or a file shows (:mod:`vecedit.svg.filter_images`)."""
        return filter_image(self, fe, href, Context(ctm=np.eye(3), style={}, viewport=self.viewport))

    # --- the walk -------------------------------------------------------------------

    def build_root(self, root: Element, ctm: np.ndarray, viewport: tuple[float, float]) -> Group:
        self.viewport = viewport
        style = self.style(root, None, viewport)
        size = float(style["font-size"][:-2])
        with lengths_in(font_size=size, root_font_size=size):
            return self._root(root, style, ctm, viewport)

    def _root(self, root: Element, style: dict, ctm: np.ndarray, viewport: tuple[float, float]) -> Group:
        ctx = Context(ctm=ctm, style=style, viewport=viewport, hidden=props.display_none(style))
        group = self._new_group(root, style, ctx)
        if not self._filter(group, root, style, ctm):
            return group
        self._children(root, ctx, group)
        if not self._resolve_effects(group, ctx):
            group.children = []  # the root's clip-path loops: nothing is drawn
        return group

    def _children(self, el: Element, ctx: Context, group: Group) -> None:
        for child in el:
            node = self.render(child, ctx)
            if node is not None:
                group.children.append(node)

    def render(self, el: Element, ctx: Context) -> Union[Group, Shape, None]:
        if not self._is_svg(el):
            return None
        local = local_name(el.tag)
        if local not in ("path", "g", "a", "switch", "svg", "use", "text", "image") and local not in BASIC_SHAPES:
            return None  # defs, symbol, gradients, … (see parse._note_kept)
        style = self.style(el, ctx.style, ctx.viewport)
        hidden = ctx.hidden or props.display_none(style)
        ctx = replace(ctx, style=style, hidden=hidden)
        font_size, known = float(style["font-size"][:-2]), length_context()
        if font_size == known.font_size and ctx.viewport == known.viewport_box:
            return self._element(el, local, style, ctx)
        with lengths_in(font_size=font_size, viewport_box=ctx.viewport):
            return self._element(el, local, style, ctx)

    def _element(self, el: Element, local: str, style: dict, ctx: Context) -> Union[Group, Shape, None]:
        if local == "text":
            from vecedit.text.build import build_text

            return build_text(self, el, style, ctx)
        if local == "path" or local in BASIC_SHAPES:
            return self._shape(el, style, ctx)
        if local == "use":
            return self._use(el, style, ctx)
        if local == "image":
            return images.image_node(self, el, style, ctx, self._transform(el, style))
        if local == "svg":
            return self._viewport(el, el, style, ctx, self._transform(el, style))
        group = self._new_group(el, style, ctx)
        sub = replace(ctx, ctm=ctx.ctm @ self._transform(el, style))
        if not self._filter(group, el, style, sub.ctm):
            return group
        if local == "switch":
            chosen = self._switch_choice(el)
            if chosen is not None:
                node = self.render(chosen, sub)
                if node is not None:
                    group.children.append(node)
        else:
            self._children(el, sub, group)
        return group if self._resolve_effects(group, sub) else None

    def _resolve_effects(self, group: Group, ctx: Context) -> bool:
        """The group's clip path and mask in its user space ``ctx.ctm`` (:mod:`.masking`); False: not drawn."""
        return masking.resolve(self, group, ctx)

    def _switch_choice(self, el: Element) -> Optional[Element]:
        """SVG 2 §5.8.1: the first child whose conditional attributes hold, whatever its display.

        No extension is supported (``requiredExtensions`` is false, empty or not); the user
        language is English (as usvg's default): ``systemLanguage`` holds when one of its
        tags is ``en`` or starts ``en-`` (BCP 47 tags, compared case-insensitively);
        ``requiredFeatures`` (SVG 1.1 §5.8.4, dropped in SVG 2) holds when every feature it
        names is one drawn here, as resvg evaluates it: draw.io's ``foreignObject`` asks for
        ``#Extensibility`` (HTML), which is not, so its ``<text>`` fallback is drawn.
        """
        for child in el:
            if self._is_svg(child) and conditions_hold(child):
                return child
        return None

    def _viewport(self, el: Element, content: Element, style: dict, ctx: Context, transform: np.ndarray,
                  use: Optional[Element] = None) -> Optional[Group]:
        """A nested ``svg`` (or a ``symbol`` instanced by ``use``): SVG 1.1 §5.6 / §7.

        ``use``'s width/height override the referenced viewport's (default 100%). A
        ``symbol``'s own x/y/width/height (SVG 2 additions) are ignored, as resvg and
        most browsers do.
        """
        vw, vh = ctx.viewport
        own = el if local_name(el.tag) == "svg" else None
        x = self._length(own, "x", vw, 0.0) if own is not None else 0.0
        y = self._length(own, "y", vh, 0.0) if own is not None else 0.0
        sizes = []
        for attr, ref in (("width", vw), ("height", vh)):
            source = use if use is not None and use.get(attr) else own
            sizes.append(self._length(source, attr, ref, ref) if source is not None else ref)
        w, h = sizes
        group = self._new_group(el, style, ctx)
        if w <= 0 or h <= 0:
            return group  # SVG 2 §8.2: a zero-sized viewport disables rendering
        viewbox = None
        if content.get("viewBox") is not None:
            try:
                viewbox = parse_viewbox(content.get("viewBox"))
                if viewbox[2] <= 0 or viewbox[3] <= 0:
                    return group  # SVG 2 §8.7: disables rendering
            except SVGError as e:
                self._invalid(content, e, "the viewBox is ignored")
        if viewbox is not None:
            par = parse_preserve_aspect_ratio(content.get("preserveAspectRatio"))
            inner = viewbox_transform(viewbox, w, h, par, x, y)
            viewport = (viewbox[2], viewbox[3])
        else:
            inner, viewport = translate(x, y), (w, h)
        # The UA style sheet gives nested viewports overflow: hidden (SVG 2 §8.1 / §5.5).
        sub = replace(ctx, ctm=ctx.ctm @ transform @ inner, viewport=viewport)
        if not self._filter(group, el, style, ctx.ctm @ transform):
            return group
        # The UA style sheet gives nested viewports overflow: hidden (SVG 2 §8.1 / §5.5): the
        # content is clipped to the viewport, inside the element's own clip-path and mask.
        overflow = self.cascade.specified(content).get("overflow")
        holder = group
        if (overflow.value.strip().lower() if overflow else "hidden") not in ("visible", "auto"):
            edge = self.rect_clip(content, (x, y, w, h), ctx.ctm @ transform, f"the viewport of {self._label(content)}")
            holder = Group(node=None, id=None, clip=edge)
            group.children.append(holder)
        self._children(content, sub, holder)
        return group if self._resolve_effects(group, replace(ctx, ctm=ctx.ctm @ transform)) else None

    def _use(self, el: Element, style: dict, ctx: Context) -> Optional[Group]:
        """SVG 2 §5.6: ``use`` → a group holding a non-editable instance of its target."""
        href = href_of(el)
        target = self.ids.get(href[1:]) if href and href.startswith("#") else None
        if target is None:
            self._note(el, f"use refers to {href!r}, which is not in this file; nothing is drawn", True)
            return None
        try:
            with self.refs.follow("use", el, target):
                return self._instance(el, target, href, style, ctx)
        except BrokenReference as e:
            if not e.breaks(el):
                raise
            self._note(el, e.message, False)
            return None

    def _instance(self, el: Element, target: Element, href: str, style: dict, ctx: Context) -> Optional[Group]:
        if not ctx.use_chain:  # count what the whole instance expands to before building it
            self.count_instances(target, 1)
        vw, vh = ctx.viewport
        x, y = self._length(el, "x", vw, 0.0), self._length(el, "y", vh, 0.0)
        group = self._new_group(el, style, ctx)
        ctm = ctx.ctm @ self._transform(el, style) @ translate(x, y)
        tid = target.get("id")
        sub = replace(ctx, ctm=ctm, use_chain=ctx.use_chain + (target,),
                      reason=ctx.reason or f"instance of #{tid} through <use>")
        context = None
        if self._uses_context_paint(target):  # SVG 2 §13.3: the use element is its content's context element
            context = markers.context_paints(self._paint(el, style, "fill", ctx, (), ctm),
                                             self._paint(el, style, "stroke", ctx, (), ctm), ctm)
            sub = replace(sub, context=context)
        if not self._filter(group, el, style, ctm):
            return group
        if self._is_svg(target, "symbol") or self._is_svg(target, "svg"):
            target_style = self.style(target, style, ctx.viewport)
            # SVG 2 §5.5: display does not apply to symbol (it is used even when display is none)
            own_display = self._is_svg(target, "svg") and props.display_none(target_style)
            sub = replace(sub, style=target_style, hidden=sub.hidden or own_display)
            inner = self._viewport(target, target, target_style, sub, np.eye(3), use=el)
            if inner is not None:
                group.children.append(inner)
        else:
            node = self.render(target, sub)
            if node is None:
                self._note(el, f"use refers to #{tid}, a <{local_name(target.tag)}> that is not drawn", False)
            else:
                group.children.append(node)
        for paint in context or ():  # objectBoundingBox context paints take the use's box
            if getattr(paint, "space", None) is not None and paint.space.box is None:
                paint.space.box = masking.bbox_in(group, ctm)
        return group if self._resolve_effects(group, replace(ctx, ctm=ctm)) else None

    def _uses_context_paint(self, target: Element) -> bool:
        """Whether anything in *target* paints with ``context-fill``/``context-stroke`` (memoised)."""
        hit = self._context_users.get(target)
        if hit is None:
            hit = any("context-" in declaration.value
                      for node in target.iter() if isinstance(node.tag, str)
                      for name, declaration in self.cascade.specified(node).items() if name in ("fill", "stroke"))
            self._context_users[target] = hit
        return hit
