"""Pieces the benchmarks share: a CLIP-sized encoder with random weights, and a median timer.

Importable from any script in this folder (Python puts a script's own folder first on
``sys.path``).
"""

from __future__ import annotations

import logging
import statistics
import time
from typing import Callable


def random_vit_b32(device: str = "cpu"):
    """open_clip ViT-B-32 with RANDOM weights, frozen, as an encoder: timing only, no meaning.

    Half precision on CUDA, as the edit loop uses there; float32 on the CPU.
    """
    import open_clip
    import torch

    from vecedit.losses.encoders import OpenClipEncoder

    logging.getLogger().setLevel(logging.ERROR)
    torch.manual_seed(0)
    precision = "fp16" if device.startswith("cuda") else "fp32"
    model = open_clip.create_model("ViT-B-32", pretrained=None, precision=precision, device=device).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return OpenClipEncoder(model, open_clip.get_tokenizer("ViT-B-32"), open_clip.OPENAI_DATASET_MEAN,
                           open_clip.OPENAI_DATASET_STD, 224, "ViT-B-32, RANDOM weights (timing only)")


def random_blob(rng, size: int):
    """Control points ``(3k, 2)`` of one closed cubic path: 4–8 segments around a random centre
    (radius 2–25 % of ``size``), jittered. Draws from ``rng`` in a fixed order."""
    import numpy as np

    k = int(rng.integers(4, 9))
    centre = rng.uniform(0, size, 2)
    radius = rng.uniform(0.02, 0.25) * size
    angles = np.sort(rng.uniform(0, 2 * np.pi, 3 * k))
    r = radius * rng.uniform(0.5, 1.2, 3 * k)
    return centre + np.stack([r * np.cos(angles), r * np.sin(angles)], 1)


def timed(function: Callable, repeats: int = 3) -> tuple[float, object]:
    """Median seconds over ``repeats`` calls after one warm-up call, and the last result."""
    result = function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
