"""A ``<text>`` element's content → characters, positions, chunks and styled spans (SVG 2 §11).

What is resolved here, before any font is opened:

* white space (SVG 1.1 §10.15 ``xml:space``, SVG 2 ``white-space: pre``), treating the
  text nodes of the whole element as one string, the way Chrome (and resvg) do;
* per-character ``x``/``y``/``dx``/``dy`` (each element's list covers its own characters,
  descendants' lists win) and ``rotate`` (the last value repeats);
* text chunks: a new one at every absolute position and at each ``textPath``;
* spans: runs of characters with the same owning element, with that element's font,
  spacing, baselines, ``textLength`` and decorations.

A character is a Unicode code point, as in SVG 2 and resvg.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Optional
from xml.etree.ElementTree import Element

from vecedit.svg.css import local_name
from vecedit.errors import SVGError
from vecedit.svg.units import diagonal, parse_length, parse_number_list

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
CONTENT_TAGS = ("tspan", "textPath", "a", "tref")
DECORATIONS = ("underline", "overline", "line-through")
WEIGHTS = {"normal": 400, "bold": 700}
STRETCHES = {"ultra-condensed": 1, "extra-condensed": 2, "condensed": 3, "semi-condensed": 4, "normal": 5,
             "semi-expanded": 6, "expanded": 7, "extra-expanded": 8, "ultra-expanded": 9,
             "narrower": 3, "wider": 7}


@dataclass
class Span:
    """Characters ``start:end`` of a chunk owned by one element, with what layout needs of its style."""

    start: int
    end: int
    owner: Element
    style: dict
    families: tuple[str, ...]
    weight: int
    font_style: str
    stretch: int
    size: float
    small_caps: bool
    kerning: bool
    letter_spacing: float
    word_spacing: float
    baseline_shift: tuple  # ("sub"|"super"|float, …) innermost first
    dominant_baseline: str
    alignment_baseline: str
    text_length: Optional[float]
    length_adjust: str
    decorations: dict  # "underline" → (element whose paint draws it, its style)
    visible: bool
    bidi: tuple = ()  # (element, unicode-bidi, rtl) of each context holding the span, outermost first


@dataclass
class PathFlow:
    subpaths: list  # vecedit.svg.model.Subpath in the text's user space
    start_offset: float
    side: str  # "left" | "right"
    method: str  # "align" | "stretch"
    owner: Element


@dataclass
class Chunk:
    x: Optional[float]
    y: Optional[float]
    anchor: str
    text: str
    start: int  # index of the first character in the text element
    spans: list[Span] = field(default_factory=list)
    flow: Optional[PathFlow] = None


@dataclass
class TextContent:
    element: Element
    string: str  # all characters after white-space processing
    dx: list[float]
    dy: list[float]
    rotate: list[float]
    chunks: list[Chunk]
    vertical: bool
    rtl: bool
    bidi_paragraph: str = "normal"  # the <text>'s own unicode-bidi

    @property
    def accessible_text(self) -> str:
        return " ".join(self.string.split())


BIDI_CONTEXTS = ("embed", "isolate", "bidi-override", "isolate-override", "plaintext")


class Collector:
    """Walks one ``<text>``. ``style_of(el, parent_style)`` is the render tree's computed style."""

    def __init__(self, text: Element, text_style: dict, style_of: Callable, is_svg: Callable,
                 flow_of: Callable, viewport: tuple[float, float], outer_decorations: frozenset = frozenset(),
                 ids: Optional[dict] = None, dominant_of: Optional[Callable] = None):
        self.text = text
        self.dominant_of = dominant_of
        self.ids = ids or {}
        self.outer_decorations = outer_decorations
        self.style_of = style_of
        self.is_svg = is_svg
        self.flow_of = flow_of
        self.viewport = viewport
        self.styles: dict[Element, dict] = {text: text_style}
        self.parents: dict[Element, Element] = {}
        self.nodes: list[list] = []  # [owner, depth, text, preserve]
        self.first: dict[Element, int] = {}
        self.count: dict[Element, int] = {}

    # --- the walk ---------------------------------------------------------------------

    def _children(self, el: Element) -> list[Element]:
        out = []
        for child in el:
            if not self.is_svg(child) or local_name(child.tag) not in CONTENT_TAGS:
                continue
            if local_name(child.tag) == "textPath" and el is not self.text:
                continue  # SVG 2 §11.8: textPath only as a child of text
            out.append(child)
        return out

    def tref_text(self, tref: Element) -> str:
        from vecedit.svg.refs import href_of

        href = href_of(tref) or ""
        target = self.ids.get(href[1:]) if href.startswith("#") else None
        return "".join(target.itertext()) if target is not None else ""

    def _walk(self, el: Element, depth: int, preserve: bool) -> None:
        value = (el.get(XML_SPACE) or "").strip()
        preserve = value == "preserve" if value else preserve
        if self.styles[el]["white-space"].strip().lower() in ("pre", "pre-wrap", "break-spaces", "pre-line"):
            preserve = True
        self.nodes.append([el, depth, _collapse(el.text or "", preserve), preserve])
        for child in el:
            if child in self._kids.get(el, ()):
                self.styles[child] = self.style_of(child, self.styles[el])
                self.parents[child] = el
                if local_name(child.tag) == "tref":  # SVG 1.1 §10.6: the referenced element's characters
                    self.nodes.append([child, depth + 1, _collapse(self.tref_text(child), preserve), preserve])
                else:
                    self._walk(child, depth + 1, preserve)
            self.nodes.append([el, depth, _collapse(child.tail or "", preserve), preserve])

    def collect(self) -> TextContent:
        self._kids = {}
        stack = [self.text]
        while stack:
            el = stack.pop()
            self._kids[el] = set(self._children(el))
            stack += list(self._kids[el])
        self._walk(self.text, 0, False)
        _trim(self.nodes)
        # Character offsets per element (for the position lists).
        offset = 0
        order: list[Element] = []
        ends: dict[Element, int] = {}
        for node in self.nodes:
            owner = node[0]
            if owner not in self.first:
                self.first[owner] = offset
                order.append(owner)
            offset += len(node[2])
            ends[owner] = offset
        total = offset
        extent = dict(ends)  # an element's characters include its descendants': each end pushed up its ancestors
        for el in order:  # (O(elements × depth); comparing every pair was quadratic: 5,000 tspans took minutes)
            above = self.parents.get(el)
            while above is not None:
                if above in extent:
                    extent[above] = max(extent[above], ends[el])
                above = self.parents.get(above)
        for el in order:
            self.count[el] = extent[el] - self.first[el]
        xs, ys, dxs, dys = ([None] * total for _ in range(4))
        rotate = [0.0] * total
        vw, vh = self.viewport
        last_rotate = 0.0
        for el in order:
            start, n = self.first[el], self.count[el]
            if local_name(el.tag) in ("text", "tspan"):
                for attr, target, ref in (("x", xs, vw), ("y", ys, vh), ("dx", dxs, vw), ("dy", dys, vh)):
                    values = self._lengths(el, attr, ref)
                    for i, v in enumerate(values[:n]):
                        target[start + i] = v
            angles = self._numbers(el, "rotate")
            if angles:
                for i in range(n):
                    if i < len(angles):
                        last_rotate = angles[i]
                    rotate[start + i] = angles[i] if i < len(angles) else last_rotate
        chunks = self._chunks(xs, ys)
        string = "".join(node[2] for node in self.nodes)
        style = self.styles[self.text]
        mode = style["writing-mode"].strip().lower()
        return TextContent(self.text, string, [v or 0.0 for v in dxs], [v or 0.0 for v in dys], rotate, chunks,
                           mode in ("tb", "tb-rl", "vertical-rl", "vertical-lr"),
                           style["direction"].strip().lower() == "rtl", style["unicode-bidi"].strip().lower())

    def _chunks(self, xs, ys) -> list[Chunk]:
        chunks: list[Chunk] = []
        offset = 0
        split = False
        current_flow: Optional[PathFlow] = None
        flows: dict[Element, Optional[PathFlow]] = {}
        spans: dict[Element, Optional[Span]] = {}
        for owner, _, text, _ in self.nodes:
            path_el = self._text_path_of(owner)
            flow = None
            if path_el is not None:
                if path_el not in flows:
                    flows[path_el] = self.flow_of(path_el, self.styles[path_el])
                flow = flows[path_el]
                if flow is None:  # a textPath to nothing: its characters are not drawn
                    offset += len(text)
                    continue
            if owner not in spans:
                spans[owner] = self._span(owner)
            template = spans[owner]
            for char in text:
                if template is None or self._hidden(owner):
                    offset += 1
                    continue
                if flow is not current_flow:
                    split, current_flow = True, flow
                new_chunk = xs[offset] is not None or ys[offset] is not None or split or not chunks
                split = False
                if new_chunk:
                    anchor = self.styles[owner]["text-anchor"].strip().lower()
                    chunks.append(Chunk(xs[offset], ys[offset], anchor, "", offset, [], flow))
                chunk = chunks[-1]
                pos = len(chunk.text)
                chunk.text += char
                last = chunk.spans[-1] if chunk.spans else None
                if last is not None and last.owner is owner and last.end == pos:
                    last.end += 1
                else:
                    span = Span(**{**template.__dict__, "start": pos, "end": pos + 1})
                    chunk.spans.append(span)
                offset += 1
        return chunks

    def _text_path_of(self, el: Element) -> Optional[Element]:
        while el is not None and el is not self.text:
            if local_name(el.tag) == "textPath":
                return el
            el = self.parents.get(el)
        return None

    def _hidden(self, el: Element) -> bool:
        while el is not None:
            if self.styles[el]["display"].strip().lower() == "none":
                return True
            el = self.parents.get(el)
        return False

    # --- values -----------------------------------------------------------------------

    def _lengths(self, el: Element, attr: str, ref: float) -> list[float]:
        text = el.get(attr)
        if not text or not text.strip():
            return []
        out = []
        for part in re.split(r"[\s,]+", text.strip()):
            try:
                out.append(parse_length(part, ref, what=attr))
            except Exception:
                return []  # an invalid list is ignored as a whole, as browsers do
        return out

    def _numbers(self, el: Element, attr: str) -> list[float]:
        text = el.get(attr)
        if not text or not text.strip():
            return []
        try:  # through the shared guard: "1e999" or "nan" invalidate the list, as any unparsable value
            return parse_number_list(text, attr)
        except SVGError:
            return []

    def _span(self, owner: Element) -> Optional[Span]:
        style = self.styles[owner]
        size = float(style["font-size"].rstrip("px"))
        if not size > 0:
            return None
        shifts = []
        el = owner
        while el is not None and el is not self.text:
            value = self.styles[el]["baseline-shift"].strip().lower()
            if value in ("sub", "super"):
                shifts.append(value)
            elif value != "baseline":
                own = float(self.styles[el]["font-size"].rstrip("px"))
                try:
                    shifts.append(parse_length(value, own, what="baseline-shift") if value.endswith("%")
                                  else _em_length(value, own, self.viewport))
                except Exception:
                    pass
            el = self.parents.get(el)
        dominant = (self.dominant_of(owner) if self.dominant_of else style["dominant-baseline"]).strip().lower()
        if dominant in ("before-edge", "after-edge"):
            dominant = "auto"  # alignment-baseline values only: resvg drops them here as invalid
        if dominant == "no-change":
            parent = self.parents.get(owner)
            dominant = self.styles[parent]["dominant-baseline"].strip().lower() if parent is not None else "auto"
        length = None
        if owner.get("textLength"):
            try:
                length = parse_length(owner.get("textLength"), self.viewport[0], what="textLength")
            except Exception:
                length = None
            if length is not None and length < 0:
                length = None
        kerning = style["font-kerning"].strip().lower() != "none" and style["kerning"].strip() not in ("0", "0px")
        return Span(
            start=0, end=0, owner=owner, style=style,
            families=parse_families(style["font-family"]),
            weight=int(float(style["font-weight"])),
            font_style=style["font-style"].strip().lower() if style["font-style"].strip().lower() in
            ("italic", "oblique") else "normal",
            stretch=STRETCHES.get(style["font-stretch"].strip().lower(), 5),
            size=size,
            small_caps=style["font-variant"].strip().lower() == "small-caps",
            kerning=kerning,
            letter_spacing=_spacing(style["letter-spacing"], size, self.viewport),
            word_spacing=_spacing(style["word-spacing"], size, self.viewport),
            baseline_shift=tuple(shifts),
            dominant_baseline=dominant,
            alignment_baseline=style["alignment-baseline"].strip().lower(),
            text_length=length,
            length_adjust="spacingAndGlyphs" if (owner.get("lengthAdjust") or "").strip() == "spacingAndGlyphs"
            else "spacing",
            decorations=self._decorations(owner),
            visible=style["visibility"].strip().lower() == "visible",
            bidi=self._bidi_contexts(owner),
        )

    def _bidi_contexts(self, owner: Element) -> tuple:
        """The ``unicode-bidi`` contexts (CSS Writing Modes 3 §2.2) of the span's ancestors inside
        the text, outermost first (the ``<text>``'s own value sets the paragraph instead)."""
        out = []
        el = owner
        while el is not None and el is not self.text:
            kind = self.styles[el]["unicode-bidi"].strip().lower()
            if kind in BIDI_CONTEXTS:
                out.append((el, kind, self.styles[el]["direction"].strip().lower() == "rtl"))
            el = self.parents.get(el)
        return tuple(reversed(out))

    def _decorations(self, owner: Element) -> dict:
        """resvg's rule: declared on any ancestor; painted as the nearest declaring element (or the text)."""
        out = {}
        chain = []
        el = owner
        while el is not None:
            chain.append(el)
            el = self.parents.get(el)
        for kind in DECORATIONS:
            painter = None
            for el in chain:
                if kind in self._decoration_words(el):
                    painter = el
                    break
            if painter is None and kind in self.outer_decorations:
                painter = self.text
            if painter is not None:
                out[kind] = (painter, self.styles[painter])
        return out

    def _decoration_words(self, el: Element) -> set:
        return set(self.styles[el]["text-decoration"].strip().lower().split())


