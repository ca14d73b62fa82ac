"""Palette recolour throughput: icon-sized SVGs per second per core, without PyTorch.

The set: the real-world-looking icons and small illustrations of tests/corpus (62–73:
stroke icons, filled icons, an icon sheet, a logo with gradients, a flag, an emoji, a
chart, a map, a badge), each copied ``--copies`` times with its colours shifted (so the
files differ) into a temporary folder. Then, as ``vecedit recolor DIR --palette … -o OUT``
does it (:func:`vecedit.recolor.batch.run_batch`: read, recolour, write atomically):

* ``jobs_1``: one process — files per second is files per second per core;
* ``jobs_N``: ``N`` worker processes (default: the machine's cores), the folder speed-up.

Also checked: PyTorch is never imported (``torch_imported`` must be false). Prints one
JSON object; the bar is ``files_per_second_per_core >= 50``.

    python benchmarks/recolor_bench.py [--copies 20] [--jobs N] [--palette COLORS]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout first (vecedit.plugins and vecedit.vectorizers come from `pip install -e .`)

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "corpus"
ICONS = [p for p in sorted(CORPUS.glob("*.svg")) if 62 <= int(p.name[:2]) <= 73]
PALETTE = "#264653,#2a9d8f,#e9c46a,#f4a261,#e76f51"
_HEX = re.compile(r"#([0-9a-fA-F]{6})\b")


def shifted(text: str, k: int) -> str:
    """The same SVG with every #rrggbb colour nudged by k (files differ, structure identical)."""
    def nudge(m):
        v = int(m.group(1), 16)
        r, g, b = (v >> 16) & 255, (v >> 8) & 255, v & 255
        return "#%02x%02x%02x" % ((r + 7 * k) % 256, (g + 3 * k) % 256, (b + 5 * k) % 256)

    return _HEX.sub(nudge, text)


def make_set(folder: Path, copies: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for k in range(copies):
        for icon in ICONS:
            path = folder / f"{icon.stem}-{k:03d}.svg"
            path.write_text(shifted(icon.read_text(encoding="utf-8"), k), encoding="utf-8")
            files.append(path)
    return files


def run(files: list[Path], out: Path, jobs: int, palette) -> dict:
    from vecedit.recolor.batch import run_batch

    out.mkdir(parents=True, exist_ok=True)
    pairs = [(f, out / f.name) for f in files]
    start = time.perf_counter()
    results = run_batch(pairs, {"palette": palette}, jobs=jobs)
    seconds = time.perf_counter() - start
    statuses = {s: sum(r.status == s for r in results) for s in ("recolored", "unchanged", "error")}
    per_file = [r.seconds for r in results]
    return {"jobs": jobs, "files": len(files), "seconds": round(seconds, 3),
            "files_per_second": round(len(files) / seconds, 1), "statuses": statuses,
            "median_ms_per_file_in_worker": round(1000 * statistics.median(per_file), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=20, help="copies of each icon (default 20: 240 files)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for the parallel run")
    parser.add_argument("--palette", default=PALETTE)
    parser.add_argument("--repeat", type=int, default=3, help="single-process runs; the median is reported")
    args = parser.parse_args()
    from vecedit.recolor.palette import parse_palette

    palette = parse_palette(args.palette)
    tmp = Path(tempfile.mkdtemp(prefix="recolor-bench-"))
    try:
        files = make_set(tmp / "in", args.copies)
        sizes = [f.stat().st_size for f in files]
        warm = run(files[: len(ICONS)], tmp / "warm", 1, palette)  # first imports, caches
        singles = [run(files, tmp / f"out1-{i}", 1, palette) for i in range(args.repeat)]
        single = sorted(singles, key=lambda r: r["files_per_second"])[len(singles) // 2]  # the median run
        parallel = run(files, tmp / "outN", args.jobs, palette) if args.jobs > 1 else None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    rate = single["files_per_second"]
    print(json.dumps({
        "set": {"icons": [p.name for p in ICONS], "files": len(files), "median_bytes": int(statistics.median(sizes)),
                "palette": args.palette},
        "jobs_1": single,
        "jobs_1_all_runs_files_per_second": [r["files_per_second"] for r in singles],
        f"jobs_{args.jobs}": parallel,
        "files_per_second_per_core": rate,
        "bar_files_per_second_per_core": 50,
        "passes": rate >= 50,
        "torch_imported": "torch" in sys.modules,
        "cpu_count": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
        "warmup": warm["files_per_second"],
    }, indent=2))


if __name__ == "__main__":
    main()
