"""``vecedit glyphdraw``: text into a box of an SVG as real glyph paths, styled toward a prompt.

Every ``vecedit edit`` flag works here too; ``-p`` is the prompt of the glyphs' region
(what the inserted text should look like), not of the whole picture, and so is a job
file's ``prompt:`` here (``vecedit edit --config`` keeps the edit's whole-canvas meaning).
``--insert-only`` places the outlines and stops: no CLIP, no optimisation.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vecedit.errors import InputError, OptionError

EXAMPLES = """examples:
  vecedit glyphdraw poster.svg --text 天空 --box 40,40,200,80 --font "WenQuanYi Micro Hei" -p "clouds" -o sky.svg
  vecedit glyphdraw sign.svg --text OPEN --box 10,10,120,40 --color "#c00" --insert-only -o sign-open.svg
  vecedit glyphdraw meme.svg --text "SUCH WOW" --box 0,0,400,60 -p "gold" --optimize color -o wow.svg
  vecedit glyphdraw poster.svg --text SALE --box 20,300,360,90 -p "neon tubes" --sd-model ./sd2-inpainting -o neon.svg
  vecedit glyphdraw card.svg --text Hi --box 8,8,64,32 --insert-only --glyph-image g.png --position-mask m.png -o c.svg

The box is x,y,w,h in the document's pixels and must lie inside it. The text is fitted into
the box (keeping its aspect unless --fit stretch) as <g id="glyphdraw-N" class="glyphdraw">
of one <path class="glyph"> per glyph; only those paths move, everything else is written
back unchanged. Chinese needs a CJK font (apt-get install fonts-wqy-microhei).

A job file (--config job.yaml) means here what the flags mean: its prompt: is the glyphs'
prompt, like -p (and like plugin_options: {prompt: …}, so give one of the two); -p wins over
it. The same file run with `vecedit edit --config job.yaml` (plugin: glyphdraw) keeps the
edit's meaning: prompt: is the whole picture's, plugin_options.prompt the glyphs'."""


def add_command(subparsers, plugin) -> argparse.ArgumentParser:
    from vecedit.plugin.cli import add_edit_command

    p = add_edit_command(
        subparsers, plugin, "glyphdraw", help="insert text as glyph paths into a box and style it (GlyphDraw)",
        description="Lay out TEXT in a real font, fit it into a box of an SVG and insert the outlines as editable "
                    "paths; then move only those paths toward a prompt through the ROI CLIP loss (masked to the "
                    "glyphs), kept legible by the font regularisers, optionally toward a Stable Diffusion "
                    "inpainting of the box. --insert-only stops after inserting.",
        add_own_arguments=own_arguments, examples=EXAMPLES)
    for action in p._actions:  # argparse has no public way to reword an inherited flag's help
        if action.dest == "prompt":
            action.help = "what the inserted text should look like (the prompt of the glyphs' region)"
    p.set_defaults(run=lambda args: run(args, plugin))
    return p


