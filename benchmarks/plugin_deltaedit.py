"""DeltaEdit plugin: CPU timings of training a mapper and of one-pass edits, with a CLIP-sized encoder.

The encoder is a randomly initialised open_clip ViT-B-32 (``pretrained=None``), wrapped
as :func:`vecedit.losses.encoders.load_clip` wraps one; timings do not depend on the
weights (what the edits mean does). The document is ``samples/landscape.svg``. Measured:

* ``train``: a mapper from ``SAMPLES`` random edits and ``STEPS`` steps: seconds per
  rendered + encoded edit, milliseconds per training step, and the default run
  (256 edits, 1000 steps) extrapolated from them;
* ``apply_ms``: one edit of the training document toward a prompt, median over prompts,
  split into the text direction (80 templates through the text tower, cut after the
  end-of-text token; the reference text's features are cached in the mapper file), the
  mapper's forward pass and writing the SVG; also with ``templates="none"`` (one text),
  for a document of the same structure but other colours (its image features are
  rendered and encoded), and ``encode_text`` of the 80 templates uncut, for comparison;
* ``held_out_edit_cosine``: cosine between predicted and true random edits held out of
  training (how well the mapper inverts image-feature deltas; random weights, so it says
  nothing of text);
* ``load_ms`` / ``check_encoder_ms`` (the encoder's probe features) / ``file_kb``.

    python benchmarks/plugin_deltaedit.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout first (vecedit.plugins and vecedit.vectorizers come from `pip install -e .`)
from benchkit import random_vit_b32  # noqa: E402

import torch  # noqa: E402

SAMPLES, STEPS = 64, 300
DEFAULT_SAMPLES, DEFAULT_STEPS = 256, 1000
PROMPTS = ("autumn", "a night scene", "a red sunset", "winter snow", "a watercolour painting")


def median_ms(runs: list[dict], key: str) -> float:
    return round(statistics.median(r["ms"][key] for r in runs), 2)


def measure() -> dict:
    from vecedit.plugins.deltaedit import load_mapper, train_mapper
    from vecedit.losses.clip_loss import imagenet_templates
    from vecedit.svg import load_svg

    encoder = random_vit_b32()
    doc = load_svg(ROOT / "samples" / "landscape.svg")
    started = time.perf_counter()
    mapper = train_mapper(doc, encoder, samples=SAMPLES, steps=STEPS, seed=0)
    train_s = time.perf_counter() - started
    stats = mapper.stats
    per_sample = stats["render_s"] / SAMPLES
    per_step = stats["fit_s"] / STEPS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "landscape.pt"
        mapper.save(path)
        file_kb = path.stat().st_size / 1024
        start = time.perf_counter()
        loaded = load_mapper(path)
        load_ms = 1e3 * (time.perf_counter() - start)
    start = time.perf_counter()
    loaded.check_encoder(encoder)
    check_ms = 1e3 * (time.perf_counter() - start)
    loaded.apply(doc, "warm-up", encoder)
    runs = [loaded.apply(doc, prompt, encoder)[1] for prompt in PROMPTS]
    one_text = [loaded.apply(doc, prompt, encoder, templates="none")[1] for prompt in PROMPTS]
    family = load_svg((ROOT / "samples" / "landscape.svg").read_text().replace('fill="#ffe066"', 'fill="#ff8040"'))
    other = [loaded.apply(family, prompt, encoder)[1] for prompt in PROMPTS[:3]]
    texts = [t.format(PROMPTS[0]) for t in imagenet_templates()]
    start = time.perf_counter()
    encoder.encode_text(texts)  # the 77-position context that encode_texts cuts
    uncut_ms = 1e3 * (time.perf_counter() - start)
    return {
        "encoder": "open_clip ViT-B-32, random weights (timing only), CPU float32",
        "document": "samples/landscape.svg",
        "groups": len(mapper.space.groups),
        "edit_numbers": mapper.space.size,
        "threads": torch.get_num_threads(),
        "train": {
            "samples": SAMPLES, "steps": STEPS, "total_s": round(train_s, 1),
            "render_and_encode_per_sample_s": round(per_sample, 3),
            "fit_step_ms": round(1e3 * per_step, 2),
            "held_out_edit_cosine": round(stats["held_out_cosine"], 3),
            "default_run_estimate_s": round(DEFAULT_SAMPLES * per_sample + DEFAULT_STEPS * per_step, 1),
        },
        "apply_ms": {
            "total": median_ms(runs, "total"), "text_80_templates": median_ms(runs, "text"),
            "text_80_templates_uncut_encode_text": round(uncut_ms, 1),
            "mapper_forward": median_ms(runs, "mapper"), "write_svg": median_ms(runs, "write"),
            "total_one_template": median_ms(one_text, "total"),
            "total_same_structure_other_document": median_ms(other, "total"),
            "source_features_other_document": median_ms(other, "source_features"),
        },
        "load_ms": round(load_ms, 1),
        "check_encoder_ms": round(check_ms, 1),
        "file_kb": round(file_kb, 1),
    }


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
