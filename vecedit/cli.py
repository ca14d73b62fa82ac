"""The ``vecedit`` command: each subcommand is a thin layer over one public API call.

    vecedit render IN.svg -o OUT.png [--width W] [--height H] [--background COLOR]
                                     [--renderer builtin|reference|diffvg]
    vecedit info IN.svg [--json]
    vecedit --version

Exit codes: 0 success; 2 a problem the user can fix (a :class:`VeceditError`, printed as
one ``vecedit: error: …`` line with nothing written, or a usage error); 130 interrupted.
Internal bugs keep their traceback. :func:`main` takes an argument list and returns
the exit code, so tests run the command in-process.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

from vecedit import __version__
from vecedit.api import RENDERERS
from vecedit.errors import VeceditError
from vecedit.paths import check_output

PROG = "vecedit"
MAX_LISTED_GRADIENTS = 10


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    _tolerant_stdout()
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exit_:  # --help, --version, usage errors (argparse exits 2)
            return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
        return args.run(args)
    except VeceditError as error:
        _error(" ".join(str(error).split("\n")).strip() or type(error).__name__)
        return 2
    except KeyboardInterrupt:
        _error("interrupted; nothing was written", prefix="")
        return 130
    except BrokenPipeError:  # `vecedit info x.svg | head`: the reader went away, not an error
        _silence_stdout()
        return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Vector-graphics editing through differentiable rendering: SVG in, SVG out.",
        epilog="examples:\n"
        "  vecedit render samples/landscape.svg -o landscape.png\n"
        "  vecedit render logo.svg -o logo.png --width 1024 --background white\n"
        "  vecedit info samples/logo.svg\n\n"
        "Problems with the input or options exit with code 2 and one 'vecedit: error:' line.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND")

    render = commands.add_parser(
        "render",
        help="render an SVG to a PNG image",
        description="Render an SVG file to a PNG image (written atomically; the input is never overwritten).",
    )
    render.add_argument("input", metavar="IN.svg", help="the SVG file to render")
    render.add_argument("-o", "--output", metavar="OUT.png", required=True, help="the PNG file to write")
    render.add_argument("--width", type=int, metavar="PX",
                        help="output width in pixels (default: the document's; alone, keeps the aspect ratio)")
    render.add_argument("--height", type=int, metavar="PX",
                        help="output height in pixels (default: the document's; alone, keeps the aspect ratio)")
    render.add_argument("--background", metavar="COLOR",
                        help="CSS colour under the drawing, e.g. white, '#336699', 'rgba(0,0,0,0.5)' "
                             "(default: transparent)")
    render.add_argument("--renderer", choices=RENDERERS, default="builtin",
                        help="builtin: vecedit's differentiable renderer (default); reference: resvg, which "
                             "also draws clip paths, masks, filters and text; diffvg: needs pydiffvg")
    render.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    render.set_defaults(run=run_render)

    info = commands.add_parser(
        "info",
        help="describe an SVG: size, shapes, paints, what is kept but not drawn",
        description="Describe an SVG: its size, one line per shape (id, kind, fill, stroke, editable), "
                    "and what vecedit keeps in the file but does not draw or edit.",
    )
    info.add_argument("input", metavar="IN.svg", help="the SVG file to describe")
    info.add_argument("--json", action="store_true", help="print the same information as JSON")
    info.set_defaults(run=run_info)
    from vectorizers.cli import add_parser as add_vectorize  # vecedit vectorize: vectorizers/cli.py

    add_vectorize(commands)
    from vecedit.edit_cli import add_parser as add_edit  # vecedit edit: vecedit/edit_cli.py

    add_edit(commands)
    from vecedit.recolor_cli import add_parser as add_recolor  # vecedit recolor: vecedit/recolor_cli.py

    add_recolor(commands)
    from vecedit.font_cli import add_parser as add_font  # vecedit font: vecedit/font_cli.py

    add_font(commands)
    from plugins.cli import add_parser as add_plugins, add_plugin_commands  # plugins/cli.py

    add_plugins(commands)
    add_plugin_commands(commands)
    return parser


# ----------------------------------------------------------------------------- render


def run_render(args: argparse.Namespace) -> int:
    from vecedit import api

    source, output = Path(args.input), Path(args.output)
    check_output(source, output, args.output, ".png", "render", "PNG images only")
    width, height, background = api.check_render_options(args.width, args.height, args.background, args.renderer)
    start = time.perf_counter()
    doc = api.load_svg(source)
    image = api.render(doc, width=width, height=height, background=background, renderer=args.renderer)

    from vecedit.imageio import save_png

    save_png(image, output)
    if not args.quiet:
        seconds = time.perf_counter() - start
        print(f"wrote {output} ({image.shape[1]}×{image.shape[0]} px, {args.renderer} renderer, {seconds:.1f} s)")
        missing = [note for note in doc.notes if note.affects_picture]
        if missing and args.renderer != "reference":
            names = ", ".join(_note_label(note) for note in missing[:3]) + (", …" if len(missing) > 3 else "")
            print(f"{PROG}: warning: {len(missing)} thing(s) in {source} not applied by the {args.renderer} "
                  f"renderer ({names}); see `vecedit info {source}`", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- info


def run_info(args: argparse.Namespace) -> int:
    from vecedit import api

    doc = api.load_svg(Path(args.input))
    report = describe(doc, args.input)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def describe(doc, name: str) -> dict:
    """The facts ``vecedit info`` prints, as plain JSON-ready data."""
    shapes = []
    for index, shape in enumerate(doc.shapes()):
        shapes.append({
            "index": index,
            "id": shape.id,
            "label": shape.id if shape.id else f"#{index}",
            "kind": shape.tag,
            "classes": list(shape.classes),
            "fill": format_paint(shape.fill),
            "stroke": format_paint(shape.stroke),
            "stroke_width": shape.stroke_width if shape.stroke is not None else None,
            "opacity": shape.opacity,
            "fill_opacity": shape.fill_opacity,
            "stroke_opacity": shape.stroke_opacity,
            "visible": shape.visible,
            "editable": shape.editable,
            "reason": shape.reason,
        })
    notes = [
        {"tag": note.tag, "id": note.id, "message": note.message, "affects_picture": note.affects_picture}
        for note in doc.notes
    ]
    return {
        "file": str(name),
        "width": doc.width,
        "height": doc.height,
        "viewbox": list(doc.viewbox),
        "shapes": shapes,
        "gradients": [{"id": g.id, "kind": g.kind, "stops": len(g.stops)} for g in doc.gradients.values()],
        "notes": notes,
        "summary": {
            "shapes": len(shapes),
            "editable": sum(s["editable"] for s in shapes),
            "hidden": sum(not s["visible"] for s in shapes),
            "not_applied_by_builtin_renderer": sum(n["affects_picture"] for n in notes),
        },
    }


def format_report(report: dict) -> str:
    summary = report["summary"]
    lines = [
        report["file"],
        f"  size       {report['width']:g} × {report['height']:g} px",
        "  viewBox    " + " ".join(f"{v:g}" for v in report["viewbox"]),
        f"  shapes     {summary['shapes']} ({summary['editable']} editable"
        + (f", {summary['hidden']} hidden" if summary["hidden"] else "") + ")",
    ]
    gradients = report["gradients"]
    if gradients:
        listed = ", ".join(f"{g['id']} ({g['kind']})" for g in gradients[:MAX_LISTED_GRADIENTS])
        more = len(gradients) - MAX_LISTED_GRADIENTS
        lines.append(f"  gradients  {listed}" + (f", and {more} more" if more > 0 else ""))
    if report["shapes"]:
        rows = [("id", "kind", "fill", "stroke", "status")]
        for s in report["shapes"]:
            status = "editable" if s["editable"] else f"not editable: {s['reason'] or 'unknown reason'}"
            if not s["visible"]:
                status = "hidden, " + status
            rows.append((s["label"], s["kind"], s["fill"], s["stroke"], status))
        widths = [max(len(row[c]) for row in rows) for c in range(4)]
        lines.append("")
        lines += ["  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[4] for row in rows]
        if any(s["id"] is None for s in report["shapes"]):
            lines.append("  (#N: the shape without an id at position N in document order, counted from 0)")
    affecting = [n for n in report["notes"] if n["affects_picture"]]
    kept = [n for n in report["notes"] if not n["affects_picture"]]
    if affecting:
        lines += ["", f"NOT APPLIED by the builtin renderer ({len(affecting)}), so its picture differs from "
                      "a browser's (--renderer reference draws them):"]
        lines += _note_lines(affecting, "  ! ")
    if kept:
        lines += ["", f"kept in the file, not editable, no effect on the picture ({len(kept)}):"]
        lines += _note_lines(kept, "  - ")
    return "\n".join(line.rstrip() for line in lines)


def _note_lines(notes: list[dict], bullet: str) -> list[str]:
    labels = [_note_label(n) for n in notes]
    width = max(len(label) for label in labels)
    return [f"{bullet}{label.ljust(width)}  {n['message']}" for label, n in zip(labels, notes)]


def _note_label(note) -> str:
    tag, nid = (note["tag"], note["id"]) if isinstance(note, dict) else (note.tag, note.id)
    return f'{tag} id="{nid}"' if nid else tag


def format_paint(paint) -> str:
    """A resolved paint as ``#rrggbb`` (``#rrggbbaa`` when translucent), ``url(#id)`` or ``none``."""
    from vecedit.svg.model import GradientRef

    if paint is None:
        return "none"
    if isinstance(paint, GradientRef):
        return f"url(#{paint.id})"
    channels = [round(min(max(float(c), 0.0), 1.0) * 255) for c in paint]
    text = "#" + "".join(f"{c:02x}" for c in channels[:3])
    return text + (f"{channels[3]:02x}" if len(channels) > 3 and channels[3] < 255 else "")


# ----------------------------------------------------------------------------- plumbing


def _error(message: str, prefix: str = "error: ") -> None:
    print(f"{PROG}: {prefix}{message}", file=sys.stderr)


def _tolerant_stdout() -> None:
    """Ids and paths may hold characters the terminal's encoding lacks: escape, don't crash."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # python -m vecedit.cli
    sys.exit(main())
