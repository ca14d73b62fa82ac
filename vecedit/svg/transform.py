"""Affine transforms: the ``transform`` attribute, ``viewBox`` and ``preserveAspectRatio``.

Every transform is a 3×3 float64 numpy array acting on column vectors ``(x, y, 1)``.
A transform list ``"A B C"`` is the product ``A @ B @ C`` (SVG 1.1 §7.5: the rightmost
function is applied to the points first).
"""

from __future__ import annotations

import math
import re

import numpy as np

from vecedit.errors import SVGError
from vecedit.svg.units import NUMBER

_NUMBER = NUMBER
_FUNC = re.compile(r"\s*(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)\s*,?", re.IGNORECASE)
# Arguments: numbers, optionally with the CSS units the ``transform`` property allows.
_ARG = re.compile(rf"\s*({_NUMBER})(px|deg|rad|grad|turn)?\s*,?")
_ANGLE_TO_DEG = {None: 1.0, "deg": 1.0, "rad": 180.0 / math.pi, "grad": 0.9, "turn": 360.0}
_ARITY = {
    "matrix": (6,),
    "translate": (1, 2),
    "scale": (1, 2),
    "rotate": (1, 3),
    "skewx": (1,),
    "skewy": (1,),
}


def identity() -> np.ndarray:
    return np.eye(3)


def translate(tx: float, ty: float = 0.0) -> np.ndarray:
    return np.array([[1.0, 0.0, tx], [0.0, 1.0, ty], [0.0, 0.0, 1.0]])


def scale(sx: float, sy: float | None = None) -> np.ndarray:
    return np.diag([sx, sx if sy is None else sy, 1.0])


