"""Raster input for the vectorizer: read, check, separate alpha, resize.

:func:`read_rgba` accepts a path, a ``PIL.Image`` or an array and returns an
``(H, W, 4)`` float straight-alpha RGBA array (:func:`read_image`: ``(H, W, 3)`` uint8,
flattened onto white); :func:`split_alpha` turns it into what the tracers see and the
alpha the SVG keeps. What it accepts:

* formats Pillow decodes (PNG, JPEG, WebP, GIF, BMP, TIFF …); the first frame of an
  animation; EXIF orientation applied;
* modes ``1``, ``L``, ``LA``, ``P``, ``PA``, ``RGB``, ``RGBA``, ``RGBX`` at 8 bits per
  channel, transparency included (the vectorizer clips its shapes to the image's alpha);
* sizes from :data:`MIN_SIDE` px a side up to :data:`MAX_SIDE` px a side and
  :data:`MAX_PIXELS` px in all (checked from the header, before decoding).

Everything else raises :class:`~vecedit.errors.InputError` with one line that says
what to do: a missing file or a folder, a corrupt or truncated file, an empty or
1-pixel image, 16 bits per channel, CMYK (and other colour spaces), huge dimensions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Union

import numpy as np

import vecedit.limits as limits
from vecedit.errors import InputError

MIN_SIDE = 2
"""Smallest width or height accepted, in pixels."""
MAX_SIDE = 20000
"""Largest width or height accepted, in pixels."""
MAX_PIXELS = 100_000_000
"""Largest width × height accepted (100 megapixels; decoding needs about 4 bytes a pixel)."""

ACCEPTED_MODES = ("1", "L", "LA", "La", "P", "PA", "RGB", "RGBA", "RGBa", "RGBX")
_CONVERT = "convert it to an 8-bit RGB or RGBA PNG first"

ImageSource = Union[str, os.PathLike, np.ndarray, "PIL.Image.Image"]  # noqa: F821


def read_image(source: ImageSource) -> np.ndarray:
    """Read ``source`` as an ``(H, W, 3)`` uint8 RGB array (alpha flattened onto white)."""
    return _flatten(read_rgba(source))


def read_rgba(source: ImageSource) -> np.ndarray:
    """Read ``source`` as an ``(H, W, 4)`` float32 straight-alpha RGBA array in [0, 1].

    ``source`` is a file path, a ``PIL.Image.Image``, or an array: ``(H, W)`` grey,
    ``(H, W, 3)`` RGB or ``(H, W, 4)`` RGBA, either uint8 or float in [0, 1].
    Raises :class:`InputError` for anything it cannot use (see the module docstring).
    """
    from PIL import Image

    if isinstance(source, (str, os.PathLike)):
        return _read_file(Path(source))
    if isinstance(source, Image.Image):
        return _from_pil(source, "the image")
    if hasattr(source, "detach"):  # a torch tensor
        source = source.detach().cpu().numpy()
    if isinstance(source, np.ndarray):
        return _from_array(source)
    raise InputError(
        f"cannot vectorize a {type(source).__name__}: give a file path, a PIL image or an (H, W, 3) array"
    )


def _check_size(width: int, height: int, name: str) -> None:
    if width == 0 or height == 0:
        raise InputError(f"{name} is empty ({width}×{height} px); give an image with pixels in it")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise InputError(
            f"{name} is {width}×{height} px, too small to trace; give an image of at least "
            f"{MIN_SIDE}×{MIN_SIDE} px"
        )
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InputError(
            f"{name} is {width}×{height} px, more than vecedit vectorize reads (at most {MAX_SIDE} px a side "
            f"and {MAX_PIXELS:,} px in all); shrink it first"
        )
    limits.current().check("image_pixels", width * height, f"{name} is {width}×{height} px (or shrink it first)")


def _read_file(path: Path) -> np.ndarray:
    from vecedit.imageio import UnreadableImage, open_image

    if path.is_dir():
        raise InputError(f"{path} is a folder, not an image file; give the path of a PNG, JPEG or WebP file")
    if not path.exists():
        raise InputError(f"image file not found: {path}")

    def check(im) -> None:  # on the header: our size limit, not Pillow's, and the modes we trace
        _check_size(im.width, im.height, str(path))
        _check_mode(im, str(path))
        if im.format == "PNG" and _png_bit_depth(path) == 16:
            raise InputError(f"{path} has 16 bits per channel; {_CONVERT}")

    try:
        return _from_pil(open_image(path, check=check), str(path))
    except UnreadableImage as e:
        if e.kind == "format" and _looks_like_svg(path):
            raise InputError(f"{path} is an SVG, already vector: render, edit or recolor it directly "
                             "(vecedit vectorize takes PNG, JPEG, WebP … images)") from None
        if e.kind == "format":
            raise InputError(f"cannot read {path}: not an image Pillow can decode (or its size is zero); "
                             "give a PNG, JPEG or WebP file") from None
        if e.kind == "size":
            raise InputError(f"cannot read {path}: the image is too large; shrink it to at most {MAX_PIXELS:,} px") from None
        raise InputError(f"cannot read {path}: {e}") from None


def _looks_like_svg(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:2] == b"\x1f\x8b":  # .svgz
        return path.suffix.lower() == ".svgz"
    return b"<svg" in head and head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _png_bit_depth(path: Path) -> int:
    """Bit depth from the PNG header: Pillow silently reads 16-bit RGB(A) as 8-bit."""
    with open(path, "rb") as fh:
        head = fh.read(25)
    return head[24] if len(head) == 25 and head[12:16] == b"IHDR" else 8


def _check_mode(im, name: str) -> None:
    if im.mode in ACCEPTED_MODES:
        return
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        raise InputError(f"{name} has {'16' if im.mode.startswith('I;16') else '32'} bits per channel; {_CONVERT}")
    if im.mode == "CMYK":
        raise InputError(f"{name} is a CMYK image; vecedit vectorize reads RGB images: {_CONVERT}")
    raise InputError(f"{name} has colour mode {im.mode}, which vecedit vectorize does not read; {_CONVERT}")


def _from_pil(im, name: str) -> np.ndarray:
    _check_size(im.width, im.height, name)
    _check_mode(im, name)
    return np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0


def _from_array(array: np.ndarray) -> np.ndarray:
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (3, 4)):
        raise InputError(f"cannot vectorize an array of shape {array.shape}; give (H, W), (H, W, 3) or (H, W, 4)")
    _check_size(array.shape[1], array.shape[0], "the image")
    if array.dtype == np.uint8:
        img = array.astype(np.float32) / 255.0
    elif array.dtype.kind == "f":
        if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
            raise InputError("a float image must hold finite values in [0, 1]; scale it or give uint8")
        img = array.astype(np.float32)
    elif array.dtype == np.bool_:
        img = array.astype(np.float32)
    else:
        raise InputError(f"cannot vectorize an array of dtype {array.dtype}; give uint8 or float in [0, 1] ({_CONVERT})")
    if img.ndim == 2:
        img = np.stack([img, img, img], axis=-1)
    if img.shape[-1] == 3:
        img = np.concatenate([img, np.ones_like(img[..., :1])], axis=-1)
    return img


def _flatten(rgba: np.ndarray) -> np.ndarray:
    """Straight RGBA floats → RGB uint8 composited on white."""
    alpha = rgba[..., 3:4]
    rgb = rgba[..., :3] * alpha + (1.0 - alpha)
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8)


VISIBLE = 0.5
"""Alpha from which a pixel is part of the picture: the outline the SVG is clipped to is the
image's alpha contour at this level, found with sub-pixel precision (anti-aliased edges
stay smooth); regions fainter than this are left unpainted, stronger ones are drawn opaque."""


def split_alpha(rgba: np.ndarray) -> tuple[np.ndarray, "np.ndarray | None"]:
    """``(rgb, alpha)``: what the tracers see and the alpha to clip to (``None``: opaque).

    An image with no pixel under :data:`VISIBLE` is flattened onto white, as before. Otherwise
    ``rgb`` keeps the straight colours, and every unseen pixel takes the colour of the nearest
    seen one, so that no shape is traced for the transparent areas: the shapes around them
    simply reach under the clip. Raises :class:`InputError` for an image with nothing visible.
    """
    alpha = rgba[..., 3]
    seen = alpha >= VISIBLE
    if seen.all():
        return _flatten(rgba), None
    if not seen.any():
        raise InputError("the image is fully transparent (no pixel reaches half opacity); nothing to vectorize")
    from scipy.ndimage import distance_transform_edt

    _, (rows, cols) = distance_transform_edt(~seen, return_indices=True)
    rgb = rgba[..., :3][rows, cols]
    return np.round(np.clip(rgb, 0, 1) * 255).astype(np.uint8), alpha.astype(np.float32)


def resize_alpha(alpha: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area-average (box filter) resize of a float alpha map."""
    if alpha.shape[1] == width and alpha.shape[0] == height:
        return alpha
    from PIL import Image

    return np.asarray(Image.fromarray(alpha.astype(np.float32), "F").resize((width, height), Image.Resampling.BOX))


def working_size(width: int, height: int, size: int) -> tuple[int, int]:
    """Shrink ``width``×``height`` so the longer side is at most ``size`` (never enlarge)."""
    longest = max(width, height)
    if longest <= size:
        return width, height
    scale = size / longest
    return max(MIN_SIDE, round(width * scale)), max(MIN_SIDE, round(height * scale))


def resize(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area-average (box filter) resize of a uint8 RGB array."""
    if rgb.shape[1] == width and rgb.shape[0] == height:
        return rgb
    from PIL import Image

    return np.asarray(Image.fromarray(rgb, "RGB").resize((width, height), Image.Resampling.BOX))
