"""``vecedit font``: draw text with a font and stylise its glyph outlines toward a prompt.

A thin layer over :func:`vecedit.fonts.stylize.stylize_font`; ``--check-legibility`` reads
the result back with OCR (:mod:`vecedit.fonts.ocr`).
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

from vecedit.console import plural
from vecedit.errors import InputError, OptionError

EXAMPLES = """examples:
  vecedit font "Tiger" --font "DejaVu Serif" -p "a tiger" -o tiger.svg --check-legibility
  vecedit font "天空" --font "WenQuanYi Micro Hei" -p "clouds in the sky" -o sky.svg
  vecedit font "Cafe" --font MyFont.otf -p "coffee" --glyphs 1 -o cafe.svg      (only the 'a' moves)
  vecedit font "Jazz" --font "DejaVu Sans" --glyph-prompts "a saxophone" - - "a piano" -o jazz.svg
  vecedit font --from-svg lettering.svg -p "made of vines" -o vines.svg
  vecedit font "Hello" --font "DejaVu Sans" --layout-only -o hello.svg           (outlines, no optimisation)

Only the glyphs' control points move (colours stay bit-identical). Legibility is kept by an
as-conformal-as-possible term (--acap-weight) and a blurred-tone term (--tone-weight); set a
weight to 0 to turn it off. CLIP weights as for `vecedit edit` (--clip-checkpoint offline).
Chinese needs a CJK font, e.g. apt-get install fonts-wqy-microhei."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    from vecedit.fonts.stylize import ACAP_WEIGHT, TONE_WEIGHT

    p = subparsers.add_parser(
        "font", help="stylise text (glyph outlines from a font) toward a prompt, keeping it legible",
        description="Lay out TEXT with a font (advances and kerning), one <path> per glyph inside <g id=\"text\">, "
                    "then move the glyphs' points toward a text prompt with the CLIP editing loop.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", nargs="?", metavar="TEXT", help="the text to draw (\\n starts a new line)")
    p.add_argument("--font", metavar="FILE|FAMILY",
                   help="a .ttf/.otf/.ttc file (file.ttc#N for face N) or an installed family name")
    p.add_argument("--from-svg", metavar="GLYPHS.svg", help="stylise a designer's lettering instead (each shape a glyph)")
    p.add_argument("-p", "--prompt", metavar="TEXT", help="what the letters should look like")
    p.add_argument("-o", "--output", metavar="OUT.svg", required=True, help="the SVG to write")
    g = p.add_argument_group("layout")
    g.add_argument("--size", type=int, default=256, metavar="PX", help="square canvas side (default 256)")
    g.add_argument("--color", default="#000000", metavar="COLOR", help="glyph colour (default black)")
    g.add_argument("--no-kerning", action="store_true", help="advance widths only")
    g.add_argument("--max-segment", type=float, metavar="PX",
                   help="split outline segments longer than this, so there are points to move (default size/12; 0: off)")
    g.add_argument("--layout-only", action="store_true", help="write the laid-out outlines and stop")
    g.add_argument("--save-initial", metavar="FILE.svg", help="also write the outlines before optimisation")
    g = p.add_argument_group("what moves")
    g.add_argument("--glyph-prompts", nargs="+", metavar="P",
                   help="one prompt per glyph, in order ('-' skips one); each becomes a region of its own")
    g.add_argument("--per-glyph", action="store_true", help="add a region with -p around every glyph")
    g.add_argument("--glyphs", metavar="SEL", help="only these glyphs move: positions (0,2), characters (a) or ids")
    g = p.add_argument_group("optimisation")
    g.add_argument("--iterations", type=int, default=150, metavar="N", help="steps (default 150)")
    g.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    g.add_argument("--lr-shape", type=float, default=0.4, metavar="LR", help="points, px per step (default 0.4)")
    g.add_argument("--acap-weight", type=float, default=ACAP_WEIGHT, metavar="W",
                   help=f"as-conformal-as-possible angle term (default {ACAP_WEIGHT:g}; 0: off)")
    g.add_argument("--tone-weight", type=float, default=TONE_WEIGHT, metavar="W",
                   help=f"blurred-tone term against the original (default {TONE_WEIGHT:g}; 0: off)")
    g.add_argument("--tone-sigma", type=float, metavar="PX", help="tone blur, document px (default 2%% of the canvas)")
    g.add_argument("--patches", type=int, metavar="N", help="random patches per region and step (default 64)")
    g.add_argument("--work-size", metavar="auto|full|PX", help="render size (default auto)")
    g.add_argument("--device", metavar="DEV", help="cuda or cpu (default: cuda when available)")
    g.add_argument("--clip", metavar="NAME", help="open_clip architecture or JSON model config (default ViT-B-32)")
    g.add_argument("--clip-pretrained", metavar="TAG", help="open_clip pretrained tag (default openai)")
    g.add_argument("--clip-checkpoint", metavar="FILE", help="a state_dict saved from an open_clip model of --clip")
    g = p.add_argument_group("checking")
    g.add_argument("--check-legibility", action="store_true",
                   help="read the result with OCR (rapidocr-onnxruntime) and print what it reads and its confidence")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar; print only the result lines")
    p.set_defaults(run=run)
    return p


