"""``<image>`` (SVG 2 §5.7): where its pixels come from and where they go.

Sources: ``data:`` URIs (base64 or percent-encoded) and files relative to the SVG's
folder (:class:`ImageSource`); never the network, never a file outside that folder
unless the caller allows it. Rasters are decoded by Pillow (PNG, JPEG, GIF's first
frame, WebP, …) after a pixel-count check on the header alone, so a decompression bomb
is never decoded. An SVG image is loaded as a nested document (depth-bounded) and drawn
as vectors. Whatever cannot be used is a Note and the image is not drawn, as in browsers.

A raster becomes one non-editable :class:`Shape`: the visible rectangle (the image's
placement by ``preserveAspectRatio``, cut to the viewport for ``slice``) painted with an
:class:`ImageRef`, whose pixels the renderer samples through the rectangle's corners.
"""

from __future__ import annotations

import base64
import binascii
import os
import urllib.parse
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional
from xml.etree.ElementTree import Element

import numpy as np

from vecedit.errors import SVGError
from vecedit.svg.model import GradientRef, Group, ImageRef, Shape
from vecedit.svg.refs import href_of
from vecedit.svg.shapes import rect_subpath
from vecedit.svg.transform import is_invertible, parse_preserve_aspect_ratio, viewbox_transform

MAX_IMAGE_PIXELS = 1 << 24  # 16.7 megapixels (64 MiB as RGBA bytes); larger images are not drawn
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_IMAGE_DEPTH = 4  # SVG images inside SVG images
SVG_TYPES = ("image/svg+xml", "image/svg")
SMOOTH_OFF = ("pixelated", "optimizespeed", "crisp-edges")


class ImageRefused(Exception):
    """Why an image is not drawn (the text of its Note)."""


@dataclass(frozen=True)
class ImageSource:
    """Where relative image files may come from, and how deep SVG images may nest."""

    folder: Optional[Path] = None  # relative hrefs resolve here; None: in-memory SVG without a folder
    allow_outside: bool = False  # files outside ``folder`` (absolute paths, ``..``) may be read
    depth: int = 0
    load_document: Optional[Callable] = None  # (bytes, ImageSource) -> Document; injected by svg.parse

    def nested(self, folder: Optional[Path]) -> "ImageSource":
        return replace(self, folder=folder or self.folder, depth=self.depth + 1)


def read_href(href: str, source: ImageSource) -> tuple[bytes, Optional[str], Optional[Path]]:
    """→ (bytes, media type if the href names one, the file's folder for a file)."""
    href = href.strip()
    if href[:5].lower() == "data:":
        return (*_data_uri(href), None)
    scheme = urllib.parse.urlsplit(href).scheme.lower()
    if scheme and scheme != "file" and len(scheme) > 1:  # "c:" is a Windows drive, not a scheme
        raise ImageRefused(f"refers to {href[:60]!r}; vecedit never loads images from the network")
    path_text = urllib.parse.unquote(urllib.parse.urlsplit(href).path if scheme == "file" else href)
    if source.folder is None and not os.path.isabs(path_text):
        raise ImageRefused(f"refers to the file {href[:60]!r}, but the SVG was given as text, with no folder "
                           "to resolve it against")
    folder = (source.folder or Path.cwd()).resolve()
    path = (folder / path_text).resolve()
    if not source.allow_outside and not path.is_relative_to(folder):
        raise ImageRefused(f"refers to {href[:60]!r}, outside the SVG's folder; vecedit reads such files only "
                           "when the caller allows it")
    try:
        if path.stat().st_size > MAX_IMAGE_BYTES:
            raise ImageRefused(f"file {href[:60]!r} is larger than {MAX_IMAGE_BYTES >> 20} MB")
        data = path.read_bytes()
    except OSError as e:
        raise ImageRefused(f"cannot read {href[:60]!r} ({e.strerror or e})") from None
    kind = "image/svg+xml" if path.suffix.lower() in (".svg", ".svgz") else None
    return data, kind, path.parent


