"""Vectorizer benchmark: quality, crack robustness and speed; prints JSON.

For each scikit-image sample (astronaut, coffee, chelsea, rocket, camera as RGB), scaled
so its longer side is 512 px:

* ``multi``: ``vectorize(rounds=(10, 30))`` with the default backend, no refinement;
  ``multi_refined``: the same paths after ``--iterations`` refinement iterations.
* ``single_vtracer``: one plain VTracer round (its own colour clustering, stacked,
  spline) at the same path count: the largest ``filter_speckle`` whose trace has at
  least as many paths, capped to exactly the multi-round count by dropping the smallest.
* ``single_ours``: ``vectorize(rounds=(30,))``, the fine round alone.
* ``skimage_multi``: the multi-round trace with the scikit-image backend (for the choice
  of default backend).
* PSNR / SSIM (``skimage.metrics``, on RGB composited on white) of the resvg render
  against the input; path counts; seconds.
* Cracks: every control point jittered by N(0, 2 px) (seed 0), rendered by resvg on a
  transparent canvas; the crack fraction is the share of pixels with alpha < 0.5.

Speed: ``trace_s`` is tracing without refinement; ``refine_s_per_iteration`` is measured
over the refinement above, and ``--timing-iterations`` (default 200) runs one full timed
refinement on ``--timing-image``.

    python benchmarks/vectorize_bench.py                 # the full run (long: tens of minutes)
    python benchmarks/vectorize_bench.py --iterations 50 --timing-iterations 0
    python benchmarks/vectorize_bench.py --images camera --iterations 5 --timing-iterations 0
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

IMAGES = ("astronaut", "coffee", "chelsea", "rocket", "camera")
SIGMA = 2.0


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


def quality(svg: str, img: np.ndarray) -> dict:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    from vecedit.render.reference import render_reference

    h, w = img.shape[:2]
    out = render_reference(svg, width=w, height=h, background=(1.0, 1.0, 1.0))[..., :3].astype(np.float64)
    ref = img.astype(np.float64) / 255.0
    return {
        "psnr": round(float(peak_signal_noise_ratio(ref, out, data_range=1.0)), 3),
        "ssim": round(float(structural_similarity(ref, out, data_range=1.0, channel_axis=-1)), 4),
    }


def crack_fraction(layers, w: int, h: int, seed: int = 0) -> float:
    from vecedit.render.reference import render_reference
    from vectorizers.stack import to_svg

    rng = np.random.default_rng(seed)
    jittered = copy.deepcopy(layers)
    for layer in jittered:
        for path in layer.paths:
            path.subpaths = [s + rng.normal(0.0, SIGMA, s.shape) for s in path.subpaths]
    alpha = render_reference(to_svg(jittered, w, h), width=w, height=h)[..., 3]
    return round(float((alpha < 0.5).mean()), 6)


def single_vtracer(img: np.ndarray, n_paths: int):
    from vectorizers.stack import Layer, cap
    from vectorizers.vtracer_backend import VtracerTracer

    tracer = VtracerTracer()
    chosen = None
    for speckle in (32, 24, 16, 12, 8, 6, 4, 3, 2, 1):
        start = time.perf_counter()
        paths = tracer.trace_pixels(img, filter_speckle=speckle, color_precision=6, layer_difference=16)
        seconds = time.perf_counter() - start
        chosen = (speckle, paths, seconds)
        if len(paths) >= n_paths:
            break
    speckle, paths, seconds = chosen
    layers = [Layer("vtracer", 0, paths)]
    traced = len(paths)
    cap(layers, n_paths)
    return layers, {"filter_speckle": speckle, "traced_paths": traced, "seconds": round(seconds, 3)}


def bench_image(name: str, iterations: int) -> dict:
    from vectorizers import api
    from vectorizers.refine import refine
    from vectorizers.stack import to_svg

    img = load(name)
    h, w = img.shape[:2]
    row: dict = {"image": name, "size": [w, h]}

    multi = api.run(img, rounds=(10, 30))
    n = multi.paths
    row["multi"] = {"paths": n, "per_round": [len(l.paths) for l in multi.layers],
                    "trace_s": round(multi.seconds["trace"], 3), **quality(multi.svg, img),
                    "crack_fraction": crack_fraction(multi.layers, w, h)}

    layers = copy.deepcopy(multi.layers)
    start = time.perf_counter()
    report = refine(layers, img, w, h, iterations)
    seconds = time.perf_counter() - start
    svg = to_svg(layers, w, h)
    row["multi_refined"] = {"paths": sum(len(l.paths) for l in layers), "iterations": iterations,
                            "refine_s": round(seconds, 2),
                            "refine_s_per_iteration": round(seconds / max(1, iterations), 3),
                            "loss": [round(report.initial_loss, 6), round(report.best_loss, 6)],
                            **quality(svg, img), "crack_fraction": crack_fraction(layers, w, h)}

    base_layers, info = single_vtracer(img, n)
    row["single_vtracer"] = {"paths": sum(len(l.paths) for l in base_layers), **info,
                             **quality(to_svg(base_layers, w, h), img),
                             "crack_fraction": crack_fraction(base_layers, w, h)}

    single = api.run(img, rounds=(30,))
    row["single_ours"] = {"paths": single.paths, "trace_s": round(single.seconds["trace"], 3),
                          **quality(single.svg, img), "crack_fraction": crack_fraction(single.layers, w, h)}

    sk = api.run(img, rounds=(10, 30), backend="skimage")
    row["skimage_multi"] = {"paths": sk.paths, "trace_s": round(sk.seconds["trace"], 3), **quality(sk.svg, img),
                            "crack_fraction": crack_fraction(sk.layers, w, h)}

    gain = row["multi_refined"]["psnr"] - row["single_vtracer"]["psnr"]
    row["psnr_gain_db"] = round(gain, 3)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", default=",".join(IMAGES), help="comma-separated scikit-image sample names")
    parser.add_argument("--iterations", type=int, default=200, help="refinement iterations per image (default 200)")
    parser.add_argument("--timing-image", default="camera")
    parser.add_argument("--timing-iterations", type=int, default=200,
                        help="one timed refinement of this many iterations on --timing-image (0: skip)")
    args = parser.parse_args(argv)
    import torch

    rows = []
    for name in args.images.split(","):
        rows.append(bench_image(name.strip(), args.iterations))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    result = {"torch_threads": torch.get_num_threads(), "sigma_px": SIGMA, "images": rows}
    if args.timing_iterations:
        from vectorizers import api

        img = load(args.timing_image)
        multi = api.run(img, rounds=(10, 30), refine=args.timing_iterations)
        result["timing"] = {"image": args.timing_image, "paths": multi.paths,
                            "trace_s": round(multi.seconds["trace"], 2),
                            "refine_iterations": args.timing_iterations,
                            "refine_s": round(multi.seconds["refine"], 1)}
    result["bars"] = bars(result)
    print(json.dumps(result, indent=1))
    return 0


def bars(result: dict) -> dict:
    rows = result["images"]
    gains = {r["image"]: r["psnr_gain_db"] for r in rows}
    ratios = {}
    for r in rows:
        single = r["single_ours"]["crack_fraction"]
        ratios[r["image"]] = None if single == 0 else round(r["multi"]["crack_fraction"] / single, 4)
    out = {
        "psnr_gain_ge_2db_every_image": all(g >= 2.0 for g in gains.values()),
        "psnr_gain_db": gains,
        "crack_ratio_multi_over_single_ours": ratios,
        "crack_multi_le_quarter_single_ours": all(
            r["multi"]["crack_fraction"] <= 0.25 * r["single_ours"]["crack_fraction"] for r in rows),
        "crack_multi_le_quarter_single_vtracer": all(
            r["multi"]["crack_fraction"] <= 0.25 * r["single_vtracer"]["crack_fraction"] for r in rows),
        "trace_le_5s": all(r["multi"]["trace_s"] <= 5.0 for r in rows),
    }
    if "timing" in result:
        out["refine_200_le_120s"] = result["timing"]["refine_s"] <= 120.0
    else:
        per = max(r["multi_refined"]["refine_s_per_iteration"] for r in rows)
        out["refine_200_s_extrapolated"] = round(per * 200, 1)
        out["refine_200_le_120s_extrapolated"] = per * 200 <= 120.0
    return out


if __name__ == "__main__":
    sys.exit(main())
