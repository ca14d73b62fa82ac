"""``vecedit vectorize``: the command-line layer over :func:`vecedit.vectorizers.api.vectorize`.

``vecedit/cli.py`` registers it with ``add_parser(commands)``; :func:`run` does the work
and returns the exit code. Problems with the input or options raise
:class:`~vecedit.errors.VeceditError` before anything is written (the main command
prints one line and exits 2). Ctrl-C during refinement keeps the best result so far,
writes it, and exits 130.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vecedit.console import plural
from vecedit.paths import check_output

EXAMPLES = (
    "examples:\n"
    "  vecedit vectorize samples/chelsea.png -o chelsea.svg\n"
    "  vecedit vectorize photo.jpg -o photo.svg --rounds 10,30 --refine 100\n"
    "  vecedit vectorize portrait.png -o portrait.svg --extra-round 180,60,160,200:30\n"
    "  vecedit vectorize logo.png -o logo.svg --backend skimage --max-paths 300\n\n"
    "Each round is a <g id=\"round-i\"> of closed filled paths, coarse at the bottom. The SVG keeps\n"
    "the input's pixel size; work happens at --size px. Inputs: PNG, JPEG, WebP … in RGB, RGBA, L\n"
    "or P at 8 bits per channel, 2 to 20000 px a side and at most 100 megapixels."
)


def add_parser(commands) -> argparse.ArgumentParser:
    """Add the ``vectorize`` subcommand to an ``add_subparsers()`` object."""
    from vecedit.vectorizers.options import BACKEND_NAMES, DEFAULT_BACKEND, DEFAULT_REFINE, DEFAULT_ROUNDS, DEFAULT_SIZE

    p = commands.add_parser(
        "vectorize",
        help="turn a raster image into a layered, editable SVG",
        description="Turn a raster image into a layered SVG: several tracing rounds, coarse to fine,\n"
        "stacked as groups (written atomically; the input is never overwritten).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="IN", help="the image to vectorize (PNG, JPEG, WebP …)")
    p.add_argument("-o", "--output", metavar="OUT.svg", required=True, help="the SVG file to write")
    p.add_argument("--rounds", default=",".join(map(str, DEFAULT_ROUNDS)), metavar="N,N,…",
                   help=f"colour clusters per round, coarse to fine (default: {','.join(map(str, DEFAULT_ROUNDS))})")
    p.add_argument("--backend", choices=BACKEND_NAMES, default=DEFAULT_BACKEND,
                   help=f"tracer: vtracer (Rust, fast) or skimage (scikit-image contours + Bézier fitting) "
                        f"(default: {DEFAULT_BACKEND})")
    p.add_argument("--refine", type=_whole, default=DEFAULT_REFINE, metavar="N",
                   help="iterations fitting points and colours to the image with the differentiable renderer "
                        f"(default: {DEFAULT_REFINE}, the first half at 3/4 size, 3-6 CPU-s at 512 px with 400-900 paths; "
                        "0 traces only; from 100 on, the first 3/4 run at half size: 200 take 20-40 s)")
    p.add_argument("--max-paths", type=_whole, metavar="K", help="keep at most K paths (the largest; default 300, or one per 192 working "
                                                              "pixels if more: 1365 at 512×512)")
    p.add_argument("--size", type=_whole, default=DEFAULT_SIZE, metavar="S",
                   help=f"working size: trace with the longer side at most S px (default: {DEFAULT_SIZE})")
    p.add_argument("--extra-round", action="append", default=[], metavar="X,Y,W,H:N",
                   help="an extra round of N colours inside a box, in image pixels, drawn on top (repeatable)")
    p.add_argument("--seed", type=_whole, default=0, help="seed for every random choice (default: 0)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, print nothing on success")
    p.set_defaults(run=run)
    return p


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    import time

    from vecedit.vectorizers import api

    source, output = Path(args.input), Path(args.output)
    check_output(source, output, args.output, ".svg", "vectorize", "SVG files")
    options = api.check_options(args.rounds, args.backend, args.refine, args.max_paths, args.size,
                                args.extra_round, args.seed)
    rounds, backend, refine, max_paths, size, extras, seed = options
    start = time.perf_counter()
    bar = _progress_bar(len(rounds) + len(extras) + refine, args.quiet)
    try:
        result = api.run(source, rounds, backend, refine, max_paths, size, extras, seed,
                         progress=bar.update if bar else None, keep_on_interrupt=True,
                         overlap=api.overlap_worthwhile(backend))
    finally:
        if bar:
            bar.close()
    from vecedit.paths import write_atomic

    write_atomic(output, result.svg.encode("utf-8"))  # what save_svg(result.document) writes, without re-reading it
    interrupted = bool(result.refine and result.refine.interrupted)
    if not args.quiet or interrupted:
        seconds = time.perf_counter() - start
        per_round = " + ".join(str(len(layer.paths)) for layer in result.layers)
        w, h = result.size
        line = (f"wrote {output} ({w}×{h} px, {plural(result.paths, 'path')}: {per_round} by round, {backend}, "
                f"{seconds:.1f} s)")
        if result.refine is not None and result.refine.iterations:
            r = result.refine
            line += f"; refined {plural(r.iterations, 'iteration')}, error {r.initial_loss:.5f} → {r.best_loss:.5f}"
        print(line)
    if interrupted:
        print(f"vecedit: interrupted during refinement; {output} holds the best result so far", file=sys.stderr)
        return 130
    return 0


class _Bar:
    """Progress (:func:`vecedit.console.progress`) fed by :func:`vecedit.vectorizers.api.run`'s
    ``progress(stage, steps, loss)``."""

    def __init__(self, total: int):
        from vecedit.console import progress

        self.tqdm = progress(total, "tracing", "step", leave=False)
        self.stage = "trace"

    def update(self, stage: str, steps: int, loss) -> None:
        if stage == "refine" and self.stage != "refine":
            self.stage = "refine"
            self.tqdm.set_description("refining")
        if loss is not None:
            self.tqdm.set_postfix(loss=f"{loss:.5f}", refresh=False)
        self.tqdm.update(steps)

    def close(self) -> None:
        self.tqdm.close()


def _progress_bar(total: int, quiet: bool):
    if quiet:
        return None
    return _Bar(total)
