"""Edit loop speed: where one iteration's time goes (render, encoder forward+backward, the rest).

The document: skimage's astronaut (512²) vectorized to about 1000 paths when the
vectorizer is installed, else a random scene of 1000 closed paths written as SVG. The
encoder: an open_clip ViT-B-32 with RANDOM weights (timing only: the architecture and
input size are CLIP's, the meaning is not). One ROI (the whole canvas), 16 and 64
patches. Per configuration: one warm-up iteration, then ``--iterations`` timed ones.

``render`` is the renderer's forward and backward; ``encoder`` the image tower's forward
and backward (measured with autograd hooks on its input and output); ``other`` is
everything else (views and augmentation, loss, Adam, clamping, the NaN guard). The bar:
``other + render`` ≤ 25 % of the iteration. ``--work-size auto`` (the default of
``vecedit edit``) renders only as large as the encoder sees the ROI; ``full`` renders at
the document's 512².

    python benchmarks/edit_bench.py [--patches 16,64] [--work-sizes auto,full] [--iterations 2]
    python benchmarks/edit_bench.py --cuda-total   # on a GPU: 64 patches, 150 iterations, seconds
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time

import vecedit  # noqa: F401  (before torch, as in the vecedit command: passive OpenMP waiting)
import numpy as np
import torch
from benchkit import random_blob, random_vit_b32

BAR = 0.25


def make_document(paths: int, seed: int = 0):
    """(Document, description): the astronaut vectorized to about ``paths`` paths, or a random scene."""
    from vecedit.svg import load_svg

    try:
        import skimage.data
        from vecedit.vectorizers.api import vectorize

        doc = vectorize(skimage.data.astronaut(), rounds=(12, 36, 72), max_paths=paths, seed=seed)
        from vecedit.svg import dumps_svg

        doc = load_svg(dumps_svg(doc))
        return doc, f"skimage astronaut vectorized (rounds 12/36/72, at most {paths} paths)"
    except ImportError:
        return load_svg(random_svg(paths, 512, seed)), f"random scene of {paths} closed paths"


def random_svg(n: int, size: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}">']
    for i in range(n):
        pts = random_blob(rng, size)
        k = len(pts) // 3
        d = f"M{pts[0, 0]:.2f} {pts[0, 1]:.2f}" + "".join(
            f" C{pts[j, 0]:.2f} {pts[j, 1]:.2f} {pts[j + 1, 0]:.2f} {pts[j + 1, 1]:.2f} "
            f"{pts[(j + 2) % (3 * k), 0]:.2f} {pts[(j + 2) % (3 * k), 1]:.2f}" for j in range(1, 3 * k, 3)) + " Z"
        rgb = rng.integers(0, 256, 3)
        parts.append(f'<path id="p{i}" d="{d}" fill="rgb({rgb[0]},{rgb[1]},{rgb[2]})" '
                     f'fill-opacity="{rng.uniform(0.3, 1):.2f}"/>')
    return "\n".join(parts + ["</svg>"])


def measure(doc, encoder, patches: int, work_size: str, iterations: int, device: str) -> dict:
    from vecedit.edit.config import EditConfig
    from vecedit.edit.loop import Editor

    config = EditConfig(prompt="a photo of an astronaut on the moon", patches=patches, iterations=1 + iterations,
                        work_size=work_size, device=device)
    editor = Editor(doc, config, encoder=encoder)
    per_iteration = []

    class Record:
        last: dict = {}

        def on_step(self, state):
            now = dict(state.timings)
            per_iteration.append({k: now[k] - self.last.get(k, 0.0) for k in now})
            self.last = now

    editor.callbacks.append(Record())
    started = time.perf_counter()
    editor.run()
    wall = time.perf_counter() - started
    timed = per_iteration[1:]  # the first iteration warms caches up
    mean = {k: float(np.mean([t[k] for t in timed])) for k in timed[0]}
    share = {k: mean[k] / mean["iteration"] for k in ("render", "encoder", "other")}
    return {
        "patches": patches,
        "work_size": work_size,
        "canvas": f"{editor.scene.width}x{editor.scene.height}",
        "encoder_batch": 1 + patches,
        "iterations_timed": len(timed),
        "seconds_per_iteration": round(mean["iteration"], 3),
        "render_s": round(mean["render"], 3),
        "encoder_forward_backward_s": round(mean["encoder"], 3),
        "other_s": round(mean["other"], 3),
        "share": {k: round(v, 3) for k, v in share.items()},
        "not_encoder_share": round(share["render"] + share["other"], 3),
        "bar_not_encoder_le_25pct": bool(share["render"] + share["other"] <= BAR),
        "wall_s_including_setup": round(wall, 1),
    }


def cuda_total(doc, iterations: int = 150) -> dict:
    from vecedit.edit.config import EditConfig
    from vecedit.edit.loop import Editor

    encoder = random_vit_b32("cuda")
    config = EditConfig(prompt="a photo of an astronaut on the moon", patches=64, iterations=iterations,
                        device="cuda", work_size="full")
    started = time.perf_counter()
    editor = Editor(doc, config, encoder=encoder)
    state = editor.run()
    torch.cuda.synchronize()
    total = time.perf_counter() - started
    n = max(1, state.iteration)
    return {"device": torch.cuda.get_device_name(), "iterations": state.iteration, "patches": 64,
            "work_size": "full", "total_s": round(total, 1),
            "mean_s": {k: round(v / n, 4) for k, v in state.timings.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--patches", default="16,64")
    parser.add_argument("--work-sizes", default="auto,full")
    parser.add_argument("--iterations", type=int, default=2, help="timed iterations per configuration")
    parser.add_argument("--cuda-total", action="store_true", help="64 patches × 150 iterations on CUDA")
    args = parser.parse_args()
    started = time.perf_counter()
    doc, description = make_document(args.paths)
    document = {"source": description, "paths": len(doc.shapes()), "size": f"{doc.width:g}x{doc.height:g}",
                "seconds_to_make": round(time.perf_counter() - started, 1)}
    if args.cuda_total:
        print(json.dumps({"document": document, "cuda": cuda_total(doc)}, indent=1))
        return
    encoder = random_vit_b32("cpu")
    rows = [measure(doc, encoder, int(p), w, args.iterations, "cpu")
            for w in args.work_sizes.split(",") for p in args.patches.split(",")]
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine(),
        "python": sys.version.split()[0], "document": document, "encoder": encoder.description,
        "bar": "render + other <= 25% of the iteration (encoder forward+backward >= 75%)",
        "results": rows,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
