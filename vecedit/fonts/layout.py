"""Text → glyph outlines → an SVG of one ``<path>`` per glyph (``vecedit font``'s starting point).

* :func:`resolve_font` takes a font file (``.ttf``, ``.otf``, ``.ttc``/``.otc`` with an
  optional ``#INDEX`` for the face) or a family name, found through fontconfig
  (``fc-match``) where it is installed, else by file name in the usual font folders.
* :func:`layout` shapes each line with HarfBuzz through :mod:`vecedit.text.shaping` (the
  code path SVG ``<text>`` uses): advances, GPOS or legacy ``kern`` kerning, ligatures,
  marks. ``\\n`` starts a new line.
* :func:`text_to_svg` draws each glyph through a fontTools pen (TrueType ``glyf`` and
  CFF/CFF2 outlines alike; quadratics are raised to cubics exactly), optionally
  subdivides long segments so that the optimiser has points to move, and centres the
  text on a square canvas: ``<g id="text">`` holding ``<path id="glyph-K-C" class="glyph">``
  per visible glyph, ``K`` its position among the glyphs and ``C`` the character (ASCII
  letters and digits as themselves, anything else as ``uXXXX``, e.g. ``glyph-1-u5929``).

>>> from vecedit.fonts.layout import text_to_svg, glyph_id
>>> glyph_id(0, "A"), glyph_id(1, "天"), glyph_id(2, "!")
('glyph-0-A', 'glyph-1-u5929', 'glyph-2-u0021')
"""

from __future__ import annotations

import io
import math
import os
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np

from vecedit.errors import InputError, OptionError

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc", ".woff", ".woff2")
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
             "/Library/Fonts", "/System/Library/Fonts", "~/Library/Fonts", "C:/Windows/Fonts")


GENERIC_FAMILIES = {"sans", "sans-serif", "serif", "monospace", "mono", "cursive", "fantasy", "system-ui"}


@dataclass
class FontSource:
    path: Path
    index: int = 0  # face in a collection
    family: str = ""

    def label(self) -> str:
        return f"{self.family or self.path.name}" + (f" ({self.path.name}#{self.index})" if self.index else "")


def resolve_font(spec: Union[str, os.PathLike]) -> FontSource:
    """A font file path (``file.ttc#1`` picks a face) or an installed family name → :class:`FontSource`."""
    text = os.fspath(spec).strip()
    if not text:
        raise OptionError("--font is empty; give a font file (.ttf, .otf, .ttc) or an installed family name")
    path_text, _, face = text.rpartition("#") if "#" in text and text.rpartition("#")[2].isdigit() else (text, "", "")
    path = Path(path_text).expanduser()
    if path.is_file():
        return FontSource(path, int(face or 0))
    if path.is_dir():
        raise InputError(f"--font {text}: is a folder; give a font file or a family name")
    if path.suffix.lower() in FONT_SUFFIXES or os.sep in path_text or "/" in path_text:
        raise InputError(f"--font {text}: no such font file")
    return _find_family(text)


def _norm(name: str) -> str:
    return "".join(name.lower().split())


def _find_family(family: str) -> FontSource:
    if shutil.which("fc-match"):
        try:
            done = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}\n", family],
                                  capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            done = None
        if done is not None and done.returncode == 0:
            lines = done.stdout.split("\n")
            if len(lines) >= 3 and lines[0]:
                names = [n.strip() for n in lines[2].split(",")]
                generic = _norm(family) in GENERIC_FAMILIES  # fontconfig's aliases: any match will do
                if generic or _norm(family) in {_norm(n) for n in names} or any(
                        _norm(n).startswith(_norm(family)) for n in names):
                    return FontSource(Path(lines[0]), int(lines[1] or 0), names[0])
                raise InputError(f"--font {family!r}: no installed font family of that name (fontconfig would "
                                 f"substitute {names[0]!r}); install it, give a font file, or pick "
                                 f"{_some_families(family)}")
    wanted = _norm(family)
    for folder in FONT_DIRS:
        root = Path(folder).expanduser()
        if not root.is_dir():
            continue
        for p in sorted(root.rglob("*")):
            if p.suffix.lower() in FONT_SUFFIXES and _norm(p.stem.replace("-", " ")).startswith(wanted):
                return FontSource(p, 0, family)
    raise InputError(f"--font {family!r}: no installed font of that name (and fontconfig's fc-match is not "
                     "available to look it up); give the font file's path instead")


