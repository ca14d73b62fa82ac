"""``<text>`` in the render tree: a :class:`Group` of glyph shapes with the text's paints.

One :class:`Shape` per span (a run of characters owned by one ``text``/``tspan``/
``textPath``) holding all its glyph outlines as ordinary closed subpaths in the text's
user space, with that element's fill and stroke; decorations are shapes of their own,
painted as the element that declared them (resvg's rule). Every shape records the
``<text>`` it came from (``Shape.text``): the writer keeps paint-only edits on the text
elements and writes moved glyphs as a ``<g>`` of paths (:mod:`vecedit.svg.write`).

The font database is the document's (``load_svg(font_dirs=…)``). Nothing a font can do
crashes the parse: a face that fails to load or shape leaves its text undrawn with a note.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional
from xml.etree.ElementTree import Element

from vecedit.svg.css import local_name
from vecedit.svg.model import Group, Shape
from vecedit.text.content import Collector, PathFlow
from vecedit.text.fontdb import font_db
from vecedit.text.layout import layout_text
from vecedit.text.shaping import FontError


def build_text(builder, el: Element, style: dict, ctx) -> Optional[Group]:
    """The render-tree node for one ``<text>`` element (``builder``: the RenderTreeBuilder)."""
    ctm = ctx.ctm @ builder._transform(el, style)
    group = builder._new_group(el, style, ctx)
    if not builder._filter(group, el, style, ctm):
        return group
    label = f"#{el.get('id')}" if el.get("id") else "a <text>"
    inner = replace(ctx, ctm=ctm)
    try:
        content = Collector(el, style, lambda child, parent: builder.style(child, parent, ctx.viewport),
                            builder._is_svg, lambda path_el, st: _flow(builder, path_el, ctx),
                            ctx.viewport, _outer_decorations(builder, el), builder.ids,
                            lambda owner: _dominant_baseline(builder, owner)).collect()
        laid = layout_text(content, font_db(tuple(getattr(builder, "font_dirs", ()) or ())))
    except FontError as error:  # a face fontTools or HarfBuzz cannot read: keep going, say so
        builder._note(el, f"text {label} is not drawn: its font could not be used ({error})", True)
        return group
    for families in sorted(laid.missing_families):
        builder._note(el, f"font-family {families!r} is not installed; {label} is drawn with the default font "
                          "(install it, or pass --font-dir / font_dirs=)", True)
    if laid.missing_chars:
        shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in sorted(laid.missing_chars)[:6])
        builder._note(el, f"no installed font has a glyph for {shown}; drawn as the font's .notdef box", True)
    if laid.out_of_range:
        builder._note(el, f"{laid.out_of_range} outline(s) of {label} would be placed beyond the range of numbers "
                          "(a position, size or spacing too large) and are not drawn", True)
    if laid.glyph_count:
        builder._note(el, f"text {label} is drawn from glyph outlines; when its glyphs are edited it is written as "
                          "a <g> of paths keeping its id, class and string (aria-label)", False)
    for piece in laid.spans:
        span = piece.span
        for kind, painter, paint_style, rects in piece.decorations:
            if kind == "line-through":
                continue
            group.children.append(_shape(builder, painter, paint_style, rects, ctm, inner, el, laid.bbox))
        if piece.glyphs:
            shape = _shape(builder, span.owner, span.style, piece.glyphs, ctm, inner, el, laid.bbox)
            shape.visible = shape.visible and span.visible
            group.children.append(shape)
        for kind, painter, paint_style, rects in piece.decorations:
            if kind == "line-through":
                group.children.append(_shape(builder, painter, paint_style, rects, ctm, inner, el, laid.bbox))
    return group if builder._resolve_effects(group, inner) else None


def _shape(builder, owner: Element, style: dict, subpaths, ctm, ctx, text: Element, bbox) -> Shape:
    builder.count_shape(subpaths)  # glyph outlines count against the budget like any path
    # Paint servers map onto the whole text's box (resvg: tspans have no box of their own).
    fields = builder.paint_fields(owner, style, ctx, _box_outline(bbox), ctm)
    fields["fill_rule"] = "nonzero"  # SVG 2 §11.10.1: fill-rule does not apply to text
    # The <text>'s opacity is its group's; a tspan's is ignored (not a graphics element, as resvg).
    fields["opacity"] = 1.0
    return Shape(node=owner, tag=local_name(owner.tag), id=owner.get("id"),
                 classes=tuple((owner.get("class") or "").split()), subpaths=list(subpaths), ctm=ctm,
                 text=text, paint_box=bbox, **fields)


def _box_outline(bbox) -> list:
    """The text's bounding box as one closed subpath (what a paint server's bounding-box units read)."""
    if bbox is None:
        return []
    from vecedit.svg.pathdata import path_to_subpaths

    x0, y0, x1, y1 = bbox
    return path_to_subpaths(f"M {x0!r} {y0!r} H {x1!r} V {y1!r} H {x0!r} Z")[0]


def _flow(builder, path_el: Element, ctx) -> Optional[PathFlow]:
    """A ``textPath``'s path (SVG 2 §11.8): the referenced shape in the text's user space."""
    from vecedit.svg.pathdata import path_to_subpaths
    from vecedit.svg.refs import href_of
    from vecedit.svg.shapes import BASIC_SHAPES
    from vecedit.svg.units import parse_length

    href = href_of(path_el)
    target = builder.ids.get(href[1:]) if href and href.startswith("#") else None
    if target is None or not builder._is_svg(target):
        builder._note(path_el, f"textPath refers to {href!r}, which is not a path in this file; its text is not drawn",
                      True)
        return None
    local = local_name(target.tag)
    try:
        if local == "path":
            subpaths, _ = path_to_subpaths(target.get("d") or "", 0.05, builder._check_commands)  # the budget
        elif local in BASIC_SHAPES:
            subpaths, _ = BASIC_SHAPES[local](target.get, ctx.viewport, 0.05)
        else:
            return None
        transform = builder._transform(target, builder.style(target, None, ctx.viewport))
    except Exception:
        return None
    if not subpaths:
        return None
    from vecedit.svg.model import Subpath

    lin, off = transform[:2, :2].T, transform[:2, 2]
    subpaths = [Subpath(s.points @ lin + off, s.closed) for s in subpaths]
    flow = PathFlow(subpaths, 0.0, (path_el.get("side") or "left").strip(),
                    (path_el.get("method") or "align").strip(), path_el)
    text = (path_el.get("startOffset") or "").strip()
    if text:
        try:
            if text.endswith("%"):
                from vecedit.text.track import Track

                flow.start_offset = float(text[:-1]) / 100.0 * Track.of(flow).total
            else:
                flow.start_offset = parse_length(text, ctx.viewport[0], what="startOffset")
        except Exception:
            builder._note(path_el, f"startOffset {text!r} is not a length; 0 is used", False)
    return flow


def _dominant_baseline(builder, owner: Element) -> str:
    """``dominant-baseline`` as resvg reads it: the element's own value, else its direct parent's,
    else ``auto`` (resvg treats the property as not inherited past one level)."""
    for node in (owner, builder.parent.get(owner)):
        decl = builder.cascade.specified(node).get("dominant-baseline") if node is not None else None
        if decl is not None and decl.value.strip().lower() != "inherit":
            return decl.value
    return "auto"


def _outer_decorations(builder, el: Element) -> frozenset:
    """``text-decoration`` declared on the text's ancestors (resvg draws those with the text's paint)."""
    out = set()
    up = builder.parent.get(el)
    while up is not None:
        decl = builder.cascade.specified(up).get("text-decoration")
        if decl is not None:
            out.update(decl.value.lower().split())
        up = builder.parent.get(up)
    return frozenset(out) & {"underline", "overline", "line-through"}
