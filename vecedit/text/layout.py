"""SVG text layout: chunks of styled characters → positioned glyph outlines (SVG 2 §11.8).

Per text chunk, as resvg does it (so the reference and vecedit agree):

1. faces per character (the span's family list, then fallback per missing character),
   bidi levels (UAX #9 through python-bidi), runs of one level and one face shaped by
   HarfBuzz and put in visual order → glyph clusters;
2. ``writing-mode`` vertical turns upright characters, ``letter-spacing`` (not on the
   last cluster, not on cursive scripts), ``word-spacing``, ``textLength``;
3. positions: ``text-anchor`` on the chunk's advance, ``dx``/``dy``/``rotate`` per
   character, or along a ``textPath``;
4. per span: the baseline (``baseline-shift``, ``dominant-baseline``,
   ``alignment-baseline`` from the font's metrics), decorations, and the glyph outlines
   transformed into the text element's user space.

All sizes are user units of the ``<text>`` element.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from vecedit.svg.model import Subpath
from vecedit.text.content import Chunk, PathFlow, Span, TextContent
from vecedit.text.fontdb import FontDB
from vecedit.text.bidi import bidi_levels, visual_order
from vecedit.text.shaping import LoadedFace, is_upright, load_face
from vecedit.text.track import Track, bend

NO_LETTER_SPACING = ((0x0600, 0x08FF), (0x0700, 0x074F), (0x07C0, 0x07FF), (0x1800, 0x18AF), (0x0900, 0x0A7F),
                     (0x1680, 0x169F), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
WORD_SEPARATORS = {0x20, 0xA0, 0x1361, 0x10100, 0x10101, 0x1039F, 0x1091F}


IDENTITY = np.eye(3)
IDENTITY.setflags(write=False)


def T(x: float, y: float) -> np.ndarray:
    return np.array([[1.0, 0, x], [0, 1.0, y], [0, 0, 1.0]])


def S(sx: float, sy: float) -> np.ndarray:
    return np.array([[sx, 0, 0], [0, sy, 0], [0, 0, 1.0]])


def R(degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def R_at(degrees: float, x: float, y: float) -> np.ndarray:
    return T(x, y) @ R(degrees) @ T(-x, -y)


@dataclass
class Cluster:
    char: int  # index in the chunk of its first character
    codepoint: str
    span: Span
    width: float
    advance: float
    ascent: float
    descent: float
    glyphs: list  # (LoadedFace, glyph id, x, y) — font units within the cluster, y up
    scale: float  # user units per font unit
    transform: np.ndarray = field(default_factory=lambda: IDENTITY)  # replaced, never changed in place
    path_transform: np.ndarray = field(default_factory=lambda: IDENTITY)
    visible: bool = True
    shifted: bool = False  # has its own dx/dy/rotate: decorations break there
    bend: Optional[tuple] = None  # (Track, arc length at the cluster's start): textPath method="stretch"

    def matrix(self) -> np.ndarray:
        return self.transform if self.path_transform is IDENTITY else self.transform @ self.path_transform


@dataclass
class LaidSpan:
    span: Span
    glyphs: list[Subpath]
    # (kind, element whose paint draws it, that element's style, subpaths), in paint order:
    # underline and overline before the glyphs, line-through after.
    decorations: list[tuple] = field(default_factory=list)


@dataclass
class TextLayout:
    spans: list[LaidSpan]
    bbox: Optional[tuple[float, float, float, float]]  # cells of all glyphs, user units
    missing_families: set[str] = field(default_factory=set)
    missing_chars: set[str] = field(default_factory=set)
    glyph_count: int = 0
    out_of_range: int = 0  # glyph and decoration outlines dropped: placed or sized beyond float range


def _needs_glyph(char: str) -> bool:
    """Whether a character counts as missing when the font has no glyph for it (not spaces or controls)."""
    return not char.isspace() and unicodedata.category(char) not in ("Cc", "Cf")


class Layouter:
    def __init__(self, content: TextContent, db: FontDB):
        self.content = content
        self.db = db
        self.result = TextLayout([], None)
        self._faces: dict[tuple, Optional[LoadedFace]] = {}
        self._cells: list[np.ndarray] = []

    def face_of(self, span: Span) -> Optional[LoadedFace]:
        key = (span.families, span.weight, span.font_style, span.stretch)
        if key not in self._faces:
            info, missing = self.db.match(span.families or ("serif",), span.weight, span.font_style, span.stretch)
            if missing:
                self.result.missing_families.add(missing)
            self._faces[key] = load_face(info) if info is not None else None
        return self._faces[key]

    def run(self) -> TextLayout:
        # Positions and sizes are finite one by one, but their sums and products may not be
        # (x="1e308" plus an advance): such outlines are dropped in _keep_finite, not drawn as NaN.
        with np.errstate(over="ignore", invalid="ignore"):
            self._place_chunks()
        return self._keep_finite()

    def _place_chunks(self) -> None:
        last_x = last_y = 0.0
        vertical = self.content.vertical
        for chunk in self.content.chunks:
            if chunk.flow is None:
                x = chunk.x if chunk.x is not None else last_x
                y = chunk.y if chunk.y is not None else last_y
            else:
                x = y = 0.0
            clusters = self.clusters(chunk)
            if not clusters:
                continue
            if vertical:
                _writing_mode(clusters)
            _letter_spacing(clusters)
            _word_spacing(clusters)
            _length_adjust(chunk, clusters)
            if chunk.flow is None:
                end = self.positions_linear(chunk, clusters)
            else:
                end = self.positions_path(chunk, clusters)
            text_ts = R_at(90.0, x, y) if vertical and chunk.flow is None else np.eye(3)
            own: dict[int, list[tuple[int, Cluster]]] = {}  # per span (by id): its clusters and their places
            for i, c in enumerate(clusters):
                own.setdefault(id(c.span), []).append((i, c))
            for span in chunk.spans:
                face = self.face_of(span)
                if face is None:
                    continue
                span_ts = text_ts @ T(x, y)
                if chunk.flow is None:
                    span_ts = span_ts @ T(0.0, self.baseline(span, face))
                self.emit(span, face, own.get(id(span), []), span_ts)
            if vertical and chunk.flow is None:
                end = (end[1], end[0])
            last_x, last_y = x + end[0], y + end[1]

    def _keep_finite(self) -> TextLayout:
        result = self.result
        for piece in result.spans:
            kept = [s for s in piece.glyphs if np.isfinite(s.points).all()]
            result.out_of_range += len(piece.glyphs) - len(kept)
            piece.glyphs = kept
            for k, (kind, painter, style, rects) in enumerate(piece.decorations):
                finite = [s for s in rects if np.isfinite(s.points).all()]
                result.out_of_range += len(rects) - len(finite)
                piece.decorations[k] = (kind, painter, style, finite)
        cells = [c for c in self._cells if np.isfinite(c).all()]
        if cells:
            pts = np.concatenate(cells)
            lo, hi = pts.min(0), pts.max(0)
            result.bbox = (float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1]))
        return result

    # --- shaping ----------------------------------------------------------------------

    def clusters(self, chunk: Chunk) -> list[Cluster]:
        text = chunk.text
        owner = [None] * len(text)
        for span in chunk.spans:
            for i in range(span.start, span.end):
                owner[i] = span
        per_face: dict[LoadedFace, list] = {}
        faces: list[Optional[LoadedFace]] = []
        for i, char in enumerate(text):
            face = self.face_of(owner[i])
            if face is not None:
                if face not in per_face:
                    per_face[face] = self.fallback_faces(text, face)
                face = per_face[face][i]
            faces.append(face)
        levels = bidi_levels(text, self.content.rtl, [owner[i].bidi for i in range(len(text))],
                             self.content.bidi_paragraph)
        runs = []  # (start, end, level, face, features)
        for i in range(len(text)):
            span = owner[i]
            features = (("smcp", True),) if span.small_caps else ()
            if not span.kerning:
                features += (("kern", False),)
            key = (levels[i], faces[i], features)
            if runs and tuple(runs[-1][2:]) == key and runs[-1][1] == i:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1, *key])
        out: list[Cluster] = []
        for start, end, level, face, features in visual_order(runs):
            if face is None:
                continue
            # As resvg: the whole run of this bidi level is shaped with the run's font and
            # features, and the glyphs of the run's own characters are kept, so kerning,
            # joining and ligature decisions see the neighbours in other spans and fonts.
            lo, hi = start, end
            while lo > 0 and levels[lo - 1] == level:
                lo -= 1
            while hi < len(text) and levels[hi] == level:
                hi += 1
            shaped = face.shape(text[lo:hi], bool(level % 2), features)
            metrics = face.metrics
            k = 0
            n = len(shaped.glyphs)
            while k < n:
                cluster = int(shaped.clusters[k])
                if not start <= lo + cluster < end:
                    k += 1
                    continue
                span = owner[lo + cluster]
                scale = span.size / metrics.upem
                glyphs, x, width = [], 0.0, 0.0
                while k < n and int(shaped.clusters[k]) == cluster:
                    glyphs.append((face, int(shaped.glyphs[k]), x + shaped.x_offset[k], shaped.y_offset[k]))
                    x += shaped.x_advance[k]
                    width = max(width, shaped.x_advance[k] * scale)
                    k += 1
                out.append(Cluster(lo + cluster, text[lo + cluster], span, width, width,
                                   metrics.ascent * scale, metrics.descent * scale, glyphs, scale))
        return out

    def fallback_faces(self, text: str, face: LoadedFace) -> list[LoadedFace]:
        """The face of each character of ``text`` for a span whose font is ``face``, as resvg picks
        them: the whole chunk is shaped with the span's font; while a character has no glyph, the
        next fallback font for it (:meth:`FontDB.fallback`) is tried, and when that font has every
        character it takes the whole text, else only the characters still missing."""
        faces = [face] * len(text)
        used = {face.info.key}
        while True:
            gap = next((i for i, char in enumerate(text) if _needs_glyph(char) and not faces[i].has(ord(char))), None)
            if gap is None:
                return faces
            other = self.db.fallback(text[gap], face.info, frozenset(used))
            if other is None:
                for i, char in enumerate(text):
                    if _needs_glyph(char) and not faces[i].has(ord(char)):
                        self.result.missing_chars.add(char)
                return faces
            loaded = load_face(other)
            used.add(other.key)
            if all(loaded.has(ord(char)) for char in text if _needs_glyph(char)):
                return [loaded] * len(text)
            faces = [loaded if _needs_glyph(char) and not f.has(ord(char)) and loaded.has(ord(char)) else f
                     for f, char in zip(faces, text)]

    # --- positions --------------------------------------------------------------------

    def positions_linear(self, chunk: Chunk, clusters: list[Cluster]) -> tuple[float, float]:
        x = _anchor(chunk.anchor, sum(c.advance for c in clusters), self.content.rtl)
        y = 0.0
        for c in clusters:
            cp = chunk.start + c.char
            dx, dy = self.content.dx[cp], self.content.dy[cp]
            if self.content.vertical:
                y, x = y - dx, x + dy
            else:
                x, y = x + dx, y + dy
            c.shifted = dx != 0 or dy != 0
            c.transform = c.transform @ T(x, y)
            angle = self.content.rotate[cp]
            if angle:
                c.transform = c.transform @ R(angle)
                c.shifted = True
            x += c.advance
        return x, y

    def positions_path(self, chunk: Chunk, clusters: list[Cluster]) -> tuple[float, float]:
        flow: PathFlow = chunk.flow
        track = Track.of(flow)
        offset = (chunk.y if self.content.vertical else chunk.x) or 0.0
        width = sum(c.advance for c in clusters)
        advance = offset + flow.start_offset + _anchor(chunk.anchor, width, self.content.rtl)
        offsets = []
        for c in clusters:
            advance += self.content.dx[chunk.start + c.char]
            offsets.append(advance + c.width / 2)
            advance += c.advance
        last = (0.0, 0.0)
        dy = 0.0
        for c, at in zip(clusters, offsets):
            where = track.at(at) if at >= 0 else None
            if where is None:
                c.visible = False
                continue
            px, py, angle = where
            c.shifted = True
            half = c.width / 2
            ts = T(px - half, py) @ R_at(angle, half, 0.0)
            if flow.method == "stretch":  # SVG 2 §11.8.1: glyphs bent along the path (see _bend)
                c.bend, ts = (track, at - half), IDENTITY
            cp = chunk.start + c.char
            dy += self.content.dy[cp]
            face = self.face_of(c.span)
            shift = -self.baseline(c.span, face) if face is not None else 0.0
            if dy or shift:
                ts = ts @ T(0.0, dy - shift)
            if self.content.rotate[cp]:
                ts = ts @ R(self.content.rotate[cp])
            c.transform = ts @ c.transform
            last = (px + c.advance, py)
        return last

    def baseline(self, span: Span, face: LoadedFace) -> float:
        m = face.metrics
        scale = span.size / m.upem
        shift = 0.0
        for value in span.baseline_shift:
            if value == "sub":
                shift -= m.subscript * scale
            elif value == "super":
                shift += m.superscript * scale
            else:
                shift += value
        shift = -shift
        if self.content.vertical:
            return shift
        which = span.alignment_baseline
        if which in ("auto", "baseline"):
            which = span.dominant_baseline
        ascent, descent = m.ascent * scale, m.descent * scale
        return shift + {
            "text-before-edge": ascent, "before-edge": ascent, "middle": m.x_height * scale * 0.5,
            "central": ascent - (ascent - descent) * 0.5, "after-edge": descent, "text-after-edge": descent,
            "ideographic": descent, "hanging": ascent * 0.8, "mathematical": ascent * 0.5,
        }.get(which, 0.0)

    # --- output -----------------------------------------------------------------------

    def emit(self, span: Span, face: LoadedFace, own: list[tuple[int, Cluster]], span_ts: np.ndarray) -> None:
        """Lay out ``span``'s glyphs and decorations: ``own`` are its clusters with their places in the
        chunk (grouped once per chunk, not filtered from the chunk's per span: quadratic with 10³ tspans)."""
        laid = LaidSpan(span, [])
        mine = [c for _, c in own if c.visible]
        if mine:
            mats = np.stack([span_ts @ c.matrix() for c in mine])  # (n, 3, 3): cluster → user space
            lin, off = mats[:, :2, :2], mats[:, :2, 2]
            asc = np.array([c.ascent for c in mine])
            desc = np.array([c.descent for c in mine])
            adv = np.array([c.advance if c.advance > 0 else 1.0 for c in mine])
            cell = np.stack([np.stack([np.zeros_like(asc), -asc], 1), np.stack([adv, -asc], 1),
                             np.stack([adv, -desc], 1), np.stack([np.zeros_like(asc), -desc], 1)], 1)
            self._cells.append((np.einsum("nij,nkj->nki", lin, cell) + off[:, None, :]).reshape(-1, 2))
            laid.glyphs = self._outlines(mine, lin, off)
        m = face.metrics
        scale = span.size / m.upem
        vertical = self.content.vertical
        height = (m.ascent - m.descent) * scale
        before, after = [], []
        for kind in ("underline", "overline", "line-through"):
            if kind not in span.decorations:
                continue
            if kind == "underline":
                dy = height / 2 if vertical else -m.underline_position * scale
            elif kind == "overline":
                dy = -height / 2 if vertical else -m.ascent * scale
            else:
                dy = 0.0 if vertical else -m.strikeout_position * scale
            rects = _decoration(own, dy, m.underline_thickness * scale, span_ts)
            if rects:
                painter, style = span.decorations[kind]
                (after if kind == "line-through" else before).append((kind, painter, style, rects))
        laid.decorations = before + after
        self.result.spans.append(laid)

    def _outlines(self, mine: list[Cluster], lin: np.ndarray, off: np.ndarray) -> list[Subpath]:
        """Every glyph of the clusters in user space, transformed in one batch."""
        pieces, owners, glyph_offsets, parts = [], [], [], []
        count = 0
        for k, c in enumerate(mine):
            for gface, gid, gx, gy in c.glyphs:
                points, contours = gface.packed_outline(gid)
                if not contours:
                    continue
                pieces.append(points)
                owners.append(len(points))
                glyph_offsets.append((k, c.scale, gx, -gy))
                parts += [(count + a, count + b, closed) for a, b, closed in contours]
                count += len(points)
                self.result.glyph_count += 1
        if not pieces:
            return []
        which = np.array([g[0] for g in glyph_offsets])
        scales = np.array([g[1] for g in glyph_offsets])
        shifts = np.array([(g[2], g[3]) for g in glyph_offsets])
        glin = lin[which] * scales[:, None, None]  # font units → user space, per glyph
        goff = np.einsum("nij,nj->ni", glin, shifts) + off[which]
        glin = glin * np.array([1.0, -1.0])  # font outlines are y up
        owner = np.repeat(np.arange(len(owners)), owners)
        pts = np.concatenate(pieces)
        moved = np.einsum("nij,nj->ni", glin[owner], pts) + goff[owner]
        bent = [k for k, c in enumerate(mine) if c.bend is not None]
        if bent:
            moved = bend(moved, which[owner], mine)
        return [Subpath(moved[a:b], closed) for a, b, closed in parts]


def _anchor(anchor: str, width: float, rtl: bool = False) -> float:
    """SVG 2 §11.10.1: start/end are the ends in the inline direction (swapped for ``direction: rtl``)."""
    if rtl and anchor in ("start", "end"):
        anchor = "end" if anchor == "start" else "start"
    return {"middle": -width / 2, "end": -width}.get(anchor, 0.0)


def _writing_mode(clusters: list[Cluster]) -> None:
    for c in clusters:
        middle = (c.ascent + c.descent) / 2
        if is_upright(c.codepoint):
            c.path_transform = T(0.0, middle) @ R_at(-90.0, c.width / 2, -middle)
            c.ascent, c.descent = c.width / 2, -c.width / 2
        else:
            c.transform = c.transform @ T(0.0, middle)


def _letter_spacing(clusters: list[Cluster]) -> None:
    if not any(c.span.letter_spacing for c in clusters):
        return
    for i, c in enumerate(clusters):
        code = ord(c.codepoint)
        if any(lo <= code <= hi for lo, hi in NO_LETTER_SPACING):
            continue
        if i != len(clusters) - 1:
            c.advance += c.span.letter_spacing
        if c.advance < 0:
            c.width = c.advance = 0.0
            c.glyphs = []


def _word_spacing(clusters: list[Cluster]) -> None:
    for c in clusters:
        if c.span.word_spacing and ord(c.codepoint) in WORD_SEPARATORS:
            c.advance += c.span.word_spacing


def _length_adjust(chunk: Chunk, clusters: list[Cluster]) -> None:
    for span in chunk.spans:
        if span.text_length is None:
            continue
        mine = [c for c in clusters if span.start <= c.char < span.end]
        if not mine:
            continue
        width = sum(c.width for c in mine)
        if span.length_adjust == "spacing":
            factor = (span.text_length - width) / (len(mine) - 1) if len(mine) > 1 else 0.0
            for c in mine:
                c.advance = c.width + factor
        else:
            factor = span.text_length / width if width else 0.0
            if factor < 0.001:
                continue
            for c in mine:
                c.transform = c.transform @ S(factor, 1.0)
                if chunk.flow is not None:
                    c.advance *= factor
                    c.width *= factor


def _decoration(own: list[tuple[int, Cluster]], dy: float, thickness: float, span_ts: np.ndarray) -> list[Subpath]:
    """A span's line as one rectangle per run of its clusters (``own``, with their places in the chunk):
    a run ends where another span's cluster comes between or a cluster is shifted. Clusters off their
    text path are not drawn, nor is their piece of the line."""
    pieces: list[tuple[float, np.ndarray]] = []
    started, width, ts, last = False, 0.0, None, -2
    for i, c in own:
        if not c.visible:
            continue
        if started and (c.shifted or i != last + 1):
            pieces.append((width, ts))
            started = False
        if not started:
            width, ts, started = c.advance, c.transform, True
        else:
            width += c.advance
        last = i
    if started:
        pieces.append((width, ts))
    pieces = [(width, ts) for width, ts in pieces if width > 0]
    if not pieces or thickness <= 0:
        return []
    n = len(pieces)
    mats = span_ts @ np.stack([ts for _, ts in pieces]) @ T(0.0, dy)  # (n, 3, 3), all pieces at once
    rect = np.zeros((n, 4, 2))
    rect[:, 1:3, 0] = np.array([width for width, _ in pieces])[:, None]
    rect[:, :2, 1], rect[:, 2:, 1] = -thickness / 2, thickness / 2
    corners = np.einsum("nij,nkj->nki", mats[:, :2, :2], rect) + mats[:, None, :2, 2]
    step = np.roll(corners, -1, axis=1) - corners  # each side as a straight cubic: controls at thirds
    rows = np.stack([corners, corners + step / 3, corners + 2 * step / 3], 2).reshape(n, 12, 2)
    return [Subpath(points, True) for points in rows]


def layout_text(content: TextContent, db: FontDB) -> TextLayout:
    return Layouter(content, db).run()


__all__ = ["layout_text", "TextLayout", "LaidSpan", "Layouter"]
