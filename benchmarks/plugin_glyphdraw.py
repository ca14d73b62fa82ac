"""GlyphDraw plugin: CPU timings of placing glyphs, the conditioning images, and an edit step.

On ``samples/landscape.svg`` (320 × 200), text into a box in the sky. Measured (median
of a few runs after a warm-up):

* ``place_latin_ms`` / ``place_chinese_ms``: layout, fitting and insertion of "SUMMER SALE"
  (DejaVu Sans) and "天空晴朗" (WenQuanYi Micro Hei, when installed) with the edit's
  default subdivision (a tenth of an em);
* ``glyph_image_ms`` / ``position_mask_ms``: the outlines rendered alone at document
  pixels, and the mask grown from them;
* ``contribute_ms``: everything the plugin adds before an edit (no inpainting model);
* ``legibility_terms_ms``: the ACAP and glyph-tone terms' forward + backward per step;
* ``edit_step_s``: one edit iteration with a CLIP-sized encoder (open_clip ViT-B-32,
  RANDOM weights: timing only) at its defaults (64 patches), split into render /
  encoder / other as the Editor times them.

No Stable Diffusion inpainting model exists on this machine, so ``sd_model`` is not
timed (it is one diffusers pipeline call on a crop of ``sd_size`` px).

``--stress`` (not part of :func:`measure`; minutes) also checks that the legibility terms
do their job: for four words (Latin in DejaVu Sans and Serif, Chinese when the CJK font is
installed) the glyphs' shapes alone are optimised for ``--stress-iterations`` steps at
shape lr 0.4 toward a random prompt under a randomly initialised, CLIP-shaped open_clip
encoder (224 px, patch 32, width 128, 2 layers: an arbitrary, strong objective), with the
legibility terms on and off; RapidOCR then reads the inserted glyphs alone on white.

    python benchmarks/plugin_glyphdraw.py [--edit-iterations 2] [--stress]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout first (vecedit.plugins and vecedit.vectorizers come from `pip install -e .`)
from benchkit import random_vit_b32, timed  # noqa: E402

SAMPLE = ROOT / "samples" / "landscape.svg"
BOX = "40,8,240,56"
LATIN, CHINESE, CJK_FONT = "SUMMER SALE", "天空晴朗", "WenQuanYi Micro Hei"


def has_cjk_font() -> bool:
    from vecedit.errors import InputError
    from vecedit.fonts.layout import resolve_font

    try:
        resolve_font(CJK_FONT)
        return True
    except InputError:
        return False


def legibility_cost(placement) -> float:
    """Seconds of the ACAP + glyph-tone terms' forward and backward, one step, at document pixels."""
    import torch

    from vecedit.plugins.glyphdraw import legibility_terms, OPTIONS
    from vecedit.losses.terms import Context, Timer
    from vecedit.render.composite import render_scene
    from vecedit.scene import from_document

    options = {o.name: o.default for o in OPTIONS}
    terms = legibility_terms(placement, options, ("shape",))
    scene = from_document(placement.document)
    with torch.no_grad():
        initial = render_scene(scene, (1.0, 1.0, 1.0))[..., :3]
    scene.points.requires_grad_(True)
    context = Context(scene, initial, initial, 0, torch.Generator().manual_seed(0), Timer(), placement.document)
    for term in terms:
        term.prepare(context)

    def step():
        scene.points.grad = None
        total = sum(v for term in terms for v in term(context).values())
        total.backward()

    seconds, _ = timed(step)
    return seconds


def edit_step(iterations: int) -> dict:
    from vecedit.edit.config import EditConfig
    from vecedit.edit.loop import Editor
    from vecedit.svg import load_svg

    encoder = random_vit_b32()
    config = EditConfig(iterations=iterations + 1, seed=0, plugin="glyphdraw",
                        plugin_options={"text": LATIN, "box": BOX, "prompt": "made of clouds"})
    editor = Editor(load_svg(SAMPLE), config, encoder=encoder)
    stamps, stages = [], {}

    def tick(state):
        stamps.append(time.perf_counter())
        if state.iteration == 1:  # leave the warm-up step out of the stage split
            stages.update({k: -v for k, v in state.timings.items()})

    editor.callbacks.append(tick)
    editor.run()
    steps = [b - a for a, b in zip(stamps, stamps[1:])]
    split = {k: round((editor.state.timings[k] + stages.get(k, 0.0)) / len(steps), 2)
             for k in ("render", "encoder", "other")}
    return {"encoder": "open_clip ViT-B-32, random weights, CPU float32", "patches": config.patches,
            "work_canvas": [editor.scene.width, editor.scene.height], "steps_timed": len(steps),
            "edit_step_s": round(statistics.median(steps), 2), "edit_step_split_s": split}