def own_arguments(g) -> None:
    g.add_argument("--text", metavar="TEXT", help="the text to insert (\\n starts a new line)")
    g.add_argument("--box", metavar="X,Y,W,H", help="where it goes, in document pixels")
    g.add_argument("--font", metavar="FILE|FAMILY", help="font file or installed family (default DejaVu Sans)")
    g.add_argument("--color", metavar="COLOR", help="fill of the glyphs (default black)")
    g.add_argument("--fit", choices=("contain", "stretch"), help="keep the text's aspect (default) or fill the box")
    g.add_argument("--align", choices=("center", "left", "right"), help="horizontal place of contained text")
    g.add_argument("--padding", type=float, metavar="PX", help="empty margin inside the box (default 0)")
    g.add_argument("--no-kerning", dest="kerning", action="store_const", const=False, help="advance widths only")
    g.add_argument("--max-segment", type=float, metavar="PX",
                   help="split longer outline segments (default: a tenth of an em; 0 with --insert-only)")
    g.add_argument("--mask", choices=("glyphs", "box"), help="position mask: the grown glyphs (default) or the box")
    g.add_argument("--mask-margin", type=float, metavar="PX", help="growth of the glyph mask (default 15%% of the "
                   "box's shorter side)")
    g.add_argument("--prompt-weight", type=float, metavar="W", help="weight of the glyph region (default 1)")
    g.add_argument("--no-legibility", dest="legibility", action="store_const", const=False,
                   help="no ACAP/tone regularisers on the glyphs")
    g.add_argument("--acap-weight", type=float, metavar="W", help="as-conformal-as-possible weight (default 250)")
    g.add_argument("--tone-weight", type=float, metavar="W", help="glyph tone weight (default 1000)")
    g.add_argument("--sd-model", metavar="DIR", help="a local diffusers Stable Diffusion inpainting model: its "
                   "inpainting of the mask becomes a raster target")
    g.add_argument("--sd-steps", type=int, metavar="N", help="denoising steps (default 30)")
    g.add_argument("--sd-strength", type=float, metavar="F", help="inpainting strength (default 0.8)")
    g.add_argument("--sd-guidance", type=float, metavar="F", help="guidance scale (default 7.5)")
    g.add_argument("--sd-seed", type=int, metavar="N", help="inpainting seed (default --seed)")
    g.add_argument("--sd-size", type=int, metavar="PX", help="longest side of the inpainted crop (default 512)")
    g.add_argument("--image-weight", type=float, metavar="W", help="weight of the image loss (default 30)")
    g.add_argument("--insert-only", action="store_true", default=None,
                   help="insert the outlines and write OUT.svg; no prompt, no optimisation")
    g.add_argument("--glyph-image", metavar="PNG",
                   help="also write the glyph image (the text black on white, document pixels)")
    g.add_argument("--position-mask", metavar="PNG", help="also write the position mask (document pixels)")


def run(args: argparse.Namespace, plugin) -> int:
    from vecedit.plugin.cli import run_as_edit

    args.read_job = glyph_prompt_from_job
    for flag, name, example in (("--text", "text", "--text SALE"), ("--box", "box", "--box 40,40,200,80")):
        as_option = any(o.split("=")[0].strip() == name for o in args.plugin_option or [])
        given = getattr(args, name) is not None or as_option
        if not given and not args.config:
            raise OptionError(f"vecedit glyphdraw needs {flag} ({example}); -h lists every option")
    images = image_outputs(args, plugin)
    if args.insert_only:
        code = insert_only(args, plugin)
    else:
        if args.prompt is not None:  # -p styles the inserted text: its region's prompt, not the whole canvas's
            args.plugin_option = [*(args.plugin_option or []), f"prompt={args.prompt}"]
            args.prompt = None
        code = run_as_edit(args, plugin)
    if code == 0 and images:
        write_images(args, plugin, images)
    return code


def glyph_prompt_from_job(config) -> None:
    """A job file's ``prompt`` is the glyphs' here, as ``-p`` is: it becomes the ``prompt`` option
    (the flags, read after, still win) and the picture gets no whole-canvas prompt from it."""
    if config.prompt is None:
        return
    if config.plugin_options.get("prompt") is not None:
        raise OptionError("the job file gives both prompt and plugin_options.prompt; for vecedit glyphdraw both are "
                          "the glyphs' prompt: keep one (vecedit edit --config reads prompt as the whole picture's)")
    config.plugin_options["prompt"], config.prompt = config.prompt, None


def effective(args: argparse.Namespace, plugin):
    """Input, output and this plugin's parsed options as the edit would see them: the job
    file (--config), if any, with the flags and --plugin-option values over it."""
    from vecedit.plugin.contract import parse_options
    from vecedit.edit.cli import config_from_args

    flags = {o.name: getattr(args, o.name) for o in plugin.options if getattr(args, o.name, None) is not None}
    config = config_from_args(argparse.Namespace(**{**vars(args), "plugin_values": flags}))
    if config.plugin not in (None, plugin.name):
        raise OptionError(f"--config {args.config} runs the plugin {config.plugin!r}; use vecedit edit for it")
    return config.input, config.output, parse_options(plugin, config.plugin_options)


