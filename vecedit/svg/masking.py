"""``clip-path`` and ``mask`` resolved for the element they apply to (SVG 1.1 §14, CSS Masking 1).

Both are resolved per use, like patterns: ``objectBoundingBox`` units need the element's
bounding box (geometry of its drawn shapes; ``display: none`` ones left out, hidden ones
counted, as resvg and browsers do), and the content lives in the element's user space.

* A clip path's content is its shape, ``text`` and ``use`` (of a shape or text) children,
  white, filled by their ``clip-rule`` (inherited along the clipPath's own ancestors);
  anything else (a ``g``) is ignored. A child's own ``clip-path`` clips it; the
  clipPath's ``clip-path`` clips the whole (the renderer multiplies the alphas).
* A mask's content is drawn as usual and clipped to the mask region; the renderer uses
  its luminance (``mask-type: luminance``, the default) or alpha; the ``<mask>``
  element's own ``mask`` is multiplied in.

A reference to an id that is not in the file is ignored; one to an element of another
kind, an empty region or a zero-sized bounding box with ``objectBoundingBox`` units
means the element is not drawn (as resvg). Loops go through :mod:`vecedit.svg.refs`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional
from xml.etree.ElementTree import Element

import numpy as np

from vecedit.errors import SVGError
from vecedit.svg.color import WHITE
from vecedit.svg.css import local_name
from vecedit.svg.geometry import subpaths_bbox
from vecedit.svg.model import Group, Mask, Shape, Subpath
from vecedit.svg.refs import BrokenReference, href_of
from vecedit.svg.shapes import BASIC_SHAPES
from vecedit.svg.transform import is_invertible
from vecedit.svg.units import parse_length

Box = Optional[tuple[float, float, float, float]]  # x0, y0, x1, y1 in the element's user space


def resolve(builder, group: Group, ctx) -> bool:
    """Attach ``group``'s clip (``group.clip``) and mask (``group.masking``); False: it is not drawn."""
    if group.clip_path is None and group.mask is None:
        return True
    cache: list = []

    def bbox() -> Box:
        if not cache:
            cache.append(bbox_in(group, ctx.ctm))
        return cache[0]

    try:
        for prop, value in (("clip-path", group.clip_path), ("mask", group.mask)):
            target = builder.ids.get(value) if value is not None else None
            if target is None:
                continue  # none, or an id not in this file: ignored (a Note said so)
            with builder.refs.follow(prop, group.node, target):
                if prop == "clip-path":
                    group.clip = clip_content(builder, target, bbox, ctx)
                    drawn = group.clip is not None
                else:
                    group.masking = mask_of(builder, target, bbox, ctx)
                    drawn = group.masking is not None
            if not drawn:
                return False
    except BrokenReference as e:
        if not e.breaks(group.node):
            raise
        builder._note(group.node, e.message, False)
        return False
    return True


