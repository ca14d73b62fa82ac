"""Least-squares cubic Bézier fitting of polylines (Schneider, "An Algorithm for
Automatically Fitting Digitized Curves", Graphics Gems, 1990).

:func:`fit_closed` turns a closed polygon into a closed cubic subpath in the model's
point layout (``(3k, 2)``: ``p0, c1, c2`` per segment, the last segment ending at
row 0). Each piece is fitted with chord-length parameters, improved by a few
Newton–Raphson reparameterisations, and split at the point of largest error with a
shared tangent there, so the curve stays G1-smooth except at detected corners.

>>> import numpy as np
>>> t = np.linspace(0, 2 * np.pi, 80, endpoint=False)
>>> circle = np.stack([10 + 5 * np.cos(t), 10 + 5 * np.sin(t)], 1)
>>> sub = fit_closed(circle, tolerance=0.05)
>>> sub.shape[1], sub.shape[0] % 3, len(sub) // 3 <= 8
(2, 0, True)
"""

from __future__ import annotations

import numpy as np

MAX_DEPTH = 24


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 1e-12 else np.zeros_like(v)


def _basis(u: np.ndarray) -> np.ndarray:
    """Bernstein basis ``(n, 4)`` at parameters ``u``."""
    mt = 1 - u
    return np.stack([mt * mt * mt, 3 * u * mt * mt, 3 * u * u * mt, u * u * u], 1)


def _chord_params(points: np.ndarray) -> np.ndarray:
    step = points[1:] - points[:-1]
    d = np.empty(len(points))
    d[0] = 0.0
    np.cumsum(np.sqrt(np.einsum("ij,ij->i", step, step)), out=d[1:])
    return d / d[-1] if d[-1] > 0 else np.linspace(0, 1, len(points))


def _generate(points: np.ndarray, basis: np.ndarray, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
    """Least-squares control points with fixed end tangents (Schneider's GenerateBezier)."""
    p0, p3 = points[0], points[-1]
    a1 = basis[:, 1:2] * t1
    a2 = basis[:, 2:3] * t2
    tmp = points - (basis[:, 0] + basis[:, 1])[:, None] * p0 - (basis[:, 2] + basis[:, 3])[:, None] * p3
    c00, c01, c11 = float(np.vdot(a1, a1)), float(np.vdot(a1, a2)), float(np.vdot(a2, a2))
    x0, x1 = float(np.vdot(a1, tmp)), float(np.vdot(a2, tmp))
    det = c00 * c11 - c01 * c01
    dx, dy = float(p3[0] - p0[0]), float(p3[1] - p0[1])
    seg = (dx * dx + dy * dy) ** 0.5
    alpha1 = alpha2 = 0.0
    if abs(det) > 1e-12:
        alpha1 = (x0 * c11 - x1 * c01) / det
        alpha2 = (c00 * x1 - c01 * x0) / det
    if alpha1 < 1e-6 * seg or alpha2 < 1e-6 * seg or alpha1 > 3 * seg or alpha2 > 3 * seg:
        alpha1 = alpha2 = seg / 3.0  # Wu/Barsky heuristic
    return np.array([p0, p0 + alpha1 * t1, p3 + alpha2 * t2, p3])


def _reparameterize(ctrl: np.ndarray, points: np.ndarray, u: np.ndarray, basis: np.ndarray) -> np.ndarray:
    """One Newton–Raphson step per parameter toward the closest point on the curve."""
    d1 = 3 * (ctrl[1:] - ctrl[:-1])
    d2 = 2 * (d1[1:] - d1[:-1])
    mt = (1 - u)[:, None]
    uu = u[:, None]
    diff = basis @ ctrl - points
    q1 = mt * mt * d1[0] + 2 * mt * uu * d1[1] + uu * uu * d1[2]
    q2 = mt * d2[0] + uu * d2[1]
    num = np.einsum("ij,ij->i", diff, q1)
    den = np.einsum("ij,ij->i", q1, q1) + np.einsum("ij,ij->i", diff, q2)
    step = np.divide(num, den, out=np.zeros_like(num), where=np.abs(den) > 1e-12)
    out = np.clip(u - step, 0, 1)
    out[0], out[-1] = 0.0, 1.0
    return np.maximum.accumulate(out)


def _max_error(ctrl, points, basis) -> tuple[float, int]:
    diff = basis @ ctrl - points
    err = np.einsum("ij,ij->i", diff, diff)
    if len(err) <= 2:
        return 0.0, len(points) // 2
    i = int(np.argmax(err[1:-1])) + 1
    return float(err[i]), i


def fit_open(points: np.ndarray, t1: np.ndarray, t2: np.ndarray, tolerance: float, depth: int = 0) -> list[np.ndarray]:
    """Cubics ``(4, 2)`` through ``points`` with end tangents ``t1`` (out of the start) and
    ``t2`` (into the end, pointing backward), within ``tolerance`` px where splitting allows."""
    n = len(points)
    if n == 2 or depth >= MAX_DEPTH:
        d = np.linalg.norm(points[-1] - points[0]) / 3.0
        return [np.array([points[0], points[0] + d * t1, points[-1] + d * t2, points[-1]])]
    u = _chord_params(points)
    basis = _basis(u)
    ctrl = _generate(points, basis, t1, t2)
    err, split = _max_error(ctrl, points, basis)
    limit = tolerance * tolerance
    if err <= limit:
        return [ctrl]
    if err <= 4 * limit:
        for _ in range(4):
            u = _reparameterize(ctrl, points, u, basis)
            basis = _basis(u)
            ctrl = _generate(points, basis, t1, t2)
            err, split = _max_error(ctrl, points, basis)
            if err <= limit:
                return [ctrl]
    centre = _unit(points[split - 1] - points[split + 1])
    if not centre.any():
        centre = _unit(points[split - 1] - points[split])
    left = fit_open(points[: split + 1], t1, centre, tolerance, depth + 1)
    right = fit_open(points[split:], -centre, t2, tolerance, depth + 1)
    return left + right


def corners(points: np.ndarray, angle_deg: float = 60.0, reach: int = 2) -> np.ndarray:
    """Indices of a closed polygon where the direction turns by more than ``angle_deg``,
    measured between the chords ``reach`` points back and ahead (local maxima only)."""
    n = len(points)
    if n < 2 * reach + 3:
        return np.zeros(0, np.int64)
    back = _rows_unit(points - np.roll(points, reach, axis=0))
    ahead = _rows_unit(np.roll(points, -reach, axis=0) - points)
    cos = (back * ahead).sum(1)
    turn = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    peak = (turn >= np.roll(turn, 1)) & (turn > np.roll(turn, -1))
    return np.nonzero((turn > angle_deg) & peak)[0]


def _rows_unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=1, keepdims=True)
    return np.divide(v, n, out=np.zeros_like(v), where=n > 1e-12)


