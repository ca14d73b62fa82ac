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

``--compare A,B`` runs two configurations on the same document, encoder weights and seed,
one iteration of each in turn (who goes first alternates), and prints per configuration
the median seconds per iteration, the ratio A/B, and how far apart the two runs are: the
loss curve (largest relative difference at any iteration) and the final parameters
(largest difference of points in canvas px and of colours), against :data:`TOLERANCE`.
Configurations (:data:`CONFIGS`): ``before`` is the encoder as open_clip builds it in
float32 (this issue's starting point), ``after`` the faster layout at ``--precision auto``,
``fp32`` / ``bf16`` the faster layout at that precision.

    python benchmarks/edit_bench.py [--patches 16,64] [--work-sizes auto,full] [--iterations 2]
    python benchmarks/edit_bench.py --compare before,after --patches 64 --work-sizes full --iterations 20
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
CONFIGS = {  # name: (encoder layout, precision)
    "before": ("as_built", "fp32"),
    "after": ("fast", "auto"),
    "fp32": ("fast", "fp32"),
    "bf16": ("fast", "bf16"),
}
# Adam normalises each gradient, so a parameter whose gradient is ~0 (a point hidden under
# other shapes) moves a whole step on noise in its last bits: even two float32 runs that
# differ only in summation order end a few steps apart there (measured: 0.49 px at most,
# 0.05 px on average after 3 iterations, with an identical picture, 85 dB). So the bar is
# on the loss curve and the final picture; parameter differences are reported as measured.
TOLERANCE = {"loss_relative": 0.01, "render_psnr_db": 40.0}


def make_document(paths: int, seed: int = 0):
    """(Document, description): the astronaut vectorized to about ``paths`` paths, or a random scene."""
    from vecedit.svg import load_svg

    try:
        import skimage.data
        from vecedit.vectorizers.api import vectorize

        doc = vectorize(skimage.data.astronaut(), rounds=(12, 36, 72), max_paths=paths, seed=seed, refine=0)
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


def compare(doc, names: list[str], patches: int, work_size: str, iterations: int) -> dict:
    """Configurations ``names`` stepped in turn (see the module docstring)."""
    import contextlib
    import copy

    from vecedit.edit.config import EditConfig
    from vecedit.edit.loop import Editor
    from vecedit.losses.encoders import as_built

    encoder = random_vit_b32("cpu")
    runs = []
    for name in names:
        layout, precision = CONFIGS[name]
        config = EditConfig(prompt="a photo of an astronaut on the moon", patches=patches, iterations=1 + iterations,
                            work_size=work_size, device="cpu", precision=precision)
        editor = Editor(copy.deepcopy(doc), config, encoder=encoder)
        runs.append({"name": name, "layout": layout, "editor": editor, "seconds": []})
    for k in range(1 + iterations):  # the first iteration of each warms caches up
        for run in runs if k % 2 == 0 else runs[::-1]:
            plain = as_built(encoder.model.visual) if run["layout"] == "as_built" else contextlib.nullcontext()
            with plain:
                started = time.perf_counter()
                run["editor"].step()
                run["seconds"].append(time.perf_counter() - started)
    rows = []
    for run in runs:
        editor, timed = run["editor"], run["seconds"][1:]
        n = len(run["seconds"])
        rows.append({"config": run["name"], "layout": run["layout"], "precision": editor.encoder.precision,
                     "median_s_per_iteration": round(float(np.median(timed)), 3),
                     "mean_s": {k: round(v / n, 3) for k, v in editor.state.timings.items()}})
    first, last = runs[0]["editor"], runs[-1]["editor"]
    pairs = [a / b for a, b in zip(runs[0]["seconds"][1:], runs[-1]["seconds"][1:])]
    losses = [(a["total"], b["total"]) for a, b in zip(first.state.history, last.state.history)]
    loss_rel = max(abs(a - b) / max(abs(a), 1e-12) for a, b in losses)
    diffs = {name: (first.params[name] - last.params[name]).abs() for name in ("points", "colors")
             if name in first.params}
    with torch.no_grad():
        mse = float((first.render() - last.render()).square().mean())
    psnr = 10 * np.log10(1 / max(mse, 1e-20))
    facts = {"loss_curve_max_relative_difference": loss_rel, "final_render_psnr_db": round(psnr, 1)}
    for name, d in diffs.items():
        unit = "_px" if name == "points" else ""
        facts[f"final_{name}_mean_difference{unit}"] = float(d.mean())
        facts[f"final_{name}_max_difference{unit}"] = float(d.max())
    within = loss_rel <= TOLERANCE["loss_relative"] and psnr >= TOLERANCE["render_psnr_db"]
    return {
        "compare": f"{names[0]} vs {names[-1]}", "patches": patches, "work_size": work_size,
        "canvas": f"{first.scene.width}x{first.scene.height}", "iterations": 1 + iterations,
        "iterations_timed": iterations, "results": rows,
        "ratio": round(rows[0]["median_s_per_iteration"] / rows[-1]["median_s_per_iteration"], 3),
        "ratio_median_of_pairs": round(float(np.median(pairs)), 3),
        "equivalence": {**facts, "tolerance": TOLERANCE, "within_tolerance": bool(within),
                        "loss_curves": [[round(a, 5), round(b, 5)] for a, b in losses]},
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
    parser.add_argument("--compare", metavar="A,B", help=f"configurations in turn, one of {', '.join(CONFIGS)} each")
    args = parser.parse_args()
    names = args.compare.split(",") if args.compare else []
    if args.compare and (len(names) != 2 or not set(names) <= set(CONFIGS)):
        parser.error(f"--compare takes two of {', '.join(CONFIGS)}, e.g. before,after")
    started = time.perf_counter()
    doc, description = make_document(args.paths)
    document = {"source": description, "paths": len(doc.shapes()), "size": f"{doc.width:g}x{doc.height:g}",
                "seconds_to_make": round(time.perf_counter() - started, 1)}
    if args.cuda_total:
        print(json.dumps({"document": document, "cuda": cuda_total(doc)}, indent=1))
        return
    if names:
        result = compare(doc, names, int(args.patches.split(",")[-1]), args.work_sizes.split(",")[-1], args.iterations)
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine(),
                          "load_average": list(__import__("os").getloadavg()), "document": document,
                          **result, "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)},
                         indent=1))
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
