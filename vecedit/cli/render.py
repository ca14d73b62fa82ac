"""``vecedit render``: an SVG to a PNG, with the builtin, reference or diffvg renderer."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from vecedit.api import RENDERERS
from vecedit.cli.info import note_label
from vecedit.console import plural
from vecedit.paths import check_output


def add_parser(commands) -> None:
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
            names = ", ".join(note_label(note) for note in missing[:3]) + (", …" if len(missing) > 3 else "")
            print(f"vecedit: warning: {plural(len(missing), 'thing')} in {source} not applied by the {args.renderer} "
                  f"renderer ({names}); see `vecedit info {source}`", file=sys.stderr)
    return 0
