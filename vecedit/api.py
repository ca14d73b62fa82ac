"""The public functions behind ``vecedit.load_svg``, ``vecedit.save_svg`` and ``vecedit.render``.

This module imports nothing heavy at import time: the SVG parser (numpy) and PyTorch
are imported inside the functions, so ``import vecedit`` and ``vecedit --help`` stay
fast. Every error a caller can cause raises a :class:`~vecedit.errors.VeceditError`
subclass whose message names the bad value and says what to do.
"""

from __future__ import annotations

import numbers
import os
from typing import TYPE_CHECKING, Optional, Sequence, Union

from vecedit.errors import OptionError

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    import torch

    from vecedit.limits import Limits

    from vecedit.svg.model import Document

RENDERERS = ("builtin", "reference", "diffvg")
MAX_SIDE = 16384
"""Largest width or height :func:`render` accepts, in pixels."""
MAX_PIXELS = 1 << 25
"""Default largest width × height :func:`render` accepts (33,554,432 px, e.g. 8192 × 4096;
``Limits.pixels``, raised with ``limits=``).

The builtin renderer needs roughly 180 bytes per pixel at this scale (1.8 GB for a
4096 × 2560 illustration), so larger images are refused instead of exhausting memory.
"""

SvgSource = Union[str, bytes, bytearray, os.PathLike]


def load_svg(source: SvgSource, font_dirs: Sequence[Union[str, os.PathLike]] = (),
             limits: Union["Limits", str, None] = None, *, resources: Union[str, os.PathLike, None] = None,
             allow_outside_resources: bool = False) -> "Document":
    """Parse an SVG file (path), SVG text (a ``str`` starting with ``<``) or bytes.

    Returns a :class:`vecedit.svg.Document`: the kept XML tree plus its shapes as cubic
    Bézier subpaths with resolved paint. Raises :class:`vecedit.errors.SVGError` for a
    missing file, malformed XML, XML entities, a root that is not ``<svg>``, absurd sizes.
    *font_dirs*: folders of fonts for ``<text>``, searched before the installed ones.
    *limits*: the complexity budget (:class:`vecedit.limits.Limits` or ``"shapes=50000,…"``);
    a file over it raises :class:`vecedit.limits.LimitError` (default: ``VECEDIT_LIMITS`` or
    the defaults). *resources*: the folder ``<image>`` files resolve against (default: the
    file's own; SVG text has none); files outside it are read only with
    *allow_outside_resources*; the network never.

    >>> import vecedit
    >>> doc = vecedit.load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
    ...                        '<rect id="box" width="4" height="4" fill="red"/></svg>')
    >>> [(s.id, s.tag) for s in doc.shapes()], doc.width
    ([('box', 'rect')], 8.0)
    """
    from vecedit.limits import using
    from vecedit.svg import load_svg as _load_svg

    with using(limits):
        return _load_svg(source, font_dirs=font_dirs, resources=resources,
                         allow_outside_resources=allow_outside_resources)


def save_svg(doc: "Document", path: Union[str, os.PathLike]) -> None:
    """Write ``doc`` to ``path`` atomically (temporary file, then rename).

    Unedited parts of the source come back byte for byte. An unwritable destination
    raises :class:`vecedit.errors.InputError` and leaves nothing behind.

    >>> import os, tempfile, vecedit
    >>> doc = vecedit.load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
    >>> out = os.path.join(tempfile.mkdtemp(), "out.svg")
    >>> vecedit.save_svg(doc, out)
    >>> open(out).read()
    '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'
    """
    from vecedit.svg import save_svg as _save_svg

    _save_svg(doc, path)


