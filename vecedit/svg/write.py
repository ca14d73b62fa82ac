"""``dumps_svg`` / ``save_svg``: write a :class:`Document` back as the same SVG.

Only what the model records as edited changes; everything else is written from the
kept source text (see :mod:`.xmltree`), so an unedited document comes back byte for
byte. Edits applied to the XML tree (idempotent, so writing twice gives the same text):

* ``Shape.edited``:
  - ``"geometry"`` → ``d`` from the subpaths (already in the element's own user
    space). A basic shape becomes a ``path`` that keeps its id, class, style and other
    attributes but loses its geometry attributes; stylesheet rules that matched it by
    element name (``rect {…}``), or now would (``path {…}``), are pinned in its
    ``style`` so its paint does not change.
  - ``"fill"``, ``"stroke"``, ``"fill_opacity"``, ``"stroke_opacity"``, ``"opacity"``,
    ``"stroke_width"`` → in the form they were written: the presentation attribute
    when the element has one (and no style sheet rule overrides it there), else a
    declaration in the element's ``style`` (replacing one of the same name, or appended).
    Where every shape inheriting ``fill``/``stroke`` from an ancestor got a new paint,
    the ancestor's declaration is updated (to their shared value, written there only).
    ``!important`` is added when a stylesheet rule for that property is important.
    SVG 1.1 colours have no alpha: a colour with alpha < 1 is written as ``#rrggbb``
    and its alpha folded into ``fill-opacity`` / ``stroke-opacity``.
* ``Numbers.edited`` (filter primitives' numbers): the attribute (``stdDeviation``,
  ``dx``, ``values``, ``k1`` …) on its element, one value kept one where both moved
  alike; ``flood-color``/``flood-opacity`` and ``lighting-color`` where they were
  written (attribute, or ``style`` when a declaration sets them).
* ``Gradient.edited``: ``"stops"`` → ``offset``, ``stop-color``, ``stop-opacity``
  attributes of the stop nodes (conflicting inline declarations removed; inline
  style instead where a stylesheet rule sets them; stops added or removed to match
  the count). Stops inherited through ``href`` live on the referenced gradient, so
  editing them edits every gradient sharing them. ``"geometry"`` → ``x1 …`` /
  ``cx …`` attributes; ``"transform"`` → ``gradientTransform``.

* Glyphs of a ``<text>`` (``Shape.text``): paint edits go, as above, to the ``text``/
  ``tspan`` that owns them, so the text stays text. When any of its glyphs moved, the
  ``<text>`` is replaced by a ``<g>`` keeping its attributes (positioning attributes
  dropped) with ``aria-label`` holding the string, and one ``<path>`` per span with its
  resolved paint; from then on those shapes are ordinary paths.

Shapes with ``editable=False`` (``use`` instances) are never written.
"""

from __future__ import annotations

import math
import os
import re
from typing import Union
from xml.etree.ElementTree import Element

import numpy as np

from vecedit.errors import InputError, SVGError
from vecedit.svg.color import format_color
from vecedit.svg.css import INHERITED, INITIAL, Cascade, split_top_level, local_name, parse_style, parse_stylesheet
from vecedit.svg.geometry import format_number, subpaths_to_d
from vecedit.svg.model import Document, Gradient, GradientRef, Paint, PatternRef, Shape
from vecedit.svg.shapes import GEOMETRY_ATTRIBUTES
from vecedit.svg.transform import max_scale
from vecedit.svg.xmltree import document_codec, encode_source, recursion_room, serialize


TEXT_POSITIONING = ("x", "y", "dx", "dy", "rotate", "textLength", "lengthAdjust")


def _key(decl):
    return None if decl is None else (decl.value, decl.important)


# --- style attribute editing ---------------------------------------------------------