def _data_uri(href: str) -> tuple[bytes, Optional[str]]:
    head, sep, payload = href[5:].partition(",")
    if not sep:
        raise ImageRefused("has a data: URI without a comma")
    params = [p.strip().lower() for p in head.split(";")]
    kind = params[0] or None
    if len(payload) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ImageRefused(f"holds more than {MAX_IMAGE_BYTES >> 20} MB of data")
    if "base64" in params[1:]:
        try:
            return base64.b64decode("".join(urllib.parse.unquote(payload).split()), validate=True), kind
        except (binascii.Error, ValueError):
            raise ImageRefused("has invalid base64 data") from None
    return urllib.parse.unquote_to_bytes(payload), kind


def decode_raster(data: bytes) -> np.ndarray:
    """Image bytes → (h, w, 4) uint8 straight RGBA; the size is checked before any pixel is decoded."""
    from vecedit.imageio import UnreadableImage, open_image

    try:
        image = open_image(data, check=_decodable, exif=False)
    except UnreadableImage as e:
        if e.kind == "format":
            raise ImageRefused("is not an image vecedit can read (PNG, JPEG, GIF, WebP, …)") from None
        raise ImageRefused(str(e) if e.kind == "size" else f"holds a corrupt image: {e}") from None
    return np.asarray(image.convert("RGBA"), dtype=np.uint8).copy()


def _decodable(image) -> None:
    from vecedit.imageio import UnreadableImage

    w, h = image.size
    if w * h > MAX_IMAGE_PIXELS:
        raise UnreadableImage("size", f"is {w}×{h} pixels, more than the {MAX_IMAGE_PIXELS:,} vecedit decodes")
    if w < 1 or h < 1:
        raise UnreadableImage("size", "has no pixels")


def placement(x: float, y: float, w: float, h: float, size: tuple[float, float], par: Optional[str]):
    """→ (visible rectangle (x, y, w, h) in user space, image pixels → user space) — SVG 2 §5.7 / §8.2."""
    iw, ih = size
    to_user = viewbox_transform((0.0, 0.0, iw, ih), w, h, parse_preserve_aspect_ratio(par), x, y)
    x0, y0 = to_user[0, 2], to_user[1, 2]
    x1, y1 = x0 + iw * to_user[0, 0], y0 + ih * to_user[1, 1]
    vis = (max(x, x0), max(y, y0), min(x + w, x1), min(y + h, y1))
    return (vis[0], vis[1], vis[2] - vis[0], vis[3] - vis[1]), to_user


def image_node(builder, el: Element, style: dict, ctx, transform: np.ndarray):
    """The node drawing ``<image>`` *el* (a Shape for a raster, a Group for an SVG, wrapped in a
    Group when clipped, masked or filtered); None when nothing is drawn."""
    ctm = ctx.ctm @ transform
    group = builder._new_group(el, style, ctx)
    if not builder._filter(group, el, style, ctm):
        return group
    node = _content(builder, el, style, ctx, ctm)
    if node is None:
        return None
    if isinstance(node, Shape) and not group.filters:  # the opacity reaches the renderer as a parameter
        node.opacity, group.opacity = group.opacity, 1.0
    if (group.clip_path is None and group.mask is None and not group.filters and group.opacity == 1.0
            and group.blend == "normal"):
        return node
    group.children.append(node)
    return group if builder._resolve_effects(group, replace(ctx, ctm=ctm)) else None


def _content(builder, el: Element, style: dict, ctx, ctm: np.ndarray):
    href = href_of(el)
    if not href or not href.strip() or not is_invertible(ctm):
        return None
    pixels = builder.decoded_images.get(href)
    try:
        if pixels is None:
            data, kind, folder = read_href(href, builder.images)
            if kind in SVG_TYPES or (kind is None and data.lstrip()[:1] in (b"<", b"\x1f")):
                return _svg_image(builder, el, ctx, ctm, data, folder)
            pixels = builder.decoded_images[href] = decode_raster(data)
    except ImageRefused as e:
        builder._note(el, f"the image {e}; it is not drawn", True)
        return None
    size = (pixels.shape[1], pixels.shape[0])
    rect, to_user = _placed(builder, el, ctx, size)
    if rect is None:
        return None
    smooth = style["image-rendering"].strip().lower() not in SMOOTH_OFF
    subpaths = [rect_subpath(*rect)]
    builder.count_shape(subpaths)
    builder.count_tile()  # each placement is sampled on its own, ≈2–3 ms a render
    return Shape(node=el, tag="image", id=el.get("id"), classes=tuple((el.get("class") or "").split()),
                 subpaths=subpaths, ctm=ctm,
                 fill=ImageRef(pixels, np.linalg.inv(to_user), smooth), stroke=None,
                 visible=not ctx.hidden and style["visibility"].strip().lower() == "visible",
                 editable=False, reason="an <image> is drawn but not edited")