def checked_input(given) -> Path:
    from vecedit.edit.setup import is_raster

    if not given:
        raise OptionError("give the SVG to write into: vecedit glyphdraw IN.svg --text TEXT --box X,Y,W,H -o OUT.svg")
    source = Path(given)
    if not source.is_file():
        raise InputError(f"{given}: no such file")
    if is_raster(source):
        raise OptionError(f"{given}: --insert-only, --glyph-image and --position-mask take an SVG; vectorize "
                          "the image first (vecedit vectorize)")
    return source


def insert_only(args: argparse.Namespace, plugin) -> int:
    from vecedit.plugins.glyphdraw.placement import describe, place_glyphs
    from vecedit.paths import same_file
    from vecedit.svg import load_svg, save_svg

    if args.prompt is not None or args.sd_model is not None:
        raise OptionError("--insert-only places the outlines only; drop -p/--sd-model, or drop --insert-only to "
                          "style the text")
    given, output, o = effective(args, plugin)
    source = checked_input(given)
    if not output:
        raise OptionError("give the SVG to write with -o OUT.svg")
    out = Path(output)
    if out.suffix.lower() != ".svg":
        raise OptionError(f"-o {output}: vecedit glyphdraw writes SVG; give a file name ending in .svg")
    if same_file(source, out):
        raise OptionError(f"-o {output} is the input file; vecedit never overwrites its input")
    if not (out.parent if str(out.parent) else Path(".")).is_dir():
        raise InputError(f"-o {output}: the folder {out.parent} does not exist; create it or choose another")
    placement = place_glyphs(load_svg(source), o["text"], o["box"], o["font"], color=o["color"], fit=o["fit"],
                             align=o["align"], padding=o["padding"], kerning=o["kerning"],
                             max_segment=o["max_segment"] or 0.0)
    save_svg(placement.document, out)
    if not args.quiet:
        print(f"wrote {out} ({describe(placement)})")
    return 0


def image_outputs(args: argparse.Namespace, plugin) -> dict[str, Path]:
    """The --glyph-image / --position-mask files, checked before any work."""
    from vecedit.paths import same_file

    wanted = {flag: value for flag, value in (("--glyph-image", args.glyph_image),
                                              ("--position-mask", args.position_mask)) if value}
    if not wanted:
        return {}
    given, output, _ = effective(args, plugin)
    source = checked_input(given)
    out = {}
    for flag, value in wanted.items():
        path = Path(value)
        if path.suffix.lower() != ".png":
            raise OptionError(f"{flag} {value}: give a file name ending in .png")
        if same_file(source, path) or (output and same_file(Path(output), path)):
            raise OptionError(f"{flag} {value} is the input or the output; choose another name")
        if not (path.parent if str(path.parent) else Path(".")).is_dir():
            raise InputError(f"{flag} {value}: the folder {path.parent} does not exist; create it or choose another")
        out[flag] = path
    return out


def write_images(args: argparse.Namespace, plugin, images: dict[str, Path]) -> None:
    """The conditioning images of the placement (recomputed: it is deterministic and cheap)."""
    from vecedit.plugins.glyphdraw.placement import place_glyphs
    from vecedit.imageio import save_png
    from vecedit.svg import load_svg

    given, _, o = effective(args, plugin)
    placement = place_glyphs(load_svg(Path(given)), o["text"], o["box"], o["font"], fit=o["fit"],
                             align=o["align"], padding=o["padding"], kerning=o["kerning"], max_segment=0.0)
    pictures = {"--glyph-image": lambda: 1 - placement.coverage(), "--position-mask":
                lambda: placement.position_mask(o["mask"], o["mask_margin"])}
    for flag, path in images.items():
        save_png(pictures[flag](), path)
        if not args.quiet:
            print(f"wrote {path}")
