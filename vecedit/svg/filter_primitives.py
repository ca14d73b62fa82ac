"""One filter primitive element → a :class:`Primitive` (its inputs and numbers).

Attribute defaults are the spec's (Filter Effects 1 §15); invalid values fall back as
resvg does: a bad ``stdDeviation`` is 0, a colour matrix with the wrong count is the
identity, an invalid kernel, exponent or missing light source makes the primitive a
transparent flood. Lengths are in primitiveUnits; the resolver scales them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from xml.etree.ElementTree import Element

from vecedit.errors import SVGError
from vecedit.svg.color import parse_color
from vecedit.svg.css import local_name
from vecedit.svg.units import FLOAT_MAX, NUMBER

BLACK, WHITE = (0.0, 0.0, 0.0, 1.0), (1.0, 1.0, 1.0, 1.0)
_NUMBER = re.compile(NUMBER)  # the one number grammar (linear)
BLEND_MODES = ("normal", "multiply", "screen", "overlay", "darken", "lighten", "color-dodge", "color-burn",
               "hard-light", "soft-light", "difference", "exclusion", "hue", "saturation", "color", "luminosity")


@dataclass
class Numbers:
    """Numbers an edit may move, with the element and attribute they are written back to.

    ``attr`` is the attribute (``stdDeviation``, ``dx``, ``values``, ``k1``, …) or, for
    colours, the property (``flood-color`` holds r, g, b and the alpha that
    ``flood-opacity`` multiplies in; ``lighting-color`` r, g, b). ``node`` is None for
    CSS filter functions (not written back).
    """

    node: Optional[Element]
    attr: str
    values: tuple[float, ...]
    edited: bool = False


@dataclass
class Primitive:
    kind: str  # element name: feGaussianBlur, …
    node: Optional[Element]
    inputs: tuple[str, ...]
    result: str
    subregion: tuple[Optional[float], ...]  # x, y, width, height in primitiveUnits (None: default)
    linear: bool  # color-interpolation-filters is linearRGB
    params: dict[str, Any] = field(default_factory=dict)  # plain values and Numbers


def numbers(text: Optional[str]) -> Optional[list[float]]:
    """A list of numbers (commas or spaces); None when absent or not all numbers."""
    if text is None:
        return None
    pieces = [p for p in re.split(r"[\s,]+", text.strip()) if p]
    if not all(_NUMBER.fullmatch(p) for p in pieces):
        return None
    values = [float(p) for p in pieces]
    if not all(math.isfinite(v) for v in values):
        return None
    return [max(-FLOAT_MAX, min(FLOAT_MAX, v)) for v in values]  # as browsers: 32-bit float range


def number(el: Element, attr: str, default: float) -> float:
    values = numbers(el.get(attr))
    return values[0] if values and len(values) == 1 else default


CHANNELS = {"R": 0, "G": 1, "B": 2, "A": 3}
TRANSFER_TYPES = ("identity", "table", "discrete", "linear", "gamma")


def _transparent(el: Element, kind: str, note, why: str) -> Primitive:
    note(el, f"<{kind}> {why}; it gives a transparent result, as resvg does")
    return Primitive("feFlood", el, (), "", (), True, {"color": Numbers(None, "flood-color", (0.0, 0.0, 0.0, 0.0))})


def _color(style: dict, prop: str, default) -> tuple[float, ...]:
    current = _parse_or(style.get("color", "black"), None) or BLACK
    return _parse_or(style.get(prop, ""), current) or default


def _parse_or(text: str, current):
    try:
        return parse_color(text, current) if text and text.strip() else None
    except SVGError:
        return None


def _flood(el: Element, style: dict) -> Numbers:
    rgba = _color(style, "flood-color", BLACK)
    try:
        opacity = min(1.0, max(0.0, float(style.get("flood-opacity", "1").strip().rstrip("%")) /
                               (100 if style.get("flood-opacity", "").strip().endswith("%") else 1)))
    except ValueError:
        opacity = 1.0
    return Numbers(el, "flood-color", (*rgba[:3], rgba[3] * opacity))


def _std(el: Element, default: str) -> Numbers:
    values = numbers(el.get("stdDeviation") if el.get("stdDeviation") is not None else default) or []
    if len(values) == 1:
        values = values * 2
    if len(values) != 2:
        values = [0.0, 0.0]
    return Numbers(el, "stdDeviation", tuple(max(0.0, v) for v in values))


def parse_primitive(kind: str, el: Element, style: dict, inputs: Callable[[Element, str], str], note) -> Primitive:
    """``inputs(element, attr)`` resolves an ``in``/``in2`` attribute against the earlier results."""
    one = lambda: (inputs(el, "in"),)
    two = lambda: (inputs(el, "in"), inputs(el, "in2"))
    num = lambda attr, default: Numbers(el, attr, (number(el, attr, default),))
    if kind == "feGaussianBlur":
        edge = (el.get("edgeMode") or "none").strip()
        return Primitive(kind, el, one(), "", (), True,
                         {"std": _std(el, "0"), "edgeMode": edge if edge in ("duplicate", "wrap") else "none"})
    if kind == "feOffset":
        return Primitive(kind, el, one(), "", (), True, {"dx": num("dx", 0.0), "dy": num("dy", 0.0)})
    if kind == "feDropShadow":
        return Primitive(kind, el, one(), "", (), True, {"std": _std(el, "2"), "dx": num("dx", 2.0),
                                                         "dy": num("dy", 2.0), "color": _flood(el, style)})
    if kind == "feFlood":
        return Primitive(kind, el, (), "", (), True, {"color": _flood(el, style)})
    if kind == "feBlend":
        mode = (el.get("mode") or "normal").strip()
        return Primitive(kind, el, two(), "", (), True, {"mode": mode if mode in BLEND_MODES else "normal"})
    if kind == "feComposite":
        op = (el.get("operator") or "over").strip()
        op = op if op in ("over", "in", "out", "atop", "xor", "lighter", "arithmetic") else "over"
        params = {"operator": op}
        if op == "arithmetic":
            k = [number(el, f"k{i}", 0.0) for i in range(1, 5)]
            params["k"] = [Numbers(el, f"k{i + 1}", (v,)) for i, v in enumerate(k)]
        return Primitive(kind, el, two(), "", (), True, params)
    if kind == "feMerge":
        nodes = [c for c in el if isinstance(c.tag, str) and local_name(c.tag) == "feMergeNode"]
        return Primitive(kind, el, tuple(inputs(n, "in") for n in nodes), "", (), True, {})
    if kind == "feTile":
        return Primitive(kind, el, one(), "", (), True, {})
    if kind == "feImage":
        href = el.get("href") or el.get("{http://www.w3.org/1999/xlink}href") or ""
        smooth = style.get("image-rendering", "auto").strip().lower() not in ("pixelated", "optimizespeed",
                                                                             "crisp-edges")
        return Primitive(kind, el, (), "", (), True, {"href": href.strip(), "smooth": smooth,
                                                      "preserveAspectRatio": el.get("preserveAspectRatio")})
    if kind == "feColorMatrix":
        return Primitive(kind, el, one(), "", (), True, _color_matrix(el))
    if kind == "feComponentTransfer":
        return Primitive(kind, el, one(), "", (), True, {"funcs": _transfer_functions(el)})
    if kind == "feMorphology":
        return Primitive(kind, el, one(), "", (), True, _morphology(el))
    if kind == "feConvolveMatrix":
        params = _convolve(el)
        if params is None:
            return _transparent(el, kind, note, "has an invalid kernel, divisor or target")
        return Primitive(kind, el, one(), "", (), True, params)
    if kind == "feDisplacementMap":
        channel = lambda a: CHANNELS.get((el.get(a) or "A").strip(), 3)
        return Primitive(kind, el, two(), "", (), True, {"scale": num("scale", 0.0),
                                                         "xChannel": channel("xChannelSelector"),
                                                         "yChannel": channel("yChannelSelector")})
    if kind == "feTurbulence":
        return Primitive(kind, el, (), "", (), True, _turbulence(el))
    if kind in ("feDiffuseLighting", "feSpecularLighting"):
        light = _light_source(el)
        if light is None:
            return _transparent(el, kind, note, "has no light source")
        params = {"surfaceScale": num("surfaceScale", 1.0), "light": light,
                  "color": Numbers(el, "lighting-color", _color(style, "lighting-color", WHITE)[:3])}
        if kind == "feDiffuseLighting":
            params["diffuseConstant"] = num("diffuseConstant", 1.0)
        else:
            exponent = number(el, "specularExponent", 1.0)
            if not 1.0 <= exponent <= 128.0:
                return _transparent(el, kind, note, "has a specularExponent outside 1-128")
            params["specularConstant"] = num("specularConstant", 1.0)
            params["specularExponent"] = Numbers(el, "specularExponent", (exponent,))
        return Primitive(kind, el, one(), "", (), True, params)
    raise ValueError(kind)


def _color_matrix(el: Element) -> dict:
    kind = (el.get("type") or "matrix").strip()
    values = numbers(el.get("values"))
    if kind == "saturate" and values is not None:
        return {"type": "saturate", "values": Numbers(el, "values", (min(1.0, max(0.0, values[0])) if values else 1.0,))}
    if kind == "hueRotate" and values is not None:
        return {"type": "hueRotate", "values": Numbers(el, "values", (values[0] if values else 0.0,))}
    if kind == "luminanceToAlpha":
        return {"type": "luminanceToAlpha"}
    if kind not in ("saturate", "hueRotate") and values is not None and len(values) == 20:
        return {"type": "matrix", "values": Numbers(el, "values", tuple(values))}
    identity = tuple(1.0 if i in (0, 6, 12, 18) else 0.0 for i in range(20))
    return {"type": "matrix", "values": Numbers(None, "values", identity)}


def _transfer_functions(el: Element) -> list:
    funcs = {c: ("identity", {}) for c in "RGBA"}
    for child in el:
        if not isinstance(child.tag, str) or local_name(child.tag) not in ("feFuncR", "feFuncG", "feFuncB", "feFuncA"):
            continue
        kind = (child.get("type") or "").strip()
        if kind not in TRANSFER_TYPES:
            continue
        n = lambda attr, default: Numbers(child, attr, (number(child, attr, default),))
        if kind in ("table", "discrete"):
            params = {"tableValues": Numbers(child, "tableValues", tuple(numbers(child.get("tableValues")) or ()))}
        elif kind == "linear":
            params = {"slope": n("slope", 1.0), "intercept": n("intercept", 0.0)}
        elif kind == "gamma":
            params = {"amplitude": n("amplitude", 1.0), "exponent": n("exponent", 1.0), "offset": n("offset", 0.0)}
        else:
            params = {}
        funcs[local_name(child.tag)[-1]] = (kind, params)
    return [funcs[c] for c in "RGBA"]


def _morphology(el: Element) -> dict:
    """resvg's reading of ``radius``: one zero takes 1, both zero → 1 1, negative → the default 1."""
    operator = "dilate" if (el.get("operator") or "").strip() == "dilate" else "erode"
    rx = ry = 1.0
    values = numbers(el.get("radius"))
    if values is not None and len(values) in (1, 2):
        x, y = values[0], values[-1]
        x, y = (1.0 if x == 0 else x), (1.0 if y == 0 else y)
        if x >= 0 and y >= 0:
            rx, ry = x, y
    return {"operator": operator, "radius": (rx, ry)}


