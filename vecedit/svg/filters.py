"""``filter`` property and ``<filter>`` elements → plain-data filter descriptions.

Filter Effects Module Level 1: a ``filter`` value is a chain of ``url(#id)`` references
and CSS filter functions (§13); each becomes a :class:`Filter` (region, units,
primitives). Nothing here depends on the element's geometry: the region and the
primitive subregions stay in their units (user units, or bounding-box fractions) and
:mod:`vecedit.render.filters.resolve` turns them into canvas pixels for each element.

Defaults and fallbacks follow the spec and, where it leaves room, resvg (the reference
renderer): an ``in`` naming no earlier result takes the previous result (or
``SourceGraphic``); a primitive with invalid numbers becomes a transparent flood; a
filter without valid primitives, or with an empty region, makes the element not drawn.
``BackgroundImage``, ``BackgroundAlpha``, ``FillPaint`` and ``StrokePaint`` are read as
``SourceGraphic``, which is what resvg 0.48 draws for each (noted). Numbers that an edit may move are :class:`Numbers`, which keep
their element and attribute so the writer can put them back in place.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional
from xml.etree.ElementTree import Element

import vecedit.limits as limits
from vecedit.errors import SVGError
from vecedit.svg.color import parse_color
from vecedit.svg.css import local_name, split_top_level
from vecedit.svg.filter_primitives import Numbers, Primitive, parse_primitive
from vecedit.svg.units import NUMBER, parse_length, whole
from vecedit.svg.refs import href_chain

PRIMITIVES = (
    "feBlend", "feColorMatrix", "feComponentTransfer", "feComposite", "feConvolveMatrix", "feDiffuseLighting",
    "feDisplacementMap", "feDropShadow", "feFlood", "feGaussianBlur", "feImage", "feMerge", "feMorphology",
    "feOffset", "feSpecularLighting", "feTile", "feTurbulence",
)
SOURCE_STANDINS = ("BackgroundImage", "BackgroundAlpha", "FillPaint", "StrokePaint")  # read as SourceGraphic
STANDARD_INPUTS = ("SourceGraphic", "SourceAlpha") + SOURCE_STANDINS
_FUNCTION = re.compile(r"\s*([a-zA-Z-]+)\(([^()]*(?:\([^()]*\)[^()]*)*)\)\s*")


@dataclass
class Filter:
    id: Optional[str]  # None for CSS filter functions
    node: Optional[Element]
    units: str  # filterUnits: objectBoundingBox | userSpaceOnUse
    primitive_units: str
    region: tuple[float, float, float, float]  # x, y, width, height in ``units``
    primitives: list[Primitive]

    def numbers(self) -> list[Numbers]:
        out = []
        for p in self.primitives:
            out += _numbers_in(p.params)
        return out


def _numbers_in(value) -> list[Numbers]:
    if isinstance(value, Numbers):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers_in(v)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _numbers_in(v)]
    return []


# --- the filter property ---------------------------------------------------------------


def parse_filter_value(text: str) -> Optional[list[tuple[str, str]]]:
    """``url(#a) blur(2px)`` → [("url", "#a"), ("blur", "2px")]; None when it cannot be read.

    ``none`` gives []. CSS drops a whole value that does not parse, so one bad piece
    means no filter at all.
    """
    text = text.strip()
    if not text or text.lower() == "none":
        return []
    out, pos = [], 0
    while pos < len(text):
        m = _FUNCTION.match(text, pos)
        if not m:
            return None
        name, args = m.group(1).lower(), m.group(2).strip()
        if name == "url":
            args = args.strip("'\"").strip()
        out.append((name, args))
        pos = m.end()
    return out


def _amount(args: str, clamp: bool) -> Optional[float]:
    """A number or percentage (default 1); negative is invalid."""
    if not args:
        return 1.0
    try:
        value = float(args[:-1]) / 100 if args.endswith("%") else float(args)
    except ValueError:
        return None
    if value < 0 or not math.isfinite(value):
        return None
    return min(value, 1.0) if clamp else value


_ANGLE = re.compile(rf"\s*({NUMBER})\s*([a-zA-Z]*)\s*")  # the shared number grammar: linear
_ANGLE_UNITS = {"deg": 1.0, "grad": 0.9, "rad": 180 / math.pi, "turn": 360.0, "": 1.0}


def _angle(args: str) -> Optional[float]:
    if not args:
        return 0.0
    m = whole(_ANGLE, args)
    if not m or m.group(2).lower() not in _ANGLE_UNITS or (m.group(2) == "" and float(m.group(1)) != 0):
        return None
    return float(m.group(1)) * _ANGLE_UNITS[m.group(2).lower()]


def _css_length(text: str) -> Optional[float]:
    try:
        return parse_length(text, None, "length")
    except SVGError:
        return None


def css_function_filter(name: str, args: str, current_color) -> Optional[Filter]:
    """One CSS filter function as a one-primitive :class:`Filter` (sRGB, as CSS computes)."""
    matrix = lambda values: {"type": "matrix", "values": Numbers(None, "values", tuple(values))}
    transfer = lambda funcs: {"funcs": funcs}
    identity = ("identity", {})
    if name == "blur":
        std = _css_length(args) if args else 0.0
        if std is None or std < 0:
            return None
        kind, params = "feGaussianBlur", {"std": Numbers(None, "stdDeviation", (std, std)), "edgeMode": "none"}
    elif name == "drop-shadow":
        kind, params = "feDropShadow", _drop_shadow_args(args, current_color)
        if params is None:
            return None
    elif name in ("grayscale", "sepia", "invert", "opacity"):
        amount = _amount(args, clamp=True)
        if amount is None:
            return None
        if name in ("grayscale", "sepia"):
            kind, params = "feColorMatrix", matrix(_tone_matrix(name, amount))
        elif name == "invert":
            table = ("table", {"tableValues": Numbers(None, "tableValues", (amount, 1 - amount))})
            kind, params = "feComponentTransfer", transfer([table, table, table, identity])
        else:
            opacity = ("table", {"tableValues": Numbers(None, "tableValues", (0.0, amount))})
            kind, params = "feComponentTransfer", transfer([identity, identity, identity, opacity])
    elif name in ("saturate", "brightness", "contrast"):
        amount = _amount(args, clamp=False)
        if amount is None:
            return None
        if name == "saturate":
            kind, params = "feColorMatrix", {"type": "saturate", "values": Numbers(None, "values", (amount,))}
        else:
            intercept = 0.0 if name == "brightness" else 0.5 - 0.5 * amount
            linear = ("linear", {"slope": Numbers(None, "slope", (amount,)),
                                 "intercept": Numbers(None, "intercept", (intercept,))})
            kind, params = "feComponentTransfer", transfer([linear, linear, linear, identity])
    elif name == "hue-rotate":
        angle = _angle(args)
        if angle is None:
            return None
        kind, params = "feColorMatrix", {"type": "hueRotate", "values": Numbers(None, "values", (angle,))}
    else:
        return None
    big = kind in ("feGaussianBlur", "feDropShadow")
    region = (-0.5, -0.5, 2.0, 2.0) if big else (-0.1, -0.1, 1.2, 1.2)  # resvg's regions for functions
    primitive = Primitive(kind, None, ("SourceGraphic",), "result", (None,) * 4, False, params)
    return Filter(None, None, "objectBoundingBox", "userSpaceOnUse", region, [primitive])


def _tone_matrix(name: str, amount: float) -> list[float]:
    """Filter Effects 1 §13.2: grayscale() and sepia() as colour matrices."""
    a = 1 - amount
    if name == "grayscale":
        rows = [(0.2126 + 0.7874 * a, 0.7152 - 0.7152 * a, 0.0722 - 0.0722 * a),
                (0.2126 - 0.2126 * a, 0.7152 + 0.2848 * a, 0.0722 - 0.0722 * a),
                (0.2126 - 0.2126 * a, 0.7152 - 0.7152 * a, 0.0722 + 0.9278 * a)]
    else:
        rows = [(0.393 + 0.607 * a, 0.769 - 0.769 * a, 0.189 - 0.189 * a),
                (0.349 - 0.349 * a, 0.686 + 0.314 * a, 0.168 - 0.168 * a),
                (0.272 - 0.272 * a, 0.534 - 0.534 * a, 0.131 + 0.869 * a)]
    out = []
    for row in rows:
        out += [*row, 0.0, 0.0]
    return out + [0.0, 0.0, 0.0, 1.0, 0.0]


def _drop_shadow_args(args: str, current_color) -> Optional[dict]:
    """``drop-shadow([color] dx dy [blur] [color])``."""
    parts = split_top_level(args.replace("\t", " ").replace("\n", " "), " ")
    parts = [p for p in parts if p.strip()]
    color, lengths = None, []
    for part in parts:
        value = _css_length(part)
        if value is not None:
            lengths.append(value)
            continue
        if color is not None:
            return None
        try:
            color = parse_color(part, current_color)
        except SVGError:
            return None
    if len(lengths) not in (2, 3) or (len(lengths) == 3 and lengths[2] < 0):
        return None
    std = lengths[2] if len(lengths) == 3 else 0.0
    color = color if color is not None else (current_color or (0.0, 0.0, 0.0, 1.0))
    return {"std": Numbers(None, "stdDeviation", (std, std)), "dx": Numbers(None, "dx", (lengths[0],)),
            "dy": Numbers(None, "dy", (lengths[1],)), "color": Numbers(None, "flood-color", tuple(color))}


# --- <filter> elements --------------------------------------------------------------------


class FilterParser:
    """Parses ``<filter>`` elements for one document (each once; the result is shared).

    ``style(el)`` gives an element's computed style along the source tree; ``ids`` the
    document's elements by id; ``note(el, message)`` records what is not drawn as written;
    ``image(feImage, href)`` gives what an ``feImage`` pointing at an element or a file shows
    (the element's render tree, or the file's pixels; None: nothing, noted there).
    """

    def __init__(self, ids: dict[str, Element], style: Callable[[Element], dict],
                 note: Callable[[Element, str], None], is_svg: Callable[[Element, Optional[str]], bool],
                 image: Optional[Callable[[Element, str], Any]] = None):
        self.ids, self.style, self.note, self.is_svg, self.image = ids, style, note, is_svg, image
        self.parsed: dict[str, Optional[Filter]] = {}
        self.chains: dict[tuple, tuple[Optional[list[Filter]], Optional[str]]] = {}  # (value, color) → chain()'s
        self.primitive_count = 0  # primitives parsed in this document (Limits.filter_primitives)

    def chain(self, el: Element, value: str, current_color) -> Optional[list[Filter]]:
        """The filters of *el*'s ``filter`` value; None when the element must not be drawn.
        Each distinct value is read once (a style sheet may give a long one to every element)."""
        key = (value, tuple(current_color))
        if key not in self.chains:
            self.chains[key] = self._chain(value, current_color)
        filters, problem = self.chains[key]
        if problem:
            self.note(el, problem)
        return None if filters is None else list(filters)

    def _chain(self, value: str, current_color) -> tuple[Optional[list[Filter]], Optional[str]]:
        """(the filters or None, what to note on each element that has this value)."""
        unreadable = f"filter {value.strip()[:60]!r} cannot be read and is ignored, as browsers do"
        items = parse_filter_value(value)
        if items is None:
            return [], unreadable
        out, broken = [], False
        for name, args in items:
            if name == "url":
                f = self.element(args[1:]) if args.startswith("#") else None
                if f is None:
                    broken = True
                else:
                    out.append(f)
                continue
            f = css_function_filter(name, args, current_color)
            if f is None:
                return [], unreadable
            out.append(f)
        if broken and not out:  # resvg: a filter that points nowhere hides the element
            return None, f"filter {value.strip()[:60]!r} refers to no valid <filter>; the element is not drawn"
        return out, None

    def element(self, fid: str) -> Optional[Filter]:
        if fid not in self.parsed:
            self.parsed[fid] = None  # a reference back to itself while parsing finds None
            node = self.ids.get(fid)
            if node is not None and self.is_svg(node, "filter"):
                self.parsed[fid] = self._parse(node)
        return self.parsed[fid]

    def _parse(self, node: Element) -> Optional[Filter]:
        # the filters it inherits from through href: the shared resolver's linear, bounded walk
        chain = href_chain(node, self.ids, lambda t: self.is_svg(t, "filter"))

        def chain_attr(name: str) -> Optional[str]:
            return next((f.get(name) for f in chain if f.get(name) is not None), None)

        units = _units(chain_attr("filterUnits"), "objectBoundingBox")
        primitive_units = _units(chain_attr("primitiveUnits"), "userSpaceOnUse")
        region = []
        for attr, default in (("x", -0.1), ("y", -0.1), ("width", 1.2), ("height", 1.2)):
            default = default if units == "objectBoundingBox" else ("%", default)  # -10 % / 120 % of the viewport
            region.append(_unit_length(chain_attr(attr), units, default, attr))
        if any(not isinstance(v, tuple) and v <= 0 for v in region[2:]) or any(
                isinstance(v, tuple) and v[1] <= 0 for v in region[2:]):
            self.note(node, "filter region has no area; elements using it are not drawn")
            return None
        holder = next((f for f in chain if any(self.is_svg(c, None) for c in f)), None)
        primitives = self._primitives(holder, primitive_units) if holder is not None else []
        if not primitives:
            self.note(node, "filter has no valid primitives; elements using it are not drawn")
            return None
        return Filter(node.get("id"), node, units, primitive_units, tuple(region), primitives)

    def _primitives(self, holder: Element, units: str) -> list[Primitive]:
        out: list[Primitive] = []
        names: set[str] = set()
        counter = 1
        for child in holder:
            if not self.is_svg(child, None):
                continue
            kind = local_name(child.tag)
            if kind not in PRIMITIVES:
                continue
            self.primitive_count += 1
            limits.current().check("filter_primitives", self.primitive_count, "filter primitives in the document "
                                   "(each is resolved and run for every element its filter applies to)")
            style = self.style(child)
            subregion = tuple(_unit_length(child.get(a), units, None, a) for a in ("x", "y", "width", "height"))
            inputs = lambda node, attr: self._input(node, attr, out)
            primitive = parse_primitive(kind, child, style, inputs, self.note)
            href = primitive.params.get("href", "") if kind == "feImage" else ""
            if href and href[:5].lower() != "data:":
                if self.image is None:
                    self.note(child, "feImage of an element or a file is drawn as transparent here")
                else:
                    primitive.params["content"] = self.image(child, href)
            result = child.get("result")
            if result is None or not result.strip():
                while f"result{counter}" in names:
                    counter += 1
                result = f"result{counter}"
            counter += 1
            names.add(result)
            primitive.result = result
            primitive.subregion = subregion
            primitive.linear = style.get("color-interpolation-filters", "linearRGB").strip() != "sRGB"
            out.append(primitive)
        return out

    def _input(self, el: Element, attr: str, earlier: list[Primitive]) -> str:
        value = (el.get(attr) or "").strip()
        if value in STANDARD_INPUTS:
            if value in SOURCE_STANDINS:
                self.note(el, f"{attr}={value} is read as SourceGraphic, as resvg does (the builtin renderer "
                              "has no background or paint images)")
                return "SourceGraphic"
            return value
        if value and any(p.result == value for p in earlier):
            return value
        return earlier[-1].result if earlier else "SourceGraphic"


def _units(text: Optional[str], default: str) -> str:
    text = (text or "").strip()
    return text if text in ("objectBoundingBox", "userSpaceOnUse") else default


def _unit_length(text: Optional[str], units: str, default, what: str):
    """A region length: a fraction for objectBoundingBox (``50%`` = 0.5), else user units.

    Percentages in user space are kept as ``("%", value)`` for the resolver (they are of
    the viewport). An invalid value takes the default.
    """
    if text is None or not text.strip():
        return default
    text = text.strip()
    try:
        if text.endswith("%"):
            value = float(text[:-1]) / 100
            return value if units == "objectBoundingBox" else ("%", value)
        return parse_length(text, None, what) if units != "objectBoundingBox" else float(text)
    except (SVGError, ValueError):
        return default
