"""Font stylisation under stress: does OCR still read the words? And how long does a run take?

Legibility (``legibility``): for every word (Latin in two DejaVu faces, Chinese in
WenQuanYi Micro Hei), shape-only optimisation (:func:`vecedit.stylize_font`) for
``--iterations`` steps at shape lr ``--lr`` against a strong, arbitrary objective: a
randomly initialised open_clip encoder and a random prompt (a fresh random string per
word). The result is read by RapidOCR; a word counts when the reading equals the word
exactly (whitespace ignored). Three rates: the untouched outlines (the OCR's own
ceiling), regularisers on (default ACAP and tone weights), regularisers off.

Time (``timing``): one 4-glyph word at 256², ViT-B-32-sized random encoder, 64 patches.
``--timing-iterations`` steps are measured after one warm-up step and the seconds for
150 iterations are reported both measured (when ``--timing-iterations 150``) or
extrapolated from the measured mean step time (said so in the JSON).

    python benchmarks/font_bench.py                        # both parts, defaults below
    python benchmarks/font_bench.py --part legibility --words 6 --encoder small
    python benchmarks/font_bench.py --part timing --timing-iterations 3

``--encoder vit-b-32`` is the CLIP-sized encoder (random ViT-B-32: 12 layers, width 768,
patch 32); ``--encoder small`` / ``tiny`` keep the CLIP shape (224 px input, patch 32,
512-d embedding) with a narrower, shallower tower (width 256 × 4 layers / 128 × 2) for
machines where ViT-B-32 is too slow for 40+ runs of 150 steps. Prints one JSON object.

Measured on the 2-core shared CPU machine (no GPU), the legibility part ran reduced as
``--encoder tiny --patches 4`` (22 words, 150 iterations, lr 0.4 unchanged): a random
ViT-B-32 with 64 patches takes about 10 s per step there (encoder forward + backward is
97% of it), so 44 runs of 150 steps would take about 19 hours; the reduced run took 26
minutes. The timing part ran ``--timing-iterations 3 --threads 2`` and extrapolates.
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout first (vecedit.plugins and vecedit.vectorizers come from `pip install -e .`)

LATIN_SANS = ["TIGER", "Ocean", "Music", "Coffee", "Dragon", "Rocket", "Garden"]
LATIN_SERIF = ["Winter", "Candle", "Pirate", "Violin", "Castle", "Planet", "Forest"]
CHINESE = ["天空", "山水", "音乐", "咖啡", "森林", "火箭", "城市", "花园"]
FONTS = {"sans": "DejaVu Sans", "serif": "DejaVu Serif", "cjk": "WenQuanYi Micro Hei"}
SMALL = {"small": (256, 4), "tiny": (128, 2)}  # CLIP-shaped (224 px, patch 32, 512-d) but narrow: width, layers


def words(limit: int | None = None) -> list[tuple[str, str]]:
    items = ([(w, FONTS["sans"]) for w in LATIN_SANS] + [(w, FONTS["serif"]) for w in LATIN_SERIF]
             + [(w, FONTS["cjk"]) for w in CHINESE])
    if limit is not None:  # keep the mix: interleave scripts and fonts
        groups = [[(w, FONTS["sans"]) for w in LATIN_SANS], [(w, FONTS["serif"]) for w in LATIN_SERIF],
                  [(w, FONTS["cjk"]) for w in CHINESE]]
        mixed = [g[i] for i in range(max(map(len, groups))) for g in groups if i < len(g)]
        items = mixed[:limit]
    return items


def random_encoder(kind: str, seed: int = 0):
    """A randomly initialised open_clip model behind the Encoder protocol (never trained; arbitrary)."""
    import open_clip
    import torch

    from vecedit.losses.encoders import OpenClipEncoder

    torch.manual_seed(seed)
    if kind == "vit-b-32":
        import logging

        logging.getLogger().setLevel(logging.ERROR)
        model = open_clip.create_model("ViT-B-32", pretrained=None)
        tokenizer = open_clip.get_tokenizer("ViT-B-32")
    elif kind in SMALL:
        from open_clip.model import CLIP

        width, layers = SMALL[kind]
        model = CLIP(embed_dim=512,
                     vision_cfg={"image_size": 224, "layers": layers, "width": width, "patch_size": 32,
                                 "head_width": 64},
                     text_cfg={"context_length": 77, "vocab_size": 49408, "width": width, "heads": width // 64,
                               "layers": 2})
        tokenizer = open_clip.get_tokenizer("ViT-B-32")
    else:
        raise SystemExit(f"unknown --encoder {kind!r}")
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return OpenClipEncoder(model, tokenizer, open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD, 224,
                           f"random {kind} (benchmark only, not CLIP)")


def random_prompt(rng: random.Random) -> str:
    return " ".join("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 8)))
                    for _ in range(rng.randint(2, 4)))


def legibility(args) -> dict:
    from vecedit.fonts.stylize import glyph_document, stylize_font
    from vecedit.fonts.ocr import check_legibility

    encoder = random_encoder(args.encoder, args.seed)
    rng = random.Random(args.seed)
    rows = []
    started = time.perf_counter()
    for word, font in words(args.words):
        prompt = random_prompt(rng)
        row = {"word": word, "font": font, "prompt": prompt}
        base = glyph_document(word, font, size=args.size)
        reading = check_legibility(base, expected=word)
        row["original"] = {"read": reading.text, "confidence": round(reading.confidence, 3), "exact": reading.exact}
        for name, weights in (("regularised", {}), ("unregularised", {"acap_weight": 0.0, "tone_weight": 0.0})):
            t = time.perf_counter()
            doc = stylize_font(word, font, prompt, size=args.size, iterations=args.iterations, lr_shape=args.lr,
                               encoder=encoder, patches=args.patches, seed=args.seed, work_size=args.work_size,
                               **weights)
            seconds = time.perf_counter() - t
            reading = check_legibility(doc, expected=word)
            row[name] = {"read": reading.text, "confidence": round(reading.confidence, 3), "exact": reading.exact,
                         "seconds": round(seconds, 1)}
            if args.save:
                from vecedit.svg import save_svg

                Path(args.save).mkdir(parents=True, exist_ok=True)
                save_svg(doc, Path(args.save) / f"{len(rows):02d}-{name}.svg")
        rows.append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr, flush=True)
    n = len(rows)

    def rate(key):
        return round(sum(r[key]["exact"] for r in rows) / n, 3) if n else None

    return {
        "words": n,
        "scripts": {"latin": sum(r["font"] != FONTS["cjk"] for r in rows),
                    "chinese": sum(r["font"] == FONTS["cjk"] for r in rows)},
        "fonts": sorted({r["font"] for r in rows}),
        "settings": {"iterations": args.iterations, "lr_shape": args.lr, "encoder": args.encoder,
                     "patches": args.patches, "size": args.size, "work_size": args.work_size,
                     "objective": "random prompt per word, randomly initialised open_clip encoder"},
        "ocr_exact_rate": {"original": rate("original"), "regularised": rate("regularised"),
                           "unregularised": rate("unregularised")},
        "bar_regularised_min": 0.9,
        "passes": rate("regularised") is not None and rate("regularised") >= 0.9,
        "seconds": round(time.perf_counter() - started, 1),
        "per_word": rows,
    }


def timing(args) -> dict:
    from vecedit.fonts.stylize import stylize_font

    encoder = random_encoder("vit-b-32", args.seed)
    stamps: list[float] = []
    state = {}

    def tick(s):
        stamps.append(time.perf_counter())
        state.update(s.timings)

    n = args.timing_iterations + 1
    start = time.perf_counter()
    stylize_font("Tree", "DejaVu Sans", "a tree made of leaves", size=256, iterations=n, encoder=encoder,
                 patches=64, seed=args.seed, callbacks=[tick])
    total = time.perf_counter() - start
    steps = [b - a for a, b in zip(stamps, stamps[1:])]
    mean = sum(steps) / len(steps)
    measured_150 = n >= 150
    return {
        "word": "Tree", "glyphs": 4, "size": 256, "encoder": "random ViT-B-32 (CLIP-sized), float32, CPU",
        "patches": 64, "iterations_run": n, "seconds_per_iteration": round(mean, 2),
        "seconds_150_iterations": round(total if measured_150 else mean * 150 + (total - sum(steps)), 1),
        "extrapolated": not measured_150,
        "stage_seconds_total": {k: round(v, 2) for k, v in state.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("all", "legibility", "timing"), default="all")
    parser.add_argument("--words", type=int, default=None, help="number of words (default all 22)")
    parser.add_argument("--iterations", type=int, default=150)
    parser.add_argument("--lr", type=float, default=0.4)
    parser.add_argument("--encoder", choices=("vit-b-32", *SMALL), default="vit-b-32")
    parser.add_argument("--patches", type=int, default=64)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--work-size", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timing-iterations", type=int, default=150)
    parser.add_argument("--save", metavar="DIR", help="write every result SVG here")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1: on a shared 2-core machine, 2 spinning OpenMP "
                             "threads ran 5x slower)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)

    out = {"machine": {"torch_threads": torch.get_num_threads(), "cuda": torch.cuda.is_available()}}
    if args.part in ("all", "legibility"):
        out["legibility"] = legibility(args)
    if args.part in ("all", "timing"):
        out["timing"] = timing(args)
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
