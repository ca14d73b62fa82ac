"""StyleStudio for vector graphics: take chosen elements of a style image's look.

StyleStudio (Lei et al., arXiv 2412.08503, CVPR 2025) is a training-free add-on to
style-adapter text-to-image diffusion. Three ideas, and what they become here, where the
"generator" is the differentiable renderer and the SVG's parameters are what is learnt:

1. **Cross-modal AdaIN.** The paper normalises the text-conditioned features with the
   style features' channel statistics (mean and std), instead of adding the two
   conditions. Here the text prompt, if any, drives the usual CLIP loss (content), and
   the render's channel statistics are pulled onto the style image's: AdaIN's own style
   loss, ``|μ(x) − μ(s)|² + |σ(x) − σ(s)|²``, on the features of each chosen element.
   A run with no prompt is pure style transfer.
2. **Choosing style elements** (the paper steers with a "negative" style image). Here
   each element is its own statistic, so choosing is exact:

   * ``color``: mean/std of OKLab ``a`` and ``b`` (hue and saturation, not lightness),
   * ``tone``: mean/std of OKLab lightness low-passed by a Gaussian (``tone_scale`` × the
     longest side): overall brightness and large-scale contrast, not fine detail,
   * ``texture``: per-channel mean/std of the CLIP vision transformer's patch tokens after
     its early/middle blocks (or a gradient filter bank for encoders without tokens).

   Colour or tone not chosen is held where it was, pixel by pixel (low-passed OKLab ``a``/``b``
   or ``L`` against the original render's, ``keep_weight``), the analogue of the paper's
   negative guidance; per pixel, since statistics alone would let two shapes trade hues.
   With a prompt the hold is off by default: the prompt may ask for those changes.
   Without ``texture`` only colours may move (``optimize=color``): shapes stay
   bit-identical.
3. **Style-free teacher.** The paper shares the attention maps of a style-free pass to
   keep the layout. Here the teacher is the original render: a structure term (SSIM's
   local correlation of the OKLab channels) keeps its edges where they were while their
   colours and contrast change, so shapes do not wander (``layout_weight``).

``region`` (``x,y,w,h`` in document pixels) measures every statistic inside that box
only and, unless ``--select`` says otherwise, lets only the shapes touching it move.

Command line::

    vecedit stylestudio landscape.svg --style samples/style-dusk.png --elements color -o dusk.svg
    vecedit stylestudio logo.svg --style painting.png --elements color,texture -p "autumn" -o autumn.svg
    vecedit edit logo.svg -o out.svg --plugin stylestudio --plugin-option style=painting.png

Python::

    import vecedit
    doc = vecedit.edit("landscape.svg", plugin="stylestudio", iterations=100,
                       plugin_options={"style": "samples/style-dusk.png", "elements": "color,tone"})
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from vecedit.plugin.contract import Contribution, PluginOption
from vecedit.errors import InputError, OptionError

ELEMENTS = ("color", "texture", "tone")
ALIASES = {"colour": "color", "color": "color", "texture": "texture", "tone": "tone"}
MAX_STYLE_SIDE = 512  # statistics need no more; a photo is shrunk to this first
MIN_STYLE_SIDE = 8
TEXTURE_SOURCES = ("encoder", "filters")

if TYPE_CHECKING:  # the module itself imports no torch: the CLI lists plugins without it
    import torch


def parse_elements(text: str) -> tuple[str, ...]:
    """``"color,tone"`` → ``("color", "tone")`` (sorted, no repeats); empty or unknown names raise."""
    if isinstance(text, (list, tuple)):  # from Python or a job file
        text = ",".join(map(str, text))
    names = [part.strip().lower() for part in str(text).split(",") if part.strip()]
    if not names:
        raise ValueError(f"choose at least one style element of {', '.join(ELEMENTS)}")
    unknown = [n for n in names if n not in ALIASES]
    if unknown:
        raise ValueError(f"unknown style element {unknown[0]!r}; choose from {', '.join(ELEMENTS)}")
    return tuple(sorted({ALIASES[n] for n in names}))


def _weight(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a weight must be a finite number ≥ 0, not {text.strip()!r}")
    return value


def parse_weights(text: str):
    """One weight for every element (``"2"``) or one per element (``"color=2,tone=0.5"`` or a mapping)."""
    if isinstance(text, dict):  # from Python or a job file
        text = ",".join(f"{key}={weight}" for key, weight in text.items())
    text = str(text)
    if "=" not in text:
        return _weight(text)
    weights = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        element = ALIASES.get(name.strip().lower())
        if not sep or element is None:
            raise ValueError(f"write ELEMENT=WEIGHT pairs with ELEMENT one of {', '.join(ELEMENTS)}, "
                             f"not {part.strip()!r}")
        weights[element] = _weight(value)
    return weights


def parse_region(text) -> tuple[float, float, float, float]:
    """``"x,y,w,h"`` or four numbers (from Python or a job file)."""
    from vecedit.select import parse_box

    if isinstance(text, (list, tuple)):
        values = tuple(float(v) for v in text)  # TypeError/ValueError: not numbers
        box = values if len(values) == 4 else None
    else:
        box = parse_box(str(text))
    if box is None:
        raise ValueError("give the box as x,y,w,h in the document's pixels")
    return box


def parse_scale(text: str) -> float:
    value = float(text)
    if not (0 <= value <= 1):
        raise ValueError("give a fraction of the picture's longest side, between 0 and 1")
    return value


def parse_source(text: str) -> str:
    value = str(text).strip().lower()
    if value not in TEXTURE_SOURCES:
        raise ValueError(f"choose {' or '.join(TEXTURE_SOURCES)}")
    return value


def load_style(path) -> "torch.Tensor":
    """The style image as an ``(H, W, 3)`` float32 tensor on white, longest side at most 512 px."""
    import torch
    import torch.nn.functional as F

    from vecedit.imageio import composite_on, load_image

    if not path or not str(path).strip():
        raise OptionError("stylestudio needs a style image: --style IMAGE (or --plugin-option style=IMAGE)")
    try:
        rgba = load_image(path)
    except InputError as error:
        raise InputError(f"style image: {error}; give a PNG or JPEG file") from None
    height, width = rgba.shape[:2]
    if min(height, width) < MIN_STYLE_SIDE:
        raise InputError(f"style image {path} is {width}×{height} px; give one at least {MIN_STYLE_SIDE} px a side")
    image = torch.from_numpy(composite_on(rgba, "white").copy())
    scale = MAX_STYLE_SIDE / max(height, width)
    if scale < 1:
        size = (max(1, round(height * scale)), max(1, round(width * scale)))
        image = F.interpolate(image.permute(2, 0, 1)[None], size=size, mode="area")[0].permute(1, 2, 0)
    return image.contiguous()


PARSERS = {"elements": parse_elements, "style_weight": parse_weights, "layout_weight": _weight,
           "keep_weight": _weight, "tone_scale": parse_scale, "texture_source": parse_source}


def checked_options(options: dict) -> dict:
    """The options, each (again) through its parser: values given from Python or a job file
    (numbers, lists, mappings) get the checks that :func:`vecedit.plugin.contract.parse_options` gives text."""
    out = dict(options)
    for name, parse in PARSERS.items():
        value = out.get(name)
        if value is None:
            continue
        if isinstance(value, dict):
            value = ",".join(f"{key}={weight}" for key, weight in value.items())
        elif not isinstance(value, (list, tuple)):
            value = str(value)
        try:
            out[name] = parse(value)
        except (TypeError, ValueError) as error:
            raise OptionError(f"plugin stylestudio: option {name}={options[name]!r}: {error}") from None
    return out


def element_weights(given, elements) -> dict[str, float]:
    if not isinstance(given, dict):
        return {element: float(given) for element in elements}
    stray = sorted(set(given) - set(elements))
    if stray:
        raise OptionError(f"stylestudio: style_weight names {', '.join(stray)}, which is not among the chosen "
                          f"elements ({', '.join(elements)}); add it to elements or drop its weight")
    return {element: float(given.get(element, 1.0)) for element in elements}


class StyleStudioPlugin:
    """See the module docstring."""

    name = "stylestudio"
    summary = "take chosen elements (color, texture, tone) of a style image's look, layout kept (StyleStudio)"
    command = "stylestudio"
    options = (
        PluginOption("style", "the style image (PNG, JPEG…)", None, str, required=True, path=True),
        PluginOption("elements", f"which style elements to take, comma-separated: {', '.join(ELEMENTS)}",
                     "color,tone", parse_elements),
        PluginOption("style_weight", "weight of the style terms: one number, or per element (color=2,tone=1)",
                     1.0, parse_weights),
        PluginOption("layout_weight", "weight of the layout teacher (the original render's structure); 0: off",
                     10.0, _weight),
        PluginOption("keep_weight", "weight holding the colour/tone statistics not chosen at the original's "
                     "(default: 1 without a prompt, 0 with one, which may change them)", None, _weight),
        PluginOption("region", "take the style only inside this box, x,y,w,h in document pixels", None,
                     parse_region),
        PluginOption("tone_scale", "tone low-pass (Gaussian sigma) as a fraction of the longest side", 0.02,
                     parse_scale),
        PluginOption("texture_source", "texture features: encoder (its patch tokens) or filters (no model)",
                     "encoder", parse_source),
    )

    def contribute(self, job):
        from vecedit.plugins.stylestudio.terms import KeepTerm, LayoutTerm, StatisticsTerm, TextureTerm

        options = checked_options(job.options)
        style = load_style(options["style"])
        elements = options["elements"]
        weights = element_weights(options["style_weight"], elements)
        document_size = (job.width, job.height)
        region = self._region(options["region"], job)
        terms, notes = [], [f"style {options['style']} ({style.shape[1]}×{style.shape[0]} px): taking "
                            f"{', '.join(elements)}"]
        keep = options["keep_weight"]
        if keep is None:
            keep = 0.0 if job.prompt or job.config.rois else 1.0
        for element in ("color", "tone"):
            if element in elements and weights[element] > 0:
                terms.append(StatisticsTerm(element, weights[element], style, document_size, region,
                                            options["tone_scale"]))
            elif element not in elements and keep > 0:
                terms.append(KeepTerm(element, keep, document_size, region, options["tone_scale"]))
        if "texture" in elements and weights["texture"] > 0:
            from vecedit.plugins.stylestudio.texture import texture_features

            encoder = job.encoder if options["texture_source"] == "encoder" else None
            features, fallback = texture_features(encoder, options["texture_source"])
            notes.append(fallback or f"texture statistics from {features.describe()}")
            terms.append(TextureTerm(features, weights["texture"], style, document_size, region))
        if options["layout_weight"] > 0:
            terms.append(LayoutTerm(options["layout_weight"]))
        if not any(t.name.startswith("style_") for t in terms):
            raise OptionError("stylestudio: every chosen element has style_weight 0; nothing would take the style")
        optimize = None if "texture" in elements else ["color"]
        if optimize:
            notes.append("only colours move (no texture chosen); --optimize all moves shapes as well")
        select = None
        if region is not None:
            select = [self._box_tuple(region)]
            notes.append("the style is measured inside the region; only shapes touching it move (unless --select)")
        return Contribution(loss_terms=terms, optimize=optimize, select=select, notes=notes)

    @staticmethod
    def _region(box, job):
        if box is None:
            return None
        from vecedit.edit.setup import parse_roi_box

        return parse_roi_box(tuple(box), job.document, "stylestudio region")

    @staticmethod
    def _box_tuple(region):
        x0, y0, x1, y1 = region
        return (x0, y0, x1 - x0, y1 - y0)

    def add_command(self, subparsers):
        from vecedit.plugin.cli import add_edit_command

        def own(group):
            group.add_argument("--style", metavar="IMAGE", help="the style image (required)")
            group.add_argument("--elements", metavar="LIST",
                               help="style elements to take: color, texture, tone (default color,tone)")
            group.add_argument("--style-weight", metavar="W|E=W,…",
                               help="weight of the style terms, one or per element (default 1)")
            group.add_argument("--layout-weight", metavar="W", help="weight of the layout teacher (default 10)")
            group.add_argument("--keep-weight", metavar="W",
                               help="weight holding unchosen colour/tone statistics (default 1; 0 with -p)")
            group.add_argument("--region", metavar="X,Y,W,H", help="take the style only inside this box")
            group.add_argument("--tone-scale", metavar="F", help="tone low-pass, fraction of the longest side "
                                                                 "(default 0.02)")
            group.add_argument("--texture-source", metavar="encoder|filters",
                               help="texture from the CLIP encoder's patch tokens (default) or a filter bank")

        add_edit_command(
            subparsers, self, "stylestudio",
            help="restyle an SVG after a style image: colour, texture and/or tone (StyleStudio)",
            description="Restyle an SVG after a style image: match the chosen elements' statistics (colour: OKLab\n"
                        "a/b; tone: low-passed lightness; texture: the CLIP encoder's patch tokens) while the\n"
                        "original render, as a teacher, keeps the layout. Elements not chosen stay as they were.\n"
                        "A prompt (-p) still applies. Without texture only colours move (shapes stay exact).",
            add_own_arguments=own,
            examples="examples:\n"
                     "  vecedit stylestudio landscape.svg --style samples/style-dusk.png --elements color -o dusk.svg\n"
                     "  vecedit stylestudio logo.svg --style painting.png --elements color,texture -p autumn "
                     "-o autumn.svg\n"
                     "  vecedit stylestudio map.svg --style ref.jpg --elements tone --region 0,0,200,100 -o out.svg")


__all__ = ["ELEMENTS", "StyleStudioPlugin", "load_style", "parse_elements", "parse_weights"]