def _convolve(el: Element) -> Optional[dict]:
    order = numbers(el.get("order")) or [3.0]
    ox, oy = int(order[0]), int(order[-1])
    if ox <= 0 or oy <= 0 or len(order) > 2:
        ox, oy = 3, 3
    kernel = numbers(el.get("kernelMatrix"))
    if kernel is None or len(kernel) != ox * oy:
        return None
    total = max(-FLOAT_MAX, min(FLOAT_MAX, round(sum(kernel) * 1e6) / 1e6))  # a float32, as the kernel
    divisor = number(el, "divisor", total if total != 0 else 1.0)
    if divisor == 0:
        return None
    tx = int(number(el, "targetX", math.floor(ox / 2)))
    ty = int(number(el, "targetY", math.floor(oy / 2)))
    if not (0 <= tx < ox and 0 <= ty < oy):
        return None
    edge = (el.get("edgeMode") or "duplicate").strip()
    return {"order": (ox, oy), "kernel": Numbers(el, "kernelMatrix", tuple(kernel)), "target": (tx, ty),
            "divisor": Numbers(el, "divisor", (divisor,)), "bias": Numbers(el, "bias", (number(el, "bias", 0.0),)),
            "edgeMode": edge if edge in ("none", "wrap") else "duplicate",
            "preserveAlpha": (el.get("preserveAlpha") or "").strip() == "true"}