def _placed(builder, el: Element, ctx, size: tuple[float, float]):
    """(visible rectangle, image → user space) of *el* showing an image of *size*; (None, None): nothing."""
    vw, vh = ctx.viewport
    w, h = _auto_size(builder._length(el, "width", vw, None), builder._length(el, "height", vh, None), size)
    x, y = builder._length(el, "x", vw, 0.0), builder._length(el, "y", vh, 0.0)
    if not (w > 0 and h > 0):
        return None, None
    rect, to_user = placement(x, y, w, h, size, el.get("preserveAspectRatio"))
    return (rect, to_user) if rect[2] > 0 and rect[3] > 0 else (None, None)


def _auto_size(w: Optional[float], h: Optional[float], size: tuple[float, float]) -> tuple[float, float]:
    """SVG 2: a missing width/height is the intrinsic size (keeping the aspect ratio when one is given)."""
    iw, ih = size
    if w is None and h is None:
        return float(iw), float(ih)
    if w is None:
        return h * iw / ih, h
    if h is None:
        return w, w * ih / iw
    return w, h


def _svg_image(builder, el: Element, ctx, ctm: np.ndarray, data: bytes, folder: Optional[Path]):
    source = builder.images
    if source.depth >= MAX_IMAGE_DEPTH or source.load_document is None:
        raise ImageRefused(f"is an SVG nested more than {MAX_IMAGE_DEPTH} images deep (a file that shows itself?)")
    try:
        doc = source.load_document(data, source.nested(folder))
    except SVGError as e:
        raise ImageRefused(f"is an SVG that cannot be drawn ({e})") from None
    rect, to_user = _placed(builder, el, ctx, (doc.width, doc.height))
    if rect is None:
        return None
    for shape in doc.shapes():  # the adopted shapes are this document's: one budget for all its images
        builder.count_shape(shape.subpaths)
    builder.svg_images += 1
    prefix = f"(image {builder.svg_images}) "  # a space: never a referenceable id of this file
    builder.gradients.update({prefix + k: replace(g, id=prefix + k) for k, g in doc.gradients.items()})
    for note in doc.notes:
        builder._note(el, f"in the SVG image: {note.message}", note.affects_picture)
    clip = Group(node=None, id=None, children=[Shape(
        node=el, tag="rect", id=None, classes=(), subpaths=[rect_subpath(*rect)], ctm=ctm,
        fill=(1.0, 1.0, 1.0, 1.0), stroke=None, editable=False)])
    return Group(node=el, id=el.get("id"), children=[_adopt(doc.root, ctm @ to_user, prefix)], clip=clip)


def _adopt(group: Group, to_canvas: np.ndarray, prefix: str) -> Group:
    """A nested document's render tree placed on this canvas: CTMs premultiplied (content, clip
    and mask content alike), gradient ids prefixed, nothing editable."""
    for child in group.children:
        if isinstance(child, Group):
            _adopt(child, to_canvas, prefix)
        else:
            _adopt_shape(child, to_canvas, prefix)
    if group.clip is not None:
        _adopt(group.clip, to_canvas, prefix)
    masking = group.masking
    while masking is not None:
        _adopt(masking.content, to_canvas, prefix)
        masking = masking.mask
    if group.user_ctm is not None:
        group.user_ctm = to_canvas @ group.user_ctm
    return group


def _adopt_shape(shape: Shape, to_canvas: np.ndarray, prefix: str) -> None:
    shape.ctm = to_canvas @ shape.ctm
    shape.editable, shape.reason = False, "content of an SVG <image>"
    for kind in ("fill", "stroke"):
        paint = getattr(shape, kind)
        if isinstance(paint, GradientRef):
            setattr(shape, kind, replace(paint, id=prefix + paint.id))