SHOWN_FAMILIES = 8
"""Installed family names a font-not-found message lists at most."""


def _some_families(wanted: str) -> str:
    """"one of: A, B, C" — the names most like ``wanted`` first; says so when the list is cut."""
    import difflib

    families = installed_families()
    if len(families) <= SHOWN_FAMILIES:
        return "one of: " + ", ".join(families)
    close = difflib.get_close_matches(wanted, families, n=SHOWN_FAMILIES, cutoff=0.3)
    shown = close + [f for f in families if f not in close][:SHOWN_FAMILIES - len(close)]
    return (f"one of the {len(families)} installed families (`fc-list : family` lists them all), e.g. "
            + ", ".join(shown))


def installed_families() -> list[str]:
    """Family names fontconfig knows (empty without fontconfig)."""
    if not shutil.which("fc-list"):
        return []
    try:
        done = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted({line.split(",")[0].strip() for line in done.stdout.splitlines() if line.strip()})


def load_font(source: Union[FontSource, str, os.PathLike]):
    """Open a font with fontTools (lazily: tables load on first use). Raises :class:`InputError`.

    The font is read from the file's bytes in memory, so no file stays open however the
    font is used or dropped (an open file left to the garbage collector is a ResourceWarning).
    """
    from fontTools.ttLib import TTFont, TTLibError

    src = source if isinstance(source, FontSource) else resolve_font(source)
    try:
        font = TTFont(io.BytesIO(src.path.read_bytes()), fontNumber=src.index, lazy=True)
        font.getGlyphOrder()
        if "cmap" not in font or not ("glyf" in font or "CFF " in font or "CFF2" in font):
            raise InputError(f"{src.path}: the font has no character map or no outlines (glyf/CFF); "
                             "use an outline font (TrueType or OpenType)")
        font.getBestCmap()
    except InputError:
        raise
    except (TTLibError, OSError, AssertionError, KeyError, ValueError, IndexError) as error:
        what = " ".join(str(error).split())[:160] or type(error).__name__
        if "fontNumber" in what or (src.index and "specify a font number" not in what and "out of range" in what):
            raise InputError(f"{src.path}: the collection has no face #{src.index}") from None
        raise InputError(f"{src.path}: not a readable font file ({what}); give a .ttf, .otf or .ttc font") from None
    if not src.family:
        try:
            src.family = font["name"].getBestFamilyName() or src.path.stem
        except Exception:  # a broken name table is no reason to refuse the outlines
            src.family = src.path.stem
    font.vecedit_source = src  # type: ignore[attr-defined]
    return font


# ------------------------------------------------------------------------------ layout


@dataclass
class PlacedGlyph:
    char: str
    glyph: str  # glyph name in the font
    x: float  # pen position, font units
    y: float  # baseline, font units (y up)
    advance: float
    kern: float = 0.0  # adjustment applied before this glyph


@dataclass
class Layout:
    glyphs: list[PlacedGlyph]
    units_per_em: int
    line_height: float
    family: str = ""
    kerned_pairs: int = 0
    notes: list[str] = field(default_factory=list)


