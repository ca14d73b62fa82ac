"""GlyphDraw in the vector domain: put real text into an existing picture and style it with words.

GlyphDraw (Ma et al., arXiv 2303.17870) makes a diffusion model draw legible text — also
Chinese — by conditioning it on two images: a **glyph image** (the text rendered with a
font) and a **position mask** (where the text goes), while the prompt says what the
picture and the text should look like. A vector editor does not need to teach a model
to draw glyphs: it has the glyphs. So here

1. the text is laid out in a real font (:mod:`vecedit.fonts.layout`: advances, pair kerning,
   TrueType/CFF outlines) and fitted into the box, and the outlines are **inserted into
   the document as editable paths** — ``<g id="glyphdraw-N" class="glyphdraw">`` of
   ``<path class="glyph">``, on top, ids unused in the document; nothing else changes;
2. the glyph image and the position mask are rendered from those outlines
   (:mod:`.placement`); the mask (the glyphs grown by a margin, or the box) becomes the
   mask of a region of interest that **carries the prompt** — the ROI CLIP loss then
   styles the glyphs ("made of clouds") where GlyphDraw's UNet would have painted them;
3. only the inserted glyphs may move (``select``), so the rest of the document stays
   bit-identical; the ``vecedit font`` legibility regularisers — as-conformal-as-possible
   angles and a low-pass tone term, here on the glyphs' coverage within the box
   (:mod:`.legibility`) — keep the styled text readable, the role GlyphDraw gives its
   glyph conditioning;
4. optionally (``sd_model``), a local Stable Diffusion inpainting model repaints the
   masked area of the render with the glyphs as its init image (:mod:`.inpaint`), and
   that picture becomes a raster target for the glyphs, weighted by the position mask.

Use it as ``vecedit glyphdraw IN.svg --text 天空 --box 40,40,200,80 -p "made of clouds"
-o OUT.svg`` (``--insert-only`` just places the outlines), as
``vecedit edit … --plugin glyphdraw --plugin-option text=…``, or from Python with
:func:`place_glyphs` and ``vecedit.edit(…, plugin="glyphdraw", plugin_options={…})``.
"""

from __future__ import annotations

from vecedit.plugin.contract import Contribution, PluginOption, parse_bool
from vecedit.plugins.glyphdraw.placement import (ALIGNS, DEFAULT_FONT, FITS, MASKS, GlyphPlacement, describe,
                                                 mask_bounds, parse_box, parse_text, place_glyphs)
from vecedit.errors import OptionError
from vecedit.fonts.stylize import ACAP_WEIGHT, TONE_WEIGHT

TONE_SIGMA_EM = 0.03  # the tone term's blur, in ems: a stroke's width is about 0.1 em


def _choice(names):
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in names:
            raise ValueError(f"choose {', '.join(names)}")
        return value
    return parse


def _optional_float(value):
    """A number, or None for "auto" (the option's automatic value)."""
    if isinstance(value, str) and value.strip().lower() in ("", "auto", "none"):
        return None
    return float(value)


OPTIONS = (
    PluginOption("text", "the text to insert (\\n starts a new line)", None, parse_text, required=True),
    PluginOption("box", "where it goes: x,y,w,h in document pixels", None, parse_box, required=True),
    PluginOption("font", "font file or installed family (Chinese: 'WenQuanYi Micro Hei')", DEFAULT_FONT, path=True),
    PluginOption("color", "fill of the inserted glyphs", "#000000"),
    PluginOption("fit", "contain (keep the aspect, centred) or stretch (fill the box)", "contain", _choice(FITS)),
    PluginOption("align", "horizontal place of contained text: center, left, right", "center", _choice(ALIGNS)),
    PluginOption("padding", "empty margin inside the box, px", 0.0, float),
    PluginOption("kerning", "apply the font's pair kerning", True, parse_bool),
    PluginOption("max_segment", "split outline segments longer than this, px (auto: a tenth of an em)", None,
                 _optional_float),
    PluginOption("prompt", "what the text should look like (default: the run's -p)", None),
    PluginOption("prompt_weight", "weight of the glyph region's CLIP loss", 1.0, float),
    PluginOption("mask", "position mask: glyphs (grown by mask_margin) or box", "glyphs", _choice(MASKS)),
    PluginOption("mask_margin", "growth of the glyph mask, px (auto: 15% of the box's shorter side)", None,
                 _optional_float),
    PluginOption("legibility", "keep the glyphs readable (ACAP and tone terms on them)", True, parse_bool),
    PluginOption("acap_weight", "weight of the as-conformal-as-possible term", ACAP_WEIGHT, float),
    PluginOption("tone_weight", "weight of the glyph tone term", TONE_WEIGHT, float),
    PluginOption("sd_model", "folder of a local diffusers Stable Diffusion inpainting model (optional)", None,
                 path=True),
    PluginOption("sd_steps", "inpainting denoising steps", 30, int),
    PluginOption("sd_strength", "inpainting strength in (0, 1]: lower keeps more of the glyphs", 0.8, float),
    PluginOption("sd_guidance", "classifier-free guidance scale", 7.5, float),
    PluginOption("sd_seed", "inpainting seed (default: the run's --seed)", None, int),
    PluginOption("sd_size", "longest side of the inpainted crop, px", 512, int),
    PluginOption("image_weight", "weight of the image loss toward the inpainted target (uncalibrated)", 30.0, float),
)


