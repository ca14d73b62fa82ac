"""``pattern`` paint servers resolved for the element they paint (SVG 1.1 §13.3).

Attributes and content are inherited along ``href`` (the content of the first pattern
in the chain that has children). The tile is ``x, y, width, height`` in pattern space:
fractions of the element's bounding box for ``patternUnits="objectBoundingBox"`` (the
default), user units otherwise; ``patternTransform`` maps pattern space into the
element's user space. The content's coordinate system starts at the tile's origin and
is fitted by ``viewBox`` + ``preserveAspectRatio``, or scaled by the bounding box for
``patternContentUnits="objectBoundingBox"`` (ignored when there is a ``viewBox``).

The content is built once per use, as non-editable shapes (like ``use`` instances);
the renderer draws one tile differentiably and repeats it (:mod:`vecedit.render.pattern`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional

import numpy as np

from vecedit.errors import SVGError
from vecedit.svg.geometry import subpaths_bbox
from vecedit.svg.refs import BrokenReference
from vecedit.svg.model import Group, PatternTile, Shape
from vecedit.svg.transform import parse_preserve_aspect_ratio, parse_transform, parse_viewbox, viewbox_transform
from vecedit.svg.units import parse_length

ATTRIBUTES = ("x", "y", "width", "height", "patternUnits", "patternContentUnits", "patternTransform", "viewBox",
              "preserveAspectRatio")


def _chain(builder, el) -> list:
    """The pattern and those it inherits from through ``href``, nearest first (the shared
    resolver's linear walk: a cycle or more than ``refs.MAX_CHAIN`` links ends it)."""
    if not builder._is_svg(el, "pattern"):
        return []
    return builder.refs.chain(el, lambda t: builder._is_svg(t, "pattern"))


def _fraction_or_length(text: Optional[str], default: float, bbox_units: bool, ref: float, what: str) -> float:
    if text is None or not text.strip():
        return default
    t = text.strip()
    if bbox_units:
        return float(t[:-1]) / 100.0 if t.endswith("%") else parse_length(t, 1.0, what=what)
    return parse_length(t, ref, what=what)


def bbox_units(builder, target) -> bool:
    """Whether the pattern's tile is given in the painted element's bounding box (the default)."""
    units = next((p.get("patternUnits") for p in _chain(builder, target) if p.get("patternUnits") is not None), None)
    return (units or "objectBoundingBox").strip() == "objectBoundingBox"


def resolve(builder, target, el, ctx, subpaths, shape_ctm: np.ndarray) -> Optional[PatternTile]:
    """The tile of pattern ``target`` painting element ``el`` (geometry ``subpaths``), or None: paints nothing."""
    pid = target.get("id")
    if target in ctx.patterns:
        builder._note(el, f"pattern #{pid} is used inside its own content (a cycle); the inner use paints nothing", True)
        return None
    chain = _chain(builder, target)

    def attr(name: str) -> Optional[str]:
        return next((p.get(name) for p in chain if p.get(name) is not None), None)

    content_el = next((p for p in chain if any(builder._is_svg(c) for c in p)), None)
    if content_el is None:
        return None  # no content: the pattern paints nothing
    units = (attr("patternUnits") or "objectBoundingBox").strip()
    content_units = (attr("patternContentUnits") or "userSpaceOnUse").strip()
    x0, y0, x1, y1 = subpaths_bbox(subpaths)
    bw, bh = x1 - x0, y1 - y0
    vw, vh = ctx.viewport
    try:
        obb = units == "objectBoundingBox"
        x = _fraction_or_length(attr("x"), 0.0, obb, vw, "x")
        y = _fraction_or_length(attr("y"), 0.0, obb, vh, "y")
        w = _fraction_or_length(attr("width"), 0.0, obb, vw, "width")
        h = _fraction_or_length(attr("height"), 0.0, obb, vh, "height")
        transform = parse_transform(attr("patternTransform"))
        viewbox = parse_viewbox(attr("viewBox")) if attr("viewBox") is not None else None
    except (SVGError, ValueError) as e:
        builder._note(target, f"pattern #{pid} has an invalid attribute ({e}); it paints nothing", True)
        return None
    if obb:
        if bw <= 0 or bh <= 0:
            return None  # SVG 1.1 §13.3: a zero-sized bounding box disables the pattern
        x, y, w, h = x0 + x * bw, y0 + y * bh, w * bw, h * bh
    if w <= 0 or h <= 0 or (viewbox is not None and (viewbox[2] <= 0 or viewbox[3] <= 0)):
        return None
    if viewbox is not None:
        content = viewbox_transform(viewbox, w, h, parse_preserve_aspect_ratio(attr("preserveAspectRatio")), x, y)
    elif content_units == "objectBoundingBox":
        if bw <= 0 or bh <= 0:
            return None
        content = np.array([[bw, 0, x], [0, bh, y], [0, 0, 1.0]])
    else:
        content = np.array([[1.0, 0, x], [0, 1.0, y], [0, 0, 1.0]])
    builder.count_tile()  # a pattern on 10⁴ elements is 10⁴ tiles to build and draw
    builder.count_instances(content_el, 1)
    to_canvas = shape_ctm @ transform  # pattern space → canvas, for the content's flattening tolerance
    sub = replace(ctx, ctm=to_canvas @ content, style=builder.source_style(content_el), reason=f"content of pattern #{pid}",
                  patterns=ctx.patterns + (target,), context=None)
    group = Group(node=content_el, id=None)
    try:  # through the shared resolver: a loop via other kinds of reference, or nesting too deep
        with builder.refs.follow("pattern", el, target):
            builder._children(content_el, sub, group)
    except BrokenReference as e:
        if not e.breaks(el):
            raise
        builder._note(el, e.message.replace("it is not drawn", "the pattern paints nothing"), True)
        return None
    if not group.children:
        return None
    _rebase(group, np.linalg.inv(to_canvas))
    return PatternTile((x, y, w, h), transform, group)


def _rebase(group: Group, m: np.ndarray) -> None:
    """Left-multiply every shape's ``ctm`` (clip content included) and filtered group's user space by ``m``."""
    if group.user_ctm is not None:
        group.user_ctm = m @ group.user_ctm
    for child in group.children:
        if isinstance(child, Shape):
            child.ctm = m @ child.ctm
        else:
            _rebase(child, m)
    if group.clip is not None:
        _rebase(group.clip, m)
    mask = group.masking
    while mask is not None:
        _rebase(mask.content, m)
        mask = mask.mask
