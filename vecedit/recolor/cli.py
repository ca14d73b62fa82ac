"""``vecedit recolor``: recolour an SVG or a folder of SVGs (palette, colour map, or prompt).

A thin layer over :func:`vecedit.recolor.palette.recolor_document` (palette / map, no model)
and :func:`vecedit.recolor.prompt.recolor_prompt` (colour-only CLIP optimisation), with
folder handling from :mod:`vecedit.recolor.batch`. Options are checked before any file
is touched; inputs are never overwritten unless ``--in-place`` is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vecedit.errors import InputError, OptionError

EXAMPLES = """examples:
  vecedit recolor logo.svg --palette "#264653,#2a9d8f,#e9c46a,#f4a261,#e76f51" -o logo-brand.svg
  vecedit recolor icons/ --palette brand.txt -o icons-brand/ --jobs 4      (report: icons-brand/recolor-report.json)
  vecedit recolor icon.svg --map "#ff0000=#00aa00,black=#222" --tolerance 3 -o icon-green.svg
  vecedit recolor landscape.svg --prompt "autumn leaves" -o autumn.svg --clip-checkpoint vitb32.pt

--palette and --map need no model and never load PyTorch. Palette mode keeps the lightness
order of the colours (darker stays darker) and keeps visibly different neighbouring shapes
apart where the palette has room; --shading keeps each colour's offset from its cluster.
--prompt optimises colours only (shapes stay bit-identical) with CLIP, see `vecedit edit -h`
for how weights are found. Exit code 2 when nothing could be recoloured."""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "recolor", help="recolour an SVG or a folder: to a palette, by a colour map, or toward a prompt",
        description="Recolour the fills, strokes and gradient stops of an SVG (or of every SVG in a folder), "
                    "keeping everything else byte for byte.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", metavar="IN", help="an SVG file or a folder of SVG files (searched recursively)")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="the SVG to write, or a folder (created if missing) for a folder input")
    p.add_argument("--in-place", action="store_true", help="replace the input file(s) instead of writing -o")
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--palette", metavar="COLORS",
                      help="target palette: CSS colours separated by commas, or a file of them (.txt or .json)")
    mode.add_argument("--map", metavar="PAIRS", help="exact replacements FROM=TO, comma-separated, e.g. '#f00=#0a0'")
    mode.add_argument("-p", "--prompt", metavar="TEXT", help="optimise colours only toward this text (CLIP)")
    g = p.add_argument_group("palette and map")
    g.add_argument("--tolerance", type=float, default=0.0, metavar="ΔE",
                   help="--map also replaces colours within this CIEDE2000 distance of a source (default 0: exact)")
    g.add_argument("--shading", action="store_true",
                   help="--palette: keep each colour's lightness/hue offset from its cluster instead of flat colours")
    g.add_argument("--keep", metavar="COLORS", help="--palette: colours to leave alone, e.g. '#ffffff,#000000'")
    g = p.add_argument_group("prompt (colour-only CLIP optimisation)")
    g.add_argument("--iterations", type=int, default=150, metavar="N", help="steps (default 150)")
    g.add_argument("--seed", type=int, default=0, help="seed of every random choice (default 0)")
    g.add_argument("--lr-color", type=float, default=0.02, metavar="LR", help="colour learning rate (default 0.02)")
    g.add_argument("--patches", type=int, metavar="N", help="random patches per step (default 64)")
    g.add_argument("--work-size", metavar="auto|full|PX", help="render size (default auto)")
    g.add_argument("--device", metavar="DEV", help="cuda or cpu (default: cuda when available)")
    g.add_argument("--clip", metavar="NAME", help="open_clip architecture or JSON model config (default ViT-B-32)")
    g.add_argument("--clip-pretrained", metavar="TAG", help="open_clip pretrained tag (default openai)")
    g.add_argument("--clip-checkpoint", metavar="FILE", help="a state_dict saved from an open_clip model of --clip")
    g = p.add_argument_group("files")
    g.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="worker processes for a folder (default 1; 0 = one per CPU core); --prompt uses one")
    g.add_argument("--report", metavar="FILE.json",
                   help="write the JSON report here (default for a folder: OUT/recolor-report.json)")
    g.add_argument("--dry-run", action="store_true", help="print what would change, write no SVG")
    g.add_argument("-q", "--quiet", action="store_true", help="print only errors and the summary")
    p.set_defaults(run=run)
    return p


def options_from(args: argparse.Namespace) -> dict:
    """The worker options, every value checked (raises :class:`OptionError` naming the bad one)."""
    from vecedit.recolor.palette import parse_mapping, parse_palette

    options: dict = {"dry_run": bool(args.dry_run)}
    if args.tolerance < 0 or args.tolerance != args.tolerance:
        raise OptionError(f"--tolerance must be a ΔE2000 value >= 0, got {args.tolerance}")
    if args.palette is not None:
        options["palette"] = parse_palette(args.palette)
        options["shading"] = bool(args.shading)
        if args.keep:
            options["keep"] = parse_palette(args.keep)
    elif args.map is not None:
        options["mapping"] = parse_mapping(args.map)
        options["tolerance"] = float(args.tolerance)
    else:
        if not args.prompt.strip():
            raise OptionError("the prompt is empty; give the colours' theme, e.g. --prompt 'autumn leaves'")
        if args.iterations < 1:
            raise OptionError(f"--iterations must be >= 1, got {args.iterations}")
        clip = {k: v for k, v in (("model", args.clip), ("pretrained", args.clip_pretrained),
                                  ("checkpoint", args.clip_checkpoint)) if v is not None}
        edit = {"iterations": args.iterations, "seed": args.seed, "lr_color": args.lr_color,
                "progress": not args.quiet and sys.stderr.isatty()}
        if clip:
            from vecedit.edit.config import ClipConfig

            edit["clip"] = ClipConfig(**clip)
        for name in ("patches", "work_size", "device"):
            if getattr(args, name) is not None:
                edit[name] = getattr(args, name)
        options["prompt"] = args.prompt.strip()
        options["edit"] = edit
    if args.keep and args.palette is None:
        raise OptionError("--keep works with --palette only")
    if args.shading and args.palette is None:
        raise OptionError("--shading works with --palette only")
    return options


def run(args: argparse.Namespace) -> int:
    import os

    from vecedit.recolor.batch import REPORT_NAME, plan_files, run_batch, write_report

    options = options_from(args)
    pairs, folder = plan_files(args.input, args.output, args.in_place, args.dry_run)
    if not folder and args.map is not None:
        options["write_unchanged"] = False  # a map that matches nothing is an error: write nothing
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    if args.jobs < 0:
        raise OptionError(f"--jobs must be >= 0, got {args.jobs}")
    if options.get("prompt") is not None and jobs > 1 and folder:
        print("vecedit: note: --prompt recolours one file at a time (one CLIP model serves all); --jobs ignored",
              file=sys.stderr)
    report = Path(args.report) if args.report else None
    if report is None and folder and not args.dry_run and (args.in_place or args.output is not None):
        report = (Path(args.input) if args.in_place else Path(args.output)) / REPORT_NAME
    if report is not None and report.suffix.lower() != ".json":
        raise OptionError(f"--report {report}: give a file name ending in .json")
    if args.report:  # checked before any work: the report is written after it
        if report.is_dir():
            raise InputError(f"--report {report}: is a folder; give a file name ending in .json")
        made = folder and args.output is not None and report.parent == Path(args.output)  # made below
        if not made and not (report.parent if str(report.parent) else Path(".")).is_dir():
            raise InputError(f"--report {report}: the folder {report.parent} does not exist; create it first")
    if options.get("prompt") is not None:  # load CLIP once, before any file: no weights fails fast, in one line
        from vecedit.edit.config import ClipConfig
        from vecedit.losses.encoders import load_clip

        edit = options["edit"]
        clip = edit.pop("clip", None) or ClipConfig()
        edit["encoder"] = load_clip(clip.model, clip.pretrained, clip.checkpoint, edit.get("device"))
    if folder and args.output is not None and not args.dry_run:  # after the model: a failed load leaves no folder
        Path(args.output).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    def show(result) -> None:
        if result.status == "error":
            print(result.line(), file=sys.stderr if not folder else sys.stdout)
        elif not args.quiet:
            print(result.line())

    results = run_batch(pairs, options, jobs=jobs, progress=folder and not args.quiet and sys.stderr.isatty(),
                        on_result=show if folder else None,
                        base=Path(args.input) if folder else None)
    seconds = time.perf_counter() - start
    if report is not None:
        write_report(report, results, options, seconds)
    recolored = sum(r.status == "recolored" for r in results)
    errors = [r for r in results if r.status == "error"]
    if not folder:
        result = results[0]
        if result.status == "error":
            raise InputError(result.message)
        if result.status == "unchanged" and args.map is not None:
            raise InputError(_nothing_changed(args, result))
        if not args.quiet:
            if result.status == "unchanged":
                print(f"vecedit: note: {_nothing_changed(args, result)}", file=sys.stderr)
            print(result.line() if result.status == "recolored" else f"wrote {result.output} (unchanged)")
            if not result.output:
                print("dry run: nothing written")
        return 0
    unchanged = sum(r.status == "unchanged" for r in results)
    where = f"; report: {report}" if report is not None else ""
    print(f"recoloured {recolored} of {len(results)} file(s) ({len(errors)} error(s), {unchanged} unchanged) "
          f"in {seconds:.1f} s{where}")
    if recolored == 0:
        print("vecedit: error: nothing was recoloured" + (f"; first error: {errors[0].file}: {errors[0].message}"
                                                          if errors else ""), file=sys.stderr)
        return 2
    return 0


def _nothing_changed(args, result) -> str:
    if args.map is not None:
        hint = " or raise --tolerance" if not args.tolerance else " or raise --tolerance further"
        return (f"{args.input}: none of the --map colours occur in it ({result.colors} colour(s) found; "
                f"`vecedit info {args.input}` lists them); check the FROM colours{hint}")
    if args.palette is not None:
        return (f"{args.input}: its colours already are the palette's, or it has none to recolour "
                f"({result.colors} colour(s) found); written unchanged")
    return f"{args.input}: no colour moved; try more --iterations or a larger --lr-color; written unchanged"


__all__ = ["add_parser", "run", "options_from"]
