"""Typed values of the painting properties (SVG 2 §13, CSS Values).

The cascade (:mod:`vecedit.svg.css`) yields strings. :func:`sanitize` drops values
that do not parse, as CSS does for invalid declarations (the property then takes its
inherited or initial value), and the small functions below turn the valid strings
into numbers.
"""

from __future__ import annotations

import math

import re
from typing import Optional

from vecedit.errors import SVGError
from vecedit.svg.color import parse_color, split_paint
from vecedit.svg.css import INHERITED, INITIAL
from vecedit.svg.units import FLOAT_MAX, diagonal, length_context, parse_length


def fraction(text: str) -> float:
    """``opacity``-like value: number or percentage, clamped to [0, 1] (CSS Color 4 §11.2)."""
    t = text.strip()
    value = float(t[:-1]) / 100.0 if t.endswith("%") else float(t)
    if value != value or abs(value) == float("inf"):
        raise ValueError(text)
    return min(1.0, max(0.0, value))


def length(text: str, viewport: tuple[float, float]) -> float:
    """A length in user units; percentages against the viewport diagonal (SVG 1.1 §7.10)."""
    return parse_length(text, diagonal(*viewport))


def dasharray(text: str, viewport: tuple[float, float]) -> Optional[tuple[float, ...]]:
    """SVG 2 §13.5.6: ``none``, or lengths; an odd list repeats; all zeros means solid."""
    if text.strip().lower() == "none":
        return None
    values = [length(p, viewport) for p in re.split(r"[\s,]+", text.strip()) if p]
    if any(v < 0 for v in values):
        raise ValueError("negative dash")
    if not values or sum(values) == 0:
        return None
    if len(values) % 2:
        values = values * 2
    return tuple(values)


PAINT_LAYERS = ("fill", "stroke", "markers")


def paint_layers(text: str) -> tuple[str, str, str]:
    """SVG 2 §13.8 ``paint-order`` in full: the given layers, then the rest in normal order;
    anything else (an unknown word, a repeated one) is invalid, hence ``normal``."""
    words = text.lower().split()
    if words == ["normal"] or not words or len(set(words)) != len(words) or not set(words) <= set(PAINT_LAYERS):
        return PAINT_LAYERS
    return tuple(words + [w for w in PAINT_LAYERS if w not in words])


def paint_order(text: str) -> tuple[str, str]:
    """The fill/stroke order of ``paint-order`` (markers: :func:`paint_layers`)."""
    return tuple(w for w in paint_layers(text) if w != "markers")


def display_none(style: dict) -> bool:
    """``display: none`` (CSS keywords are ASCII case-insensitive)."""
    return style["display"].strip().lower() == "none"


_ORIGIN_X = {"left": 0.0, "center": 0.5, "right": 1.0}
_ORIGIN_Y = {"top": 0.0, "center": 0.5, "bottom": 1.0}


def transform_origin(text: str, box: tuple[float, float]) -> tuple[float, float]:
    """CSS Transforms 1 ``transform-origin`` → (x, y) in user units; keywords and percentages of *box*."""
    words = text.lower().replace(",", " ").split()[:2]
    if len(words) == 1:
        words.append("center")
    if words[0] in ("top", "bottom") or words[1] in ("left", "right"):
        words.reverse()
    out = []
    for word, keywords, size in ((words[0], _ORIGIN_X, box[0]), (words[1], _ORIGIN_Y, box[1])):
        out.append(keywords[word] * size if word in keywords else parse_length(word, size, what="transform-origin"))
    return out[0], out[1]


def linejoin(text: str) -> str:
    """``miter``, ``miter-clip``, ``round`` or ``bevel``; ``arcs`` (SVG 2) falls back to ``miter``, as in resvg."""
    t = text.strip().lower()
    return t if t in ("round", "bevel", "miter-clip") else "miter"


def stroke_width(text: str, viewport: tuple[float, float]) -> float:
    """A negative ``stroke-width`` draws no stroke, as resvg (whose pictures are the reference)."""
    return max(0.0, length(text, viewport))


def miterlimit(text: str) -> float:
    """``stroke-miterlimit`` below 1 (an error in SVG 2) is clamped to 1, as resvg does."""
    return max(1.0, float(text))