def layout(font, text: str, kerning: bool = True) -> Layout:
    """Place ``text`` shaped by HarfBuzz (:mod:`vecedit.text.shaping`, the layout SVG text uses):
    font units, y up, first baseline at 0; ``\\n`` starts a new line."""
    if not isinstance(text, str) or not text.strip():
        raise OptionError("the text is empty; give the word(s) to draw, e.g. vecedit font \"Hello\" …")
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    cmap = font.getBestCmap() or {}
    family = getattr(getattr(font, "vecedit_source", None), "family", "") or "the font"
    missing = sorted({c for c in text if c not in "\n\t" and ord(c) not in cmap and not c.isspace()}, key=text.index)
    if missing:
        shown = ", ".join(f"'{c}' (U+{ord(c):04X})" for c in missing[:8]) + (", …" if len(missing) > 8 else "")
        raise InputError(f"{family} has no glyph for {shown}; choose a font that covers the text "
                         "(for Chinese e.g. --font 'WenQuanYi Micro Hei' or 'Noto Sans CJK SC')")
    face = shaped_face(font)
    upem = font["head"].unitsPerEm
    hhea = font["hhea"]
    line_height = float(hhea.ascent - hhea.descent + hhea.lineGap) or 1.2 * upem
    features = () if kerning else (("kern", False),)
    glyphs: list[PlacedGlyph] = []
    kerned = 0
    for row, line in enumerate(text.replace("\t", " ").split("\n")):
        if not line:
            continue
        shaped = face.shape(line, False, features)
        x, y = 0.0, -row * line_height
        for k in range(len(shaped.glyphs)):
            char = line[int(shaped.clusters[k])]
            name = font.getGlyphName(int(shaped.glyphs[k]))
            advance = float(shaped.x_advance[k])
            nominal = float(face.hb_font.get_glyph_h_advance(int(shaped.glyphs[k])))
            kerned += advance != nominal
            glyphs.append(PlacedGlyph(char if ord(char) in cmap else " ", name, x + float(shaped.x_offset[k]),
                                      y + float(shaped.y_offset[k]), advance, advance - nominal))
            x += advance
    return Layout(glyphs, upem, line_height, family, kerned)


def shaped_face(font):
    """The :class:`vecedit.text.shaping.LoadedFace` of a font opened by :func:`load_font`."""
    from vecedit.text.fontdb import FaceInfo
    from vecedit.text.shaping import load_face

    source = getattr(font, "vecedit_source", None)
    if source is None:
        raise OptionError("the font was not opened by vecedit.fonts.layout.load_font; open it with load_font")
    return load_face(FaceInfo(str(source.path), source.index, (), source.family, 400, "normal", 5))


# ------------------------------------------------------------------------------ outlines


def glyph_id(position: int, char: str) -> str:
    """``glyph-0-A``; characters other than ASCII letters and digits as ``uXXXX`` (``glyph-1-u5929``)."""
    name = char if char.isascii() and char.isalnum() else f"u{ord(char):04x}"
    return f"glyph-{position}-{name}"


from vecedit.text.shaping import glyph_subpaths, outline_set  # noqa: E402 (the one outline code path)


def split_count(points: np.ndarray, closed: bool, max_length: float) -> np.ndarray:
    """How many pieces :func:`subdivide` cuts each cubic segment into (float, as large as it comes)."""
    n = len(points)
    k = n // 3 if closed else (n - 1) // 3
    index = (3 * np.arange(k)[:, None] + np.arange(4)) % max(n, 1)
    segments = points[index]  # (k, 4, 2): p0, c1, c2, p1
    length = np.linalg.norm(np.diff(segments, axis=1), axis=2).sum(1)
    return np.maximum(1.0, np.ceil(length / max_length))


def subdivide(points: np.ndarray, closed: bool, max_length: float) -> np.ndarray:
    """Split each cubic segment into equal-parameter pieces no longer (by chord) than ``max_length``."""
    if max_length <= 0 or not np.isfinite(max_length):
        return points
    n = len(points)
    k = n // 3 if closed else (n - 1) // 3
    counts = split_count(points, closed, max_length)
    out = [points[0]]
    for i in range(k):
        p0, c1, c2, p1 = (points[(3 * i + j) % n] for j in range(4))
        pieces = int(counts[i])
        seg = np.array([p0, c1, c2, p1])
        for m in range(pieces, 0, -1):  # peel off 1/m of what is left (de Casteljau)
            if m == 1:
                out += [seg[1], seg[2], seg[3]]
                break
            t = 1.0 / m
            a, b, c = seg[:-1] + t * (seg[1:] - seg[:-1])
            d, e = a + t * (b - a), b + t * (c - b)
            f = d + t * (e - d)
            out += [a, d, f]
            seg = np.array([f, e, c, seg[3]])
    arr = np.asarray(out)
    return arr[:-1] if closed else arr