def _collapse(text: str, preserve: bool) -> str:
    """Newlines and tabs become spaces; without ``preserve`` runs of spaces become one."""
    text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return text if preserve else re.sub(" {2,}", " ", text)


def _trim(nodes: list[list]) -> None:
    """Leading/trailing space of the whole text and doubled spaces across node boundaries (as Chrome)."""
    live = [n for n in nodes if n[2]]  # as XML parsers give no node for empty text
    if not live:
        return
    if len(live) == 1:
        node = live[0]
        if not node[3]:
            node[2] = node[2].strip(" ") if node[2] != " " else ""
        return
    last_non_empty = None
    for i in range(len(live) - 1):
        n1, n2 = live[i], live[i + 1]
        if not n1[2] and last_non_empty is not None:
            n1 = last_non_empty
        c2 = n1[2][-1:] if n1[2] else ""
        c3 = n2[2][:1] if n2[2] else ""
        if n1[1] < n2[1]:
            if c3 == " " and not n2[3]:
                n2[2] = n2[2][1:]
        elif c2 == " " and c3 == " ":
            if not n1[3] and not n2[3]:
                n1[2] = n1[2][:-1]
            elif n1[3] and not n2[3]:
                n2[2] = n2[2][1:]
        first, last = i == 0, i == len(live) - 2
        if first and n1[2][:1] == " " and not n1[3]:
            n1[2] = n1[2][1:]
        elif last and n2[2][-1:] == " " and not n2[3]:
            n2[2] = n2[2][:-1]
        if last and n1[2].endswith(" ") and not n2[2] and not n1[3]:
            n1[2] = n1[2][:-1]
        if n1[2].strip():
            last_non_empty = n1


def parse_families(text: str) -> tuple[str, ...]:
    """``'Foo Bar', serif`` → ("Foo Bar", "serif")."""
    out = []
    for part in re.split(r",(?=(?:[^\"']*[\"'][^\"']*[\"'])*[^\"']*$)", text):
        name = part.strip().strip("'\"").strip()
        if name:
            out.append(name)
    return tuple(out)


def _em_length(text: str, font_size: float, viewport: tuple[float, float]) -> float:
    t = text.strip().lower()
    if t.endswith("em") and not t.endswith("rem"):
        return float(t[:-2]) * font_size
    if t.endswith("ex"):
        return float(t[:-2]) * font_size / 2
    return parse_length(t, diagonal(*viewport))


def _spacing(text: str, font_size: float, viewport: tuple[float, float]) -> float:
    t = text.strip().lower()
    if t in ("normal", ""):
        return 0.0
    try:
        return _em_length(t, font_size, viewport)
    except Exception:
        return 0.0


__all__ = ["Collector", "TextContent", "Chunk", "Span", "PathFlow", "parse_families"]