def set_style_property(el: Element, name: str, value: str, important: bool = False) -> None:
    """Set ``name: value`` in *el*'s ``style`` (replace or append), drop the attribute *name*."""
    text = el.get("style") or ""
    pieces = split_top_level(text, ";")
    decl = f"{name}:{value}{' !important' if important else ''}"
    out, found = [], False
    for piece in pieces:
        key, colon, old = piece.partition(":")
        if colon and key.strip().lower() == name:
            if not found:
                lead = piece[: len(piece) - len(piece.lstrip())]
                space = " " if old.startswith(" ") else ""
                out.append(f"{lead}{key.strip()}:{space}{value}{' !important' if important else ''}")
                found = True
            continue
        out.append(piece)
    if not found:
        while out and not out[-1].strip():
            out.pop()
        sep = " " if re.search(r";[ \t]", text) else ""
        out.append(f"{sep}{decl}" if out else decl)
    el.set("style", ";".join(out))
    el.attrib.pop(name, None)


def remove_style_property(el: Element, name: str) -> None:
    if el.get("style") is None:
        return
    kept = [p for p in split_top_level(el.get("style"), ";") if p.partition(":")[0].strip().lower() != name]
    if any(p.strip() for p in kept):
        el.set("style", ";".join(kept))
    else:
        del el.attrib["style"]


def _style_declares(el: Element, name: str) -> bool:
    return any(p.partition(":")[0].strip().lower() == name for p in split_top_level(el.get("style") or "", ";"))


# --- values --------------------------------------------------------------------------


def _paint_value(paint: Paint) -> str:
    if paint is None:
        return "none"
    if isinstance(paint, (GradientRef, PatternRef)):
        fb = f" {format_color(paint.fallback)}" if paint.fallback is not None else ""
        return f"url(#{paint.id}){fb}"
    return format_color(paint)


def _decimals(shape: Shape) -> int:
    """Enough decimals for 0.001 canvas px: 3 at scale 1, more for zoomed-in user spaces."""
    s = max_scale(shape.ctm)
    if not math.isfinite(s) or s <= 0:
        return 3
    return int(min(8, max(3, 3 + math.ceil(math.log10(s)))))


def _num(value: float, what: str) -> str:
    if not math.isfinite(value):
        raise SVGError(f"{what} is not a finite number ({value}); the edit diverged, try a smaller step size")
    return format_number(value, 4)