def rotate(degrees: float, cx: float = 0.0, cy: float = 0.0) -> np.ndarray:
    """Rotation about ``(cx, cy)``: ``translate(cx, cy) rotate(a) translate(-cx, -cy)``."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    r = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return translate(cx, cy) @ r @ translate(-cx, -cy)


def skew_x(degrees: float) -> np.ndarray:
    return np.array([[1.0, math.tan(math.radians(degrees)), 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def skew_y(degrees: float) -> np.ndarray:
    return np.array([[1.0, 0.0, 0.0], [math.tan(math.radians(degrees)), 1.0, 0.0], [0.0, 0.0, 1.0]])


def matrix(a: float, b: float, c: float, d: float, e: float, f: float) -> np.ndarray:
    """SVG 1.1 §7.4: ``matrix(a b c d e f)`` is ``[[a c e] [b d f] [0 0 1]]``."""
    return np.array([[a, c, e], [b, d, f], [0.0, 0.0, 1.0]])


def _bad(text: str, why: str) -> SVGError:
    return SVGError(
        f"bad transform {text.strip()[:80]!r} ({why}); use functions like "
        "'translate(10 20) rotate(45) scale(2)'"
    )


def _args(body: str, name: str, text: str) -> list[tuple[float, str | None]]:
    out = []
    pos = 0
    body = body.strip()
    while pos < len(body):
        m = _ARG.match(body, pos)
        if not m or m.end() == pos:
            raise _bad(text, f"{name}() has a bad argument near {body[pos:pos + 12]!r}")
        value = float(m.group(1))
        if not math.isfinite(value):
            raise _bad(text, f"{name}() has a number that is not finite")
        out.append((value, m.group(2)))
        pos = m.end()
    if len(out) not in _ARITY[name.lower()]:
        raise _bad(text, f"{name}() takes {' or '.join(map(str, _ARITY[name.lower()]))} numbers, got {len(out)}")
    return out


def parse_transform(text: str | None) -> np.ndarray:
    """Parse an SVG transform list (SVG 1.1 §7.6) into a 3×3 matrix.

    Empty or missing gives the identity. Raises :class:`SVGError` on bad syntax or
    non-finite numbers.

    >>> parse_transform("translate(10) scale(2)") @ [1, 1, 1]
    array([12.,  2.,  1.])
    """
    if text is None or not text.strip() or text.strip() == "none":
        return identity()
    m_total = identity()
    pos = 0
    while pos < len(text):
        if not text[pos:].strip():
            break
        m = _FUNC.match(text, pos)
        if not m:
            raise _bad(text, f"unexpected {text[pos:].strip()[:12]!r}")
        name = m.group(1).lower()
        args = _args(m.group(2), m.group(1), text)
        v = [a for a, _ in args]
        if name == "matrix":
            t = matrix(*v)
        elif name == "translate":
            t = translate(v[0], v[1] if len(v) > 1 else 0.0)
        elif name == "scale":
            t = scale(v[0], v[1] if len(v) > 1 else None)
        else:
            deg = v[0] * _ANGLE_TO_DEG.get(args[0][1], 1.0)
            if name == "rotate":
                t = rotate(deg, *(v[1:] if len(v) == 3 else (0.0, 0.0)))
            elif name == "skewx":
                t = skew_x(deg)
            else:
                t = skew_y(deg)
        m_total = m_total @ t
        pos = m.end()
    return m_total


def parse_viewbox(text: str) -> tuple[float, float, float, float]:
    """``viewBox="min-x min-y width height"`` (SVG 1.1 §7.7); raises on bad syntax.

    Whether the size is usable (positive, not absurd) is the caller's decision.
    """
    parts = [p for p in re.split(r"[\s,]+", text.strip()) if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(re.fullmatch(_NUMBER, p) for p in parts):
        raise SVGError(f"bad viewBox {text.strip()[:80]!r}; use four numbers: 'min-x min-y width height'")
    if not all(math.isfinite(v) for v in values):
        raise SVGError(f"bad viewBox {text.strip()[:80]!r}: numbers must be finite")
    return (values[0], values[1], values[2], values[3])


_ALIGNS = {
    "none", "xminymin", "xmidymin", "xmaxymin", "xminymid", "xmidymid",
    "xmaxymid", "xminymax", "xmidymax", "xmaxymax",
}


def parse_preserve_aspect_ratio(text: str | None) -> tuple[str, str]:
    """``[defer] <align> [meet|slice]`` (SVG 1.1 §7.8) → ``(align, meet_or_slice)``.

    Align is returned lower-cased (``"xmidymid"``); a bad value falls back to the
    default ``("xmidymid", "meet")``, as the spec says for invalid attributes.
    """
    words = (text or "").split()
    if words and words[0] == "defer":
        words = words[1:]
    if not words or words[0].lower() not in _ALIGNS or len(words) > 2:
        return ("xmidymid", "meet")
    mode = words[1].lower() if len(words) == 2 else "meet"
    if mode not in ("meet", "slice"):
        return ("xmidymid", "meet")
    return (words[0].lower(), mode)


def viewbox_transform(
    viewbox: tuple[float, float, float, float],
    width: float,
    height: float,
    preserve_aspect_ratio: str | tuple[str, str] | None = None,
    x: float = 0.0,
    y: float = 0.0,
) -> np.ndarray:
    """Map a viewBox onto the viewport ``(x, y, width, height)``.

    The algorithm of SVG 2 §8.2 ("Equivalent transform of an SVG viewport"):
    scale per axis, equalise for ``meet`` (min) / ``slice`` (max) unless ``none``,
    then align min/mid/max along each axis.
    """
    vx, vy, vw, vh = viewbox
    if isinstance(preserve_aspect_ratio, tuple):
        align, mode = preserve_aspect_ratio
    else:
        align, mode = parse_preserve_aspect_ratio(preserve_aspect_ratio)
    sx, sy = width / vw, height / vh
    if align != "none":
        sx = sy = min(sx, sy) if mode == "meet" else max(sx, sy)
    tx, ty = x - vx * sx, y - vy * sy
    if align != "none":
        free_x, free_y = width - vw * sx, height - vh * sy
        tx += {"xmin": 0.0, "xmid": free_x / 2, "xmax": free_x}[align[:4]]
        ty += {"ymin": 0.0, "ymid": free_y / 2, "ymax": free_y}[align[4:]]
    return np.array([[sx, 0.0, tx], [0.0, sy, ty], [0.0, 0.0, 1.0]])


def apply(m: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Transform an ``(N, 2)`` array of points."""
    points = np.asarray(points, dtype=np.float64)
    return points @ m[:2, :2].T + m[:2, 2]


def max_scale(m: np.ndarray) -> float:
    """The largest factor by which ``m`` stretches any vector (its top singular value)."""
    a, b, c, d = (float(v) for v in (m[0, 0], m[0, 1], m[1, 0], m[1, 1]))
    e = a * a + b * b + c * c + d * d  # closed form of the 2×2 top singular value
    det = a * d - b * c
    return math.sqrt(max(0.0, (e + math.sqrt(max(0.0, e * e - 4.0 * det * det))) / 2.0))


def is_invertible(m: np.ndarray) -> bool:
    """Finite, with a finite inverse: what can be drawn (SVG 2 §8.6: a singular transform,
    e.g. ``scale(0)``, means the element is not rendered)."""
    values = m.ravel().tolist()  # Python floats: this runs once per shape, 10,000 times a document
    if not all(map(math.isfinite, values)):
        return False
    a, b, _, c, d = values[:5]
    det = a * d - b * c
    return abs(det) > 1e-30 and math.isfinite(1.0 / det) and all(math.isfinite(v / det) for v in (a, b, c, d))


def is_identity(m: np.ndarray) -> bool:
    return bool(np.allclose(m, np.eye(3), rtol=0.0, atol=1e-12))
