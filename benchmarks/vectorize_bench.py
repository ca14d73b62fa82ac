"""Vectorizer benchmark: quality, robustness to jitter and speed; prints JSON.

For each scikit-image sample (astronaut, coffee, chelsea, rocket, camera as RGB), scaled
so its longer side is 512 px:

* ``default``: ``vectorize(img)`` with no options (two rounds, 10 and 30 colours, and the
  default refinement, 24 iterations, the first half at 0.75 scale), timed end to end (wall and CPU seconds):
  what ``vecedit vectorize IMAGE -o OUT.svg`` does. The vtracer baselines below are taken
  at its path count.
* ``multi``: ``vectorize(rounds=(10, 30), refine=0)``, tracing only;
  ``multi_refined``: the same paths after ``--iterations`` (default 200; 0 skips it)
  refinement iterations (``--refine N``: from 100 on, coarse to fine).
* ``single_vtracer``: one plain VTracer round (its own colour clustering, stacked,
  spline, its own colours) at the same path count. To keep the baseline honest it is
  the *best* PSNR over VTracer settings: color_precision 6 (VTracer's default) and 8,
  layer_difference 8, 16 (default) and 32, each with the largest filter_speckle whose
  trace has at least as many paths, capped to exactly the multi-round count by dropping
  the smallest paths. ``single_vtracer_fitted``: that trace with our per-path colour fit
  (:func:`vecedit.vectorizers.recolor.fit_colors`), a still stronger baseline.
* ``single_ours``: ``vectorize(rounds=(30,))``, the fine round alone.
* ``skimage_multi``: the multi-round trace with the scikit-image backend (for the choice
  of default backend).
* PSNR / SSIM (``skimage.metrics``, on RGB composited on white) of the resvg render
  against the input; path counts; seconds.

Robustness to editing, every control point jittered by N(0, 2 px) (seed 0), rendered by
resvg:

* ``crack_fraction`` (the issue's metric): share of pixels whose total coverage (alpha
  on a transparent canvas) is below 0.5. Our rounds are traced in VTracer's *stacked*
  mode (every shape keeps its holes filled, so a seam shows the shape beneath) and bleed
  past the image border, so single and multi-round alike score 0: the bar is met but
  tells nothing.
* ``cutout``: the same pipeline with VTracer's *cutout* mode (shapes that do not
  overlap, as most tracers produce): the crack fraction of one round (30 colours)
  against two rounds (10, 30). This isolates what multiple rounds do for seams.
* ``jitter_psnr`` and ``jitter_psnr_drop_db``: PSNR of the jittered render (on white)
  and how far below the clean render's it is: how much the picture degrades, cracks or
  not. A refined result has more to lose (its edges sit to the pixel), so compare its
  ``jitter_psnr`` too, not only the drop.

Speed: ``trace_s`` is tracing without refinement; ``refine_s`` is the wall time of the
refinement above (``refine_cpu_s`` its process CPU time, less sensitive to other load).
The machine's load average is recorded at the start and the end.

    python benchmarks/vectorize_bench.py                 # the full run (long: about 10 minutes a image)
    python benchmarks/vectorize_bench.py --iterations 50
    python benchmarks/vectorize_bench.py --images camera --iterations 5 --threads 1
    python benchmarks/vectorize_bench.py --default-only     # the default's row and its vtracer baseline
    python benchmarks/vectorize_bench.py --command-line --repeat 3   # `vecedit vectorize IMAGE -o OUT.svg -q`, timed
    python benchmarks/vectorize_bench.py --command-line --repeat 2 --against-env MALLOC_PERTURB_=0
    python benchmarks/vectorize_bench.py --command-line --repeat 2 --against-python ../old/.venv/bin/python

``--command-line`` times the command itself, each run a fresh process as a user starts it
(wall seconds, the command's CPU seconds, the load average just before), and reports the
PSNR / SSIM of the SVG it wrote; ``wall_le_10s`` is the issue's bar (every run of every image).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

IMAGES = ("astronaut", "coffee", "chelsea", "rocket", "camera")
SIGMA = 2.0
BAR_ITERATIONS = 200
VTRACER_SETTINGS = [(cp, ld) for cp in (6, 8) for ld in (8, 16, 32)]
SPECKLES = (32, 24, 16, 12, 8, 6, 4, 3, 2, 1)


def load(name: str, side: int = 512) -> np.ndarray:
    from PIL import Image
    from skimage import data

    img = getattr(data, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, -1)
    img = img[..., :3]
    h, w = img.shape[:2]
    scale = side / max(h, w)
    size = (round(w * scale), round(h * scale))
    return np.asarray(Image.fromarray(img).resize(size, Image.Resampling.LANCZOS))


def on_white(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.float64)
    return rgba[..., :3] * alpha + (1.0 - alpha)


def quality(svg: str, img: np.ndarray) -> dict:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    from vecedit.render.reference import render_reference

    h, w = img.shape[:2]
    out = on_white(render_reference(svg, width=w, height=h))
    ref = img.astype(np.float64) / 255.0
    return {
        "psnr": round(float(peak_signal_noise_ratio(ref, out, data_range=1.0)), 3),
        "ssim": round(float(structural_similarity(ref, out, data_range=1.0, channel_axis=-1)), 4),
    }


def jitter(layers, img: np.ndarray, clean_psnr: float, seed: int = 0) -> dict:
    """Every control point moved by N(0, SIGMA) px: crack fraction and PSNR drop."""
    from skimage.metrics import peak_signal_noise_ratio

    from vecedit.render.reference import render_reference
    from vecedit.vectorizers.stack import to_svg

    h, w = img.shape[:2]
    rng = np.random.default_rng(seed)
    moved = copy.deepcopy(layers)
    for layer in moved:
        for path in layer.paths:
            path.subpaths = [s + rng.normal(0.0, SIGMA, s.shape) for s in path.subpaths]
    rgba = render_reference(to_svg(moved, w, h), width=w, height=h)
    psnr = peak_signal_noise_ratio(img.astype(np.float64) / 255.0, on_white(rgba), data_range=1.0)
    return {"crack_fraction": round(float((rgba[..., 3] < 0.5).mean()), 6),
            "jitter_psnr": round(float(psnr), 3), "jitter_psnr_drop_db": round(clean_psnr - float(psnr), 3)}


def measured(layers, img: np.ndarray, **extra) -> dict:
    from vecedit.vectorizers.stack import to_svg

    h, w = img.shape[:2]
    q = quality(to_svg(layers, w, h), img)
    return {"paths": sum(len(l.paths) for l in layers), **extra, **q, **jitter(layers, img, q["psnr"])}


def single_vtracer(img: np.ndarray, n_paths: int):
    """The best (PSNR) plain VTracer trace over :data:`VTRACER_SETTINGS`, capped to ``n_paths``."""
    from vecedit.vectorizers.stack import Layer, cap, to_svg
    from vecedit.vectorizers.vtracer_backend import VtracerTracer

    h, w = img.shape[:2]
    tracer = VtracerTracer()
    best, tried = None, []
    for precision, difference in VTRACER_SETTINGS:
        for speckle in SPECKLES:
            start = time.perf_counter()
            paths = tracer.trace_pixels(img, filter_speckle=speckle, color_precision=precision,
                                        layer_difference=difference)
            seconds = time.perf_counter() - start
            if len(paths) >= n_paths or speckle == SPECKLES[-1]:
                break
        traced = len(paths)
        layers = [Layer("vtracer", 0, paths)]
        cap(layers, n_paths)
        psnr = quality(to_svg(layers, w, h), img)["psnr"]
        settings = {"color_precision": precision, "layer_difference": difference, "filter_speckle": speckle,
                    "traced_paths": traced, "seconds": round(seconds, 3), "psnr": psnr}
        tried.append(settings)
        if best is None or psnr > best[1]["psnr"]:
            best = (layers, settings)
    return best[0], best[1], tried


def cutout_rounds(img: np.ndarray) -> dict:
    """Cracks under jitter with non-overlapping (cutout) shapes: one round against two."""
    from vecedit.vectorizers import api
    from vecedit.vectorizers.vtracer_backend import VtracerTracer

    tracer = VtracerTracer(hierarchical="cutout")
    single = api.run(img, rounds=(30,), backend=tracer, refine=0)
    multi = api.run(img, rounds=(10, 30), backend=tracer, refine=0)
    out = {"single": measured(single.layers, img), "multi": measured(multi.layers, img)}
    s, m = out["single"]["crack_fraction"], out["multi"]["crack_fraction"]
    out["crack_ratio_multi_over_single"] = None if s == 0 else round(m / s, 4)
    return out


def bench_image(name: str, iterations: int, default_only: bool = False) -> dict:
    from vecedit.vectorizers import api
    from vecedit.vectorizers.recolor import fit_colors
    from vecedit.vectorizers.refine import refine

    img = load(name)
    h, w = img.shape[:2]
    row: dict = {"image": name, "size": [w, h]}

    start, cpu = time.perf_counter(), time.process_time()
    default = api.run(img)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    n = default.paths
    row["default"] = measured(default.layers, img, total_s=round(seconds, 2), total_cpu_s=round(cpu, 2),
                              trace_s=round(default.seconds["trace"], 2), refine_s=round(default.seconds["refine"], 2),
                              iterations=default.refine.iterations)

    if default_only:  # the default's bar: its gain over vtracer's best single round at its path count
        base, settings, tried = single_vtracer(img, n)
        row["single_vtracer"] = measured(base, img, settings=settings, settings_tried=tried)
        row["default_psnr_gain_db"] = round(row["default"]["psnr"] - row["single_vtracer"]["psnr"], 3)
        return row

    multi = api.run(img, rounds=(10, 30), refine=0)
    row["multi"] = measured(multi.layers, img, per_round=[len(l.paths) for l in multi.layers],
                            trace_s=round(multi.seconds["trace"], 3))

    if iterations:
        layers = copy.deepcopy(multi.layers)
        start, cpu = time.perf_counter(), time.process_time()
        report = refine(layers, img, w, h, iterations)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        row["multi_refined"] = measured(
            layers, img, iterations=iterations, coarse_iterations=report.coarse_iterations,
            refine_s=round(seconds, 2), refine_cpu_s=round(cpu, 2),
            refine_s_per_iteration=round(seconds / max(1, iterations), 3),
            loss=[round(report.initial_loss, 6), round(report.best_loss, 6)])

    base, settings, tried = single_vtracer(img, n)
    row["single_vtracer"] = measured(base, img, settings=settings, settings_tried=tried)
    fitted = copy.deepcopy(base)
    fit_colors(fitted, img, w, h)
    row["single_vtracer_fitted"] = measured(fitted, img)

    single = api.run(img, rounds=(30,), refine=0)
    row["single_ours"] = measured(single.layers, img, trace_s=round(single.seconds["trace"], 3))
    row["cutout"] = cutout_rounds(img)

    sk = api.run(img, rounds=(10, 30), backend="skimage", refine=0)
    row["skimage_multi"] = measured(sk.layers, img, trace_s=round(sk.seconds["trace"], 3))

    baseline, fitted_baseline = row["single_vtracer"]["psnr"], row["single_vtracer_fitted"]["psnr"]
    row["default_psnr_gain_db"] = round(row["default"]["psnr"] - baseline, 3)
    if iterations:  # vtracer at the default's path count; --refine N's count is in its row
        row["psnr_gain_db"] = round(row["multi_refined"]["psnr"] - baseline, 3)
        row["psnr_gain_over_fitted_db"] = round(row["multi_refined"]["psnr"] - fitted_baseline, 3)
    return row


def bars(result: dict) -> dict:
    rows = result["images"]
    at_bar = result["iterations"] == BAR_ITERATIONS

    def every(test):
        return all(test(r) for r in rows)

    out = {
        "default_psnr_gain_db": {r["image"]: r["default_psnr_gain_db"] for r in rows},
        "default_gain_ge_2db_every_image": every(lambda r: r["default_psnr_gain_db"] >= 2.0),
        "default_total_s": {r["image"]: r["default"]["total_s"] for r in rows},
        "default_total_cpu_s": {r["image"]: r["default"]["total_cpu_s"] for r in rows},
        "default_le_10s_every_image": every(lambda r: r["default"]["total_s"] <= 10.0),
    }
    if result.get("default_only"):
        return out
    out |= {
        "quality_at_bar_settings": at_bar,
        "crack_fraction_multi": {r["image"]: r["multi"]["crack_fraction"] for r in rows},
        "crack_multi_le_quarter_single_ours": every(
            lambda r: r["multi"]["crack_fraction"] <= 0.25 * r["single_ours"]["crack_fraction"]),
        "crack_multi_le_quarter_single_vtracer": every(
            lambda r: r["multi"]["crack_fraction"] <= 0.25 * r["single_vtracer"]["crack_fraction"]),
        "cutout_crack_ratio_multi_over_single": {r["image"]: r["cutout"]["crack_ratio_multi_over_single"]
                                                 for r in rows},
        "cutout_crack_multi_le_quarter_single": every(
            lambda r: r["cutout"]["multi"]["crack_fraction"] <= 0.25 * r["cutout"]["single"]["crack_fraction"]),
        "trace_le_5s": every(lambda r: r["multi"]["trace_s"] <= 5.0),
    }
    if not result["iterations"]:
        return out
    out["psnr_gain_db"] = {r["image"]: r["psnr_gain_db"] for r in rows}
    out["psnr_gain_ge_2db_every_image"] = every(lambda r: r["psnr_gain_db"] >= 2.0)
    out["psnr_gain_over_fitted_db"] = {r["image"]: r["psnr_gain_over_fitted_db"] for r in rows}
    slowest = max(r["multi_refined"]["refine_s_per_iteration"] for r in rows)
    if at_bar:
        out["refine_200_s"] = {r["image"]: r["multi_refined"]["refine_s"] for r in rows}
        out["refine_200_le_120s"] = every(lambda r: r["multi_refined"]["refine_s"] <= 120.0)
    else:  # a coarse-to-fine run's cost per iteration depends on the count: a rough guide only
        out["refine_200_s_extrapolated"] = round(slowest * BAR_ITERATIONS, 1)
    return out


def command_line(names: list[str], repeat: int, against_env: Optional[str] = None,
                 against_python: Optional[str] = None) -> dict:
    """``vecedit vectorize IMAGE -o OUT.svg -q`` in fresh processes, ``repeat`` rounds over the images.

    ``against_env`` (``NAME=VALUE``): each run is paired with one under that variable too, in
    alternating order, reported as ``runs_against`` (``MALLOC_PERTURB_=0``: glibc's default
    allocator, which the command leaves alone when a ``MALLOC_*_`` variable is set).
    ``against_python``: paired the same way with the command run by that interpreter (an
    environment with another version of vecedit installed, e.g. an earlier commit's), and
    whether the two wrote the same SVG. Every command runs in a scratch folder, so the
    current directory never decides which vecedit ``-m`` imports."""
    import resource
    import subprocess
    import tempfile

    from PIL import Image

    variants = [("runs", {}, sys.executable)]
    if against_env:
        name, _, value = against_env.partition("=")
        variants.append(("runs_against", {name: value}, sys.executable))
    if against_python:
        variants.append(("runs_against", {}, against_python))
    paired = len(variants) > 1
    rows = {name: {"image": name, **{key: [] for key, _, _ in variants}} for name in names}
    with tempfile.TemporaryDirectory() as tmp:
        images = {}
        for name in names:
            images[name] = load(name)
            Image.fromarray(images[name]).save(Path(tmp) / f"{name}.png")
        for k in range(repeat):
            for name in names:
                for key, extra, python in (variants if k % 2 == 0 else variants[::-1]):
                    out = Path(tmp) / f"{name}.{key}.svg"
                    load_before = os.getloadavg()[0]
                    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    start = time.perf_counter()
                    subprocess.run([python, "-m", "vecedit", "vectorize", str(Path(tmp) / f"{name}.png"),
                                    "-o", str(out), "-q"], check=True, stdin=subprocess.DEVNULL,
                                   env={**os.environ, **extra}, cwd=tmp)
                    wall = time.perf_counter() - start
                    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
                    rows[name][key].append({"wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                                            "load_average_before": round(load_before, 2)})
                    print(json.dumps({"image": name, "variant": key, **rows[name][key][-1]}), file=sys.stderr,
                          flush=True)
            for name in names:
                written = (Path(tmp) / f"{name}.runs.svg").read_text()
                rows[name].update(quality(written, images[name]))
                if paired:
                    rows[name]["same_svg_as_against"] = written == (Path(tmp) / f"{name}.runs_against.svg").read_text()
    for row in rows.values():
        row["wall_s_best"] = min(r["wall_s"] for r in row["runs"])
        row["wall_s_worst"] = max(r["wall_s"] for r in row["runs"])
        if paired:
            for measure in ("wall_s", "cpu_s"):
                row[f"{measure}_median"] = statistics.median(r[measure] for r in row["runs"])
                row[f"{measure}_median_against"] = statistics.median(r[measure] for r in row["runs_against"])
    return {"command": "vecedit vectorize IMAGE -o OUT.svg -q", "cpus": os.cpu_count(), "against_env": against_env,
            "against_python": against_python, "images": list(rows.values()),
            "wall_le_10s": all(r["wall_s"] <= 10.0 for row in rows.values() for r in row["runs"])}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=",".join(IMAGES), help="comma-separated scikit-image sample names")
    parser.add_argument("--iterations", type=int, default=BAR_ITERATIONS,
                        help=f"refinement iterations per image (default {BAR_ITERATIONS}, the bars' setting)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (default 2: the bar's 2 cores)")
    parser.add_argument("--default-only", action="store_true",
                        help="only the default and its vtracer baseline (the default's bar; minutes, not an hour)")
    parser.add_argument("--command-line", action="store_true",
                        help="time the command `vecedit vectorize IMAGE -o OUT.svg -q` itself, in fresh processes")
    parser.add_argument("--against-env", metavar="NAME=VALUE",
                        help="with --command-line: pair each run with one under this environment variable")
    parser.add_argument("--against-python", metavar="PYTHON",
                        help="with --command-line: pair each run with one by this interpreter (another install of "
                             "vecedit, e.g. an earlier commit's environment)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds over the images with --command-line")
    args = parser.parse_args(argv)
    if args.against_env and args.against_python:
        parser.error("--against-env and --against-python: one comparison per run")
    if args.command_line:
        print(json.dumps(command_line([n.strip() for n in args.images.split(",")], args.repeat, args.against_env,
                                      args.against_python), indent=1))
        return 0
    import torch

    torch.set_num_threads(args.threads)
    iterations = 0 if args.default_only else args.iterations
    result = {"torch_threads": torch.get_num_threads(), "iterations": iterations, "sigma_px": SIGMA,
              "default_only": args.default_only, "load_average_start": os.getloadavg(), "images": []}
    for name in args.images.split(","):
        result["images"].append(bench_image(name.strip(), iterations, args.default_only))
        print(json.dumps(result["images"][-1]), file=sys.stderr, flush=True)
    result["load_average_end"] = os.getloadavg()
    result["bars"] = bars(result)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