class _Editor:
    def __init__(self, doc: Document):
        self.doc = doc
        root = doc.root_node
        self.svg_ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        self.parent = {child: el for el in root.iter() for child in el}
        rules, order = [], 0
        for el in root.iter():
            if el.tag == f"{self.svg_ns}style":
                sheet, _ = parse_stylesheet("".join(el.itertext()), order)
                rules += sheet
                order += len(sheet)
        self.cascade = Cascade(rules, self.parent.get)

        self.hoisted: set[tuple[int, str]] = set()  # (id(shape), prop) written on the ancestor instead

    def _set(self, el: Element, name: str, value: str) -> None:
        """Write a property in the form it was written: an attribute stays an attribute (unless a
        style sheet rule overrides attributes there), anything else goes into ``style``."""
        sheet = self.cascade.sheet_declares(el, name)
        if el.get(name) is not None and sheet is None and not _style_declares(el, name):
            el.set(name, value)
            return
        set_style_property(el, name, value, important=bool(sheet and sheet.important))

    def _declarer(self, el: Element, name: str):
        """The element whose own declaration gives *el* its *name*: itself or its nearest ancestor."""
        node = el
        while node is not None:
            if node.get(name) is not None or _style_declares(node, name) or self.cascade.sheet_declares(node, name):
                return node
            node = self.parent.get(node)
        return None

    def hoist_inherited_paints(self, shapes: list[Shape]) -> None:
        """Where every shape painted by an ancestor's ``fill``/``stroke`` got a new paint, the
        ancestor's declaration is updated: to the one new value they share (written there, not on
        each shape), else to the first shape's (each shape then gets its own), so no stale paint
        stays in the file."""
        for prop in ("fill", "stroke"):
            heirs: dict[Element, list[Shape]] = {}
            for shape in shapes:
                declarer = self._declarer(shape.node, prop) if shape.node is not None else None
                if declarer is not None and declarer is not shape.node:
                    heirs.setdefault(declarer, []).append(shape)
            for ancestor, members in heirs.items():
                if not all(m.editable and prop in m.edited for m in members):
                    continue
                paints = [getattr(m, prop) for m in members]
                opaque = all(not isinstance(p, tuple) or p[3] >= 1.0 for p in paints)
                values = [_paint_value(p) for p in paints]
                self._set(ancestor, prop, values[0])
                if opaque and len(set(values)) == 1:
                    self.hoisted.update((id(m), prop) for m in members)

    # shapes ---------------------------------------------------------------------

    def shape(self, shape: Shape) -> None:
        if not shape.editable or not shape.edited:
            return
        el = shape.node
        label = f"#{shape.id}" if shape.id else f"a <{shape.tag}>"
        if "geometry" in shape.edited:
            d = subpaths_to_d(shape.subpaths, _decimals(shape))
            local = local_name(el.tag)
            if local != "path":
                self._to_path(el, local)
            el.set("d", d)
        for prop, paint_name, opacity_name, opacity in (
            ("fill", "fill", "fill_opacity", shape.fill_opacity),
            ("stroke", "stroke", "stroke_opacity", shape.stroke_opacity),
        ):
            paint: Paint = getattr(shape, paint_name)
            alpha = paint[3] if isinstance(paint, tuple) else 1.0
            if (id(shape), prop) in self.hoisted:
                pass
            elif paint_name in shape.edited or (opacity_name in shape.edited and alpha < 1.0):
                self._set(el, prop, _paint_value(paint))
            if opacity_name in shape.edited or (paint_name in shape.edited and alpha < 1.0):
                self._set(el, f"{prop}-opacity", _num(opacity * alpha, f"{prop}-opacity of {label}"))
        if "opacity" in shape.edited:
            self._set(el, "opacity", _num(shape.opacity, f"opacity of {label}"))
        if "stroke_width" in shape.edited:
            self._set(el, "stroke-width", _num(shape.stroke_width, f"stroke-width of {label}"))

    def text_to_group(self, text: Element, shapes: list[Shape]) -> None:
        """Replace an edited ``<text>`` by a ``<g>`` of its glyph paths (see the module docstring)."""
        parent = self.parent.get(text)
        if parent is None:
            return
        group = Element(f"{self.svg_ns}g")
        for key, value in text.attrib.items():
            if key not in TEXT_POSITIONING:
                group.set(key, value)
        group.set("aria-label", " ".join("".join(text.itertext()).split()))
        group.text, group.tail = text.text if text.text and not text.text.strip() else None, text.tail
        indent = (text.text or "") if text.text and not text.text.strip() else ""
        for shape in shapes:
            if not shape.subpaths:
                continue
            path = Element(f"{self.svg_ns}path")
            path.tail = indent
            label = f"a glyph run of {('#' + text.get('id')) if text.get('id') else 'a <text>'}"
            for prop, paint, opacity in (("fill", shape.fill, shape.fill_opacity),
                                         ("stroke", shape.stroke, shape.stroke_opacity)):
                path.set(prop, _paint_value(paint))
                alpha = paint[3] if isinstance(paint, tuple) else 1.0
                if opacity * alpha != 1.0:
                    path.set(f"{prop}-opacity", _num(opacity * alpha, f"{prop}-opacity of {label}"))
            if shape.stroke is not None:
                path.set("stroke-width", _num(shape.stroke_width, f"stroke-width of {label}"))
            if not shape.visible:
                path.set("visibility", "hidden")
            path.set("d", subpaths_to_d(shape.subpaths, _decimals(shape)))
            group.append(path)
            self.parent[path] = group
            shape.node, shape.tag, shape.text = path, "path", None
            shape.edited.discard("geometry")
            shape.edited -= {"fill", "stroke", "fill_opacity", "stroke_opacity", "stroke_width"}
        if len(group):
            group[-1].tail = text.text if indent else None
        index = list(parent).index(text)
        parent.remove(text)
        parent.insert(index, group)
        self.parent[group] = parent

    def _to_path(self, el: Element, old_local: str) -> None:
        """Rename a basic shape to ``path``, pinning type-selector styles that would change."""
        before = dict(self.cascade.specified(el))
        el.tag = f"{self.svg_ns}path"
        self.cascade.changed(el)
        after = self.cascade.specified(el)
        for name in sorted(set(before) | set(after)):
            b, a = before.get(name), after.get(name)
            if _key(b) == _key(a):
                continue
            if b is not None:
                set_style_property(el, name, b.value, b.important or bool(a and a.important))
            elif name in INITIAL:
                set_style_property(el, name, "inherit" if name in INHERITED else INITIAL[name], a.important)
        self.cascade._specified.pop(el, None)
        for attr in GEOMETRY_ATTRIBUTES.get(old_local, ()):
            el.attrib.pop(attr, None)

    # gradients -------------------------------------------------------------------

    def gradient(self, g: Gradient) -> None:
        if "stops" in g.edited:
            self._stops(g)
        if "geometry" in g.edited:
            names = ("x1", "y1", "x2", "y2") if g.kind == "linear" else ("cx", "cy", "r", "fx", "fy", "fr")
            for name, value in zip(names, g.geometry):
                if name == "fr" and value == 0 and g.node.get("fr") is None:
                    continue
                g.node.set(name, _num(value, f"{name} of gradient #{g.id}"))
        if "transform" in g.edited:
            m = g.transform
            values = " ".join(_num(v, f"gradientTransform of #{g.id}") for v in (m[0, 0], m[1, 0], m[0, 1], m[1, 1], m[0, 2], m[1, 2]))
            g.node.set("gradientTransform", f"matrix({values})")

    # filters ---------------------------------------------------------------------

    def filter_numbers(self, numbers) -> None:
        """An edited filter number back into its attribute (or property, where it was written as one)."""
        el, attr = numbers.node, numbers.attr
        what = f"{attr} of <{local_name(el.tag)}>"
        if attr in ("flood-color", "lighting-color"):
            r, g, b = numbers.values[:3]
            values = {attr: format_color((r, g, b, 1.0))}
            if attr == "flood-color":
                values["flood-opacity"] = _num(numbers.values[3], what)
            for name, value in values.items():
                if self.cascade.sheet_declares(el, name) is not None or name in parse_style(el.get("style") or ""):
                    self._set(el, name, value)
                else:
                    el.set(name, value)
            self.cascade._specified.pop(el, None)
            return
        values = list(numbers.values)
        if attr == "stdDeviation" and len(values) == 2 and values[0] == values[1] \
                and len((el.get(attr) or "").replace(",", " ").split()) < 2:
            values = values[:1]
        el.set(attr, " ".join(_num(v, what) for v in values))

    def _stops(self, g: Gradient) -> None:
        nodes = list(g.stop_nodes)
        owner = self.parent.get(nodes[0]) if nodes else g.node
        while len(nodes) > len(g.stops):
            extra = nodes.pop()
            self.parent[extra].remove(extra)
        while len(nodes) < len(g.stops):
            new = Element(f"{self.svg_ns}stop")
            if nodes:
                prev = nodes[-1]
                new.tail = prev.tail
                owner.insert(list(owner).index(prev) + 1, new)
            else:
                owner.append(new)
            self.parent[new] = owner
            nodes.append(new)
        for stop, node in zip(g.stops, nodes):
            values = {
                "offset": _num(stop.offset, f"stop offset of gradient #{g.id}"),
                "stop-color": format_color(stop.color),
                "stop-opacity": _num(stop.color[3], f"stop-opacity of gradient #{g.id}"),
            }
            for name, value in values.items():
                if name != "offset" and self.cascade.sheet_declares(node, name) is not None:
                    self._set(node, name, value)
                else:
                    remove_style_property(node, name)
                    node.set(name, value)
            self.cascade._specified.pop(node, None)
        g.stop_nodes[:] = nodes


