"""The complexity budget: how much work one document or image may ask for.

A file can be valid and still ask for minutes of work and gigabytes of memory (10⁶
path segments, 10⁵ elements, a stroke 10²⁰ wide, a filter region the size of a
continent). Every such cost is counted against one :class:`Limits` in the few shared
places where it arises — the XML parser (``elements``, ``depth``), the stylesheet's cascade (``selector_tests``), the render tree
(``shapes`` and ``segments`` after ``use``/marker/pattern expansion), the scene (its shapes and
layers, ``shapes``), every raster
allocation (``pixels``: the canvas, a pattern tile, a filter layer), the pattern tiles
drawn (``tiles``), the rasterizer's work (``edge_pixels``), the pixels painted (``paint_pixels``), filters (``filter_primitives`` parsed, ``filter_pixels`` of work) and image decoding
(``image_pixels``, for ``vectorize``) — and going over it is one :class:`LimitError`
line that names the limit and how to raise it, before the work starts.

Where the budget comes from, first found wins: ``limits=`` of the API call
(:func:`using`), the ``VECEDIT_LIMITS`` environment variable (``--limits`` on the
command line sets it, so worker processes see it too), the defaults below.
The defaults are sized so that a document within them is loaded, drawn, saved and put
through a short run of any command within the fuzzing campaign's 10 CPU-s per input
(``benchmarks/fuzz.py``): 4,000 shapes or 100,000 segments (about 6,000 characters of
text), where an optimisation step costs up to ≈2 ms per filled and stroked shape.
Larger drawings are one ``--limits`` away.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import os
from dataclasses import dataclass
from typing import Iterator, Optional, Union

from vecedit.errors import InputError, OptionError

ENV_VAR = "VECEDIT_LIMITS"


class LimitError(InputError):
    """The input asks for more work than the budget allows (raise the limit to go on)."""


@dataclass(frozen=True)
class Limits:
    elements: int = 20_000  # XML elements in one document (a group costs ≈0.1 ms to load and draw)
    depth: int = 256  # element nesting (the tree walks recurse per level)
    # stylesheet work: rules tried against each element their selector could match (≈3 µs each)
    selector_tests: int = 200_000
    # shapes drawn (raster images and SVG images' shapes too), after use / marker / pattern expansion; the
    # rectangles that clip a marker, a nested viewport or a mask region count too (each is drawn as a mask),
    # and, when the scene is built, every layer (a group with opacity, a clip, a mask, a filter or a blend mode)
    shapes: int = 4_000  # ≈0.5 ms CPU each to render, ≈0.5–2 ms an optimisation step (2 ms: fill + stroke)
    segments: int = 100_000  # path segments of those shapes (≈25 µs CPU each through load, save and render)
    pixels: int = 1 << 25  # any one raster: canvas, pattern tile, filter layer (33.5 MP)
    edge_pixels: int = 500_000  # rasterizer work: pixel-long pieces of all edges drawn in one render (≈1 µs each)
    # pixels painted in one render: every fill's and stroke's crop, summed; a gradient, pattern or image
    # paint counts 4× (its colour is worked out per pixel) (≈30 ns each forward, ≈100 ns forward + backward)
    paint_pixels: int = 20_000_000
    filter_primitives: int = 1_000  # filter primitive elements parsed in one document (real filters have tens)
    # filter work in one render: primitives × (layer pixels + 512 per use), summed (0.5–3 µs each)
    filter_pixels: int = 1_000_000
    tiles: int = 500  # rasters of their own in one render: pattern tiles, raster images, feImage elements (≈3–5 ms each)
    image_pixels: int = 16_000_000  # a raster image decoded for vectorize

    def check(self, name: str, value: Union[int, float], what: str, at_least: int = 0) -> None:
        """Raise :class:`LimitError` when *value* is over the limit *name*; *what* says what was counted.
        *at_least*: the work a render of the size asked for may always do (it grows with the canvas)."""
        limit = max(getattr(self, name), at_least)
        if value > limit:
            shown = f"{value:,}" if isinstance(value, int) else f"{value:.3g}"
            raise LimitError(f"{what}: {shown} is over the limit of {limit:,} {name}; raise it with "
                             f"--limits {name}=N (API: limits=Limits({name}=N), env {ENV_VAR})")

    def raised(self, **changes: int) -> "Limits":
        return dataclasses.replace(self, **changes)


NAMES = tuple(f.name for f in dataclasses.fields(Limits))
_explicit: contextvars.ContextVar[Optional[Limits]] = contextvars.ContextVar("vecedit_limits", default=None)


def parse(text: str) -> Limits:
    """``"shapes=50000,pixels=1e8"`` → :class:`Limits` (the others at their defaults)."""
    changes = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        name, _, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if name not in NAMES:
            raise OptionError(f"limits: unknown limit {name!r}; use {', '.join(NAMES)} (e.g. shapes=50000)")
        try:
            number = float(value)
        except ValueError:
            raise OptionError(f"limits: {name}={value.strip()!r} is not a number; use e.g. {name}=50000") from None
        if not 1 <= number < 2**62:
            raise OptionError(f"limits: {name} must be a whole number from 1 to 2^62, not {value.strip()!r}")
        changes[name] = int(number)
    return Limits(**changes)


def current() -> Limits:
    """The budget in force here: :func:`using`'s, else ``VECEDIT_LIMITS``'s, else the defaults."""
    explicit = _explicit.get()
    if explicit is not None:
        return explicit
    return _from_env(os.environ.get(ENV_VAR, "").strip())


@functools.lru_cache(maxsize=8)
def _from_env(text: str) -> Limits:
    """The limits of ``VECEDIT_LIMITS``'s text, parsed once per text (a render asks thousands of times)."""
    return parse(text) if text else Limits()


@contextlib.contextmanager
def using(limits: Union[Limits, str, None]) -> Iterator[Limits]:
    """Run the ``with`` body under *limits* (a :class:`Limits`, its text form, or None: unchanged)."""
    if limits is None:
        yield current()
        return
    chosen = parse(limits) if isinstance(limits, str) else limits
    token = _explicit.set(chosen)
    try:
        yield chosen
    finally:
        _explicit.reset(token)


def use_limits(text: str) -> None:
    """``--limits``: check the text and put it in ``VECEDIT_LIMITS`` for this process and its workers."""
    parse(text)
    os.environ[ENV_VAR] = text
