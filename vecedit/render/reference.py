"""Reference (non-differentiable) rendering of SVG through resvg or CairoSVG.

:func:`render_reference` is the ground truth that the builtin renderer is tested
against: it returns ``(H, W, 4)`` float32, sRGB, straight alpha in [0, 1]. The SVG
text goes to the engine as is; this module parses no XML itself.

How resvg-py (0.5.0, resvg 0.48) behaves, found by experiment
-------------------------------------------------------------
* ``width`` alone (or ``height`` alone) **scales the whole document** to that width,
  keeping its aspect ratio; the other side is rounded *up*: a 100×30 document at
  width 101 gives 101×31 (30.3 → 31), at width 256 gives 256×77.
* ``width`` and ``height`` together scale the document uniformly to *fit inside*
  W×H, so the PNG can be smaller than asked on one side (100×50 at 256×256 gives
  256×128). :func:`render_reference` promises exactly W×H, so in that case it
  stretches the document non-uniformly (like an ``<img>`` with
  ``preserveAspectRatio="none"``) by embedding it as an SVG ``<image>`` with
  ``preserveAspectRatio="none"``; resvg draws that nested document as vectors.
  (A nested document cannot load external raster images, so those drop out of a
  stretched render.)
* A document's own size: ``width``/``height`` attributes, rounded to whole pixels
  (80 mm = 302.4 px → 302); a missing one is ``100%`` of the viewBox; with neither
  size nor viewBox, resvg sizes the canvas to the drawing's bounding box measured
  from the origin (a 50×30 rect at 10,20 gives 60×50) and falls back to 100×100.
* ``dpi`` defaults to **0**, which turns every absolute unit (mm, cm, in, pt, pc)
  into zero: ``width="80mm"`` fails with "SVG has an invalid size" and lengths in
  the drawing collapse. We always pass ``dpi=96`` (the CSS pixel).
* Generic font families default to Times New Roman / Arial / Courier New; where
  those are not installed, text silently disappears. We map the generic families
  to what fontconfig (``fc-match``) picks, when fontconfig is present.
* Errors are ``ValueError`` with resvg's message ("the document does not have a
  root node", "SVG has an invalid size", ...); they become :class:`InputError`.
* The PNG is RGBA8 with straight alpha. resvg's own ``background`` option is not
  used: the background is composited here, in float, identically for both engines.

CairoSVG keeps the aspect ratio for a single side too (rounding to nearest, so a
side may differ by one pixel from resvg) but, given both sides, fits the viewBox
by the root's ``preserveAspectRatio`` and cannot stretch; a W×H whose aspect is
more than a pixel off the document's raises :class:`OptionError` for it.

>>> img = render_reference('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2">'
...                        '<rect width="2" height="2" fill="red"/></svg>', width=8)
>>> img.shape, img[0, 0].tolist(), img[0, 7].tolist()
((4, 8, 4), [1.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0])
"""

from __future__ import annotations

import base64
import functools
import gzip
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Optional, Union

import numpy as np
from PIL import Image

from vecedit.errors import InputError, OptionError
from vecedit.imageio import Color, over, save_png, to_png_bytes

__all__ = ["render_reference", "save_png", "to_png_bytes", "ENGINES"]

ENGINES = ("resvg", "cairosvg")
MAX_SIDE = 16384
MAX_PIXELS = 1 << 26  # 64 megapixels: 1 GiB as float32 RGBA
MAX_SVG_BYTES = 64 << 20
CSS_DPI = 96.0

SvgSource = Union[str, bytes, bytearray, os.PathLike]


def render_reference(
    svg: SvgSource,
    width: Optional[int] = None,
    height: Optional[int] = None,
    background: Optional[Color] = None,
    engine: str = "resvg",
    resources: Optional[Union[str, os.PathLike]] = None,
) -> np.ndarray:
    """Render an SVG with a reference engine to ``(H, W, 4)`` float32 straight RGBA in [0, 1].

    Args:
        svg: SVG markup (``str`` starting with ``<``, or ``bytes``, gzip allowed) or
            a path to an ``.svg``/``.svgz`` file (``str`` or ``os.PathLike``).
        width, height: output size in pixels. Neither: the document's own size.
            One: scaled to it, aspect kept. Both: exactly that size, stretched if
            the aspect differs.
        background: ``None`` (transparent) or a colour composited under the image:
            a CSS colour string or a tuple of 3/4 floats in [0, 1].
        engine: ``"resvg"`` (default, the reference for tests) or ``"cairosvg"``.
        resources: the folder relative references (``<image href="a.png">``) resolve
            against; default: the SVG file's folder (none for in-memory SVG).

    Raises:
        InputError: the SVG cannot be read or rendered.
        OptionError: a bad width, height, background or engine.
    """
    if engine not in ENGINES:
        raise OptionError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    width = _check_side("width", width)
    height = _check_side("height", height)
    if width and height and width * height > MAX_PIXELS:
        raise OptionError(f"{width}x{height} is too large: at most {MAX_PIXELS} pixels")
    text, source = _read_svg(svg)
    if resources is not None:
        source = Path(resources) / (source.name if source is not None else "document.svg")
    if engine == "resvg":
        rgba = _render_resvg(text, width, height, source)
    else:
        rgba = _render_cairosvg(text, width, height, source)
    if background is not None:
        rgba = over(rgba, background)
    return np.ascontiguousarray(rgba, dtype=np.float32)


def _check_side(name: str, value) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise OptionError(f"{name} must be a whole number of pixels, got {value!r}")
    if not 1 <= value <= MAX_SIDE:
        raise OptionError(f"{name} must be between 1 and {MAX_SIDE} pixels, got {value}")
    return int(value)