def apply_edits(doc: Document) -> None:
    """Write the model's recorded edits into ``doc.root_node`` (idempotent)."""
    editor = _Editor(doc)
    texts: dict[int, tuple[Element, list[Shape]]] = {}
    for shape in doc.shapes():
        if shape.text is not None and shape.editable:
            texts.setdefault(id(shape.text), (shape.text, []))[1].append(shape)
    for text, shapes in texts.values():
        if any("geometry" in s.edited for s in shapes):
            editor.text_to_group(text, shapes)
    editor.hoist_inherited_paints(doc.shapes())
    for shape in doc.shapes():
        editor.shape(shape)
    for gradient in doc.gradients.values():
        if gradient.edited:
            editor.gradient(gradient)
    for f in doc.filters.values():
        for numbers in f.numbers() if f is not None else ():
            if numbers.edited and numbers.node is not None:
                editor.filter_numbers(numbers)


def dumps_svg(doc: Document) -> str:
    """The document as SVG text: prolog + tree + epilog, with edits applied."""
    with recursion_room():
        apply_edits(doc)
        return doc.prolog + serialize(doc.root_node, doc.source, doc.namespaces) + doc.epilog


_DECL_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _encoding(doc: Document) -> str:
    source_encoding = getattr(doc.source, "encoding", None)
    if source_encoding:
        return source_encoding
    m = _DECL_ENCODING.match(doc.prolog)
    try:
        return document_codec(m.group(1), "document") if m else "utf-8"
    except SVGError:
        return "utf-8"


