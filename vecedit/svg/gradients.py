"""``linearGradient`` / ``radialGradient`` → :class:`Gradient` (SVG 1.1 §13.2).

Resolves ``href`` / ``xlink:href`` chains (attributes and stops a gradient does not
define come from the gradient it references, §13.2.2 / §13.2.3; cycles stop the
chain), percentages, defaults (§13.2.2: x2 = 100%, the rest 0%; §13.2.3: cx = cy =
r = 50%, fx/fy default to cx/cy, SVG 2 adds fr = 0%), and stops (§13.2.4: offsets
clamp to [0, 1] and never decrease; ``stop-opacity`` folds into alpha). Across kinds
(a linear gradient referencing a radial one) only the shared attributes and stops are
inherited.
"""

from __future__ import annotations

from typing import Callable, Optional
from xml.etree.ElementTree import Element

import numpy as np

from vecedit.errors import SVGError
from vecedit.svg.color import BLACK, parse_color
from vecedit.svg.css import local_name
from vecedit.svg.model import Gradient, Note, Stop
from vecedit.svg.refs import href_chain
from vecedit.svg.transform import is_invertible, parse_transform
from vecedit.svg.units import diagonal, parse_length

GRADIENT_TAGS = ("linearGradient", "radialGradient")

LINEAR_DEFAULTS = (("x1", "0%", "x"), ("y1", "0%", "y"), ("x2", "100%", "x"), ("y2", "0%", "y"))
RADIAL_DEFAULTS = (("cx", "50%", "x"), ("cy", "50%", "y"), ("r", "50%", "r"), ("fx", None, "x"),
                   ("fy", None, "y"), ("fr", "0%", "r"))


def _chain(el: Element, ids: dict[str, Element], notes: list[Note]) -> list[Element]:
    """The gradient and the gradients it references, nearest first (cycles cut)."""
    def cut(at: Element, reason: str) -> None:
        notes.append(Note(local_name(at.tag), at.get("id"), f"gradient {reason}", False))

    return href_chain(el, ids, lambda t: local_name(t.tag) in GRADIENT_TAGS, cut)


def _offset(text: Optional[str]) -> float:
    """``offset`` is a number or a percentage (§13.2.4); bad values count as 0."""
    if text is None:
        return 0.0
    text = text.strip()
    try:
        value = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        return 0.0
    return min(1.0, max(0.0, value)) if value == value else 0.0


def _stops(
    owner: Element, style_of: Callable[[Element], dict[str, str]], svg_ns: str, notes: list[Note]
) -> tuple[list[Stop], list[Element]]:
    stops, nodes = [], []
    last = 0.0
    for child in owner:
        if child.tag != f"{svg_ns}stop":
            continue
        style = style_of(child)
        try:
            current = parse_color(style["color"]) if style["color"].lower() != "currentcolor" else BLACK
            color = parse_color(style["stop-color"], current) or (0.0, 0.0, 0.0, 0.0)
        except SVGError:
            notes.append(Note("stop", child.get("id"), f"bad stop-color {style['stop-color']!r}; black is used", False))
            color = BLACK
        try:
            opacity = _fraction(style["stop-opacity"])
        except ValueError:
            opacity = 1.0
        last = max(last, _offset(child.get("offset")))
        stops.append(Stop(last, (color[0], color[1], color[2], color[3] * opacity)))
        nodes.append(child)
    return stops, nodes


def _fraction(text: str) -> float:
    """An opacity-like value: number or percentage, clamped to [0, 1]."""
    text = text.strip()
    value = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(text)
    return min(1.0, max(0.0, value))


def _coordinate(text: str, units: str, axis: str, viewport: tuple[float, float], name: str) -> float:
    if units == "objectBoundingBox":
        text = text.strip()
        if text.endswith("%"):
            return parse_length(text, 1.0, what=name)
        return parse_length(text, None, what=name)
    vw, vh = viewport
    ref = {"x": vw, "y": vh, "r": diagonal(vw, vh)}[axis]
    return parse_length(text, ref, what=name)


def parse_gradient(
    el: Element,
    ids: dict[str, Element],
    style_of: Callable[[Element], dict[str, str]],
    viewport: tuple[float, float],
    svg_ns: str,
    notes: list[Note],
) -> Gradient:
    """One gradient element → :class:`Gradient`. Bad lengths or transforms raise SVGError."""
    chain = _chain(el, ids, notes)

    def attr(name: str, chain: list[Element] = chain) -> Optional[str]:
        return next((g.get(name) for g in chain if g.get(name) is not None), None)

    kind = "linear" if local_name(el.tag) == "linearGradient" else "radial"
    # SVG 2 §14.3.3: units, transform, spread and stops come from any gradient in the chain,
    # the geometry only from gradients of the same kind (as resvg)
    same_kind = [g for g in chain if local_name(g.tag) == local_name(el.tag)]
    units = attr("gradientUnits") or "objectBoundingBox"
    if units not in ("objectBoundingBox", "userSpaceOnUse"):
        units = "objectBoundingBox"
    spread = attr("spreadMethod") or "pad"
    if spread not in ("pad", "reflect", "repeat"):
        spread = "pad"
    values: dict[str, float] = {}
    for name, default, axis in LINEAR_DEFAULTS if kind == "linear" else RADIAL_DEFAULTS:
        text = attr(name, same_kind)
        if text is None:
            text = default
        if text is None:  # fx, fy follow cx, cy
            values[name] = values["c" + name[1]]
            continue
        values[name] = _coordinate(text, units, axis, viewport, name)
    stops, nodes = [], []
    for g in chain:
        if any(child.tag == f"{svg_ns}stop" for child in g):
            stops, nodes = _stops(g, style_of, svg_ns, notes)
            break
    transform = parse_transform(attr("gradientTransform"))
    if not is_invertible(transform):  # as resvg: a singular gradientTransform is ignored, not the gradient
        notes.append(Note(local_name(el.tag), el.get("id"), "gradientTransform is not invertible; it is ignored", False))
        transform = np.eye(3)
    return Gradient(
        id=el.get("id") or "",
        kind=kind,
        units=units,
        transform=transform,
        spread=spread,
        geometry=tuple(values.values()),
        stops=stops,
        node=el,
        stop_nodes=nodes,
    )