def _turbulence(el: Element) -> dict:
    freq = numbers(el.get("baseFrequency")) or [0.0]
    fx, fy = (freq[0], freq[-1]) if len(freq) in (1, 2) else (0.0, 0.0)
    if fx < 0 or fy < 0:
        fx = fy = 0.0
    octaves = number(el, "numOctaves", 1.0)
    kind = "fractalNoise" if (el.get("type") or "").strip() == "fractalNoise" else "turbulence"
    # octaves past 24 add less than float precision (each halves), so they are not computed
    return {"baseFrequency": (fx, fy), "numOctaves": min(24, max(0, int(round(octaves)))),
            "seed": int(math.trunc(number(el, "seed", 0.0))), "type": kind,
            "stitchTiles": (el.get("stitchTiles") or "").strip() == "stitch"}


def _light_source(el: Element) -> Optional[dict]:
    for child in el:
        if not isinstance(child.tag, str):
            continue
        kind = local_name(child.tag)
        n = lambda attr, default=0.0, c=child: Numbers(c, attr, (number(c, attr, default),))
        if kind == "feDistantLight":
            return {"type": "distant", "azimuth": n("azimuth"), "elevation": n("elevation")}
        if kind == "fePointLight":
            return {"type": "point", "x": n("x"), "y": n("y"), "z": n("z")}
        if kind == "feSpotLight":
            exponent = number(child, "specularExponent", 1.0)
            cone = numbers(child.get("limitingConeAngle"))
            return {"type": "spot", "x": n("x"), "y": n("y"), "z": n("z"), "pointsAtX": n("pointsAtX"),
                    "pointsAtY": n("pointsAtY"), "pointsAtZ": n("pointsAtZ"),
                    "specularExponent": Numbers(child, "specularExponent", (exponent if exponent > 0 else 1.0,)),
                    "limitingConeAngle": cone[0] if cone and len(cone) == 1 else None}
    return None
