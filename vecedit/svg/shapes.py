"""Basic shapes → cubic subpaths (SVG 2 §10: rect, circle, ellipse, line, polyline, polygon).

Each function takes the element's attribute getter and the viewport size (for
percentages) and returns ``(subpaths, warnings)``. A shape that the spec says is not
rendered (zero or negative size) gives no subpaths; negative sizes also give a
warning. Lengths that are not lengths raise :class:`SVGError`.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from vecedit.svg.geometry import DEFAULT_TOLERANCE, ellipse_arc, line_controls
from vecedit.svg.pathdata import Pen, polyline_subpath, scan_numbers
from vecedit.errors import SVGError
from vecedit.svg.model import Subpath
from vecedit.svg.units import diagonal, parse_length

Getter = Callable[[str], Optional[str]]
Result = tuple[list[Subpath], list[str]]

# Attributes that hold a basic shape's geometry (removed when it is rewritten as a path).
GEOMETRY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "rect": ("x", "y", "width", "height", "rx", "ry"),
    "circle": ("cx", "cy", "r"),
    "ellipse": ("cx", "cy", "rx", "ry"),
    "line": ("x1", "y1", "x2", "y2"),
    "polyline": ("points",),
    "polygon": ("points",),
    "path": ("d",),
}


def _length(get: Getter, name: str, ref: float, default: Optional[float] = 0.0) -> Optional[float]:
    text = get(name)
    if text is None or not text.strip() or (default is None and text.strip() == "auto"):
        return default
    try:
        return parse_length(text, ref, what=name)
    except SVGError as e:
        on_invalid = getattr(get, "on_invalid", None)
        if on_invalid is None:
            raise
        on_invalid(f"invalid {e}; the attribute is ignored, as browsers do")  # SVG 2 §4.1: as if not given
        return default


def _point(x: float, y: float) -> np.ndarray:
    return np.array([x, y], dtype=np.float64)


def rect(get: Getter, viewport: tuple[float, float], tolerance: float = DEFAULT_TOLERANCE) -> Result:
    """SVG 2 §10.2: auto radii copy each other, radii clamp to half the size."""
    vw, vh = viewport
    x, y = _length(get, "x", vw), _length(get, "y", vh)
    w, h = _length(get, "width", vw), _length(get, "height", vh)
    if w < 0 or h < 0:
        return [], [f"negative width/height ({w:g}, {h:g}) on rect; it is not drawn"]
    if w == 0 or h == 0:
        return [], []
    rx, ry = _length(get, "rx", vw, None), _length(get, "ry", vh, None)
    warnings = []
    if rx is not None and rx < 0:
        rx, warnings = None, warnings + ["negative rx on rect is ignored"]
    if ry is not None and ry < 0:
        ry, warnings = None, warnings + ["negative ry on rect is ignored"]
    rx = ry if rx is None else rx
    ry = rx if ry is None else ry
    rx, ry = min(rx or 0.0, w / 2), min(ry or 0.0, h / 2)
    if rx == 0 or ry == 0:
        return [rect_subpath(x, y, w, h)], warnings
    pen = Pen()
    # M x+rx,y  H x+w-rx  A  V y+h-ry  A  H x+rx  A  V y+ry  A  Z (SVG 2 §10.2 step list)
    corners = (
        ((x + w - rx, y + ry), -math.pi / 2, (x + w, y + ry), (x + w, y + h - ry)),
        ((x + w - rx, y + h - ry), 0.0, (x + w - rx, y + h), (x + rx, y + h)),
        ((x + rx, y + h - ry), math.pi / 2, (x, y + h - ry), (x, y + ry)),
        ((x + rx, y + ry), math.pi, (x + rx, y), None),
    )
    pen.move_to(x + rx, y)
    line_end = (x + w - rx, y)
    for center, theta, arc_end, next_line_end in corners:
        last = tuple(pen.rows[-1])
        if last != line_end:
            pen.line(*last, *line_end)
        rows = ellipse_arc(center, rx, ry, 0.0, theta, math.pi / 2, tolerance)
        rows[-1] = arc_end
        pen.add(rows)
        line_end = next_line_end
    pen.close()
    return pen.finish(), warnings


def _ellipse(cx: float, cy: float, rx: float, ry: float, tolerance: float) -> list[Subpath]:
    """Four quarter arcs from (cx + rx, cy) with increasing angle (SVG 2 §10.3, §10.4): markers go
    on their ends."""
    pen = Pen()
    pen.move_to(cx + rx, cy)
    ends = (_point(cx, cy + ry), _point(cx - rx, cy), _point(cx, cy - ry), _point(cx + rx, cy))
    for quarter, end in enumerate(ends):
        rows = ellipse_arc((cx, cy), rx, ry, 0.0, quarter * math.pi / 2, math.pi / 2, tolerance)
        rows[-1] = end
        pen.add(rows)
    pen.close()
    return pen.finish()


def circle(get: Getter, viewport: tuple[float, float], tolerance: float = DEFAULT_TOLERANCE) -> Result:
    vw, vh = viewport
    cx, cy = _length(get, "cx", vw), _length(get, "cy", vh)
    r = _length(get, "r", diagonal(vw, vh))
    if r < 0:
        return [], [f"negative r ({r:g}) on circle; it is not drawn"]
    if r == 0:
        return [], []
    return _ellipse(cx, cy, r, r, tolerance), []


def ellipse(get: Getter, viewport: tuple[float, float], tolerance: float = DEFAULT_TOLERANCE) -> Result:
    """SVG 2 §10.4: an ``auto`` (or missing) radius takes the other one's value."""
    vw, vh = viewport
    cx, cy = _length(get, "cx", vw), _length(get, "cy", vh)
    rx, ry = _length(get, "rx", vw, None), _length(get, "ry", vh, None)
    rx = ry if rx is None else rx
    ry = rx if ry is None else ry
    if rx is None or ry is None or rx == 0 or ry == 0:
        return [], []
    if rx < 0 or ry < 0:
        return [], [f"negative radius ({rx:g}, {ry:g}) on ellipse; it is not drawn"]
    return _ellipse(cx, cy, rx, ry, tolerance), []