def render(
    doc_or_path: Union["Document", SvgSource],
    width: Optional[int] = None,
    height: Optional[int] = None,
    background: Union[str, Sequence[float], None] = None,
    renderer: str = "builtin",
    device: str = "cpu",
    font_dirs: Sequence[Union[str, os.PathLike]] = (),
    limits: Union["Limits", str, None] = None,
) -> "torch.Tensor":
    """Render a document (or an SVG path / text / bytes) to an ``(H, W, 4)`` float32 tensor.

    Channels are sRGB with straight (un-premultiplied) alpha, in [0, 1].

    Args:
        doc_or_path: a :class:`vecedit.svg.Document`, or anything :func:`load_svg` takes.
        width, height: output size in pixels. Neither: the document's own size. One:
            the other follows the document's aspect ratio. Both: exactly that size.
        background: ``None`` (transparent), a CSS colour (``"white"``, ``"#336699"``,
            ``"rgba(0,0,0,0.5)"``) or an RGB(A) tuple of floats in [0, 1].
        renderer: ``"builtin"`` (differentiable, pure PyTorch), ``"reference"``
            (resvg; draws clip paths, masks, filters and text too) or ``"diffvg"``
            (needs pydiffvg, built from source).
        device: torch device for the builtin and diffvg renderers.
        font_dirs: folders of fonts for ``<text>`` when a path or text is given.
        limits: the complexity budget, as for :func:`load_svg` (also bounds the canvas
            pixels and the rasterizer's work).

    Raises:
        OptionError: a bad size, colour or renderer name.
        SVGError: the SVG cannot be read.

    >>> import vecedit
    >>> img = vecedit.render('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2">'
    ...                      '<rect width="2" height="2" fill="red"/></svg>', background="white")
    >>> tuple(img.shape), img[0, 0].tolist(), img[0, 3].tolist()
    ((2, 4, 4), [1.0, 0.0, 0.0, 1.0], [1.0, 1.0, 1.0, 1.0])
    """
    width, height, bg = check_render_options(width, height, background, renderer)
    from vecedit.limits import using
    from vecedit.svg.model import Document

    with using(limits) as budget:
        doc = doc_or_path if isinstance(doc_or_path, Document) else load_svg(_as_source(doc_or_path), font_dirs)
        from vecedit.render.api import render_document
        from vecedit.scene import output_size

        out_w, out_h = output_size(doc, width, height)
        if out_w > MAX_SIDE or out_h > MAX_SIDE or out_w * out_h > budget.pixels:
            given = "asked for" if width is not None or height is not None else "the document's size is"
            raise OptionError(
                f"{given} {out_w}×{out_h} px, more than vecedit renders (at most {MAX_SIDE} px a side and "
                f"{budget.pixels:,} px in all, raised with --limits pixels=N); give a smaller width or height")
        return render_document(doc, out_w, out_h, background=bg, renderer=renderer, device=device)


def check_render_options(
    width: Optional[int],
    height: Optional[int],
    background: Union[str, Sequence[float], None],
    renderer: str,
) -> tuple[Optional[int], Optional[int], Optional[tuple[float, float, float, float]]]:
    """Validate :func:`render`'s options before any work: → (width, height, RGBA background or None).

    Raises :class:`OptionError` naming the bad value.
    """
    if renderer not in RENDERERS:
        raise OptionError(f"unknown renderer {renderer!r}; choose one of {', '.join(RENDERERS)}")
    width = _check_side("width", width)
    height = _check_side("height", height)
    if background is None:
        return width, height, None
    from vecedit.imageio import to_rgba

    return width, height, to_rgba(background)


def _check_side(name: str, value) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise OptionError(f"{name} must be a whole number of pixels, got {value!r}")
    if not 1 <= value <= MAX_SIDE:
        raise OptionError(f"{name} must be between 1 and {MAX_SIDE} pixels, got {value}")
    return int(value)


def _as_source(source) -> SvgSource:
    if isinstance(source, (str, bytes, bytearray, os.PathLike)):
        return source
    raise TypeError(
        f"render takes a Document, a path, SVG text or bytes, not {type(source).__name__}"
    )


__all__ = ["load_svg", "save_svg", "render", "check_render_options", "RENDERERS", "MAX_SIDE", "MAX_PIXELS"]
