"""Text set in a font, fitted into a box of an existing document, inserted as editable glyph paths.

GlyphDraw's two conditioning images come out of the same outlines:

* the **glyph image** (:meth:`GlyphPlacement.coverage`): the inserted outlines rendered
  alone by the builtin renderer at document pixels, coverage in [0, 1];
* the **position mask** (:meth:`GlyphPlacement.position_mask`): where the text may be
  styled — the glyph coverage dilated by a margin (``"glyphs"``) or the whole box (``"box"``).

The outlines are the font's real ones (:mod:`vecedit.fonts.layout`, shaped by HarfBuzz through :mod:`vecedit.text`, the
code path SVG text uses), scaled into the box by their control-point bounds, so the drawn text can
never leave the box: a cubic lies inside the hull of its control points.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Optional, Sequence, Union
from xml.sax.saxutils import escape

import numpy as np

from vecedit.errors import InputError, OptionError

DEFAULT_FONT = "DejaVu Sans"
FITS = ("contain", "stretch")
ALIGNS = ("center", "left", "right")
MASKS = ("glyphs", "box")
CJK_HINT = ("use a CJK font, e.g. --font 'WenQuanYi Micro Hei' (Debian/Ubuntu: apt-get install fonts-wqy-microhei) "
            "or 'Noto Sans CJK SC'")

Box = tuple[float, float, float, float]


def parse_box(text: Union[str, Sequence[float]]) -> Box:
    """``"x,y,w,h"`` (or four numbers) → a tuple of floats; ``ValueError`` saying what to write."""
    try:
        parts = text.replace(" ", "").split(",") if isinstance(text, str) else list(text)
    except TypeError:
        parts = []
    try:
        values = tuple(float(v) for v in parts)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 4 or not all(map(math.isfinite, values)):
        raise ValueError("give the box as x,y,w,h in document pixels, e.g. 40,40,200,80")
    return values  # type: ignore[return-value]


def parse_text(text: str) -> str:
    """Command-line text: a typed ``\\n`` starts a new line."""
    if not isinstance(text, str):
        raise ValueError(f"give the text as one string, not a {type(text).__name__}")
    return text.replace("\\n", "\n")


def check_box(box: Box, width: int, height: int) -> Box:
    """Refuse boxes with no area or not inside the ``width``×``height`` document."""
    x, y, w, h = box
    shown = f"{x:g},{y:g},{w:g},{h:g}"
    if not (w >= 1 and h >= 1):
        raise OptionError(f"box {shown} has no area; give x,y,w,h with w and h at least 1 pixel")
    eps = 1e-6
    if x < -eps or y < -eps or x + w > width + eps or y + h > height + eps:
        raise OptionError(f"box {shown} does not lie inside the {width}×{height} document; give x,y,w,h within "
                          f"0,0,{width},{height} (document pixels)")
    return box


def all_ids(doc) -> set[str]:
    return {el.get("id") for el in doc.root_node.iter() if isinstance(el.tag, str) and el.get("id")}


def free_group_id(doc, prefix: str = "glyphdraw") -> str:
    """``glyphdraw-N`` with the smallest N whose id, and every id under it, is unused in ``doc``."""
    used = all_ids(doc)
    n = 1
    while f"{prefix}-{n}" in used or any(i.startswith(f"{prefix}-{n}-") for i in used):
        n += 1
    return f"{prefix}-{n}"


def check_coverage(font, text: str) -> None:
    """Every visible character must have a glyph; say which do not and suggest a font."""
    cmap = font.getBestCmap() or {}
    missing = [c for c in dict.fromkeys(text) if not c.isspace() and ord(c) not in cmap]
    if not missing:
        return
    family = getattr(getattr(font, "vecedit_source", None), "family", "") or "the font"
    shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing[:8]) + (", …" if len(missing) > 8 else "")
    cjk = any(unicodedata.east_asian_width(c) in ("W", "F") for c in missing)
    hint = CJK_HINT if cjk else "choose a font that covers the text"
    raise InputError(f"font {family!r} has no glyph for {shown}; {hint}")


@dataclass
class PlacedOutline:
    char: str
    glyph_id: str  # id of its <path> in the document
    subpaths: list  # vecedit.svg.model.Subpath, document pixels


@dataclass
class GlyphPlacement:
    """The document with the text inserted, and where it went (document pixels throughout)."""

    document: object  # vecedit.svg.Document with the glyph group appended on top
    group_id: str  # id of the inserted <g class="glyphdraw">
    outlines: list[PlacedOutline]
    text: str
    family: str
    box: Box  # x, y, w, h as asked
    bounds: tuple[float, float, float, float]  # x0, y0, x1, y1 of the outlines' control points
    em: float  # document pixels per em
    width: int  # document size in pixels
    height: int
    _coverage: Optional[np.ndarray] = field(default=None, repr=False)

    @property
    def glyph_ids(self) -> list[str]:
        return [o.glyph_id for o in self.outlines]

    @property
    def selector(self) -> str:
        return f"#{self.group_id}"

    def coverage(self) -> np.ndarray:
        """GlyphDraw's glyph image: the outlines' coverage, ``(H, W)`` float32 in [0, 1]."""
        if self._coverage is None:
            self._coverage = render_coverage(self.outlines, self.width, self.height)
        return self._coverage

    def auto_margin(self) -> float:
        return max(2.0, 0.15 * min(self.box[2], self.box[3]))

    def position_mask(self, kind: str = "glyphs", margin: Optional[float] = None) -> np.ndarray:
        """GlyphDraw's position mask, ``(H, W)`` float32: the box, or the glyphs grown by ``margin`` px."""
        if kind not in MASKS:
            raise OptionError(f"mask {kind!r}: choose {' or '.join(MASKS)}")
        if kind == "box":
            x, y, w, h = self.box
            return box_mask(self.width, self.height, (x, y, x + w, y + h))
        from scipy.ndimage import distance_transform_edt

        cover = self.coverage()
        radius = self.auto_margin() if margin is None else float(margin)
        if radius <= 0:
            return cover.copy()
        grown = distance_transform_edt(cover < 0.02) <= radius
        return np.maximum(cover, grown.astype(np.float32))


