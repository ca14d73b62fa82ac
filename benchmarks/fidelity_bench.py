"""Fidelity of the builtin renderer and of the parse/write round trip, against resvg.

For every SVG under tests/corpus/ (subfolders are feature families; plus every *.svg under the folders given as arguments,
for real-world sets), at 256 px wide with the aspect kept, both images flattened on white:

* ``psnr_builtin``: builtin ``render_document(load_svg(f))`` vs resvg(f);
* ``psnr_roundtrip``: resvg(``dumps_svg(load_svg(f))``) vs resvg(f);
* ``ms``: wall time of the builtin ``render_document`` call.

``families`` summarises per feature family. PSNR is capped at 100 dB (100 means identical). A file that fails to parse or render
gets ``null`` scores and an ``error``. Prints one JSON object.

    python benchmarks/fidelity_bench.py [DIR ...] [--width 256] [--no-corpus] [--save-diffs DIR]

``--save-diffs DIR`` writes ``ours | resvg | |diff| x4`` PNGs for files below the
thresholds (``<stem>-builtin.png``, ``<stem>-roundtrip.png``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout first (vecedit.plugins and vecedit.vectorizers come from `pip install -e .`)

from vecedit.imageio import composite_on, psnr, save_png, side_by_side
from vecedit.render.reference import render_reference

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
BUILTIN_MIN_DB = 35.0
ROUNDTRIP_MIN_DB = 50.0
CAP_DB = 100.0


def capped_psnr(a, b) -> float:
    return round(min(psnr(composite_on(a), composite_on(b)), CAP_DB), 2)


def measure(path: Path, width: int, diffs: Path | None = None, verbose: bool = False) -> dict:
    row: dict = {"file": str(path), "family": family(path), "psnr_builtin": None, "psnr_roundtrip": None, "ms": None}
    try:
        from vecedit.svg import dumps_svg, load_svg

        reference = render_reference(path, width=width)
        doc = load_svg(path)
        roundtrip = render_reference(dumps_svg(doc), width=width, height=reference.shape[0], resources=path.parent)
        row["psnr_roundtrip"] = capped_psnr(roundtrip, reference)
        if diffs is not None and row["psnr_roundtrip"] < ROUNDTRIP_MIN_DB:
            save_png(side_by_side(roundtrip, reference), diffs / f"{path.stem}-roundtrip.png")

        from vecedit.render.api import render_document

        start = time.perf_counter()
        ours = render_document(doc, width=width, height=reference.shape[0])
        row["ms"] = round((time.perf_counter() - start) * 1000, 1)
        row["psnr_builtin"] = capped_psnr(ours, reference)
        if diffs is not None and row["psnr_builtin"] < BUILTIN_MIN_DB:
            save_png(side_by_side(ours, reference), diffs / f"{path.stem}-builtin.png")
    except Exception as exc:  # a benchmark reports every failure and goes on
        row["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0]
        if verbose:
            traceback.print_exc(file=sys.stderr)
    return row


def family(path: Path) -> str:
    """A corpus file's feature family: its subfolder (masks/, text/, …); top-level files are "basic"."""
    try:
        parts = path.resolve().relative_to(CORPUS).parts
    except ValueError:
        return path.parent.name
    return parts[0] if len(parts) > 1 else "basic"


def by_family(rows: list[dict]) -> dict:
    families: dict[str, list[dict]] = {}
    for row in rows:
        families.setdefault(row["family"], []).append(row)
    return {name: summarize(members) for name, members in sorted(families.items())}


def summarize(rows: list[dict]) -> dict:
    builtin = [r["psnr_builtin"] for r in rows if r["psnr_builtin"] is not None]
    trip = [r["psnr_roundtrip"] for r in rows if r["psnr_roundtrip"] is not None]
    times = [r["ms"] for r in rows if r["ms"] is not None]
    return {
        "files": len(rows),
        "errors": sum("error" in r for r in rows),
        "min": min(builtin, default=None),
        "median": statistics.median(builtin) if builtin else None,
        "files_below_35": sum(v < BUILTIN_MIN_DB for v in builtin),
        "min_roundtrip": min(trip, default=None),
        "files_below_50_roundtrip": sum(v < ROUNDTRIP_MIN_DB for v in trip),
        "median_ms": statistics.median(times) if times else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="extra folders of SVG files (searched recursively)")
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--no-corpus", action="store_true", help="skip tests/corpus")
    parser.add_argument("--save-diffs", type=Path, metavar="DIR", help="write diff images for files below threshold")
    parser.add_argument("--verbose", action="store_true", help="print tracebacks of failures to stderr")
    args = parser.parse_args(argv)

    files = [] if args.no_corpus else sorted(CORPUS.rglob("*.svg"))
    for folder in args.dirs:
        files += sorted(folder.rglob("*.svg"))
    if args.save_diffs:
        args.save_diffs.mkdir(parents=True, exist_ok=True)
    if files:  # warm up (imports, kernels) so the first file's time is not inflated
        measure(files[0], args.width)
    rows = [measure(path, args.width, args.save_diffs, args.verbose) for path in files]
    print(json.dumps({"width": args.width, "files": rows, "families": by_family(rows), "summary": summarize(rows)},
                     indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
