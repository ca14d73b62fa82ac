"""Path data → cubic subpaths, elliptical arcs → cubics, subpaths → path data.

The ``d`` grammar (SVG 1.1 §8.3 and its BNF in §8.3.9) is read by the small
tokenizer below rather than by ``svgpathtools.parse_path``: svgpathtools merges a
subpath that continues after ``Z`` without a ``moveto`` into the previous one and does
not say which subpaths were closed by ``Z``, and both matter here (a closed subpath
is filled and stroked differently, and the model stores it differently).

Error handling follows SVG 1.1 §F.2 / SVG 2 §9.5.4: on a syntax error the path is
drawn up to the last complete command and the error is reported; a number that is
not finite (``nan``, ``inf``, ``1e999``) raises :class:`SVGError`.

Layout of the returned :class:`Subpath` points: see :mod:`vecedit.svg.model`.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Optional

import numpy as np

from vecedit.errors import SVGError
from vecedit.svg.model import Subpath
from vecedit.svg.units import NUMBER

_NUMBER = re.compile(NUMBER)
_NONFINITE = re.compile(r"[+-]?(?:nan|inf)", re.IGNORECASE)
_SEP = re.compile(r"[\s,]*")
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "a": 7, "z": 0}

DEFAULT_TOLERANCE = 0.1
"""Default arc tolerance, in the user units the geometry is given in."""


class _Stop(Exception):
    """A syntax error: the path is rendered up to here (SVG 1.1 §F.2)."""


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def skip(self) -> None:
        self.pos = _SEP.match(self.text, self.pos).end()

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)

    def number(self) -> float:
        self.skip()
        m = _NUMBER.match(self.text, self.pos)
        if not m:
            if _NONFINITE.match(self.text, self.pos):
                raise _Stop(f"a number that is not finite near {self._near()}")
            raise _Stop(f"expected a number at {self._near()}")
        value = float(m.group(0))
        if not math.isfinite(value):
            raise _Stop(f"a number beyond floating-point range ({m.group(0)[:20]})")
        self.pos = m.end()
        return value

    def flag(self) -> float:
        """Arc flags are a single ``0`` or ``1`` and may touch the next number (``a1 1 0 11 5 5``)."""
        self.skip()
        if self.pos < len(self.text) and self.text[self.pos] in "01":
            self.pos += 1
            return float(self.text[self.pos - 1])
        raise _Stop(f"expected an arc flag (0 or 1) at {self._near()}")

    def _near(self) -> str:
        return repr(self.text[self.pos : self.pos + 12]) if self.pos < len(self.text) else "the end"


def tokenize(d: str) -> tuple[list[tuple[str, list[float]]], Optional[str]]:
    """Split path data into ``(command letter, arguments)`` with implicit repeats expanded.

    Returns the commands read and the syntax error met (``None`` when the data is clean).
    A ``moveto`` followed by extra pairs repeats as ``lineto`` (SVG 1.1 §8.3.2).

    >>> tokenize("M0 0 10 10z")
    ([('M', [0.0, 0.0]), ('L', [10.0, 10.0]), ('z', [])], None)
    """
    sc = _Scanner(d)
    out: list[tuple[str, list[float]]] = []
    cmd: Optional[str] = None
    try:
        while not sc.at_end():
            ch = d[sc.pos]
            if ch.lower() in _ARITY:
                cmd = ch
                sc.pos += 1
                if not out and cmd not in "Mm":
                    raise _Stop(f"path data must start with M, not {cmd!r}")
                if cmd in "Zz":
                    out.append((cmd, []))
                    continue
            elif cmd is None or cmd in "Zz":
                raise _Stop(f"expected a command letter at {sc._near()}")
            elif cmd in "Mm":  # implicit lineto after the first moveto pair
                cmd = "L" if cmd == "M" else "l"
            if cmd in "Aa":
                args = [sc.number(), sc.number(), sc.number(), sc.flag(), sc.flag(), sc.number(), sc.number()]
            else:
                args = [sc.number() for _ in range(_ARITY[cmd.lower()])]
            out.append((cmd, args))
    except _Stop as stop:
        return out, str(stop)
    return out, None


# --- cubic helpers -----------------------------------------------------------------


def line_controls(p0: np.ndarray, p1: np.ndarray) -> list[np.ndarray]:
    """A line as an exact cubic: controls at 1/3 and 2/3."""
    return [p0 + (p1 - p0) / 3.0, p0 + (p1 - p0) * (2.0 / 3.0), p1]


def quad_controls(p0: np.ndarray, q: np.ndarray, p1: np.ndarray) -> list[np.ndarray]:
    """Degree elevation of a quadratic (exact): ``c1 = p0 + 2/3 (q - p0)``, ``c2 = p1 + 2/3 (q - p1)``."""
    return [p0 + (q - p0) * (2.0 / 3.0), p1 + (q - p1) * (2.0 / 3.0), p1]


# Max radial error of the standard cubic approximation of a unit-circle arc of angle
# ``phi`` (control length 4/3·tan(phi/4)) is ``C·phi**6`` for small phi (Riškus 2006);
# C is measured once below, with a margin, so the segment count is conservative.
def _unit_arc_error(phi: float) -> float:
    k = 4.0 / 3.0 * math.tan(phi / 4.0)
    t = np.linspace(0.0, 1.0, 257)
    p0, p3 = np.array([1.0, 0.0]), np.array([math.cos(phi), math.sin(phi)])
    p1, p2 = p0 + k * np.array([0.0, 1.0]), p3 - k * np.array([-math.sin(phi), math.cos(phi)])
    b = (
        ((1 - t) ** 3)[:, None] * p0
        + (3 * (1 - t) ** 2 * t)[:, None] * p1
        + (3 * (1 - t) * t**2)[:, None] * p2
        + (t**3)[:, None] * p3
    )
    return float(np.abs(np.hypot(b[:, 0], b[:, 1]) - 1.0).max())


_ARC_C = 1.05 * max(_unit_arc_error(p) / p**6 for p in (0.05, 0.5, math.pi / 2))
MAX_ARC_SEGMENTS = 4096


def arc_segment_count(radius: float, sweep: float, tolerance: float) -> int:
    """Segments needed so a cubic approximation of an arc stays within *tolerance*."""
    scaled = _ARC_C * radius
    if not (scaled > 0.0 and math.isfinite(scaled) and math.isfinite(sweep)) or sweep == 0.0:
        return 1  # degenerate (or absurd: the scene clamps what it draws) radii need no subdivision
    per_segment = min((max(tolerance, 1e-12) / scaled) ** (1.0 / 6.0), math.pi / 2)
    if per_segment <= 0.0:
        return MAX_ARC_SEGMENTS
    return min(max(math.ceil(abs(sweep) / per_segment), 1), MAX_ARC_SEGMENTS)


def ellipse_arc(
    center: tuple[float, float],
    rx: float,
    ry: float,
    phi: float,
    theta1: float,
    dtheta: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[np.ndarray]:
    """Cubic control rows ``c1, c2, end`` (×n) for an arc in centre parameterisation.

    *phi* is the x-axis rotation, *theta1* the start angle and *dtheta* the signed
    sweep, all in radians. The error against the true ellipse is ≤ *tolerance*.
    """
    n = arc_segment_count(max(rx, ry), dtheta, tolerance)
    delta = dtheta / n
    k = 4.0 / 3.0 * math.tan(delta / 4.0)
    cos_p, sin_p = math.cos(phi), math.sin(phi)
    m = np.array([[rx * cos_p, -ry * sin_p], [rx * sin_p, ry * cos_p]])
    c = np.asarray(center, dtype=np.float64)
    out: list[np.ndarray] = []
    for i in range(n):
        a, b = theta1 + i * delta, theta1 + (i + 1) * delta
        ca, sa, cb, sb = math.cos(a), math.sin(a), math.cos(b), math.sin(b)
        unit = np.array([[ca - k * sa, sa + k * ca], [cb + k * sb, sb - k * cb], [cb, sb]])
        out.extend(c + unit @ m.T)
    return out


def endpoint_arc(
    p0: np.ndarray,
    rx: float,
    ry: float,
    angle_deg: float,
    large_arc: bool,
    sweep: bool,
    p1: np.ndarray,
    tolerance: float = DEFAULT_TOLERANCE,
) -> list[np.ndarray]:
    """An SVG arc command as cubic rows ``c1, c2, end`` (×n) — SVG 1.1 §F.6.

    Identical endpoints omit the arc (§F.6.2); a zero radius gives a straight line
    (§F.6.2); radii too small to reach are scaled up (§F.6.6); the centre follows
    the endpoint-to-centre conversion of §F.6.5.
    """
    if np.array_equal(p0, p1):
        return []
    rx, ry = abs(rx), abs(ry)
    if rx == 0.0 or ry == 0.0:
        return line_controls(p0, p1)
    phi = math.radians(angle_deg % 360.0)
    cos_p, sin_p = math.cos(phi), math.sin(phi)
    dx, dy = (p0[0] - p1[0]) / 2.0, (p0[1] - p1[1]) / 2.0
    x1p, y1p = cos_p * dx + sin_p * dy, -sin_p * dx + cos_p * dy  # F.6.5.1
    lam = (x1p / rx) ** 2 + (y1p / ry) ** 2  # F.6.6.2
    if lam > 1.0:
        rx, ry = rx * math.sqrt(lam), ry * math.sqrt(lam)
    num = rx * rx * ry * ry - rx * rx * y1p * y1p - ry * ry * x1p * x1p
    den = rx * rx * y1p * y1p + ry * ry * x1p * x1p
    coef = math.sqrt(max(0.0, num / den)) if den > 0 else 0.0
    if large_arc == sweep:
        coef = -coef
    cxp, cyp = coef * rx * y1p / ry, -coef * ry * x1p / rx  # F.6.5.2
    cx = cos_p * cxp - sin_p * cyp + (p0[0] + p1[0]) / 2.0  # F.6.5.3
    cy = sin_p * cxp + cos_p * cyp + (p0[1] + p1[1]) / 2.0
    theta1 = math.atan2((y1p - cyp) / ry, (x1p - cxp) / rx)  # F.6.5.5
    theta2 = math.atan2((-y1p - cyp) / ry, (-x1p - cxp) / rx)
    dtheta = theta2 - theta1  # F.6.5.6
    if sweep and dtheta < 0:
        dtheta += 2.0 * math.pi
    elif not sweep and dtheta > 0:
        dtheta -= 2.0 * math.pi
    rows = ellipse_arc((cx, cy), rx, ry, phi, theta1, dtheta, tolerance)
    rows[-1] = np.array(p1, dtype=np.float64)  # land exactly on the endpoint
    return rows


# --- subpath assembly --------------------------------------------------------------


class SubpathBuilder:
    """A tiny pen (fontTools style): ``move_to``, ``curve_to`` rows, ``close``."""

    def __init__(self) -> None:
        self.subpaths: list[Subpath] = []
        self._rows: list[np.ndarray] = []
        self._segments: list[int] = []  # first cubic of each segment added (the marker vertices)
        self._closed_here = False  # nothing drawn since the last close

    @property
    def start(self) -> Optional[np.ndarray]:
        return self._rows[0] if self._rows else None

    @property
    def current(self) -> Optional[np.ndarray]:
        return self._rows[-1] if self._rows else None

    def move_to(self, p: np.ndarray) -> None:
        self._finish_open()
        self._rows = [np.asarray(p, dtype=np.float64)]
        self._segments = []
        self._closed_here = False

    def add(self, rows: list[np.ndarray]) -> None:
        """Append one segment's cubic rows ``c1, c2, end`` (any multiple of three)."""
        if rows:
            self._segments.append((len(self._rows) - 1) // 3)
        self._rows.extend(rows)
        self._closed_here = self._closed_here and not rows

    def close(self) -> None:
        """Close per the model layout: drop a duplicate end point or add a closing line."""
        rows = self._rows
        if not rows or self._closed_here:  # "Z Z": the second one closes nothing
            return
        start, last = rows[0], rows[-1]
        segments, added = list(self._segments), not (len(rows) > 1 and _same_point(start, last))
        if not added:
            rows = rows[:-1]
        else:
            segments.append((len(rows) - 1) // 3)
            rows = rows + line_controls(last, start)[:2]
        self.subpaths.append(Subpath(np.array(rows, dtype=np.float64), closed=True,
                                     segment_starts=np.array(segments, dtype=np.int64), close_line=added))
        self._rows = [start]  # drawing may continue from the start point (§8.3.3)
        self._segments = []
        self._closed_here = True

    def _finish_open(self) -> None:
        if len(self._rows) > 1:
            self.subpaths.append(Subpath(np.array(self._rows, dtype=np.float64), closed=False,
                                         segment_starts=np.array(self._segments, dtype=np.int64)))
        self._rows = []
        self._segments = []

    def finish(self) -> list[Subpath]:
        self._finish_open()
        return self.subpaths


def _same_point(a: np.ndarray, b: np.ndarray) -> bool:
    scale = max(1.0, float(np.abs(a).max()), float(np.abs(b).max()))
    return bool(np.abs(a - b).max() <= 1e-9 * scale)


def path_to_subpaths(d: str, tolerance: float = DEFAULT_TOLERANCE,
                     on_count: Optional[Callable[[int], None]] = None) -> tuple[list[Subpath], Optional[str]]:
    """Parse ``d`` into cubic subpaths (user units) → ``(subpaths, syntax error or None)``.

    *tolerance* bounds the error of arc approximations, in user units (pass
    ``0.1 / max_scale(ctm)`` for 0.1 canvas pixel). *on_count* is told the number of
    commands before any is turned into geometry (a budget check may refuse there).
    """
    commands, error = tokenize(d)
    if on_count is not None:
        on_count(len(commands))
    pen = SubpathBuilder()
    cur = np.zeros(2)
    start = np.zeros(2)
    last_cubic_c2: Optional[np.ndarray] = None
    last_quad_q: Optional[np.ndarray] = None
    for cmd, args in commands:
        rel = cmd.islower()
        op = cmd.lower()
        base = cur if rel else np.zeros(2)
        cubic_c2, quad_q = None, None
        if op == "m":
            cur = base + args[0:2]
            start = cur
            pen.move_to(cur)
        elif op == "z":
            pen.close()
            cur = start
        else:
            if pen.start is None:  # drawing after Z without a moveto (§8.3.3)
                pen.move_to(cur)
            if op == "l":
                end = base + args[0:2]
                pen.add(line_controls(cur, end))
            elif op == "h":
                end = np.array([args[0] + (cur[0] if rel else 0.0), cur[1]])
                pen.add(line_controls(cur, end))
            elif op == "v":
                end = np.array([cur[0], args[0] + (cur[1] if rel else 0.0)])
                pen.add(line_controls(cur, end))
            elif op == "c":
                c1, cubic_c2, end = base + args[0:2], base + args[2:4], base + args[4:6]
                pen.add([c1, cubic_c2, end])
            elif op == "s":  # §8.3.6: reflect the previous C/S second control point
                c1 = 2 * cur - last_cubic_c2 if last_cubic_c2 is not None else cur
                cubic_c2, end = base + args[0:2], base + args[2:4]
                pen.add([c1, cubic_c2, end])
            elif op == "q":
                quad_q, end = base + args[0:2], base + args[2:4]
                pen.add(quad_controls(cur, quad_q, end))
            elif op == "t":  # §8.3.7: reflect the previous Q/T control point
                quad_q = 2 * cur - last_quad_q if last_quad_q is not None else cur
                end = base + args[0:2]
                pen.add(quad_controls(cur, quad_q, end))
            elif op == "a":
                end = base + args[5:7]
                pen.add(endpoint_arc(cur, args[0], args[1], args[2], bool(args[3]), bool(args[4]), end, tolerance))
            cur = end
        last_cubic_c2, last_quad_q = cubic_c2, quad_q
    return pen.finish(), error


def scan_numbers(text: str) -> tuple[list[float], Optional[str]]:
    """Numbers of a ``points`` list (SVG 1.1 §9.7.1); stops at the first error."""
    sc = _Scanner(text)
    out: list[float] = []
    try:
        while not sc.at_end():
            out.append(sc.number())
    except _Stop as stop:
        return out, str(stop)
    return out, None


# --- writing -----------------------------------------------------------------------


def format_number(value: float, decimals: int = 3) -> str:
    """Compact fixed-point: ``1.5``, ``-2``, ``0`` (never ``-0`` or exponents)."""
    s = f"{value:.{decimals}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _straight(pts: np.ndarray, k: int) -> np.ndarray:
    """Per cubic segment of a subpath's points: are its controls at 1/3 and 2/3 of the chord?"""
    first = np.arange(k) * 3
    p0, c1, c2, p1 = pts[first], pts[first + 1], pts[first + 2], pts[(first + 3) % len(pts)]
    a, b = p0 + (p1 - p0) / 3.0, p0 + (p1 - p0) * (2.0 / 3.0)
    scale = np.maximum(1.0, np.maximum(np.abs(p0).max(1), np.abs(p1).max(1)))
    return np.maximum(np.abs(c1 - a).max(1), np.abs(c2 - b).max(1)) <= 1e-9 * scale


def subpaths_to_d(subpaths: list[Subpath], decimals: int = 3) -> str:
    """Absolute ``M``/``C``/``L``/``Z`` path data for cubic subpaths.

    Straight cubics (controls at 1/3 and 2/3) are written as ``L``; the closing line
    ``Z`` added is left to ``Z``. Raises :class:`SVGError` on non-finite points.

    >>> subpaths_to_d(path_to_subpaths("M0 0 L10 0 L10 10 Z")[0])
    'M0 0 L10 0 L10 10 Z'
    """
    parts: list[str] = []
    for sp in subpaths:
        pts = np.asarray(sp.points, dtype=np.float64)
        if not np.isfinite(pts).all():
            raise SVGError("a subpath has coordinates that are not finite; the edit diverged, try a smaller step size")
        if len(pts) == 0:
            continue
        numbers = [format_number(v, decimals) for v in pts.ravel().tolist()]
        xy = [f"{x} {y}" for x, y in zip(numbers[0::2], numbers[1::2])]
        parts.append("M" + xy[0])
        k = sp.num_segments
        written = sp.segment_starts is not None and not sp.close_line  # parsed: the d ended at the start
        for i, line in enumerate(_straight(pts, k).tolist()):
            end = xy[(3 * i + 3) % len(pts)]
            if sp.closed and i == k - 1 and line and not written:
                break  # Z draws it (a line written back to the start stays: markers see its vertex)
            parts.append("L" + end if line else f"C{xy[3 * i + 1]} {xy[3 * i + 2]} {end}")
        if sp.closed:
            parts.append("Z")
    return " ".join(parts)


def subpaths_bbox(subpaths: list[Subpath]) -> tuple[float, float, float, float]:
    """Exact bounds of cubic subpaths: segment ends plus the extrema where B'(t) = 0."""
    segments = [segment_array(sub) for sub in subpaths if sub.num_segments]
    if not segments:
        return (0.0, 0.0, 0.0, 0.0)
    ctrl = np.concatenate(segments)  # (n, 4, 2)
    p0, p1, p2, p3 = ctrl[:, 0], ctrl[:, 1], ctrl[:, 2], ctrl[:, 3]
    # B'(t)/3 = a t^2 + b t + c per axis
    a = -p0 + 3 * p1 - 3 * p2 + p3
    b = 2 * (p0 - 2 * p1 + p2)
    c = p1 - p0
    ts = [np.zeros_like(a), np.ones_like(a)]
    with np.errstate(divide="ignore", invalid="ignore"):
        disc = np.sqrt(np.maximum(b * b - 4 * a * c, 0))
        quad = np.abs(a) > 1e-12
        ts.append(np.where(quad, (-b + disc) / (2 * a), np.where(np.abs(b) > 1e-12, -c / b, 0)))
        ts.append(np.where(quad, (-b - disc) / (2 * a), 0))
    t = np.clip(np.nan_to_num(np.stack(ts, -1)), 0, 1)  # (n, 2, 4): per axis candidates
    mt = 1 - t
    value = (
        mt**3 * p0[..., None] + 3 * mt**2 * t * p1[..., None] + 3 * mt * t**2 * p2[..., None] + t**3 * p3[..., None]
    )
    lo = value.min(axis=(0, 2))
    hi = value.max(axis=(0, 2))
    return (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))


def segment_array(sub: Subpath) -> np.ndarray:
    """(k, 4, 2) control points of a subpath's cubic segments."""
    n = len(sub.points)
    k = sub.num_segments
    rows = (np.arange(k)[:, None] * 3 + np.arange(4)[None, :]) % n
    return sub.points[rows]