def measure(edit_iterations: int = 2) -> dict:
    import torch

    from vecedit.plugin.contract import Job, parse_options
    from vecedit.plugins.glyphdraw import GlyphDrawPlugin, place_glyphs
    from vecedit.edit.config import EditConfig
    from vecedit.svg import load_svg

    doc = load_svg(SAMPLE)
    out = {"document": f"samples/landscape.svg (320×200), box {BOX}", "torch_threads": torch.get_num_threads()}
    seconds, latin = timed(lambda: place_glyphs(doc, LATIN, BOX, max_segment=None))
    out["place_latin_ms"] = round(1000 * seconds, 1)
    out["latin_glyph_paths"] = len(latin.outlines)
    if has_cjk_font():
        seconds, _ = timed(lambda: place_glyphs(doc, CHINESE, BOX, font=CJK_FONT, max_segment=None))
        out["place_chinese_ms"] = round(1000 * seconds, 1)
    else:
        out["place_chinese_ms"] = "skipped: no CJK font (apt-get install fonts-wqy-microhei)"

    def fresh():
        placement = place_glyphs(doc, LATIN, BOX, max_segment=None)
        return placement, time.perf_counter()

    def glyph_image():
        placement, start = fresh()
        placement.coverage()
        return time.perf_counter() - start

    def position_mask():
        placement, _ = fresh()
        placement.coverage()
        start = time.perf_counter()
        placement.position_mask()
        return time.perf_counter() - start

    out["glyph_image_ms"] = round(1000 * statistics.median(glyph_image() for _ in range(5)), 1)
    out["position_mask_ms"] = round(1000 * statistics.median(position_mask() for _ in range(5)), 1)
    options = {"text": LATIN, "box": BOX, "prompt": "made of clouds"}
    plugin = GlyphDrawPlugin()
    job = lambda: Job(load_svg(SAMPLE), EditConfig(plugin="glyphdraw", plugin_options=options),  # noqa: E731
                      parse_options(plugin, options))
    seconds, _ = timed(lambda: plugin.contribute(job()))
    out["contribute_ms"] = round(1000 * seconds, 1)
    out["legibility_terms_ms"] = round(1000 * legibility_cost(latin), 1)
    if edit_iterations > 0:
        out.update(edit_step(edit_iterations))
    return out


STRESS_WORDS = (("Tiger", "DejaVu Sans"), ("Ocean", "DejaVu Serif"), ("天空", CJK_FONT), ("Music", "DejaVu Sans"))


def random_small_encoder(seed: int = 0):
    """CLIP-shaped (224 px, patch 32, 512-d) but narrow and shallow, randomly initialised: not CLIP."""
    import open_clip
    import torch
    from open_clip.model import CLIP

    from vecedit.losses.encoders import OpenClipEncoder

    torch.manual_seed(seed)
    model = CLIP(embed_dim=512, vision_cfg={"image_size": 224, "layers": 2, "width": 128, "patch_size": 32,
                                            "head_width": 64},
                 text_cfg={"context_length": 77, "vocab_size": 49408, "width": 128, "heads": 2, "layers": 2}).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return OpenClipEncoder(model, open_clip.get_tokenizer("ViT-B-32"), open_clip.OPENAI_DATASET_MEAN,
                           open_clip.OPENAI_DATASET_STD, 224, "random narrow CLIP-shaped encoder (not CLIP)")


def glyphs_alone(doc, group: str = "glyphdraw-1") -> str:
    from vecedit.svg import dumps_svg

    text = dumps_svg(doc)
    start = text.index(f'<g id="{group}"')
    end = text.index("</g>", start) + len("</g>")
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{round(doc.width)}" height="{round(doc.height)}">' \
           f"{text[start:end]}</svg>"


def stress(iterations: int = 100, seed: int = 0) -> dict:
    import random
    import string

    from vecedit import edit
    from vecedit.edit.config import LearningRates
    from vecedit.fonts.ocr import check_legibility

    encoder = random_small_encoder(seed)
    rng = random.Random(seed)
    rows = []
    for word, font in STRESS_WORDS:
        if font == CJK_FONT and not has_cjk_font():
            continue
        prompt = " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(3))
        row = {"word": word, "font": font}
        for legible in (True, False):
            doc = edit(str(SAMPLE), iterations=iterations, encoder=encoder, optimize="shape", patches=4, seed=seed,
                       lr=LearningRates(shape=0.4), plugin="glyphdraw",
                       plugin_options={"text": word, "box": BOX, "font": font, "prompt": prompt,
                                       "legibility": legible})
            reading = check_legibility(glyphs_alone(doc), word)
            row["legibility_on" if legible else "legibility_off"] = {"read": reading.text, "exact": reading.exact}
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)

    def rate(key):
        return round(sum(r[key]["exact"] for r in rows) / len(rows), 3)

    return {"stress_words": len(rows), "stress_iterations": iterations, "stress_lr_shape": 0.4, "stress_patches": 4,
            "stress_encoder": "random narrow CLIP-shaped open_clip (not CLIP)",
            "ocr_exact_rate": {"legibility_on": rate("legibility_on"), "legibility_off": rate("legibility_off")},
            "per_word": rows}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edit-iterations", type=int, default=2, help="timed edit steps after a warm-up (0: none)")
    parser.add_argument("--stress", action="store_true", help="also the OCR check with legibility on and off")
    parser.add_argument("--stress-iterations", type=int, default=100)
    args = parser.parse_args()
    result = measure(args.edit_iterations)
    if args.stress:
        result["stress"] = stress(args.stress_iterations)
    print(json.dumps(result, indent=2, ensure_ascii=False))
