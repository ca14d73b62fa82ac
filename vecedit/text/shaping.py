"""One face loaded for use: HarfBuzz shaping, fontTools outlines, the metrics layout needs.

Everything here is in font units and independent of the font size (no hinting), so the
caches are keyed by (face, text, direction, features) for shaping and (face, glyph) for
outlines; a size only scales the results. Outlines are cubic subpaths in the layout of
:mod:`vecedit.svg.model` (y up, as in the font).
"""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np

from vecedit.errors import InputError

if TYPE_CHECKING:
    from vecedit.text.fontdb import FaceInfo


class FontError(InputError):
    """A face's data cannot be read or shaped (fontTools or HarfBuzz failed on it)."""


def _font_data(method):
    """Turn whatever fontTools or HarfBuzz raises while reading a face into :class:`FontError`,
    so the text layer can leave that text undrawn with a note while any other error stays a bug."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (FontError, MemoryError, RecursionError):
            raise
        except Exception as error:
            raise FontError(f"{type(error).__name__}: {str(error)[:80]}") from error

    return guarded


@dataclass(frozen=True)
class Metrics:
    """Font units, y up (descent negative), as resvg reads them."""

    upem: int
    ascent: float
    descent: float
    x_height: float
    underline_position: float
    underline_thickness: float
    strikeout_position: float
    subscript: float
    superscript: float


@dataclass(frozen=True)
class Shaped:
    """HarfBuzz output for one run, in visual order: arrays of equal length."""

    glyphs: np.ndarray  # glyph ids
    clusters: np.ndarray  # index of the run character each glyph belongs to
    x_advance: np.ndarray
    y_advance: np.ndarray
    x_offset: np.ndarray
    y_offset: np.ndarray


class LoadedFace:
    @_font_data
    def __init__(self, info: "FaceInfo"):
        import uharfbuzz as hb

        self.info = info
        blob = hb.Blob.from_file_path(info.path)
        self.hb_face = hb.Face(blob, info.index)
        self.hb_font = hb.Font(self.hb_face)
        self._font = None
        self._cmap: Optional[dict] = None
        self._glyphset = None
        self._metrics: Optional[Metrics] = None
        self._outlines: dict[int, list[tuple[np.ndarray, bool]]] = {}
        self._packed: dict[int, tuple] = {}
        self._shaped: dict[tuple, Shaped] = {}

    @property
    @_font_data
    def font(self):
        if self._font is None:
            from fontTools.ttLib import TTFont

            # from bytes, so no file stays open for as long as the face is cached
            data = io.BytesIO(Path(self.info.path).read_bytes())
            self._font = TTFont(data, fontNumber=self.info.index, lazy=True)
        return self._font

    @property
    @_font_data
    def cmap(self) -> dict:
        if self._cmap is None:
            self._cmap = self.font.getBestCmap() or {}
        return self._cmap

    @property
    @_font_data
    def glyphset(self):
        if self._glyphset is None:
            self._glyphset = outline_set(self.font)
        return self._glyphset

    def has(self, code: int) -> bool:
        return code in self.cmap

    @property
    @_font_data
    def metrics(self) -> Metrics:
        if self._metrics is None:
            self._metrics = _metrics(self.font)
        return self._metrics

    # --- shaping ----------------------------------------------------------------------

    @_font_data
    def shape(self, text: str, rtl: bool = False, features: tuple[tuple[str, bool], ...] = ()) -> Shaped:
        """HarfBuzz shaping of one run (one direction, one face), cached."""
        key = (text, rtl, features)
        hit = self._shaped.get(key)
        if hit is not None:
            return hit
        import uharfbuzz as hb

        buf = hb.Buffer()
        buf.add_codepoints([ord(c) for c in text])
        buf.guess_segment_properties()
        buf.direction = "rtl" if rtl else "ltr"
        hb.shape(self.hb_font, buf, dict(features))
        infos, positions = buf.glyph_infos, buf.glyph_positions
        out = Shaped(
            np.array([i.codepoint for i in infos], dtype=np.int64),
            np.array([i.cluster for i in infos], dtype=np.int64),
            np.array([p.x_advance for p in positions], dtype=np.float64),
            np.array([p.y_advance for p in positions], dtype=np.float64),
            np.array([p.x_offset for p in positions], dtype=np.float64),
            np.array([p.y_offset for p in positions], dtype=np.float64),
        )
        if len(self._shaped) > 4096:
            self._shaped.clear()
        self._shaped[key] = out
        return out

    # --- outlines ---------------------------------------------------------------------

    def packed_outline(self, glyph: int) -> tuple[np.ndarray, list[tuple[int, int, bool]]]:
        """The outline as one (N, 2) array and (start, end, closed) rows per contour, cached
        (layout transforms a glyph with one matrix product)."""
        hit = self._packed.get(glyph)
        if hit is None:
            contours = self.outline(glyph)
            points = np.concatenate([p for p, _ in contours]) if contours else np.zeros((0, 2))
            parts, start = [], 0
            for p, closed in contours:
                parts.append((start, start + len(p), closed))
                start += len(p)
            hit = self._packed[glyph] = (points, parts)
        return hit

    def outline(self, glyph: int) -> list[tuple[np.ndarray, bool]]:
        """The glyph's contours as cubic subpaths in font units (y up), cached."""
        hit = self._outlines.get(glyph)
        if hit is None:
            glyphset = self.glyphset
            try:
                name = self.font.getGlyphName(int(glyph))
                hit = glyph_subpaths(glyphset, name)
            except Exception:  # a damaged glyph draws as nothing, never a crash
                hit = []
            self._outlines[glyph] = hit
        return hit