def _valid_paint(text: str) -> bool:
    url, rest = split_paint(text)
    if rest.lower() in ("context-fill", "context-stroke") and url is None:
        return True
    if url is not None and not rest:
        return True
    try:
        parse_color(rest)
        return True
    except SVGError:
        return False


def _check(name: str, text: str, viewport: tuple[float, float]) -> bool:
    """Whether *text* is a valid value for property *name*."""
    t = text.strip().lower()
    try:
        if name in ("fill", "stroke"):
            return _valid_paint(text)
        if name in ("color", "stop-color"):
            parse_color(text)
        elif name in ("opacity", "fill-opacity", "stroke-opacity", "stop-opacity"):
            fraction(text)
        elif name == "stroke-width":  # a negative width draws no stroke (as resvg), see stroke_width()
            length(text, viewport)
        elif name == "stroke-miterlimit":  # numbers below 1 clamp to 1 (as resvg), see miterlimit()
            return math.isfinite(float(text))
        elif name == "stroke-dasharray":
            dasharray(text, viewport)
        elif name == "stroke-dashoffset":
            length(text, viewport)
        elif name in ("fill-rule", "clip-rule"):
            return t in ("nonzero", "evenodd")
        elif name == "stroke-linecap":
            return t in ("butt", "round", "square")
        elif name == "stroke-linejoin":
            return t in ("miter", "round", "bevel", "miter-clip", "arcs")
        elif name == "visibility":
            return t in ("visible", "hidden", "collapse")
        return True
    except (SVGError, ValueError):
        return False


def sanitize(style: dict[str, str], parent: Optional[dict[str, str]], viewport: tuple[float, float]) -> list[str]:
    """Replace invalid values by the inherited/initial ones; returns what was dropped."""
    dropped = []
    for name in ("fill", "stroke", "color", "opacity", "fill-opacity", "stroke-opacity", "stroke-width",
                 "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "fill-rule",
                 "stroke-linecap", "stroke-linejoin", "visibility"):
        value = style[name]
        if value == INITIAL[name] or (parent is not None and value == parent[name]):
            continue
        if not _check(name, value, viewport):
            dropped.append(f"{name}: {value!r}")
            style[name] = parent[name] if (parent is not None and name in INHERITED) else INITIAL[name]
    return dropped


# Steps of 1.2 from the parent's size, as resvg sizes the keywords (medium = the inherited
# size; CSS Fonts 3 would take them from a 16 px medium); resvg has no xxx-large
FONT_SIZE_KEYWORDS = {name: 1.2 ** n for n, name in enumerate(
    ("xx-small", "x-small", "small", "medium", "large", "x-large", "xx-large"), start=-3)}


def font_size(text: str, parent: float, viewport: tuple[float, float]) -> float:
    """CSS Fonts 3 §3.5 computed ``font-size`` in px: keywords, em/ex/% of the parent's, lengths."""
    t = text.strip().lower()
    if t in FONT_SIZE_KEYWORDS:
        return FONT_SIZE_KEYWORDS[t] * parent
    if t == "larger":
        return parent * 1.2
    if t == "smaller":
        return parent / 1.2
    try:
        if t.endswith("%"):
            return float(t[:-1]) / 100.0 * parent
        if t.endswith("rem"):
            return float(t[:-3]) * length_context().root_font_size
        if t.endswith("em"):
            return float(t[:-2]) * parent
        if t.endswith("ex"):
            return float(t[:-2]) * parent / 2
        value = length(t, viewport)
    except (SVGError, ValueError):
        return parent
    # a negative or non-finite size is invalid (CSS Fonts 3 §3.5): the inherited one stays
    return min(value, FLOAT_MAX) if math.isfinite(value) and value >= 0 else parent


def font_weight(text: str, parent: int) -> int:
    """Numeric ``font-weight``; ``bolder``/``lighter`` step from the parent's as Chrome (and resvg) do."""
    t = text.strip().lower()
    if t == "normal":
        return 400
    if t == "bold":
        return 700
    if t == "bolder":
        return min(900, parent + (300 if parent == 400 else 100))
    if t == "lighter":
        return max(100, parent - (200 if parent == 400 else 100))
    if t in ("100", "200", "300", "400", "500", "600", "700", "800", "900"):
        return int(t)
    return parent  # CSS Fonts 3 (SVG 2's) has these nine numbers only: anything else is invalid, as in resvg