def text_to_svg(text: str, font, size: int = 256, margin: float = 0.1, color: str = "#000000",
                kerning: bool = True, max_segment: Optional[float] = None) -> str:
    """The SVG text of ``text`` set in ``font``, centred on a ``size``×``size`` canvas (see the module docstring).

    ``max_segment`` (canvas px; default ``size / 12``) caps segment length by subdivision
    so that every glyph has points to move; 0 keeps the font's own segments.
    """
    from vecedit.svg.color import format_color, parse_color
    from vecedit.svg.geometry import subpaths_to_d
    from vecedit.svg.model import Subpath

    if isinstance(size, bool) or not isinstance(size, int) or not 16 <= size <= 8192:
        raise OptionError(f"--size must be a whole number of pixels between 16 and 8192, got {size!r}")
    if not 0 <= margin < 0.5:
        raise OptionError(f"margin must be in [0, 0.5), got {margin}")
    fill = format_color(parse_color(color) or (0.0, 0.0, 0.0, 1.0))
    placed = layout(font, text, kerning)
    glyphset = outline_set(font)
    outlines = []
    for g in placed.glyphs:
        subs = [(pts + (g.x, g.y), closed) for pts, closed in glyph_subpaths(glyphset, g.glyph)] if g.char.strip() else []
        if subs:
            outlines.append((g, subs))
    if not outlines:
        raise OptionError(f"the text {text!r} has no visible glyph in {placed.family}")
    allpts = np.concatenate([pts for _, subs in outlines for pts, _ in subs])
    lo, hi = allpts.min(0), allpts.max(0)
    span = np.maximum(hi - lo, 1e-9)
    scale = (size * (1 - 2 * margin)) / max(span[0], span[1])
    offset = np.array([size / 2, size / 2]) - scale * np.array([(lo[0] + hi[0]) / 2, -(lo[1] + hi[1]) / 2])
    max_len = size / 12 if max_segment is None else float(max_segment)
    if not max_len >= 0:
        raise OptionError(f"--max-segment must be a length >= 0 in pixels (0: off), got {max_segment}")
    placed_outlines = [[(pts * np.array([scale, -scale]) + offset, closed) for pts, closed in subs]
                       for _, subs in outlines]
    if 0 < max_len < math.inf:  # a tiny length splits each segment into billions of pieces: count them first
        from vecedit.limits import current

        pieces = sum(split_count(p, closed, max_len).sum() for subs in placed_outlines for p, closed in subs)
        current().check("segments", int(pieces), f"glyph outline segments split at --max-segment {max_len:g} px")
    paths = []
    for k, (g, _) in enumerate(outlines):
        canvas = []
        for p, closed in placed_outlines[k]:
            canvas.append(Subpath(subdivide(p, closed, max_len), closed))
        d = subpaths_to_d(canvas, 3)
        paths.append(f'    <path id="{glyph_id(k, g.char)}" class="glyph" fill="{fill}" d="{d}"/>')
    family = placed.family.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    shown = text.replace("&", "&amp;").replace("<", "&lt;").replace("--", "- -").replace("\n", " ")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">\n'
            f"  <!-- {shown} · {family} · vecedit font -->\n"
            f'  <g id="text" data-font="{family}">\n' + "\n".join(paths) + "\n  </g>\n</svg>\n")


def text_to_document(text: str, font: Union[str, os.PathLike, FontSource, object], size: int = 256, **options):
    """:func:`text_to_svg` parsed into a :class:`~vecedit.svg.Document`; ``font`` may be a spec or a TTFont."""
    from vecedit.svg import load_svg

    if isinstance(font, (str, os.PathLike, FontSource)):
        font = load_font(font)
    return load_svg(text_to_svg(text, font, size, **options))


__all__ = ["FontSource", "resolve_font", "load_font", "installed_families", "layout", "Layout", "PlacedGlyph",
           "glyph_id", "glyph_subpaths", "subdivide", "text_to_svg", "text_to_document"]