def box_mask(width: int, height: int, corners: tuple[float, float, float, float]) -> np.ndarray:
    """``(H, W)`` float32 area of each pixel inside the box x0, y0, x1, y1 (fractional at its edges)."""
    x0, y0, x1, y1 = corners
    cols = np.clip(np.minimum(np.arange(width) + 1, x1) - np.maximum(np.arange(width), x0), 0, 1)
    rows = np.clip(np.minimum(np.arange(height) + 1, y1) - np.maximum(np.arange(height), y0), 0, 1)
    return np.outer(rows, cols).astype(np.float32)


def mask_bounds(mask: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask > 0)
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


# ---------------------------------------------------------------------------- placing


def place_glyphs(document, text: str, box: Union[str, Box], font=DEFAULT_FONT, *, color: str = "#000000",
                 fit: str = "contain", align: str = "center", padding: float = 0.0, kerning: bool = True,
                 max_segment: Optional[float] = 0.0) -> GlyphPlacement:
    """Insert ``text`` set in ``font`` into ``document`` inside ``box``; the document itself is not changed.

    Args:
        document: a :class:`~vecedit.svg.Document` (or an SVG path or text).
        text: the text; ``\\n`` starts a new line. Chinese needs a CJK font.
        box: ``"x,y,w,h"`` or a 4-tuple, in document pixels, inside the document.
        font: a font file (``.ttf``, ``.otf``, ``.ttc#N``) or an installed family name.
        color: the glyphs' fill (any CSS colour).
        fit: ``contain`` keeps the text's aspect (centred vertically, ``align`` horizontally);
            ``stretch`` fills the box exactly.
        padding: empty margin inside the box, in pixels.
        max_segment: split outline segments longer than this many pixels (gives an
            optimiser points to move); ``0`` keeps the font's own segments, ``None`` picks
            a tenth of an em.
    """
    from vecedit.scene import document_pixels
    from vecedit.fonts.layout import glyph_id, layout, load_font
    from vecedit.text.shaping import glyph_subpaths, outline_set
    from vecedit.svg import load_svg, parse_color
    from vecedit.svg.model import Document

    doc = document if isinstance(document, Document) else load_svg(document)
    if not isinstance(text, str) or not text.strip():
        raise OptionError("the text is empty; give the words to insert, e.g. --text 'SALE'")
    if fit not in FITS:
        raise OptionError(f"fit {fit!r}: choose {' or '.join(FITS)}")
    if align not in ALIGNS:
        raise OptionError(f"align {align!r}: choose {', '.join(ALIGNS)}")
    if parse_color(color) is None:
        raise OptionError(f"color {color!r} is not a CSS colour; give e.g. '#1a1a1a', 'black' or 'rgb(200,0,0)'")
    width, height = document_pixels(doc)
    try:
        box = parse_box(box)
    except ValueError as error:
        raise OptionError(f"box {box!r}: {error}") from None
    box = check_box(box, width, height)
    if not (0 <= padding and 2 * padding < min(box[2], box[3])):
        raise OptionError(f"padding {padding:g} px leaves no room in the {box[2]:g}×{box[3]:g} box")
    face = load_font(font) if not hasattr(font, "getBestCmap") else font
    check_coverage(face, text)
    placed = layout(face, text, kerning)
    glyphs = outline_set(face)
    fonted = [(g, [(pts + (g.x, g.y), closed) for pts, closed in glyph_subpaths(glyphs, g.glyph)])
              for g in placed.glyphs if g.char.strip()]
    fonted = [(g, subs) for g, subs in fonted if subs]
    if not fonted:
        raise OptionError(f"the text {text!r} has no visible glyph in {placed.family}")
    transform, em = _fit(np.concatenate([p for _, subs in fonted for p, _ in subs]), box, fit, align, padding,
                         placed.units_per_em)
    segment = em / 10 if max_segment is None else float(max_segment)
    group_id = free_group_id(doc)
    outlines = [_outline(k, g.char, subs, transform, segment, f"{group_id}-{glyph_id(k, g.char)}")
                for k, (g, subs) in enumerate(fonted)]
    markup = glyph_markup(group_id, outlines, color, text, placed.family)
    from vecedit.svg import insert_markup

    inserted = insert_markup(doc, markup)
    points = np.concatenate([sp.points for o in outlines for sp in o.subpaths])
    bounds = (*points.min(0), *points.max(0))
    return GlyphPlacement(inserted, group_id, outlines, text, placed.family, box,
                          tuple(float(v) for v in bounds), em, width, height)


