"""StyleStudio plugin: CPU cost of each loss term, and what short runs achieve.

* ``terms_ms``: forward + backward of each term on a 224 × 224 render (median of
  ``REPEATS``): colour and tone statistics, the per-pixel hold of an unchosen element, the
  layout teacher, texture from the filter bank and from a randomly initialised open_clip
  ViT-B-32's patch tokens (blocks 2, 4, 6; timings do not depend on the weights, what the
  texture statistics mean does);
* ``runs``: ``samples/landscape.svg`` (320 × 200, full size) toward ``samples/style-dusk.png``
  with ``ITERATIONS`` steps, colour only and tone only (no encoder needed): seconds per
  iteration, how far the chosen statistics are from the style's before and after (OKLab,
  in just-noticeable differences of 0.02), and how far the unchosen ones drifted; the
  tone run's chroma drift is also measured in CIELAB (skimage), as a fraction of the
  distance to the style's chroma statistics;
* ``texture_run``: texture + colour with the random ViT-B-32 at a 224 px working size.

Runs on one intra-op thread (``THREADS``): the renderer's compositing loop does anyway,
and on a shared 2-core machine a second thread mostly waits.

    python benchmarks/plugin_stylestudio.py
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout first (vecedit.plugins and vecedit.vectorizers come from `pip install -e .`)
from benchkit import random_vit_b32  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

REPEATS = 10
ITERATIONS = 30
TEXTURE_ITERATIONS = 3
THREADS = 1
SVG = ROOT / "samples" / "landscape.svg"
STYLE = ROOT / "samples" / "style-dusk.png"


def median_ms(function, repeats: int = REPEATS) -> float:
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return round(1e3 * statistics.median(times), 2)


def term_timings(encoder) -> dict:
    from vecedit.plugins.stylestudio import load_style
    from vecedit.plugins.stylestudio.terms import KeepTerm, LayoutTerm, StatisticsTerm, TextureTerm
    from vecedit.plugins.stylestudio.texture import FilterBankFeatures, TokenFeatures, vision_tower
    from vecedit.losses.terms import Context

    style = load_style(STYLE)
    initial = torch.rand(224, 224, 3, generator=torch.Generator().manual_seed(0))
    terms = {
        "style_color": StatisticsTerm("color", 1.0, style, (224, 224)),
        "style_tone": StatisticsTerm("tone", 1.0, style, (224, 224)),
        "keep_color": KeepTerm("color", 1.0, (224, 224)),
        "layout": LayoutTerm(10.0),
        "texture_filters": TextureTerm(FilterBankFeatures(), 1.0, style, (224, 224)),
        "texture_vit_b32": TextureTerm(TokenFeatures(encoder, vision_tower(encoder)), 1.0, style, (224, 224)),
    }
    out = {}
    for name, term in terms.items():
        term.prepare(Context(None, initial, initial, 0, torch.Generator()))
        image = (initial * 0.9 + 0.05).requires_grad_(True)

        def step(term=term, image=image):
            sum(term(Context(None, image, initial, 1, torch.Generator())).values()).backward()

        out[name] = median_ms(step, 3 if name == "texture_vit_b32" else REPEATS)
    return out


def distance(a, b) -> float:
    return float((torch.cat(a) - torch.cat(b)).norm())


def cielab_chroma(rgb) -> np.ndarray:
    from skimage.color import rgb2lab

    lab = rgb2lab(np.asarray(rgb, dtype=np.float64))
    a, b = lab[..., 1].ravel(), lab[..., 2].ravel()
    return np.array([a.mean(), a.std(), b.mean(), b.std(), np.hypot(a, b).mean(), np.hypot(a, b).std()])


def style_run(elements: str) -> dict:
    from vecedit.plugins.stylestudio import load_style
    from vecedit.plugins.stylestudio.functional import JND, colour_moments, tone_moments
    from vecedit.edit.config import EditConfig
    from vecedit.edit.loop import Editor

    config = EditConfig(iterations=ITERATIONS, seed=0, plugin="stylestudio",
                        plugin_options={"style": str(STYLE), "elements": elements})
    config.lr.color = 0.03
    start = time.perf_counter()
    editor = Editor(str(SVG), config)
    state = editor.run()
    seconds = time.perf_counter() - start
    style = load_style(STYLE)
    before, after = editor.initial, state.image
    tone = lambda image: tone_moments(image, 0.02 * max(image.shape[:2]))  # noqa: E731
    measures = {"color": colour_moments, "tone": tone}
    result = {"elements": elements, "iterations": ITERATIONS, "canvas": list(before.shape[1::-1]),
              "s_per_iteration": round(state.timings["iteration"] / ITERATIONS, 3),
              "total_s": round(seconds, 1)}
    for name, moments in measures.items():
        if name in elements:
            result[f"{name}_to_style_jnd"] = [round(distance(moments(x), moments(style)) / JND, 2)
                                              for x in (before, after)]
        else:
            result[f"{name}_drift_jnd"] = round(distance(moments(after), moments(before)) / JND, 2)
    if elements == "tone":
        drift = np.linalg.norm(cielab_chroma(after) - cielab_chroma(before))
        result["cielab_chroma_drift_of_style_distance"] = round(
            float(drift / np.linalg.norm(cielab_chroma(style) - cielab_chroma(before))), 3)
    return result


def texture_run(encoder) -> dict:
    from vecedit.edit.config import EditConfig
    from vecedit.edit.loop import Editor

    config = EditConfig(iterations=TEXTURE_ITERATIONS, seed=0, plugin="stylestudio", work_size="224",
                        plugin_options={"style": str(STYLE), "elements": "texture,color"})
    editor = Editor(str(SVG), config, encoder=encoder)
    state = editor.run()
    return {"elements": "texture,color", "iterations": TEXTURE_ITERATIONS, "canvas": [editor.scene.width,
                                                                                    editor.scene.height],
            "s_per_iteration": round(state.timings["iteration"] / TEXTURE_ITERATIONS, 3),
            "render_s_per_iteration": round(state.timings["render"] / TEXTURE_ITERATIONS, 3)}


def measure() -> dict:
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS)
    try:
        encoder = random_vit_b32()
        return {
            "encoder": "open_clip ViT-B-32, random weights (timings only), texture from blocks 2, 4, 6",
            "threads": THREADS,
            "load_average": [round(v, 1) for v in os.getloadavg()],
            "terms_ms_224px": term_timings(encoder),
            "runs": [style_run("color"), style_run("tone")],
            "texture_run": texture_run(encoder),
        }
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
