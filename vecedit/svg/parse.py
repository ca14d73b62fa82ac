"""``load_svg``: SVG file or text → :class:`Document` (the normalised model).

Passes, in order: read the bytes safely (size limit, encoding), parse the XML through
defusedxml keeping comments and source positions (:mod:`.xmltree`), collect ids,
style sheets and gradients, note everything vecedit keeps but does not edit, then walk
the render tree (:mod:`.render_tree`) resolving the cascade, transforms, ``use``,
nested viewports and paints.

Canvas size (SVG 2 §8.2, CSS 2 §10.3.2 for replaced elements, as resvg does):

* ``width`` and ``height`` given: used, in any unit (px, pt, pc, mm, cm, in, em against the root font-size, vw/vh unknown there: the default 300 × 150);
* one missing: derived from the other through the ``viewBox`` aspect ratio;
* both missing: the ``viewBox`` size;
* no ``viewBox`` either: CSS's default object size, 300 × 150;
* percentages on the root: taken of the ``viewBox`` size (or of 300 × 150).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from pathlib import Path
from typing import Optional, Sequence, Union
from xml.etree.ElementTree import Element

import numpy as np

import vecedit.limits as limits
from vecedit.errors import SVGError
from vecedit.svg.css import Cascade, local_name, parse_stylesheet
from vecedit.svg.gradients import GRADIENT_TAGS, parse_gradient
from vecedit.svg.images import ImageSource
from vecedit.svg.color import parse_color
from vecedit.svg.model import Document, Gradient, Group, Note, Shape
from vecedit.svg.shapes import rect_subpath
from vecedit.svg.render_tree import SVG_NS, RenderTreeBuilder, conditions_hold
from vecedit.svg.transform import parse_preserve_aspect_ratio, parse_transform, parse_viewbox, viewbox_transform
from vecedit.svg.units import lengths_in, parse_length
from vecedit.svg.xmltree import BOM_MARK, decode_source, document_codec, read_xml, recursion_room

SHAPE_TAGS = frozenset({"path", "rect", "circle", "ellipse", "line", "polyline", "polygon"})
DRAWN_TAGS = SHAPE_TAGS | {"image"}  # each is one shape in the scene: what Limits.shapes counts
MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_CANVAS_PX = 100_000.0
MIN_CANVAS_PX = 1e-6  # below this, no output size keeps a finite scale
MAX_VIEWBOX = 1e9  # viewBox numbers are coordinates, not pixels: only absurd ones are refused
DEFAULT_SIZE = (300.0, 150.0)

Source = Union[str, bytes, bytearray, os.PathLike]

_DECL_ENCODING = re.compile(r"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
_URL_REF = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")

# What is kept verbatim but not drawn/edited: tag -> (message, affects the picture).
# For definitions (filter, mask, …) "affects" is decided by whether anything uses them.
KEPT = {
    "foreignObject": ("foreignObject is kept but not drawn by the builtin renderer", True),
    "filter": ("filter is kept; the builtin renderer applies it", False),
    "mask": ("mask is kept; the builtin renderer draws it where it is used (its content is not editable)", False),
    "clipPath": ("clipPath is kept; the builtin renderer clips by it, its content is not editable", False),
    "pattern": ("pattern is kept; the builtin renderer draws it where it paints (its content is not editable)", False),
    "marker": ("marker is kept; the builtin renderer draws it where it is used (its content is not editable)", False),
    "metadata": ("metadata is kept", False),
    "title": ("title is kept", False),
    "desc": ("desc is kept", False),
    "script": ("script is kept and never run", False),
    "font": ("SVG font is kept but not used", False),
    "font-face": ("SVG font is kept but not used", False),
    "view": ("view is kept", False),
    "cursor": ("cursor is kept", False),
    "color-profile": ("color-profile is kept but not applied", False),
}
ANIMATION = ("animate", "animateMotion", "animateTransform", "animateColor", "set")
HANDLED = {"svg", "g", "a", "defs", "symbol", "use", "switch", "style", "stop", "path", "rect", "circle", "image",
           "ellipse", "line", "polyline", "polygon", *GRADIENT_TAGS}
TEXT = "text"  # drawn by vecedit.text; its content (tspan, textPath, …) is not walked here
EDITOR_NAMESPACES = ("inkscape", "sodipodi", "adobe", "sketch", "figma", "serif", "illustrator")


def _read_source(source: Source, name: Optional[str] = None) -> tuple[str, str, str, Optional[bytes]]:
    """→ (text, name for messages, codec, the bytes read or None for text)."""
    if isinstance(source, (bytes, bytearray)):
        name = name or "SVG data"
        data = bytes(source)
    elif isinstance(source, str) and source.lstrip(" \t\r\n\ufeff").startswith("<"):
        if len(source) > MAX_FILE_BYTES:
            raise SVGError(f"SVG text is larger than {MAX_FILE_BYTES // 2**20} MB; simplify it")
        return (*_text_codec(source), None)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(os.fspath(source))
        name = str(source)
        try:
            if not path.exists():
                raise SVGError(f"{name}: no such file; check the path")
            if path.is_dir():
                raise SVGError(f"{name}: is a directory, not an SVG file; give the path of an .svg file")
            size = path.stat().st_size
        except (OSError, ValueError) as e:  # a name too long, a NUL in it, …
            raise SVGError(f"{name[:80]!r} is neither SVG text (which starts with '<') nor a readable path "
                           f"({getattr(e, 'strerror', None) or e}); check the argument") from None
        if size > MAX_FILE_BYTES:
            raise SVGError(f"{name}: the file is {size / 2**20:.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MB vecedit accepts; simplify it")
        try:
            data = path.read_bytes()
        except OSError as e:
            raise SVGError(f"{name}: cannot read the file ({e.strerror}); check its permissions") from None
    else:
        raise TypeError(f"load_svg takes a path, SVG text or bytes, not {type(source).__name__}")
    if data[:2] == b"\x1f\x8b":  # .svgz
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as z:
                data = z.read(MAX_FILE_BYTES + 1)
        except (OSError, EOFError, zlib.error):
            raise SVGError(f"{name}: looks gzip-compressed (.svgz) but cannot be decompressed; re-export it") from None
        if len(data) > MAX_FILE_BYTES:
            raise SVGError(f"{name}: decompresses to more than {MAX_FILE_BYTES // 2**20} MB; simplify it")
    if len(data) > MAX_FILE_BYTES:
        raise SVGError(f"{name}: larger than {MAX_FILE_BYTES // 2**20} MB; simplify it")
    _refuse_other_formats(data, name)
    text, codec = decode_source(data, name)
    return text, name, codec, data


def _text_codec(source: str) -> tuple[str, str, str]:
    """SVG given as text → (text without a BOM, name, the codec its XML declaration names, for saving)."""
    name = "SVG text"
    bom = source.startswith("\ufeff")
    text = source[1:] if bom else source
    m = _DECL_ENCODING.match(text.lstrip()[:400])
    codec = document_codec(m.group(1), name) if m else "utf-8"
    try:
        text.encode(codec)
    except UnicodeError:
        raise SVGError(f"{name}: holds characters its declared encoding {codec!r} cannot write; "
                       "change the declaration to UTF-8") from None
    if bom and codec in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        codec += BOM_MARK
    return text, name, codec


_SIGNATURES = (  # (offset, bytes, format); images can be vectorized, the rest cannot
    (0, b"\x89PNG\r\n\x1a\n", "PNG"), (0, b"\xff\xd8\xff", "JPEG"), (0, b"GIF87a", "GIF"), (0, b"GIF89a", "GIF"),
    (8, b"WEBP", "WebP"), (0, b"BM", "BMP"), (0, b"II*\x00", "TIFF"), (0, b"MM\x00*", "TIFF"),
    (0, b"\x00\x00\x01\x00", "ICO"), (4, b"ftypavif", "AVIF"), (4, b"ftypheic", "HEIC"),
    (0, b"%PDF-", "PDF"), (0, b"PK\x03\x04", "ZIP"),
)
_NOT_IMAGES = ("PDF", "ZIP")


def _refuse_other_formats(data: bytes, name: str) -> None:
    """A raster image (or a PDF, a ZIP) given where an SVG belongs: say what it is, not that
    its bytes are not UTF-8, and point a raster image to ``vecedit vectorize``."""
    for offset, magic, kind in _SIGNATURES:
        if data[offset:offset + len(magic)] == magic and (kind != "WebP" or data[:4] == b"RIFF"):
            if kind in _NOT_IMAGES:
                raise SVGError(f"{name} is a {kind} file, not an SVG; give an SVG file")
            article = "an" if kind[0] in "AEIO" else "a"
            raise SVGError(f"{name} is {article} {kind} image, not an SVG; turn it into one with "
                           f"`vecedit vectorize {name} -o OUT.svg` (`vecedit edit` takes images directly)")


def _canvas(root: Element, name: str, notes: list[Note]) -> tuple[float, float, tuple[float, float, float, float] | None]:
    """Canvas width/height in px and the viewBox (see the module docstring).

    An invalid viewBox, width or height is ignored with a Note, as browsers do; sizes
    beyond :data:`MAX_CANVAS_PX` are refused (no browser draws them either)."""
    def invalid(attr: str, why: str) -> None:
        notes.append(Note("svg", root.get("id"), f"invalid {attr} on the root <svg> ({why}); it is ignored, "
                                                 "as browsers do", False))

    viewbox = None
    if root.get("viewBox") is not None:
        try:
            viewbox = parse_viewbox(root.get("viewBox"))
        except SVGError as e:
            invalid("viewBox", str(e))
        if viewbox is not None and (viewbox[2] <= 0 or viewbox[3] <= 0):
            invalid("viewBox", f"width and height must be positive, got {viewbox[2]:g} × {viewbox[3]:g}")
            viewbox = None
        if viewbox is not None and max(abs(v) for v in viewbox) > MAX_VIEWBOX:
            raise SVGError(f"{name}: viewBox {root.get('viewBox')[:80]!r} is absurdly large; fix the viewBox")
    ref_w, ref_h = (viewbox[2], viewbox[3]) if viewbox else DEFAULT_SIZE
    sizes = {}
    for attr, ref in (("width", ref_w), ("height", ref_h)):
        text = root.get(attr)
        sizes[attr] = None
        if text is None or not text.strip() or text.strip() == "auto":
            continue
        try:
            sizes[attr] = parse_length(text, ref, what=attr)
        except SVGError as e:
            invalid(attr, str(e))
            continue
        if sizes[attr] <= 0:
            invalid(attr, f"it must be positive, got {sizes[attr]:g}")
            sizes[attr] = None
    w, h = sizes["width"], sizes["height"]
    if w is None and h is None:
        w, h = ref_w, ref_h
    elif w is None:
        w = h * ref_w / ref_h if viewbox else DEFAULT_SIZE[0]
    elif h is None:
        h = w * ref_h / ref_w if viewbox else DEFAULT_SIZE[1]
    for label, v in (("width", w), ("height", h)):
        if not v >= MIN_CANVAS_PX:
            raise SVGError(f"{name}: <svg> {label} is {v:g} px, too small to draw; give a {label} of at least {MIN_CANVAS_PX:g} px")
        if v > MAX_CANVAS_PX:
            raise SVGError(f"{name}: <svg> {label} is {v:g} px, more than {MAX_CANVAS_PX:g} px; give a smaller size")
    return w, h, viewbox


def _note_kept(root: Element, svg_ns: str, referenced: set[str], notes: list[Note]) -> None:
    """One note per element that is kept verbatim but not modelled (not descending into it)."""

    def visit(el: Element) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            tag = child.tag
            local = local_name(tag)
            cid = child.get("id")
            foreign = not tag.startswith(svg_ns) if svg_ns else tag.startswith("{")
            if foreign:
                uri = tag[1:].split("}")[0]
                editor = any(k in uri.lower() for k in EDITOR_NAMESPACES)
                message = "editor data is kept" if editor else f"element in namespace {uri} is kept and ignored"
                notes.append(Note(local, cid, message, False))
                continue
            if local == TEXT:
                continue
            if local in HANDLED:
                visit(child)
            elif local in KEPT and local_name(el.tag) == "switch" and not conditions_hold(child):
                notes.append(Note(local, cid, f"{local} is kept; its <switch> draws a later child instead "
                                              "(its required extensions or features are not supported)", False))
            elif local in KEPT:
                message, affects = KEPT[local]
                if affects is None:
                    affects = cid is not None and cid in referenced
                    if not affects:
                        message += " (it is not used)"
                notes.append(Note(local, cid, message, affects))
            elif local in ANIMATION:
                notes.append(Note(local, cid, "animation is kept but ignored; the static picture is used", False))
            else:
                notes.append(Note(local, cid, f"unknown element {local} is kept and ignored", False))

    visit(root)


def load_svg(source: Source, font_dirs: Sequence[str] = (), *, resources: Optional[Union[str, os.PathLike]] = None,
             allow_outside_resources: bool = False) -> Document:
    """Parse an SVG into a :class:`Document`.

    *source* is a path (``str`` or ``os.PathLike``), SVG text (a ``str`` whose first
    non-blank character is ``<``) or the file's bytes. Raises :class:`SVGError`, with
    a one-line message saying what to do, for anything the user can fix: a missing
    file, a directory, malformed XML, XML entities, a root that is not ``svg``,
    absurd sizes, non-finite numbers, ``use`` cycles.

    *font_dirs* are folders of extra fonts for ``<text>`` (searched before the installed
    ones; ``VECEDIT_FONT_DIRS`` adds more).

    ``<image>`` files resolve against *resources* (default: the SVG file's folder; SVG
    text has none) and are never read outside it unless *allow_outside_resources*; the
    network is never used. An image that cannot be read is a Note and is not drawn.

    >>> doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>')
    >>> [s.tag for s in doc.shapes()], doc.width
    (['rect'], 10.0)
    """
    text, name, codec, data = _read_source(source)
    folder = resources if resources is not None else (
        Path(os.fspath(source)).parent if isinstance(source, os.PathLike) or (
            isinstance(source, str) and not source.lstrip(" \t\r\n\ufeff").startswith("<")) else None)
    images = ImageSource(Path(folder) if folder is not None else None, allow_outside_resources,
                         load_document=_load_image_document)
    # numpy's floating-point notices on absurd geometry stay quiet, as in the CLI: the
    # finiteness guards (path data, transforms, shapes, text) decide what is drawn
    with recursion_room(), np.errstate(all="ignore"):
        return _load(text, name, codec, data, tuple(str(d) for d in font_dirs or ()), images)


def _load_image_document(data: bytes, images: ImageSource) -> Document:
    """An SVG shown by an ``<image>``: read like a file, its own images one level deeper."""
    text, name, codec, data = _read_source(data, "the SVG image")
    return _load(text, name, codec, data, (), images)


def _load(text: str, name: str, codec: str, data: Optional[bytes], font_dirs: tuple[str, ...] = (),
          images: Optional[ImageSource] = None) -> Document:
    root, source_map, namespaces, prolog, epilog = read_xml(text, name)
    source_map.encoding = codec
    source_map.original = (text, data) if data is not None else None
    notes: list[Note] = []
    if not isinstance(root.tag, str) or local_name(root.tag) != "svg":
        raise SVGError(f"{name}: the root element is <{local_name(root.tag)}>, not <svg>; give an SVG file")
    if root.tag == "svg":
        svg_ns = ""
        notes.append(Note("svg", root.get("id"), "the root svg has no xmlns=\"http://www.w3.org/2000/svg\"; "
                          "browsers will not show the file as SVG; add the namespace", False))
    elif root.tag == f"{{{SVG_NS}}}svg":
        svg_ns = f"{{{SVG_NS}}}"
    else:
        raise SVGError(f"{name}: the root <svg> is in namespace {root.tag[1:].split('}')[0]!r}, not the SVG namespace; "
                       f"use xmlns=\"{SVG_NS}\"")
    width, height, viewbox = _canvas(root, name, notes)

    parent = {child: el for el in root.iter() for child in el}
    ids: dict[str, Element] = {}
    referenced: set[str] = set()
    rules, order = [], 0
    shape_elements = 0
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.get("id") is not None:
            ids.setdefault(el.get("id"), el)
        shape_elements += local_name(el.tag) in DRAWN_TAGS
        for value in el.attrib.values():
            referenced.update(_URL_REF.findall(value))
        if el.tag == f"{svg_ns}style" and (el.get("type") or "text/css").strip() == "text/css":
            sheet_rules, warnings = parse_stylesheet("".join(el.itertext()), order)
            referenced.update(_URL_REF.findall("".join(el.itertext())))
            rules += sheet_rules
            order += len(sheet_rules)
            notes += [Note("style", el.get("id"), w, True) for w in warnings]
    cascade = Cascade(rules, parent.get, elements=root.iter())  # refused here if over selector_tests
    _note_kept(root, svg_ns, referenced, notes)

    vb = viewbox or (0.0, 0.0, width, height)
    # before any is built: the render tree counts again, with use / marker / pattern instances
    limits.current().check("shapes", shape_elements, f"{name}: the document has more shape elements than the budget")
    builder = RenderTreeBuilder(name, svg_ns, cascade, ids, parent, notes, font_dirs, images)
    with lengths_in(css_viewport=(width, height)):  # vw/vh: the canvas
        gradients: dict[str, Gradient] = {}
        for el in root.iter():
            if isinstance(el.tag, str) and local_name(el.tag) in GRADIENT_TAGS and el.tag.startswith(svg_ns) \
                    and el.get("id") and el.get("id") not in gradients and ids.get(el.get("id")) is el:
                try:
                    with lengths_in(font_size=float(builder.source_style(el)["font-size"][:-2])):
                        gradients[el.get("id")] = parse_gradient(el, ids, builder.source_style, (vb[2], vb[3]), svg_ns,
                                                                 notes)
                except SVGError as e:  # dropped with a Note: what paints with it uses its fallback
                    notes.append(Note(local_name(el.tag), el.get("id"), f"invalid {e}; the gradient is not used, "
                                                                         "as browsers do", False))
        builder.gradients = gradients
        try:
            own = parse_transform(root.get("transform"))
        except SVGError as e:
            notes.append(Note("svg", root.get("id"), f"invalid {e}; the transform is ignored, as browsers do", False))
            own = np.eye(3)
        par = parse_preserve_aspect_ratio(root.get("preserveAspectRatio"))
        root_ctm = own @ viewbox_transform(vb, width, height, par)
        render_root = builder.build_root(root, root_ctm, (vb[2], vb[3]))
        backdrop = _background(root, cascade, vb, viewbox_transform(vb, width, height, par), notes)
        if backdrop is not None:  # under the root group: its opacity, transform and effects leave it alone
            render_root = Group(node=None, id=None, children=[backdrop, render_root])
        return Document(
            root_node=root,
            namespaces=namespaces,
            width=width,
            height=height,
            viewbox=vb,
            root=render_root,
            gradients=gradients,
            notes=_dedupe(notes),
            prolog=prolog,
            epilog=epilog,
            source=source_map,
            filters=builder.filters.parsed,
        )


def _dedupe(notes: list[Note]) -> list[Note]:
    seen, out = set(), []
    for n in notes:
        key = (n.tag, n.id, n.message, n.affects_picture)
        if key not in seen:
            seen.add(key)
            out.append(n)
    return out


def _background(root: Element, cascade: Cascade, viewbox: tuple, to_canvas: np.ndarray,
                notes: list[Note]) -> Optional[Shape]:
    """The root's CSS ``background-color``, as resvg draws it: a non-editable rect on the viewBox
    area under the drawing (the root's transform and opacity do not apply); ``None`` when there is none."""
    declared = cascade.specified(root).get("background-color")
    text = declared.value if declared is not None else root.get("background-color")
    if text is None or text.strip().lower() in ("", "transparent", "none"):
        return None
    try:
        color = parse_color(text)
    except SVGError:
        notes.append(Note("svg", root.get("id"), f"invalid background-color {text.strip()[:40]!r} is ignored", False))
        return None
    if color is None or color[3] == 0:
        return None
    x, y, w, h = viewbox
    return Shape(node=root, tag="rect", id=None, classes=(), subpaths=[rect_subpath(x, y, w, h)], ctm=to_canvas,
                 fill=color, stroke=None, editable=False, reason="background-color of the root <svg>")