def bbox_in(group: Group, user_ctm: np.ndarray) -> Box:
    """Tight bounding box of the group's displayed shapes in the user space ``user_ctm`` maps
    (None: no shapes, or a singular user space, which draws nothing)."""
    if not is_invertible(user_ctm):
        return None
    inverse = np.linalg.inv(user_ctm)
    boxes = []
    for shape in shapes_of(group):
        if not shape.displayed:
            continue
        m = inverse @ shape.ctm
        outline = shape.subpaths if shape.paint_box is None else _box_subpaths(shape.paint_box)
        subs = [Subpath(sub.points @ m[:2, :2].T + m[:2, 2], sub.closed) for sub in outline if sub.num_segments]
        if subs:
            boxes.append(subpaths_bbox(subs))
    if not boxes:
        return None
    b = np.array(boxes)
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def _box_subpaths(box) -> list[Subpath]:
    """A text shape's box (its layout cells, what resvg bounds text by) as one closed subpath."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], dtype=float)
    return [Subpath(np.concatenate([corners[:1]] + [np.linspace(a, b, 4)[1:] for a, b in zip(corners, corners[1:])]), True)]


def shapes_of(node) -> list[Shape]:
    if isinstance(node, Shape):
        return [node]
    return [shape for child in node.children for shape in shapes_of(child)]


def _bbox_units(bbox: Callable[[], Box]) -> Optional[np.ndarray]:
    """The objectBoundingBox → user space matrix; None when the box is missing or has no area."""
    box = bbox()
    if box is None or box[2] - box[0] <= 0 or box[3] - box[1] <= 0:
        return None
    x0, y0, x1, y1 = box
    return np.array([[x1 - x0, 0, x0], [0, y1 - y0, y0], [0, 0, 1.0]])


def clip_content(builder, clip_el: Element, bbox: Callable[[], Box], ctx) -> Optional[Group]:
    """The clip group of ``clip_el`` for an element with user space ``ctx.ctm``; None: not drawn."""
    if not builder._is_svg(clip_el, "clipPath"):
        builder._note(clip_el, f"clip-path refers to {builder._label(clip_el)}, which is not a <clipPath>; "
                               "the element is not drawn, as in browsers", False)
        return None
    builder.count_instances(clip_el, 1)  # content built per use: a file whose clips nest into millions is refused
    style = builder.source_style(clip_el)
    ctm = ctx.ctm @ builder._transform(clip_el, style)  # the transform first, then the bounding box (as resvg)
    if (clip_el.get("clipPathUnits") or "").strip() == "objectBoundingBox":
        units = _bbox_units(bbox)
        if units is None:
            return None
        ctm = ctm @ units
    clip_ctx = replace(ctx, ctm=ctm, style=style, hidden=False,
                       reason=f"clip path content of #{clip_el.get('id')}", in_clip=True, context=None)
    clip = Group(node=clip_el, id=clip_el.get("id"))
    for child in clip_el:
        if _clip_child(builder, child):
            node = builder.render(child, clip_ctx)
            if node is not None:
                clip.children.append(_as_clip(node))
    own = builder._url(clip_el, style, "clip-path")
    target = builder.ids.get(own) if own is not None else None
    if target is not None:
        try:
            with builder.refs.follow("clip-path", clip_el, target):
                clip.clip = clip_content(builder, target, bbox, ctx)
        except BrokenReference as e:
            if not e.breaks(clip_el):
                raise
            builder._note(clip_el, e.message, False)
            return None
        if clip.clip is None:
            return None
    return clip


def _clip_child(builder, child: Element) -> bool:
    """CSS Masking 1 §6.2: shapes, text and ``use`` of a shape or text; nothing else."""
    if not builder._is_svg(child):
        return False
    drawable = ("path", "text", *BASIC_SHAPES)
    local = local_name(child.tag)
    if local == "use":
        href = href_of(child)
        target = builder.ids.get(href[1:]) if href and href.startswith("#") else None
        return target is not None and builder._is_svg(target) and local_name(target.tag) in drawable
    return local in drawable


def _as_clip(node):
    """Clip content keeps only geometry, fill rule and nested clips: white, opaque, unfiltered."""
    if isinstance(node, Shape):
        node.fill, node.stroke = WHITE, None
        node.fill_opacity = node.opacity = 1.0
        return node
    node.opacity, node.filters, node.mask, node.masking = 1.0, [], None, None
    node.blend, node.isolate = "normal", False
    node.children = [_as_clip(child) for child in node.children]
    return node


def _region(el: Element, bbox_units: bool, bbox: Callable[[], Box], viewport) -> Optional[tuple]:
    """The mask region (x, y, width, height) in user space; None: empty (nothing is drawn)."""
    vw, vh = viewport
    values = []
    for attr, default, ref in (("x", -0.1, vw), ("y", -0.1, vh), ("width", 1.2, vw), ("height", 1.2, vh)):
        text = (el.get(attr) or "").strip()
        if not text:
            values.append(default if bbox_units else default * ref)
        else:  # with bounding-box units, a percentage is a fraction of the box ("50%" → 0.5)
            values.append(parse_length(text, 1.0 if bbox_units else ref, what=attr))
    x, y, w, h = values
    if bbox_units:
        units = _bbox_units(bbox)
        if units is None:
            return None
        x, y, w, h = x * units[0, 0] + units[0, 2], y * units[1, 1] + units[1, 2], w * units[0, 0], h * units[1, 1]
    return (x, y, w, h) if w > 0 and h > 0 else None


def mask_of(builder, mask_el: Element, bbox: Callable[[], Box], ctx) -> Optional[Mask]:
    """The :class:`Mask` of ``mask_el`` for an element with user space ``ctx.ctm``; None: not drawn."""
    label = builder._label(mask_el)
    if not builder._is_svg(mask_el, "mask"):
        builder._note(mask_el, f"mask refers to {label}, which is not a <mask>; the element is not drawn, "
                               "as in browsers", False)
        return None
    style = builder.source_style(mask_el)
    try:
        region = _region(mask_el, (mask_el.get("maskUnits") or "").strip() != "userSpaceOnUse", bbox, ctx.viewport)
    except SVGError as e:
        builder._invalid(mask_el, e, "the element it masks is not drawn")
        return None
    content_ctm = ctx.ctm
    if (mask_el.get("maskContentUnits") or "").strip() == "objectBoundingBox":
        units = _bbox_units(bbox)
        content_ctm = None if units is None else ctx.ctm @ units
    if region is None or content_ctm is None:
        return None
    builder.count_instances(mask_el, 1)  # content built per use: a file whose masks nest into millions is refused
    reason = f"content of mask {label}"
    mask_ctx = replace(ctx, ctm=content_ctm, style=style, hidden=False, reason=reason, in_clip=False, context=None)
    content = Group(node=mask_el, id=None)
    builder._children(mask_el, mask_ctx, content)
    content.clip = builder.rect_clip(mask_el, region, ctx.ctm, reason)
    kind = "alpha" if style["mask-type"].strip().lower() == "alpha" else "luminance"
    own = builder._url(mask_el, style, "mask")
    target = builder.ids.get(own) if own is not None else None
    inner = None
    if target is not None:
        try:
            with builder.refs.follow("mask", mask_el, target):
                inner = mask_of(builder, target, bbox, ctx)
        except BrokenReference as e:
            if not e.breaks(mask_el):
                raise
            builder._note(mask_el, e.message, False)
            return None
        if inner is None:
            return None
    return Mask(content, kind, inner)
