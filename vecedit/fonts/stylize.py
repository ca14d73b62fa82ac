"""Font stylisation: shape-only optimisation of glyph outlines toward a prompt, kept legible.

``vecedit.stylize_font("Tiger", font="DejaVu Serif", prompt="a tiger") -> Document``

1. The text is laid out and drawn as one ``<path>`` per glyph (:mod:`vecedit.fonts.layout`), or a
   designer's lettering is loaded from an SVG (``from_svg``; each shape is a glyph).
2. The edit loop (:func:`vecedit.edit.loop.edit`) moves control points only
   (``optimize="shape"``, CLIPVG's font recipe: shape lr 0.4, colour lr 0): colours,
   strokes and opacities are never handed to the optimiser and stay bit-identical.
   ROIs: the whole canvas with ``prompt``; ``per_glyph`` adds one ROI per glyph with the
   same prompt; ``glyph_prompts`` gives glyphs prompts of their own.
3. Legibility is kept by two regularisers added to the loop as loss terms
   (:mod:`vecedit.losses.shape_regularizers`): as-conformal-as-possible angles over a
   Delaunay triangulation of each glyph's points (``acap_weight``), and a low-pass tone
   term against the initial render (``tone_weight``, blur ``tone_sigma``).
4. Optionally, OCR reads the result (:func:`vecedit.fonts.ocr.check_legibility`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional, Sequence, Union

from vecedit.console import plural
from vecedit.errors import InputError, OptionError

DEFAULT_SHAPE_LR = 0.4
ACAP_WEIGHT = 250.0
"""Default weight of the as-conformal-as-possible term (mean squared angle change, radians²)."""
TONE_WEIGHT = 1000.0
"""Default weight of the tone term (mean squared difference of blurred grey renders)."""


def glyph_document(text: Optional[str] = None, font=None, *, from_svg=None, size: int = 256,
                   color: str = "#000000", kerning: bool = True, max_segment: Optional[float] = None):
    """The starting Document: ``text`` in ``font`` (see :func:`vecedit.fonts.layout.text_to_svg`) or ``from_svg``."""
    from vecedit.fonts.layout import load_font, text_to_svg
    from vecedit.svg import load_svg

    if from_svg is not None:
        if text is not None or font is not None:
            raise OptionError("give either TEXT with --font, or --from-svg, not both")
        doc = load_svg(from_svg)
        if not any(s.editable and s.visible and s.subpaths for s in doc.shapes()):
            raise InputError(f"{from_svg if not str(from_svg).lstrip().startswith('<') else 'the SVG'}: "
                             "no editable shape to use as a glyph (text elements must be converted to paths)")
        return doc
    if text is None or not str(text).strip():
        raise OptionError("the text is empty; give the word(s) to draw, e.g. vecedit font \"Tiger\" --font …")
    if font is None:
        raise OptionError("give --font FILE|FAMILY for the text (e.g. --font 'DejaVu Serif'), or --from-svg")
    font = load_font(font) if isinstance(font, (str, os.PathLike)) or not hasattr(font, "getGlyphSet") else font
    return load_svg(text_to_svg(str(text), font, size, color=color, kerning=kerning, max_segment=max_segment))


def glyph_shapes(doc) -> list:
    """The shapes that are glyphs: editable, visible shapes with outlines, in document order."""
    return [s for s in doc.shapes() if s.editable and s.visible and s.subpaths]


def _region(shape) -> dict:
    """An ROI spec for one glyph: its id when it has one, else its box in document pixels."""
    if shape.id:
        return {"select": f"#{shape.id}"}
    import numpy as np

    pts = np.concatenate([sp.points for sp in shape.subpaths]) @ shape.ctm[:2, :2].T + shape.ctm[:2, 2]
    x0, y0 = pts.min(0)
    x1, y1 = pts.max(0)
    return {"box": f"{x0:g},{y0:g},{max(x1 - x0, 1):g},{max(y1 - y0, 1):g}"}


def pick_glyphs(doc, spec: Union[str, Sequence, None]) -> Optional[list[str]]:
    """``"0,2"`` (positions), ``"S"`` (characters), ``"#glyph-1-u5929"`` (ids) → ``#id`` selectors of the glyphs
    that move (``None``: all)."""
    if spec is None:
        return None
    items = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else [str(v) for v in spec]) if s.strip()]
    glyphs = glyph_shapes(doc)
    ids = []
    for item in items:
        if item.startswith("#"):
            found = [g for g in glyphs if g.id == item[1:]]
        elif item.lstrip("-").isdigit():
            k = int(item)
            found = [glyphs[k]] if -len(glyphs) <= k < len(glyphs) else []
        else:
            from vecedit.fonts.layout import glyph_id

            suffix = glyph_id(0, item[0]).split("-", 2)[2] if len(item) == 1 else item
            found = [g for g in glyphs if g.id and g.id.split("-", 2)[-1] == suffix]
        if not found:
            names = ", ".join(g.id or "?" for g in glyphs[:12])
            raise OptionError(f"--glyphs {item!r} matches no glyph; give positions (0,1,…), characters or ids "
                              f"({names})")
        for g in found:
            if not g.id:
                raise OptionError(f"--glyphs {item!r}: that shape has no id; give the SVG's glyphs ids to pick them")
            if f"#{g.id}" not in ids:
                ids.append(f"#{g.id}")
    return ids


def stylize_font(text: Optional[str] = None, font=None, prompt: Optional[str] = None, *, from_svg=None,
                 size: int = 256, glyph_prompts: Optional[Sequence[Optional[str]]] = None, per_glyph: bool = False,
                 glyphs=None, iterations: int = 150, seed: int = 0, lr_shape: float = DEFAULT_SHAPE_LR,
                 acap_weight: Optional[float] = None, tone_weight: Optional[float] = None,
                 tone_sigma: Optional[float] = None, color: str = "#000000", kerning: bool = True,
                 max_segment: Optional[float] = None, encoder=None, clip=None, callbacks: Sequence = (),
                 loss_terms: Sequence = (), progress: bool = False, document=None, **edit_options):
    """Stylise the glyphs of ``text`` (or of ``from_svg``) toward ``prompt``; return the edited Document.

    Args:
        text, font: what to draw and the font (a file path, ``file.ttc#1``, or a family name).
        prompt: the prompt for the whole word (ROI 0).
        from_svg: a designer's lettering (path or SVG text) instead of ``text``/``font``.
        size: the square canvas side in pixels (text mode).
        glyph_prompts: one prompt per glyph in order (``None`` or ``"-"`` skips a glyph): each
            becomes an ROI around that glyph.
        per_glyph: also add an ROI with ``prompt`` around every glyph.
        glyphs: which glyphs may move (positions, characters or ids; default all).
        iterations, seed, lr_shape: the loop's settings (lr in document pixels per step).
        acap_weight, tone_weight, tone_sigma: the legibility regularisers (0 turns one off;
            ``tone_sigma`` in document pixels, default 2% of the canvas).
        encoder / clip: an :class:`~vecedit.losses.encoders.Encoder`, or a
            :class:`~vecedit.edit.config.ClipConfig` (or dict) naming open_clip weights.
        document: a Document to stylise directly (as built by :func:`glyph_document`).
        **edit_options: other :class:`~vecedit.edit.config.EditConfig` fields (``patches``…).
    """
    from vecedit.edit.config import ClipConfig, LearningRates
    from vecedit.losses.shape_regularizers import AcapLoss, ToneLoss
    from vecedit.edit.loop import edit

    for name in ("optimize", "lr", "select", "rois"):
        if name in edit_options:
            raise OptionError(f"{name} is fixed in font mode (glyph shapes only); use glyphs=/glyph_prompts=")
    if not lr_shape > 0:
        raise OptionError(f"--lr-shape must be > 0, got {lr_shape}")
    doc = document if document is not None else glyph_document(text, font, from_svg=from_svg, size=size, color=color,
                                                               kerning=kerning, max_segment=max_segment)
    shapes = glyph_shapes(doc)
    if not shapes:
        raise InputError("nothing to stylise: the document has no glyph outline")
    rois = []
    if glyph_prompts is not None:
        prompts = list(glyph_prompts)
        if len(prompts) > len(shapes):
            raise OptionError(f"got {plural(len(prompts), 'glyph prompt')} for {plural(len(shapes), 'glyph')}; give at most one per glyph "
                              "('-' skips one)")
        for shape, p in zip(shapes, prompts):
            if p is not None and str(p).strip() not in ("", "-"):
                rois.append({"prompt": str(p).strip(), **_region(shape)})
    if prompt is not None and not str(prompt).strip():
        raise OptionError("the prompt is empty; give what the letters should look like, e.g. -p 'a tiger'")
    if per_glyph:
        if prompt is None:
            raise OptionError("--per-glyph needs -p PROMPT")
        rois += [{"prompt": str(prompt).strip(), **_region(s)} for s in shapes]
    if prompt is None and not rois:
        raise OptionError("give -p PROMPT (or --glyph-prompts) for the letters to move toward")
    weights = {"acap": ACAP_WEIGHT if acap_weight is None else float(acap_weight),
               "tone": TONE_WEIGHT if tone_weight is None else float(tone_weight)}
    for name, value in weights.items():
        if not value >= 0:
            raise OptionError(f"--{name}-weight must be >= 0, got {value}")
    # the blur's kernel spans 3 sigma each way: beyond the canvas it only costs memory (1e9 took 16 GB)
    side = max(doc.width, doc.height)
    if tone_sigma is not None and not 0 < tone_sigma <= side:
        raise OptionError(f"--tone-sigma must be > 0 and at most the canvas side, {side:g} (document pixels), "
                          f"got {tone_sigma}")
    terms = []
    if weights["acap"] > 0:
        terms.append(AcapLoss(weights["acap"]))
    if weights["tone"] > 0:
        terms.append(ToneLoss(weights["tone"], tone_sigma))
    if isinstance(clip, dict):
        clip = ClipConfig(**clip)
    extra = {"clip": clip} if clip is not None else {}
    select = pick_glyphs(doc, glyphs)
    return edit(doc, prompts=str(prompt).strip() if prompt is not None else None, rois=rois, optimize="shape",
                select=select, iterations=iterations, seed=seed, callbacks=callbacks, encoder=encoder,
                loss_terms=[*terms, *loss_terms], progress=progress,
                lr=LearningRates(shape=float(lr_shape), color=0.0, stroke_width=0.0, opacity=0.0, stops=0.0),
                **extra, **edit_options)


def save_glyphs(doc, path: Union[str, os.PathLike]) -> None:
    """Write a glyph Document (e.g. the starting outlines) atomically."""
    from vecedit.svg import save_svg

    save_svg(doc, Path(path))


__all__ = ["stylize_font", "glyph_document", "glyph_shapes", "pick_glyphs", "save_glyphs", "DEFAULT_SHAPE_LR",
           "ACAP_WEIGHT", "TONE_WEIGHT"]
