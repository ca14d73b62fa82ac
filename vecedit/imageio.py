"""Raster images in and out: PNG writing, image loading, colours, compositing, PSNR.

Every image here is a float array ``(H, W, 4)`` (or ``(H, W, 3)`` where stated) with
channels in [0, 1], sRGB, **straight** (un-premultiplied) alpha — the layout the
renderers return. Torch tensors are accepted wherever an array is read (they are
detached and moved to the CPU first).

>>> import numpy as np
>>> red = np.zeros((2, 2, 4), np.float32); red[..., 0] = red[..., 3] = 1
>>> composite_on(red * [1, 1, 1, 0.5], "white")[0, 0].tolist()
[1.0, 0.5, 0.5]
>>> to_rgba("rgba(0, 0, 255, 0.5)")
(0.0, 0.0, 1.0, 0.5)
"""

from __future__ import annotations

import io
import math
import os
import re
import warnings
from pathlib import Path
from typing import Callable, Optional, Sequence, Union

import numpy as np
from PIL import Image, ImageColor, ImageOps, UnidentifiedImageError

from vecedit.errors import InputError, OptionError, VeceditError

Color = Union[str, Sequence[float]]
"""A CSS colour string (``"#fff"``, ``"rgb(…)"``, ``"hsla(…)"``, a name, ``"transparent"``)
or a tuple of 3 or 4 floats in [0, 1]."""

_FUNC = re.compile(r"^(rgba?|hsla?)\(\s*([^)]*?)\s*\)$", re.IGNORECASE)


def _as_numpy(array) -> np.ndarray:
    if hasattr(array, "detach"):  # torch.Tensor, without importing torch
        array = array.detach().cpu().numpy()
    return np.asarray(array)


def to_rgba(color: Color) -> tuple[float, float, float, float]:
    """Parse a CSS colour or a 3/4-tuple of floats in [0, 1] into straight RGBA floats.

    Raises :class:`OptionError` naming the bad value.
    """
    if isinstance(color, str):
        text = color.strip()
        if text.lower() == "transparent":
            return (0.0, 0.0, 0.0, 0.0)
        match = _FUNC.match(text)
        try:
            if match and match.group(1).lower() in ("rgba", "hsla"):
                # PIL knows rgb()/hsl() but not the forms with an alpha argument.
                parts = [p.strip() for p in match.group(2).split(",")]
                if len(parts) != 4:
                    raise ValueError
                alpha_text = parts[3]
                alpha = float(alpha_text[:-1]) / 100 if alpha_text.endswith("%") else float(alpha_text)
                if alpha != alpha:  # "nan" reads as a float
                    raise ValueError
                base = match.group(1)[:3] + "(" + ",".join(parts[:3]) + ")"
                r, g, b = ImageColor.getrgb(base)[:3]
                return (r / 255, g / 255, b / 255, min(max(alpha, 0.0), 1.0))
            r, g, b, a = ImageColor.getcolor(text, "RGBA")
            return (r / 255, g / 255, b / 255, a / 255)
        except ValueError:
            raise OptionError(
                f"cannot read colour {color!r}: use a CSS colour such as '#ffffff', "
                "'rgb(255, 255, 255)', 'rgba(0, 0, 0, 0.5)' or 'white'"
            ) from None
    try:
        values = tuple(float(v) for v in color)
    except (TypeError, ValueError):
        raise OptionError(f"cannot read colour {color!r}: give a CSS colour string or an RGB(A) tuple") from None
    if len(values) not in (3, 4) or not all(0.0 <= v <= 1.0 for v in values):
        raise OptionError(f"colour tuple {color!r} must have 3 or 4 floats in [0, 1]")
    return values if len(values) == 4 else (*values, 1.0)  # type: ignore[return-value]


def over(rgba, background: Color) -> np.ndarray:
    """Composite a straight-alpha ``(H, W, 4)`` image over a (possibly translucent) colour.

    Returns ``(H, W, 4)`` float32, straight alpha (Porter-Duff *source over*).
    """
    img = _as_numpy(rgba).astype(np.float32)
    br, bg, bb, ba = to_rgba(background)
    alpha = img[..., 3:4]
    out_a = alpha + ba * (1.0 - alpha)
    premul = img[..., :3] * alpha + np.array([br, bg, bb], np.float32) * ba * (1.0 - alpha)
    rgb = np.divide(premul, out_a, out=np.zeros_like(premul), where=out_a > 0)
    return np.concatenate([rgb, out_a], axis=-1).astype(np.float32)


def composite_on(rgba, background_rgb: Color = (1.0, 1.0, 1.0)) -> np.ndarray:
    """Flatten a straight-alpha ``(H, W, 4)`` image onto an opaque colour; returns ``(H, W, 3)``.

    An ``(H, W, 3)`` input is already opaque and comes back as float32 unchanged.
    """
    img = _as_numpy(rgba).astype(np.float32)
    if img.ndim != 3 or img.shape[-1] not in (3, 4):
        raise ValueError(f"composite_on expects an (H, W, 4) or (H, W, 3) image, got shape {img.shape}")
    if img.shape[-1] == 3:
        return img
    r, g, b, a = to_rgba(background_rgb)
    if a < 1.0:
        raise OptionError(f"composite_on needs an opaque background, got {background_rgb!r}")
    alpha = img[..., 3:4]
    return (img[..., :3] * alpha + np.array([r, g, b], np.float32) * (1.0 - alpha)).astype(np.float32)