def _fit(points: np.ndarray, box: Box, fit: str, align: str, padding: float, upem: int):
    """The map font units (y up) → document pixels that puts ``points``' bounds in the box; and px per em."""
    x, y, w, h = box
    lo, hi = points.min(0), points.max(0)
    span = np.maximum(hi - lo, 1e-9)
    room = np.array([w - 2 * padding, h - 2 * padding])
    if fit == "stretch":
        scale = room / span
    else:
        scale = np.full(2, np.min(room / span))
    size = span * scale
    left = x + padding + {"left": 0.0, "center": (room[0] - size[0]) / 2, "right": room[0] - size[0]}[align]
    top = y + padding + (room[1] - size[1]) / 2
    offset = np.array([left, top])

    def transform(pts: np.ndarray) -> np.ndarray:
        return (pts - (lo[0], hi[1])) * (scale[0], -scale[1]) + offset

    return transform, float(math.sqrt(scale[0] * scale[1]) * upem)


def _outline(k: int, char: str, subs, transform, segment: float, path_id: str) -> PlacedOutline:
    from vecedit.fonts.layout import subdivide
    from vecedit.svg.model import Subpath

    return PlacedOutline(char, path_id, [Subpath(subdivide(transform(p), closed, segment), closed)
                                         for p, closed in subs])


def glyph_markup(group_id: str, outlines: Sequence[PlacedOutline], color: str, text: str, family: str) -> str:
    """``<g id class="glyphdraw">`` of one ``<path class="glyph">`` per glyph (document pixels)."""
    from vecedit.svg import subpaths_to_d

    attr = {'"': "&quot;", "\n": "&#10;"}
    fill = escape(color.strip(), attr)
    paths = "\n".join(f'  <path id="{o.glyph_id}" class="glyph" fill="{fill}" d="{subpaths_to_d(o.subpaths, 3)}"/>'
                      for o in outlines)
    return (f'<g id="{group_id}" class="glyphdraw" data-text="{escape(text, attr)}" '
            f'data-font="{escape(family, attr)}">\n{paths}\n</g>\n')


def render_coverage(outlines: Sequence[PlacedOutline], width: int, height: int) -> np.ndarray:
    """The outlines alone, rendered by the builtin renderer at ``width``×``height``: alpha, float32."""
    import torch

    from vecedit.render.composite import render_scene
    from vecedit.scene import from_document
    from vecedit.svg import load_svg

    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
           f'{glyph_markup("coverage", outlines, "#000000", "", "")}</svg>')
    with torch.no_grad():
        alpha = render_scene(from_document(load_svg(svg), width, height))[..., 3]
    alpha = alpha.cpu().numpy().astype(np.float32)
    alpha[alpha < 1e-5] = 0.0  # round-off of the coverage prefix sums (~1e-8) is no ink
    return alpha


def describe(placement: GlyphPlacement) -> str:
    x, y, w, h = placement.box
    return (f"inserted {placement.text!r} ({placement.family}, {len(placement.outlines)} glyph paths) as "
            f"{placement.selector} in the box {x:g},{y:g},{w:g},{h:g}")


__all__ = ["GlyphPlacement", "PlacedOutline", "describe", "place_glyphs", "parse_box", "parse_text", "check_box",
           "free_group_id", "glyph_markup", "render_coverage", "box_mask", "mask_bounds", "DEFAULT_FONT"]
