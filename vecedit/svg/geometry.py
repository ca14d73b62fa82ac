"""Cubic geometry: lines and quadratics as cubics, elliptical arcs → cubics, subpaths → path
data, exact bounds.

Reading path data and point lists is :mod:`vecedit.svg.pathdata`. Layout of
:class:`Subpath` points: see :mod:`vecedit.svg.model`.
"""

from __future__ import annotations

import functools
import math
import re

import numpy as np

from vecedit.errors import SVGError
from vecedit.svg.model import Subpath

DEFAULT_TOLERANCE = 0.1
"""Default arc tolerance, in the user units the geometry is given in."""


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
    the endpoint-to-centre conversion of §F.6.5. Absurd radii may overflow to inf/NaN rows
    (numpy's warnings silenced); the caller stops the path there (``pathdata.path_to_subpaths``).
    """
    with np.errstate(all="ignore"):
        return _endpoint_arc(p0, rx, ry, angle_deg, large_arc, sweep, p1, tolerance)


def _endpoint_arc(p0, rx, ry, angle_deg, large_arc, sweep, p1, tolerance) -> list[np.ndarray]:
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
    """Absolute ``M``/``C``/``L``/``Z`` path data for cubic subpaths, numbers as :func:`format_number` writes them.

    Straight cubics (controls at 1/3 and 2/3) are written as ``L``; the closing line
    ``Z`` added is left to ``Z``. Raises :class:`SVGError` on non-finite points.

    >>> from vecedit.svg.pathdata import path_to_subpaths
    >>> subpaths_to_d(path_to_subpaths("M0 0 L10 0 L10 10 Z")[0])
    'M0 0 L10 0 L10 10 Z'
    """
    number = f"%.{decimals}f"
    move, line, curve = f"M{number} {number}", f"L{number} {number}", "C" + " ".join([number] * 6)
    commands: list[str] = []
    rows: list[np.ndarray] = []
    for sp in subpaths:
        pts = np.asarray(sp.points, dtype=np.float64)
        if not np.isfinite(pts).all():
            raise SVGError("a subpath has coordinates that are not finite; the edit diverged, try a smaller step size")
        if len(pts) == 0:
            continue
        straight = _straight(pts, sp.num_segments)
        written = sp.segment_starts is not None and not sp.close_line  # parsed: the d ended at the start
        if sp.closed and len(straight) and straight[-1] and not written:
            straight = straight[:-1]  # Z draws it (a line written back to the start stays: markers see its vertex)
        first = np.arange(len(straight)) * 3
        segment_rows = np.stack([first + 1, first + 2, (first + 3) % len(pts)], 1)
        kept = np.ones(segment_rows.shape, dtype=bool)
        kept[straight, :2] = False  # a line writes its end point only
        rows.append(pts[np.concatenate([[0], segment_rows[kept]])])
        commands.append(move)
        commands += [line if s else curve for s in straight.tolist()]
        if sp.closed:
            commands.append("Z")
    if not commands:
        return ""
    return _trim_numbers(" ".join(commands) % tuple(np.concatenate(rows).ravel().tolist()), decimals)


@functools.lru_cache(maxsize=8)
def _trimmers(decimals: int) -> list[re.Pattern]:
    """Patterns whose matches, deleted, take ``%.{decimals}f`` numbers to :func:`format_number`'s form:
    trailing zeros and a bare point (each number has exactly ``decimals`` digits after its point)."""
    if decimals == 0:
        return []
    zeros = [r"(?<=\.\d{%d})0{%d}(?!\d)" % (kept, decimals - kept) for kept in range(1, decimals)]
    return [re.compile("|".join([r"\.0{%d}(?!\d)" % decimals] + zeros))]


_MINUS_ZERO = re.compile(r"(?<![\d.])-(?=0(?![\d.]))")


def _trim_numbers(text: str, decimals: int) -> str:
    for pattern in _trimmers(decimals):
        text = pattern.sub("", text)
    return _MINUS_ZERO.sub("", text)  # "-0" → "0"


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
