"""Text speed: a 2,000-glyph page (40 lines × 50 characters, tspans with their own paints).

Measures, in one process (so A/B numbers are comparable; the machine is shared):

* ``parse_cold_s``: ``load_svg`` with empty shaping/outline caches (fonts opened, every
  glyph shaped and outlined once);
* ``parse_warm_s``: ``load_svg`` again (the per-(face, text) shaping and per-(face, glyph)
  outline caches hit);
* ``render_s``: scene build + builtin forward render at the page's size (``--width``);
* ``total_warm_s``: parse_warm + render — "a 2,000-glyph page renders in < 1 s";
* ``*_cpu_s``: the same as process CPU time (all threads), which a shared machine's load
  inflates far less than wall time; ``load_average`` says how busy the machine was.

Prints one JSON object (minimum over ``--repeats``).

    python benchmarks/text_bench.py [--width 600] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = ("vector", "glyph", "shaping", "outline", "kerning", "editor", "layout", "font", "baseline", "text",
         "render", "path", "AVATAR", "Typography", "office", "fidelity")


def page(lines: int = 46, chars: int = 50) -> tuple[str, int]:
    rows, count, k = [], 0, 0
    for i in range(lines):
        words = []
        while len(" ".join(words)) < chars:
            words.append(WORDS[k % len(WORDS)])
            k += 1
        line = " ".join(words)[:chars]
        count += len(line.replace(" ", ""))
        half = len(line) // 2
        rows.append(f'<text x="20" y="{30 + i * 24}">{line[:half]}<tspan fill="#{(37 * i) % 256:02x}3070" '
                    f'font-weight="bold">{line[half:]}</tspan></text>')
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="1150" viewBox="0 0 600 1150" '
           'font-family="DejaVu Sans" font-size="18">' + "".join(rows) + "</svg>")
    return svg, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=600)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch

    from vecedit.render.composite import render_scene
    from vecedit.scene import from_document
    from vecedit.svg import load_svg
    from vecedit.text import shaping

    svg, glyphs = page()
    shaping._LOADED.clear()
    start = time.perf_counter()
    doc = load_svg(svg)
    cold = time.perf_counter() - start
    drawn = sum(1 for s in doc.shapes() for _ in s.subpaths)
    warm, render, warm_cpu, render_cpu = [], [], [], []
    for _ in range(args.repeats):
        start, cpu = time.perf_counter(), time.process_time()
        doc = load_svg(svg)
        warm.append(time.perf_counter() - start)
        warm_cpu.append(time.process_time() - cpu)
        start, cpu = time.perf_counter(), time.process_time()
        with torch.no_grad():
            render_scene(from_document(doc, width=args.width))
        render.append(time.perf_counter() - start)
        render_cpu.append(time.process_time() - cpu)
    print(json.dumps({
        "glyphs": glyphs,
        "subpaths": drawn,
        "width": args.width,
        "parse_cold_s": round(cold, 3),
        "parse_warm_s": round(min(warm), 3),
        "render_s": round(min(render), 3),
        "total_warm_s": round(min(warm) + min(render), 3),
        "parse_warm_cpu_s": round(min(warm_cpu), 3),
        "render_cpu_s": round(min(render_cpu), 3),
        "total_warm_cpu_s": round(min(warm_cpu) + min(render_cpu), 3),
        "load_average": round(__import__("os").getloadavg()[0], 1),
        "threads": torch.get_num_threads(),
    }, indent=2))


if __name__ == "__main__":
    main()