def line(get: Getter, viewport: tuple[float, float], tolerance: float = DEFAULT_TOLERANCE) -> Result:
    vw, vh = viewport
    p0 = _point(_length(get, "x1", vw), _length(get, "y1", vh))
    p1 = _point(_length(get, "x2", vw), _length(get, "y2", vh))
    return [Subpath(np.array([p0, *line_controls(p0, p1)]), closed=False)], []


def _poly(get: Getter, closed: bool, tag: str) -> Result:
    numbers, error = scan_numbers(get("points") or "")
    warnings = [f"bad points on {tag} ({error}); drawn up to there"] if error else []
    if len(numbers) % 2:
        numbers = numbers[:-1]
        warnings.append(f"odd number of coordinates in points on {tag}; the last one is dropped")
    pts = np.array(numbers, dtype=np.float64).reshape(-1, 2)
    with np.errstate(over="ignore", invalid="ignore"):  # steps between finite points may overflow
        steps = np.diff(np.concatenate([pts, pts[:1]]) if closed else pts, axis=0)
    ok = np.isfinite(steps).all(axis=1)
    if not ok.all():
        first = int(np.argmin(ok))
        warnings.append(f"points on {tag} reach beyond the range of numbers at point {first + 2}; drawn up to there")
        pts, closed = pts[:first + 1], False
    if len(pts) < 2:
        return [], warnings
    return [polyline_subpath(pts, closed)], warnings


def polyline(get: Getter, viewport: tuple[float, float], tolerance: float = DEFAULT_TOLERANCE) -> Result:
    return _poly(get, False, "polyline")


def polygon(get: Getter, viewport: tuple[float, float], tolerance: float = DEFAULT_TOLERANCE) -> Result:
    return _poly(get, True, "polygon")


BASIC_SHAPES = {
    "rect": rect,
    "circle": circle,
    "ellipse": ellipse,
    "line": line,
    "polyline": polyline,
    "polygon": polygon,
}


def rect_subpath(x: float, y: float, w: float, h: float) -> Subpath:
    """A closed axis-aligned rectangle, corners at (x, y) and (x + w, y + h)."""
    pen = Pen()
    pen.move_to(x, y)
    for x0, y0, x1, y1 in ((x, y, x + w, y), (x + w, y, x + w, y + h), (x + w, y + h, x, y + h)):
        pen.line(x0, y0, x1, y1)
    pen.close()
    return pen.finish()[0]
