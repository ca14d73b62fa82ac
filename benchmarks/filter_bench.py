"""Filter effects speed: a 512² scene with 50 blurred drop shadows, forward and forward+backward.

50 random closed cubic paths (benchkit.random_blob), each with its own ``feDropShadow``
(stdDeviation 2–8 px, offset 1–6 px, as UI exports use), rendered on white; the
backward pass reaches points, colours and every filter number. The same scene without
the filters is timed alternately in the same process. Both wall time and the process's
CPU time are reported: on a shared machine the wall time grows with the other jobs'
load while the CPU time stays what the work costs (on an idle machine the two agree,
one thread). Prints one JSON object.

    python benchmarks/filter_bench.py [--shapes 50] [--size 512] [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import vecedit  # noqa: F401  (before torch, as in the vecedit command: passive OpenMP waiting)
import numpy as np
import torch

from benchkit import random_blob
from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from vecedit.svg import load_svg


def scene_svg(n: int, size: int, filtered: bool, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    defs, paths = [], []
    for i in range(n):
        pts = random_blob(rng, size) * 0.5 + rng.uniform(0, size * 0.5, 2)
        d = f"M{pts[0, 0]:.2f} {pts[0, 1]:.2f}" + "".join(
            f" C{pts[j, 0]:.2f} {pts[j, 1]:.2f} {pts[j + 1, 0]:.2f} {pts[j + 1, 1]:.2f} "
            f"{pts[(j + 2) % len(pts), 0]:.2f} {pts[(j + 2) % len(pts), 1]:.2f}" for j in range(1, len(pts), 3)) + " Z"
        r, g, b = rng.integers(0, 256, 3)
        std, dx, dy = rng.uniform(2, 8), rng.uniform(1, 6), rng.uniform(1, 6)
        defs.append(f'<filter id="s{i}" x="-50%" y="-50%" width="200%" height="200%"><feDropShadow dx="{dx:.1f}" '
                    f'dy="{dy:.1f}" stdDeviation="{std:.1f}" flood-opacity="0.4"/></filter>')
        attr = f' filter="url(#s{i})"' if filtered else ""
        paths.append(f'<path d="{d}" fill="rgb({r},{g},{b})"{attr}/>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"><defs>{"".join(defs)}</defs>'
            f'{"".join(paths)}</svg>')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shapes", type=int, default=50)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    scenes = {name: from_document(load_svg(scene_svg(args.shapes, args.size, name == "filtered")))
              for name in ("filtered", "plain")}
    white = (1.0, 1.0, 1.0)

    def forward(scene):
        with torch.no_grad():
            render_scene(scene, background=white)

    def forward_backward(scene):
        tensors = (scene.points, scene.colors, scene.filter_params)
        for t in tensors:
            t.requires_grad_(True)
        render_scene(scene, background=white).square().mean().backward()
        for t in tensors:
            t.grad = None

    kinds = ("forward", "forward_backward")
    wall = {(name, kind): [] for name in scenes for kind in kinds}
    cpu = {(name, kind): [] for name in scenes for kind in kinds}
    torch.set_num_threads(1)
    for name, scene in scenes.items():  # warm-up
        forward(scene), forward_backward(scene)
    for _ in range(args.repeats):
        for name, scene in scenes.items():  # alternate A/B
            for kind, fn in (("forward", forward), ("forward_backward", forward_backward)):
                c0, t0 = time.process_time(), time.perf_counter()
                fn(scene)
                wall[(name, kind)].append((time.perf_counter() - t0) * 1000)
                cpu[(name, kind)].append((time.process_time() - c0) * 1000)
    result = {name: {f"{kind}_{what}": round(statistics.median(table[(name, kind)]), 1)
                     for kind in kinds for what, table in (("wall_ms", wall), ("cpu_ms", cpu))}
              for name in scenes}
    result["filtered"]["filter_params"] = int(scenes["filtered"].filter_params.numel())
    print(json.dumps({"shapes": args.shapes, "size": args.size, "repeats": args.repeats, "threads": 1,
                      "load_average": round(os.getloadavg()[0], 1), "median": result,
                      "filter_cost_ratio_fwd_bwd_cpu": round(result["filtered"]["forward_backward_cpu_ms"] /
                                                             result["plain"]["forward_backward_cpu_ms"], 2)}, indent=1))


if __name__ == "__main__":
    main()
