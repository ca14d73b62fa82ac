"""Edit loop speed: where one iteration's time goes (render, encoder forward+backward, the rest).

The document: skimage's astronaut (512²) vectorized to about 1000 paths when the
vectorizer is installed, else a random scene of 1000 closed paths written as SVG. The
encoder: an open_clip ViT-B-32 with RANDOM weights (timing only: the architecture and
input size are CLIP's, the meaning is not). One ROI (the whole canvas), 16 and 64
patches. Per configuration: one warm-up iteration, then ``--iterations`` timed ones. The
process reuses freed memory as the ``vecedit`` command does (``--allocator glibc``: not).

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
Each configuration runs in a process of its own (the allocator is a setting of the
process), stepped through pipes. Configurations (:data:`CONFIGS`): ``before`` is the
encoder as open_clip builds it in float32 with glibc's default allocator (this issue's
starting point), ``after`` the faster layout at ``--precision auto`` with freed memory
reused as the ``vecedit`` command sets it (:mod:`vecedit.allocator`), ``fp32`` / ``bf16``
the faster layout at that precision, ``glibc`` = ``after`` with glibc's default allocator.

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
CONFIGS = {  # name: (encoder layout, precision, allocator)
    "before": ("as_built", "fp32", "glibc"),
    "after": ("fast", "auto", "reuse"),
    "fp32": ("fast", "fp32", "reuse"),
    "bf16": ("fast", "bf16", "reuse"),
    "glibc": ("fast", "auto", "glibc"),
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
    """Configurations ``names`` stepped in turn, each in a process of its own (see the module docstring)."""
    import subprocess
    import tempfile
    from pathlib import Path

    from vecedit.svg import dumps_svg

    folder = Path(tempfile.mkdtemp(prefix="edit-bench-"))
    (folder / "doc.svg").write_text(dumps_svg(doc))
    workers = []
    for name in names:
        command = [sys.executable, __file__, "--worker", name, "--patches", str(patches), "--work-sizes", work_size,
                   "--iterations", str(iterations), "--folder", str(folder)]
        workers.append(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1))
    try:
        for worker in workers:
            _reply(worker)  # built and ready
        seconds = [[] for _ in workers]
        for k in range(1 + iterations):  # the first iteration of each warms caches up
            for i in (range(len(workers)) if k % 2 == 0 else reversed(range(len(workers)))):
                workers[i].stdin.write("step\n")
                seconds[i].append(_reply(workers[i])["seconds"])
        finals = []
        for i, worker in enumerate(workers):
            worker.stdin.write("end\n")
            finals.append(_reply(worker))
    finally:
        for worker in workers:
            worker.stdin.close()
            worker.wait()
    first, last = (torch.load(folder / f"{n}.pt", weights_only=True) for n in (names[0], names[-1]))
    rows = [{**final, "median_s_per_iteration": round(float(np.median(s[1:])), 3)} for final, s in zip(finals, seconds)]
    pairs = [a / b for a, b in zip(seconds[0][1:], seconds[-1][1:])]
    losses = list(zip(first["losses"], last["losses"]))
    loss_rel = max(abs(a - b) / max(abs(a), 1e-12) for a, b in losses)
    mse = float((first["render"] - last["render"]).square().mean())
    psnr = 10 * np.log10(1 / max(mse, 1e-20))
    facts = {"loss_curve_max_relative_difference": loss_rel, "final_render_psnr_db": round(psnr, 1)}
    for name in ("points", "colors"):
        if name in first["params"]:
            d = (first["params"][name] - last["params"][name]).abs()
            unit = "_px" if name == "points" else ""
            facts[f"final_{name}_mean_difference{unit}"] = float(d.mean())
            facts[f"final_{name}_max_difference{unit}"] = float(d.max())
    within = loss_rel <= TOLERANCE["loss_relative"] and psnr >= TOLERANCE["render_psnr_db"]
    return {
        "compare": f"{names[0]} vs {names[-1]}", "patches": patches, "work_size": work_size,
        "canvas": rows[0]["canvas"], "iterations": 1 + iterations, "iterations_timed": iterations,
        "processes": "one per configuration, stepped in turn (who goes first alternates)",
        "results": rows,
        "ratio": round(rows[0]["median_s_per_iteration"] / rows[-1]["median_s_per_iteration"], 3),
        "ratio_median_of_pairs": round(float(np.median(pairs)), 3),
        "equivalence": {**facts, "tolerance": TOLERANCE, "within_tolerance": bool(within),
                        "loss_curves": [[round(a, 5), round(b, 5)] for a, b in losses]},
    }


def _reply(worker) -> dict:
    line = worker.stdout.readline()
    if not line:
        raise RuntimeError(f"an edit_bench worker exited ({worker.wait()}); see its output above")
    return json.loads(line)


def worker(name: str, patches: int, work_size: str, iterations: int, folder: str) -> None:
    """One configuration of ``--compare``: build, then one edit step per ``step`` line on stdin, a JSON
    line back each; at ``end``, the loss curve, parameters and render saved to ``FOLDER/NAME.pt``."""
    import contextlib
    from pathlib import Path

    from vecedit.edit.config import EditConfig
    from vecedit.edit.loop import Editor
    from vecedit.losses.encoders import as_built
    from vecedit.svg import load_svg

    layout, precision, allocator = CONFIGS[name]
    if allocator == "reuse":
        from vecedit.allocator import reuse_freed_memory

        reuse_freed_memory()
    encoder = random_vit_b32("cpu")
    config = EditConfig(prompt="a photo of an astronaut on the moon", patches=patches, iterations=1 + iterations,
                        work_size=work_size, device="cpu", precision=precision)
    editor = Editor(load_svg((Path(folder) / "doc.svg").read_text()), config, encoder=encoder)
    plain = as_built(encoder.model.visual) if layout == "as_built" else contextlib.nullcontext()
    print(json.dumps({"ready": name}), flush=True)
    for line in sys.stdin:
        if line.strip() == "step":
            with plain:
                started = time.perf_counter()
                editor.step()
                print(json.dumps({"seconds": time.perf_counter() - started}), flush=True)
        elif line.strip() == "end":
            with torch.no_grad():
                render = editor.render()
            torch.save({"losses": [h["total"] for h in editor.state.history], "render": render,
                        "params": {k: t.detach() for k, t in editor.params.items()}}, Path(folder) / f"{name}.pt")
            n = max(1, editor.state.iteration)
            print(json.dumps({"config": name, "layout": layout, "precision": editor.encoder.precision,
                              "allocator": allocator, "canvas": f"{editor.scene.width}x{editor.scene.height}",
                              "mean_s": {k: round(v / n, 3) for k, v in editor.state.timings.items()},
                              "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}),
                  flush=True)


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
    parser.add_argument("--allocator", choices=("reuse", "glibc"), default="reuse",
                        help="reuse freed memory as the vecedit command does (default), or glibc's default")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, int(args.patches), args.work_sizes, args.iterations, args.folder)
        return
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
    if args.allocator == "reuse":
        from vecedit.allocator import reuse_freed_memory

        reuse_freed_memory()
    encoder = random_vit_b32("cpu")
    rows = [measure(doc, encoder, int(p), w, args.iterations, "cpu")
            for w in args.work_sizes.split(",") for p in args.patches.split(",")]
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(), "machine": platform.machine(),
        "python": sys.version.split()[0], "allocator": args.allocator, "document": document,
        "encoder": encoder.description,
        "bar": "render + other <= 25% of the iteration (encoder forward+backward >= 75%)",
        "results": rows,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
