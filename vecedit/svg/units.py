"""Numbers and lengths (SVG 1.1 §4.2, CSS Values 3 §5–6).

Absolute units convert at CSS's 96 px per inch. Font- and viewport-relative units
(CSS Values 3 §6) read the :class:`LengthContext` the render tree sets for the element
being resolved (:func:`lengths_in`): ``em`` its font-size, ``ex`` and ``ch`` half of it
(CSS's fallback when the font's x-height and "0" advance are not measured, as resvg),
``rem`` the root's font-size, ``vw``/``vh``/``vmin``/``vmax`` the outermost viewport
(the canvas in px). Percentages need a reference length, which the caller passes
(SVG 1.1 §7.10: x-like lengths against the viewport width, y-like against its height,
others against ``sqrt((w² + h²) / 2)``).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import re
from dataclasses import dataclass, replace
from typing import Optional

from vecedit.errors import SVGError

# One number grammar for every attribute (SVG 1.1 §4.2 / CSS). Written so that no two
# branches can match the same digits, so matching is linear even on 10⁵-digit input.
NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_LENGTH = re.compile(rf"({NUMBER})(?:\s*([a-zA-Z]+|%))?")  # whole() on stripped text
_NONFINITE = re.compile(r"^\s*[+-]?(nan|inf|infinity)\s*$", re.IGNORECASE)

PX_PER_UNIT: dict[str, float] = {
    "": 1.0,
    "px": 1.0,
    "pt": 96.0 / 72.0,
    "pc": 16.0,
    "mm": 96.0 / 25.4,
    "cm": 96.0 / 2.54,
    "q": 96.0 / 101.6,
    "in": 96.0,
}
RELATIVE_UNITS = ("em", "ex", "ch", "rem", "vw", "vh", "vmin", "vmax")


@dataclass(frozen=True)
class LengthContext:
    """What relative units are relative to, for the element being resolved."""

    font_size: float = 16.0
    root_font_size: float = 16.0
    css_viewport: tuple[float, float] = (300.0, 150.0)  # the outermost viewport in px (vw, vh)
    viewport_box: tuple[float, float] = (300.0, 150.0)  # the nearest viewport in user units (transform-origin %)

    def px(self, unit: str) -> float:
        w, h = self.css_viewport
        return {"em": self.font_size, "ex": self.font_size / 2, "ch": self.font_size / 2,
                "rem": self.root_font_size, "vw": w / 100, "vh": h / 100,
                "vmin": min(w, h) / 100, "vmax": max(w, h) / 100}[unit]


_CONTEXT: contextvars.ContextVar[LengthContext] = contextvars.ContextVar("vecedit_lengths", default=LengthContext())


@contextlib.contextmanager
def lengths_in(**changes):
    """Resolve relative units inside the block with these :class:`LengthContext` fields changed."""
    token = _CONTEXT.set(replace(_CONTEXT.get(), **changes))
    try:
        yield
    finally:
        _CONTEXT.reset(token)


def length_context() -> LengthContext:
    return _CONTEXT.get()


def whole(pattern: re.Pattern, text: str) -> Optional[re.Match]:
    """``pattern.fullmatch(text)`` in one pass, for patterns built from :data:`NUMBER` and optional
    greedy parts that cannot give characters back to each other: its greedy match is the only
    candidate. (``fullmatch`` retries every shorter digit run when a value fails at its end:
    ~100 ns a digit per retry on the 50,000-digit widths of a fuzzed file.)"""
    m = pattern.match(text)
    return m if m is not None and m.end() == len(text) else None


FLOAT_MAX = 3.4028234663852886e38  # browsers keep numbers as 32-bit floats and clamp to this


def _finite(value: float, text: str, what: str) -> float:
    """The one guard every parsed number passes: non-finite is an error, beyond float range is clamped."""
    if not math.isfinite(value):
        raise SVGError(f"{what} {text.strip()[:40]!r} is not a finite number; use an ordinary number")
    return max(-FLOAT_MAX, min(FLOAT_MAX, value))


def parse_number(text: str, what: str = "number") -> float:
    """A plain finite number; raises :class:`SVGError` otherwise."""
    if _NONFINITE.match(text):
        raise SVGError(f"{what} {text.strip()!r} is not a finite number; use an ordinary number")
    try:
        return _finite(float(text), text, what)
    except ValueError:
        raise SVGError(f"{what} {text.strip()[:40]!r} is not a number; use a number like 1.5") from None


def parse_length(text: str, percent_of: Optional[float] = None, what: str = "length") -> float:
    """A length in px (user units): ``"10"``, ``"2.5mm"``, ``"50%"`` (of *percent_of*).

    Raises :class:`SVGError` for bad syntax, unknown units, non-finite values, or a
    percentage where no reference length is known.

    >>> parse_length("1in"), parse_length("50%", 300)
    (96.0, 150.0)
    """
    if _NONFINITE.match(text):
        raise SVGError(f"{what} {text.strip()!r} is not a finite number; use an ordinary length")
    m = whole(_LENGTH, text.strip())
    if not m:
        raise SVGError(f"{what} {text.strip()[:40]!r} is not a length; use a number with an optional unit (px, mm, %, …)")
    value = _finite(float(m.group(1)), text, what)
    unit = (m.group(2) or "").lower()
    if unit == "%":
        if percent_of is None:
            raise SVGError(f"{what} {text.strip()!r} is a percentage where none is allowed; use an absolute length")
        return _finite(value / 100.0 * percent_of, text, what)
    if unit in RELATIVE_UNITS:
        return _finite(value * _CONTEXT.get().px(unit), text, what)
    if unit not in PX_PER_UNIT:
        raise SVGError(f"{what} {text.strip()!r} has unknown unit {unit!r}; use px, pt, pc, mm, cm, in, em or %")
    return _finite(value * PX_PER_UNIT[unit], text, what)  # 1e38in is beyond float range too


def diagonal(width: float, height: float) -> float:
    """Reference length for percentages that are neither horizontal nor vertical."""
    return math.sqrt((width * width + height * height) / 2.0)


def parse_number_list(text: str, what: str = "list") -> list[float]:
    """Numbers separated by whitespace and/or commas (SVG 1.1 §4.2 ``<list-of-numbers>``)."""
    parts = [p for p in re.split(r"[\s,]+", text.strip()) if p]
    return [parse_number(p, what) for p in parts]