def save_svg(doc: Document, path: Union[str, os.PathLike]) -> None:
    """Write the document to *path* atomically (temp file in the same folder + rename).

    The file is encoded as the source was (or as its XML declaration says, else UTF-8).
    Raises :class:`InputError` when the folder is missing or not writable; a failed
    write never leaves a partial file behind.
    """
    from vecedit.paths import write_atomic

    write_atomic(path, svg_bytes(doc))


def svg_bytes(doc: Document) -> bytes:
    """The bytes :func:`save_svg` writes: :func:`dumps_svg` in the source's encoding (BOM included);
    an unedited document gives back the very bytes it was read from, whatever the codec."""
    text = dumps_svg(doc)
    original = getattr(doc.source, "original", None)
    if original is not None and original[0] == text:
        return original[1]
    return encode_source(text, _encoding(doc))


_ROOT_END = re.compile(r"</((?:[A-Za-z_][\w.-]*:)?)svg\s*>$")
_ROOT_EMPTY = re.compile(r"<((?:[A-Za-z_][\w.-]*:)?)svg\b[^<]*/>$")


def insert_markup(doc: Document, markup: str, pixels: bool = True) -> Document:
    """A new document: ``doc`` with SVG ``markup`` appended as the root's last children (drawn on top).

    With ``pixels`` (the default) the markup's coordinates are document pixels and are
    wrapped in a ``<g transform>`` that undoes the root's viewBox; otherwise they are the
    root's user units. Everything already in the document is kept as it was written;
    ``doc`` itself is not changed.
    """
    from vecedit.svg.parse import load_svg
    from vecedit.svg.transform import parse_preserve_aspect_ratio, parse_transform, viewbox_transform

    root = doc.root_node
    if pixels:
        ctm = parse_transform(root.get("transform")) @ viewbox_transform(
            doc.viewbox, doc.width, doc.height, parse_preserve_aspect_ratio(root.get("preserveAspectRatio")))
        inverse = np.linalg.inv(ctm)
        if not np.allclose(inverse, np.eye(3)):
            a, c, e, b, d, f = (float(v) for v in inverse[:2].ravel())
            markup = f'<g transform="matrix({a:.8g} {b:.8g} {c:.8g} {d:.8g} {e:.8g} {f:.8g})">{markup}</g>'
    text = dumps_svg(doc)
    body, epilog = text[:len(text) - len(doc.epilog)].rstrip(), text[len(text) - len(doc.epilog):]
    end, empty = _ROOT_END.search(body), _ROOT_EMPTY.search(body)
    match = end or empty
    if match is None:
        raise InputError("cannot find the end of the root <svg> element to insert into")
    if match.group(1):  # a prefixed root (<svg:svg>): unprefixed markup needs the SVG namespace
        markup = f'<g xmlns="http://www.w3.org/2000/svg">{markup}</g>'
    if end is not None:
        body = body[:end.start()] + markup + body[end.start():]
    else:
        body = body[:-2] + ">" + markup + f"</{match.group(1)}svg>"
    return load_svg(body + epilog)