def _to_uint8(array) -> np.ndarray:
    img = _as_numpy(array)
    if img.ndim == 2:
        img = img[..., None]
    if img.ndim != 3 or img.shape[-1] not in (1, 3, 4) or 0 in img.shape:
        raise ValueError(f"expected an (H, W, 4), (H, W, 3) or (H, W) image, got shape {img.shape}")
    if img.dtype == np.uint8:
        return img
    img = img.astype(np.float64)
    if np.isnan(img).any():
        raise ValueError("image contains NaN values")
    return np.round(np.clip(img, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_png_bytes(array) -> bytes:
    """Encode a float image in [0, 1] (``(H, W, 4)``, ``(H, W, 3)`` or ``(H, W)``) as PNG."""
    img = _to_uint8(array)
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[img.shape[-1]]
    buffer = io.BytesIO()
    Image.fromarray(img[..., 0] if mode == "L" else img, mode).save(buffer, format="PNG")
    return buffer.getvalue()


def save_png(array, path: Union[str, os.PathLike]) -> Path:
    """Write ``array`` as a PNG at ``path`` atomically (temporary file, then rename).

    Returns the path written. An unwritable destination raises :class:`InputError`.
    """
    from vecedit.paths import write_atomic

    return write_atomic(path, to_png_bytes(array))


class UnreadableImage(Exception):
    """Why Pillow gives no pixels for an image: ``kind`` is "format" (not an image it knows),
    "size" (over a caller's or Pillow's size limit) or "damaged"; the text is a short phrase."""

    def __init__(self, kind: str, phrase: str):
        super().__init__(phrase)
        self.kind = kind


def open_image(source: Union[bytes, str, os.PathLike], check: Optional[Callable] = None,
               exif: bool = True) -> "Image.Image":
    """The one Pillow decoder of vecedit: a file or bytes → a loaded ``PIL.Image`` (first frame;
    EXIF orientation applied when *exif*).

    ``check(image)`` sees the header (size, mode) before any pixel is decoded, so a caller's
    size limit stops a decompression bomb; it raises :class:`UnreadableImage` or a
    :class:`~vecedit.errors.VeceditError`, which pass through. Every failure of Pillow's
    decoders (they raise almost anything on a damaged file) becomes one UnreadableImage.
    """
    fp = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # the caller's check decides
            warnings.simplefilter("ignore", UserWarning)  # "corrupt EXIF" and the like: one error line or none
            with Image.open(fp) as im:
                if check is not None:
                    check(im)
                im.seek(0)
                out = ImageOps.exif_transpose(im) if exif else im
                out.load()
                return out.copy() if out is im else out
    except (UnreadableImage, VeceditError):
        raise
    except UnidentifiedImageError:
        raise UnreadableImage("format", "not an image format Pillow supports") from None
    except Image.DecompressionBombError:
        raise UnreadableImage("size", f"the image is too large (more than {Image.MAX_IMAGE_PIXELS:,} pixels)") from None
    except Exception as exc:  # noqa: BLE001 - Pillow's decoders raise anything on a damaged file
        raise UnreadableImage("damaged", f"the file is damaged or truncated, or an unsupported variant "
                                         f"({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None


def load_image(path: Union[str, os.PathLike]) -> np.ndarray:
    """Read a raster image (PNG, JPEG, WebP, …) as ``(H, W, 4)`` float32 straight RGBA in [0, 1].

    EXIF orientation is applied. Missing, unreadable, corrupt or unsupported files
    raise :class:`InputError`.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"image file not found: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not an image file")
    try:
        im = open_image(path, check=_within_pillow_limit)
    except UnreadableImage as e:
        hint = (" (render SVG files with vecedit.render.reference)"
                if e.kind == "format" and path.suffix.lower() in (".svg", ".svgz") else "")
        raise InputError(f"cannot read {path}: {e}{hint}") from None
    if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        grey = np.asarray(im, dtype=np.float64)
        grey = grey / 65535.0 if im.mode != "F" else grey
        grey = np.clip(grey, 0.0, 1.0).astype(np.float32)
        return np.stack([grey, grey, grey, np.ones_like(grey)], axis=-1)
    return np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0


def _within_pillow_limit(im: "Image.Image") -> None:
    if im.width * im.height > Image.MAX_IMAGE_PIXELS:
        raise UnreadableImage("size", f"the image is too large (more than {Image.MAX_IMAGE_PIXELS:,} pixels)")


def side_by_side(left, right, gain: float = 4.0, background: Color = "white") -> np.ndarray:
    """``left | right | |left - right| × gain`` as one ``(H, 3W + 8, 3)`` image for diff reports.

    Both images are flattened onto ``background`` first; they must have the same size.
    """
    a = composite_on(left, background)
    b = composite_on(right, background)
    if a.shape != b.shape:
        raise InputError(f"cannot compare images of different shapes {a.shape} and {b.shape}")
    diff = np.clip(np.abs(a - b) * gain, 0.0, 1.0)
    gap = np.full((a.shape[0], 4, 3), 0.5, np.float32)
    return np.concatenate([a, gap, b, gap, diff], axis=1)


def psnr(a, b) -> float:
    """Peak signal-to-noise ratio in dB between two images in [0, 1] (``data_range=1``).

    Identical images give ``math.inf``. Shapes must match.
    """
    from skimage.metrics import peak_signal_noise_ratio

    x = _as_numpy(a).astype(np.float64)
    y = _as_numpy(b).astype(np.float64)
    if x.shape != y.shape:
        raise InputError(f"cannot compare images of different shapes {x.shape} and {y.shape}")
    if np.array_equal(x, y):
        return math.inf
    return float(peak_signal_noise_ratio(x, y, data_range=1.0))