class GlyphDrawPlugin:
    name = "glyphdraw"
    summary = ("insert text as real glyph paths into a box and style them toward a prompt "
               "(GlyphDraw: glyph image + position mask)")
    options = OPTIONS
    command = "glyphdraw"

    def contribute(self, job) -> Contribution:
        o = job.options
        check_numbers(o)
        if o["sd_model"]:
            from vecedit.plugins.glyphdraw.inpaint import check_model_folder

            check_model_folder(o["sd_model"])
        placement = place_glyphs(job.document, o["text"], o["box"], o["font"], color=o["color"], fit=o["fit"],
                                 align=o["align"], padding=o["padding"], kerning=o["kerning"],
                                 max_segment=o["max_segment"])
        prompt = o["prompt"] if o["prompt"] is not None else job.prompt
        if prompt is not None and not str(prompt).strip():
            raise OptionError("glyphdraw: the prompt is empty; say what the text should look like, e.g. -p 'neon'")
        if prompt is None and not job.config.rois and not job.config.target_image and not o["sd_model"]:
            raise OptionError("glyphdraw: nothing to style the text toward; give -p PROMPT (e.g. -p 'made of clouds'), "
                              "or use `vecedit glyphdraw … --insert-only` to place the outlines only")
        mask = placement.position_mask(o["mask"], o["mask_margin"])
        out = Contribution(document=placement.document, select=[placement.selector],
                           loss_terms=legibility_terms(placement, o, job.config.kinds()),
                           notes=[describe(placement)])
        if prompt is not None:
            out.rois.append(glyph_roi(placement, mask, str(prompt).strip(), o["prompt_weight"]))
        if o["sd_model"]:
            out.target_image = inpainted(job, placement, mask, prompt, o)
            out.target_mask, out.image_weight = mask, o["image_weight"]
            out.notes.append(f"raster target: {o['sd_model']} inpainted the position mask ({o['sd_steps']} steps, "
                             f"strength {o['sd_strength']:g}), image weight {o['image_weight']:g}")
        return out

    def add_command(self, subparsers) -> None:
        from vecedit.plugins.glyphdraw.command import add_command

        add_command(subparsers, self)


def check_numbers(o: dict) -> None:
    """Types and ranges the parsers cannot see (values from flags and job files arrive already typed)."""
    for option in OPTIONS:
        if option.parse in (int, float, _optional_float) and o[option.name] is not None:
            try:
                o[option.name] = option.parse(o[option.name])
            except (TypeError, ValueError):
                raise OptionError(f"glyphdraw: {option.name} must be a number, got {o[option.name]!r}") from None
    checks = [("sd_steps", o["sd_steps"] >= 1, ">= 1"), ("sd_strength", 0 < o["sd_strength"] <= 1, "in (0, 1]"),
              ("sd_size", 8 <= o["sd_size"] <= 4096, "between 8 and 4096")]
    checks += [(name, o[name] >= 0, ">= 0") for name in ("padding", "prompt_weight", "sd_guidance", "image_weight",
                                                         "acap_weight", "tone_weight")]
    for name in ("max_segment", "mask_margin"):
        if o[name] is not None:
            checks.append((name, o[name] >= 0, ">= 0 (or auto)"))
    for name, ok, what in checks:
        if not ok:
            raise OptionError(f"glyphdraw: {name} must be {what}, got {o[name]!r}")


def glyph_roi(placement: GlyphPlacement, mask, prompt: str, weight: float):
    """The region of interest over the glyphs: the box and the mask's bounds, seen through the mask."""
    from vecedit.losses.clip_loss import ClipRoi

    x, y, w, h = placement.box
    mx0, my0, mx1, my1 = mask_bounds(mask)
    box = (min(x, mx0), min(y, my0), max(x + w, mx1), max(y + h, my1))
    return ClipRoi(box, prompt, float(weight), mask, name="glyphdraw")


def legibility_terms(placement: GlyphPlacement, o: dict, kinds) -> list:
    """ACAP and tone terms on the inserted glyphs (only when their shapes may move)."""
    if not o["legibility"] or "shape" not in kinds:
        return []
    from vecedit.plugins.glyphdraw.legibility import GlyphAcap, GlyphTone
    from vecedit.plugins.glyphdraw.placement import glyph_markup

    acap, tone = o["acap_weight"], o["tone_weight"]
    outlines = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{placement.width}" height="{placement.height}">'
                f'{glyph_markup("outlines", placement.outlines, "#000000", "", "")}</svg>')
    terms = []
    if acap > 0:
        terms.append(GlyphAcap(acap, placement.glyph_ids))
    if tone > 0:
        terms.append(GlyphTone(tone, placement.glyph_ids, outlines, placement.box, TONE_SIGMA_EM * placement.em))
    return terms


def inpainted(job, placement: GlyphPlacement, mask, prompt, o: dict):
    from vecedit.plugins.glyphdraw.inpaint import inpaint_target
    from vecedit.losses.encoders import default_device

    image = job.render_initial(placement.document)
    seed = job.config.seed if o["sd_seed"] is None else o["sd_seed"]
    return inpaint_target(o["sd_model"], image, mask, prompt, steps=o["sd_steps"], strength=o["sd_strength"],
                          guidance=o["sd_guidance"], seed=seed, size=o["sd_size"],
                          device=job.config.device or default_device())


__all__ = ["GlyphDrawPlugin", "GlyphPlacement", "place_glyphs", "OPTIONS"]