def fit_closed(points: np.ndarray, tolerance: float = 1.0, corner_angle: float = 60.0) -> np.ndarray:
    """Closed polygon ``(N, 2)`` (first point not repeated) → closed cubic subpath ``(3k, 2)``.

    Corners sharper than ``corner_angle`` stay sharp; elsewhere tangents are shared.
    """
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) > 1 and np.allclose(pts[0], pts[-1]):
        pts = pts[:-1]
    n = len(pts)
    if n < 3:
        raise ValueError("a closed curve needs at least 3 points")
    cuts = list(corners(pts, corner_angle))
    sharp = set(cuts)
    if len(cuts) < 2:  # split a smooth loop at its start and its farthest point
        start = cuts[0] if cuts else 0
        far = int(np.argmax(np.linalg.norm(pts - pts[start], axis=1)))
        cuts = sorted({start, far})
        if len(cuts) < 2:
            cuts = [0, n // 2]
    segments: list[np.ndarray] = []
    for a, b in zip(cuts, cuts[1:] + [cuts[0] + n]):
        run = pts[np.arange(a, b + 1) % n]
        t1 = _end_tangent(pts, a, +1, a in sharp)
        t2 = _end_tangent(pts, b % n, -1, (b % n) in sharp)
        segments.extend(fit_open(run, t1, t2, tolerance))
    return np.concatenate([seg[:3] for seg in segments])


def _end_tangent(pts: np.ndarray, i: int, direction: int, sharp: bool) -> np.ndarray:
    """Unit tangent at vertex ``i``: one-sided at a corner, centred elsewhere (G1 joint)."""
    n = len(pts)
    if sharp:
        for step in (2, 1):
            t = _unit(pts[(i + direction * step) % n] - pts[i])
            if t.any():
                return t
    t = _unit(pts[(i + 1) % n] - pts[(i - 1) % n]) * direction
    return t if t.any() else _unit(pts[(i + direction) % n] - pts[i])