def _read_svg(svg: SvgSource) -> tuple[str, Optional[Path]]:
    """Return the SVG text and the file it came from (``None`` for in-memory input)."""
    path: Optional[Path] = None
    if isinstance(svg, (bytes, bytearray)):
        data = bytes(svg)
    elif isinstance(svg, str) and svg.lstrip("\ufeff \t\r\n").startswith("<"):
        return svg, None
    elif isinstance(svg, (str, os.PathLike)):
        if isinstance(svg, str) and (not svg.strip() or "\n" in svg or len(svg) > 4096):
            what = "empty SVG input" if not svg.strip() else "this text is neither SVG markup (it does not start with '<') nor a file path"
            raise InputError(what)
        path = Path(svg)
        try:
            if path.stat().st_size > MAX_SVG_BYTES:
                raise InputError(f"{path} is larger than {MAX_SVG_BYTES >> 20} MiB")
            data = path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"SVG file not found: {path}") from None
        except IsADirectoryError:
            raise InputError(f"{path} is a folder, not an SVG file") from None
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        raise OptionError(f"svg must be SVG text, bytes or a path, got {type(svg).__name__}")
    return _decode(data, path), path


def _decode(data: bytes, path: Optional[Path]) -> str:
    where = f" in {path}" if path else ""
    if data[:2] == b"\x1f\x8b":  # svgz
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                data = stream.read(MAX_SVG_BYTES + 1)
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot decompress the gzip (svgz) data{where}: {exc}") from None
        if len(data) > MAX_SVG_BYTES:
            raise InputError(f"the SVG{where} is larger than {MAX_SVG_BYTES >> 20} MiB uncompressed")
    if not data.strip():
        raise InputError(f"empty SVG input{where}")
    encodings = ["utf-16"] if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ["utf-8-sig"]
    declared = re.match(rb"<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']", data)
    if declared:
        encodings.append(declared.group(1).decode("ascii"))
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    raise InputError(f"the SVG{where} is not valid UTF-8 or UTF-16 and declares no encoding that fits")


@functools.lru_cache(maxsize=1)
def _font_families() -> dict[str, str]:
    """resvg keyword arguments mapping generic font families to installed ones."""
    if shutil.which("fc-match") is None:
        return {}
    out: dict[str, str] = {}
    for generic, key in (("serif", "serif_family"), ("sans-serif", "sans_serif_family"),
                         ("monospace", "monospace_family"), ("cursive", "cursive_family"),
                         ("fantasy", "fantasy_family")):
        try:
            found = subprocess.run(["fc-match", "-f", "%{family[0]}", generic],
                                   capture_output=True, text=True, timeout=10, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            continue
        if found:
            out[key] = found
    if "serif_family" in out:
        out["font_family"] = out["serif_family"]  # the default when font-family is unset
    return out


def _decode_png(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0


def _render_resvg(text: str, width: Optional[int], height: Optional[int], source: Optional[Path]) -> np.ndarray:
    import resvg_py

    options: dict = dict(dpi=CSS_DPI, languages=["en"], **_font_families())  # usvg's default user language
    from vecedit.text.fontdb import env_font_dirs

    if env_font_dirs():  # --font-dir / VECEDIT_FONT_DIRS: the same fonts as the builtin renderer's text
        options["font_dirs"] = [str(Path(d).expanduser()) for d in env_font_dirs()]
    if source is not None:
        options["resources_dir"] = str(source.resolve().parent)

    def call(svg_text: str, **size) -> np.ndarray:
        try:
            return _decode_png(bytes(resvg_py.svg_to_bytes(svg_string=svg_text, **options, **size)))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # ValueError for a bad SVG; pyo3's PanicException (no Exception) where resvg panics
            where = f" {source}" if source else ""
            raise InputError(f"resvg cannot render the SVG{where}: {exc}") from None

    size = {k: v for k, v in (("width", width), ("height", height)) if v is not None}
    image = call(text, **size)
    if width and height and image.shape[:2] != (height, width):
        # resvg fitted the document inside W×H; stretch it to fill exactly (see docstring).
        href = "data:image/svg+xml;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")
        wrapper = (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="{width}" height="{height}"><image width="{width}" height="{height}" '
            f'preserveAspectRatio="none" xlink:href="{href}"/></svg>'
        )
        image = call(wrapper)
    return image


def _render_cairosvg(text: str, width: Optional[int], height: Optional[int], source: Optional[Path]) -> np.ndarray:
    import cairosvg

    errors: tuple = (ValueError, SyntaxError, OSError)
    try:
        from cairocffi import CairoError

        errors += (CairoError,)
    except ImportError:  # pragma: no cover - cairosvg always brings cairocffi
        pass
    options: dict = dict(bytestring=text.encode("utf-8"), dpi=CSS_DPI)
    if source is not None:
        options["url"] = str(source.resolve())

    def call(**size) -> np.ndarray:
        try:
            return _decode_png(cairosvg.svg2png(**options, **size))
        except errors as exc:
            where = f" {source}" if source else ""
            raise InputError(f"cairosvg cannot render the SVG{where}: {exc}") from None

    if width and height:
        image = call(output_width=width)
        if image.shape[0] == height:
            return image
        if abs(image.shape[0] - height) > 1:
            raise OptionError(
                f"engine='cairosvg' keeps the aspect ratio and cannot stretch to {width}x{height} "
                f"(the document is {width}x{image.shape[0]} at that width): give only width or "
                "height, or use engine='resvg'"
            )
        return call(output_width=width, output_height=height)
    size = {k: v for k, v in (("output_width", width), ("output_height", height)) if v is not None}
    return call(**size)