def run(args: argparse.Namespace) -> int:
    from vecedit.fonts.stylize import glyph_document, stylize_font
    from vecedit.svg import save_svg

    output = Path(args.output)
    if output.suffix.lower() != ".svg":
        raise OptionError(f"-o {args.output}: give a file name ending in .svg")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {args.output}: the folder {folder} does not exist")
    if args.from_svg and Path(args.from_svg).exists() and output.resolve() == Path(args.from_svg).resolve():
        raise OptionError(f"-o {args.output} is the input file; vecedit never overwrites its input")
    check_args(args)
    text = args.text.replace("\\n", "\n") if args.text is not None else None
    doc = glyph_document(text, args.font, from_svg=args.from_svg, size=args.size, color=args.color,
                         kerning=not args.no_kerning, max_segment=args.max_segment)
    if args.save_initial:
        save_svg(doc, args.save_initial)
    if args.layout_only:
        save_svg(doc, output)
        if not args.quiet:
            print(f"wrote {output} ({plural(len(doc.shapes()), 'glyph path')})")
        return _check(args, output, text)
    options = {}
    for name in ("patches", "work_size", "device"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    clip = {k: v for k, v in (("model", args.clip), ("pretrained", args.clip_pretrained),
                              ("checkpoint", args.clip_checkpoint)) if v is not None}
    start = time.perf_counter()
    from vecedit.edit.loop import EditWarning

    with warnings.catch_warnings():  # every rolled-back step is reported (as `vecedit edit` does);
        warnings.simplefilter("always", EditWarning)  # other warnings keep Python's filters
        doc = stylize_font(document=doc, prompt=args.prompt, glyph_prompts=args.glyph_prompts,
                           per_glyph=args.per_glyph, glyphs=args.glyphs, iterations=args.iterations, seed=args.seed,
                           lr_shape=args.lr_shape, acap_weight=args.acap_weight, tone_weight=args.tone_weight,
                           tone_sigma=args.tone_sigma, clip=clip or None,
                           progress=not args.quiet, **options)
    save_svg(doc, output)
    if not args.quiet:
        print(f"wrote {output} ({plural(len(doc.shapes()), 'glyph')}, {plural(args.iterations, 'iteration')}, "
              f"{time.perf_counter() - start:.1f} s)")
    return _check(args, output, text)


def check_args(args: argparse.Namespace) -> None:
    """Refuse options no run can use, before any work (also used by ``vecedit batch``'s font step)."""
    if args.from_svg is None and (args.text is None or not args.text.strip()):
        raise OptionError("the text is empty; give the word(s) to draw, e.g. vecedit font \"Tiger\" --font …")
    if args.from_svg is None and not args.font:
        raise OptionError("give --font FILE|FAMILY (e.g. --font 'DejaVu Serif'), or --from-svg GLYPHS.svg")
    if args.from_svg is not None and (args.text is not None or args.font):
        raise OptionError("give either TEXT with --font, or --from-svg, not both")
    if not args.layout_only and args.prompt is None and not args.glyph_prompts:
        raise OptionError("give -p PROMPT (or --glyph-prompts), or --layout-only to write the outlines unchanged")
    if args.iterations < 1:
        raise OptionError(f"--iterations must be >= 1, got {args.iterations}")
    if not args.lr_shape > 0:
        raise OptionError(f"--lr-shape must be > 0, got {args.lr_shape}")
    for name in ("acap_weight", "tone_weight"):
        if not getattr(args, name) >= 0:
            raise OptionError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(args, name)}")
    if args.tone_sigma is not None and not args.tone_sigma > 0:
        raise OptionError(f"--tone-sigma must be > 0 (document pixels), got {args.tone_sigma}")


def _check(args, output: Path, text) -> int:
    if not args.check_legibility:
        return 0
    from vecedit.fonts.ocr import check_legibility

    reading = check_legibility(output, expected=text)
    print(f"legibility: {reading.summary()}")
    return 0


__all__ = ["add_parser", "run", "check_args"]