_LOADED: dict[tuple[str, int], LoadedFace] = {}


def load_face(info: "FaceInfo") -> LoadedFace:
    """The loaded face for a :class:`FaceInfo` (one per file and index, kept for the process)."""
    face = _LOADED.get(info.key)
    if face is None:
        if len(_LOADED) >= 64:
            _LOADED.clear()
        face = _LOADED[info.key] = LoadedFace(info)
    return face


def _metrics(font) -> Metrics:
    upem = int(font["head"].unitsPerEm) or 1000
    hhea = font["hhea"] if "hhea" in font else None
    os2 = font["OS/2"] if "OS/2" in font else None
    ascent, descent = float(getattr(hhea, "ascent", 0) or 0), float(getattr(hhea, "descent", 0) or 0)
    if os2 is not None and (int(getattr(os2, "fsSelection", 0)) & 0x80 or (ascent == 0 and descent == 0)):
        ascent, descent = float(os2.sTypoAscender), float(os2.sTypoDescender)
    if ascent == 0 and descent == 0:
        ascent, descent = 0.8 * upem, -0.2 * upem
    x_height = float(getattr(os2, "sxHeight", 0) or 0) if os2 is not None and os2.version >= 2 else 0.0
    if x_height <= 0:
        x_height = float(int((ascent - descent) * 0.45))
    strikeout = float(getattr(os2, "yStrikeoutPosition", 0)) if os2 is not None else 0.0
    if os2 is None:
        strikeout = float(int(x_height) // 2)
    post = font["post"] if "post" in font else None
    if post is not None:
        underline = float(post.underlinePosition)
        thickness = float(post.underlineThickness) or float(upem // 12)
    else:
        underline, thickness = float(-(upem // 9)), float(upem // 12)
    sub = float(getattr(os2, "ySubscriptYOffset", round(upem / 0.2)))
    sup = float(getattr(os2, "ySuperscriptYOffset", round(upem / 0.4)))
    return Metrics(upem, ascent, descent, x_height, underline, thickness, strikeout, sub, sup)


# --- outlines through fontTools pens ------------------------------------------------------


class _Outline:
    def __init__(self, draw):
        self.draw = draw


class _OutlineSet:
    """Glyph name → object with ``draw(pen)``, straight from ``glyf`` or ``CFF `` (no ``hmtx``/``vmtx``
    parse, which takes seconds for a 30,000-glyph CJK font); composites resolve through it too."""

    def __init__(self, font):
        if "glyf" in font:
            glyf = font["glyf"]
            self._get = lambda name: _Outline(lambda pen: glyf[name].draw(pen, glyf))
        else:
            cff = font["CFF "].cff
            strings = cff[cff.fontNames[0]].CharStrings
            self._get = lambda name: _Outline(strings[name].draw)

    def __getitem__(self, name):
        return self._get(name)


def outline_set(font):
    """A light glyph set for drawing outlines (``font.getGlyphSet()`` for CFF2/variable fonts)."""
    if "glyf" in font and "gvar" not in font or "CFF " in font:
        return _OutlineSet(font)
    return font.getGlyphSet()


def glyph_subpaths(glyphset, name: str) -> list[tuple[np.ndarray, bool]]:
    """A glyph's contours as cubic subpaths in font units: (points, closed), layout of :mod:`vecedit.svg.model`."""
    from fontTools.pens.basePen import BasePen

    class CubicPen(BasePen):
        def __init__(self, glyphs):
            super().__init__(glyphs)
            self.out: list[tuple[np.ndarray, bool]] = []
            self.pts: list = []

        def _moveTo(self, p):
            self._flush(False)
            self.pts = [p]

        def _lineTo(self, p):
            a = np.asarray(self.pts[-1], float)
            b = np.asarray(p, float)
            self.pts += [tuple(a + (b - a) / 3), tuple(a + 2 * (b - a) / 3), p]

        def _curveToOne(self, c1, c2, p):
            self.pts += [c1, c2, p]

        def _qCurveToOne(self, c, p):
            a, c_, b = (np.asarray(v, float) for v in (self.pts[-1], c, p))
            self.pts += [tuple(a + 2 / 3 * (c_ - a)), tuple(b + 2 / 3 * (c_ - b)), p]

        def _closePath(self):
            if self.pts and len(self.pts) > 1:
                if tuple(self.pts[-1]) != tuple(self.pts[0]):
                    self._lineTo(self.pts[0])
                self.pts = self.pts[:-1]
            self._flush(True)

        def _endPath(self):
            self._flush(False)

        def _flush(self, closed):
            if len(self.pts) > 1:
                self.out.append((np.asarray(self.pts, dtype=np.float64), closed))
            self.pts = []

    pen = CubicPen(glyphset)
    glyphset[name].draw(pen)
    pen._flush(False)
    return pen.out


# Wide characters whose UAX #50 Vertical_Orientation is Tu or Tr (transformed: small kana,
# CJK punctuation, brackets, long vowel marks): resvg stands only U upright and turns these.
_TURNED_WIDE = frozenset(
    [0x2329, 0x232A, 0x3001, 0x3002, 0x3030, 0x30A0, 0x30FC, 0x309B, 0x309C, 0xFF01, 0xFF08, 0xFF09,
     0xFF0C, 0xFF0D, 0xFF0E, 0xFF1A, 0xFF1B, 0xFF1C, 0xFF1D, 0xFF1E, 0xFF1F, 0xFF3B, 0xFF3D, 0xFF3F, 0xFFE3,
     0x3041, 0x3043, 0x3045, 0x3047, 0x3049, 0x3063, 0x3083, 0x3085, 0x3087, 0x308E, 0x3095, 0x3096,
     0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9, 0x30C3, 0x30E3, 0x30E5, 0x30E7, 0x30EE, 0x30F5, 0x30F6]
    + list(range(0x3008, 0x3012)) + list(range(0x3014, 0x3020)) + list(range(0x31F0, 0x3200))
    + list(range(0xFE50, 0xFE53)) + list(range(0xFE59, 0xFE5F)) + list(range(0xFF5B, 0xFF61)))


def is_upright(char: str) -> bool:
    """UAX #50 Vertical_Orientation U, reduced: wide and full-width characters stand upright,
    except the transformed ones (Tu/Tr), which resvg turns like Latin text."""
    return unicodedata.east_asian_width(char) in ("W", "F") and ord(char) not in _TURNED_WIDE


__all__ = ["FontError", "LoadedFace", "Metrics", "Shaped", "load_face", "glyph_subpaths", "outline_set", "is_upright"]
