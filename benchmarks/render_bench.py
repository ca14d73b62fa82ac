"""Builtin renderer speed: random scenes of N closed cubic paths, forward and forward+backward.

Each path has 4–8 cubic segments around a random centre (radius 2–25 % of the canvas,
control points jittered), a random RGBA fill, composited on white. Prints one JSON
object: median ms over repeats and peak RSS, per (paths, size). Compare with diffvg's
CPU build on the same machine class (2×2 samples), quoted in DESIGN.md.

``--memory`` adds the memory table: per (paths, size) of ``--memory-paths`` × ``--memory-sizes``,
one forward+backward pass in a fresh subprocess, reporting that process's peak RSS and how
much of it the render added (peak minus the RSS after building the scene).

    python benchmarks/render_bench.py [--paths 16,64,256,1024] [--sizes 224,512] [--repeats 5]
    python benchmarks/render_bench.py --paths 1024 --sizes 512 --memory [--memory-paths 256,1024,4096]
    python benchmarks/render_bench.py --memory-ab 4096,1024 [--ab-repeats 2]   # bounded vs previous
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from typing import Optional

import vecedit  # noqa: F401  (before torch, as in the vecedit command: passive OpenMP waiting)
import numpy as np
import torch

from benchkit import random_blob
from vecedit import limits
from vecedit.render.composite import render_scene
from vecedit.scene import Scene, SceneGroup, SceneShape, SolidPaint

DIFFVG_MS = {  # forward / forward+backward, CPU build, 2 cores, 2x2 samples (DESIGN.md)
    (256, 224): (391, 1795),
    (1024, 224): (1474, 7127),
    (256, 512): (1972, 15473),
    (1024, 512): (15116, 69536),
}


def random_scene(n_paths: int, size: int, seed: int = 0) -> Scene:
    rng = np.random.default_rng(seed)
    points, shapes = [], []
    start = 0
    for i in range(n_paths):
        pts = random_blob(rng, size)
        k = len(pts) // 3
        points.append(pts)
        shapes.append(
            SceneShape(
                element=i, subpaths=[(start, 3 * k, True)], fill=SolidPaint(i), stroke=None,
                stroke_width=i, opacity=i, ctm=np.eye(3),
            )
        )
        start += 3 * k
    colors = rng.uniform(0, 1, (n_paths, 4))
    colors[:, 3] = rng.uniform(0.3, 1.0, n_paths)
    t = lambda a: torch.tensor(np.asarray(a), dtype=torch.float32)
    return Scene(
        width=size, height=size, points=t(np.concatenate(points)), colors=t(colors),
        stroke_widths=torch.ones(n_paths), opacities=torch.ones(n_paths),
        stop_offsets=torch.zeros(0), stop_colors=torch.zeros(0, 4), gradient_geometry=torch.zeros(0, 6),
        shapes=shapes, gradients=[], root=SceneGroup(1.0, list(range(n_paths))),
    )


def time_ms(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def bench(n_paths: int, size: int, repeats: int) -> dict:
    scene = random_scene(n_paths, size)
    white = (1.0, 1.0, 1.0)

    def forward():
        with torch.no_grad():
            render_scene(scene, background=white)

    def forward_backward():
        scene.points.requires_grad_(True)
        scene.colors.requires_grad_(True)
        image = render_scene(scene, background=white)
        image.square().mean().backward()
        scene.points.grad = scene.colors.grad = None

    row = {
        "paths": n_paths,
        "size": size,
        "forward_ms": round(time_ms(forward, repeats), 1),
        "forward_backward_ms": round(time_ms(forward_backward, repeats), 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    if (n_paths, size) in DIFFVG_MS:
        fwd, both = DIFFVG_MS[(n_paths, size)]
        row["diffvg_forward_backward_ms"] = both
        row["speedup_vs_diffvg"] = round(both / row["forward_backward_ms"], 2)
    return row


# The large random scenes paint more than the default budget allows (4,096 paths at 1024²: 252 M
# crop pixels against 100 canvases' worth), as a user's would with `--limits paint_pixels=...`:
# this table measures the renderer's memory, not the budget.
MEMORY_ROW_LIMITS = limits.Limits().raised(paint_pixels=2**40, edge_pixels=2**40)


def memory_row(n_paths: int, size: int, bounded_from: Optional[int] = None, allocator: str = "reuse") -> dict:
    """One forward+backward pass of ``random_scene(n_paths, size)`` in this process: peak RSS,
    wall and CPU seconds. ``bounded_from``: the buffer size (elements) from which the
    bounded-memory path runs, instead of the renderer's own (``2**62``: the previous behaviour).
    ``allocator``: ``reuse`` (freed memory reused, as the ``vecedit`` command sets it) or ``glibc``."""
    if allocator == "reuse":
        from vecedit.allocator import reuse_freed_memory

        reuse_freed_memory()
    import vecedit.render.composite as composite
    import vecedit.render.over as over
    import vecedit.render.raster as raster

    if bounded_from is not None:
        composite.FUSED_FROM = over.FUSED_FROM = raster.CHECKPOINT_FROM = bounded_from
    bounded_calls = []
    fused = composite.over_solid_coverage
    composite.over_solid_coverage = lambda *a, **k: bounded_calls.append(1) or fused(*a, **k)
    scene = random_scene(n_paths, size)
    scene.points.requires_grad_(True)
    scene.colors.requires_grad_(True)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started, cpu = time.perf_counter(), time.process_time()
    with limits.using(MEMORY_ROW_LIMITS):
        render_scene(scene, background=(1.0, 1.0, 1.0)).square().mean().backward()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"paths": n_paths, "size": size, "peak_rss_mib": round(peak, 1), "render_added_mib": round(peak - before, 1),
            "forward_backward_s": round(seconds, 2), "forward_backward_cpu_s": round(cpu, 2),
            "bounded_path": bool(bounded_calls), "allocator": allocator,
            "limits_raised": {"paint_pixels": MEMORY_ROW_LIMITS.paint_pixels, "edge_pixels": MEMORY_ROW_LIMITS.edge_pixels}}


def run_row(n: int, size: int, bounded_from: Optional[int] = None, allocator: str = "reuse") -> dict:
    command = [sys.executable, __file__, "--memory-row", f"{n},{size}", "--allocator", allocator]
    command += ["--bounded-from", str(bounded_from)] if bounded_from is not None else []
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def memory_table(paths: list[int], sizes: list[int], bounded_from: Optional[int] = None,
                 allocator: str = "reuse") -> list[dict]:
    return [run_row(n, size, bounded_from, allocator) for size in sizes for n in paths]


def memory_ab(n: int, size: int, repeats: int, bounded_from: Optional[int] = None) -> dict:
    """Bounded path (from ``bounded_from`` elements, default the renderer's) against the previous
    behaviour (never), one fresh process each, alternating order."""
    runs = {"bounded": [], "previous": []}
    for k in range(repeats):
        for name in (("bounded", "previous") if k % 2 == 0 else ("previous", "bounded")):
            runs[name].append(run_row(n, size, bounded_from if name == "bounded" else 2**62))
    med = {name: {key: statistics.median(r[key] for r in rows) for key in
                  ("peak_rss_mib", "forward_backward_s", "forward_backward_cpu_s")} for name, rows in runs.items()}
    return {"paths": n, "size": size, "repeats": repeats, "runs": runs, "median": med,
            "time_ratio_bounded_over_previous": round(med["bounded"]["forward_backward_s"]
                                                      / med["previous"]["forward_backward_s"], 3),
            "cpu_ratio_bounded_over_previous": round(med["bounded"]["forward_backward_cpu_s"]
                                                     / med["previous"]["forward_backward_cpu_s"], 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", default="16,64,256,1024")
    parser.add_argument("--sizes", default="224,512")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--memory", action="store_true", help="add the peak-memory table (subprocess per row)")
    parser.add_argument("--memory-paths", default="256,1024,4096")
    parser.add_argument("--memory-sizes", default="512,1024")
    parser.add_argument("--memory-ab", metavar="N,S", help="A/B of the bounded path against the previous behaviour "
                        "at N paths, S px (fresh process per run, alternating); only this")
    parser.add_argument("--ab-repeats", type=int, default=2)
    parser.add_argument("--memory-row", help=argparse.SUPPRESS)
    parser.add_argument("--allocator", choices=("reuse", "glibc"), default="reuse",
                        help="memory rows: reuse freed memory as the vecedit command does (default), or glibc's default")
    parser.add_argument("--bounded-from", type=int, metavar="ELEMENTS",
                        help="the bounded path from this buffer size (default: the renderer's threshold)")
    args = parser.parse_args()
    if args.memory_row:
        print(json.dumps(memory_row(*map(int, args.memory_row.split(",")), args.bounded_from, args.allocator)))
        return
    if args.memory_ab:
        n, size = map(int, args.memory_ab.split(","))
        print(json.dumps({"load_average_start": os.getloadavg(), "bounded_from": args.bounded_from,
                          **memory_ab(n, size, args.ab_repeats, args.bounded_from),
                          "load_average_end": os.getloadavg()}, indent=1))
        return
    rows = [
        bench(n, s, args.repeats)
        for s in map(int, args.sizes.split(","))
        for n in map(int, args.paths.split(","))
    ]
    report = {"torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine(),
              "results": rows}
    if args.memory:
        report["load_average_start"] = os.getloadavg()
        report["memory"] = memory_table([int(n) for n in args.memory_paths.split(",")],
                                        [int(s) for s in args.memory_sizes.split(",")], args.bounded_from,
                                        args.allocator)
        report["load_average_end"] = os.getloadavg()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
