"""How close the edit loop's encoder pass is to this CPU's matrix-product rate (issue 15, goal 1).

One edit iteration at the defaults is ViT-B/32's forward and backward (to the input only:
the weights are frozen) over 65 views of 224². This script counts its floating-point work
from the architecture (multiply-adds × 2, forward + input backward), times the pass (CPU
seconds, one thread unless ``--threads``), times a plain ``linear`` of the same shape as the
MLP's on the same core, and profiles one pass: the share of the time in matrix products and
attention. The ratio of the sgemm rate to the achieved rate bounds what any change that keeps
the arithmetic (layout, fusion, ``torch.compile``, threads) can gain. Prints JSON.

    python benchmarks/encoder_roofline.py [--threads 1] [--views 65]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import vecedit  # noqa: F401  (before torch, as in the vecedit command: passive OpenMP waiting)
import torch
from benchkit import random_vit_b32

TOKENS, WIDTH, MLP, LAYERS, PATCH_DIM = 50, 768, 3072, 12, 3 * 32 * 32
MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm",
              "aten::_scaled_dot_product_flash_attention_for_cpu",
              "aten::_scaled_dot_product_flash_attention_for_cpu_backward")


def pass_flops(views: int) -> float:
    """Forward + backward-to-input floating-point operations of ViT-B/32 over ``views`` images."""
    per_layer = TOKENS * (4 * WIDTH * WIDTH + 2 * WIDTH * MLP) + 2 * TOKENS * TOKENS * WIDTH
    macs = LAYERS * per_layer + (TOKENS - 1) * PATCH_DIM * WIDTH
    return 2 * 2 * macs * views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--views", type=int, default=65)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    encoder = random_vit_b32("cpu")
    views = torch.randn(args.views, 3, 224, 224)

    def one_pass():
        batch = views.clone().requires_grad_(True)
        encoder.encode_image(batch).sum().backward()

    one_pass()
    seconds = []
    for _ in range(args.repeats):
        started = time.process_time()
        one_pass()
        seconds.append(time.process_time() - started)
    tokens, weight = torch.randn(args.views * TOKENS, WIDTH), torch.randn(MLP, WIDTH)
    torch.nn.functional.linear(tokens, weight)
    started, n = time.process_time(), 10
    for _ in range(n):
        torch.nn.functional.linear(tokens, weight)
    sgemm = 2 * args.views * TOKENS * WIDTH * MLP * n / (time.process_time() - started)
    with torch.profiler.profile() as profile:
        one_pass()
    events = profile.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    matmul = sum(e.self_cpu_time_total for e in events if e.key in MATMUL_OPS)
    achieved = pass_flops(args.views) / min(seconds)
    print(json.dumps({
        "threads": torch.get_num_threads(), "load_average": os.getloadavg(), "views": args.views,
        "cpu_s_per_pass": [round(s, 2) for s in seconds], "gflop_per_pass": round(pass_flops(args.views) / 1e9, 1),
        "achieved_gflop_per_cpu_s": round(achieved / 1e9, 1),
        "sgemm_gflop_per_cpu_s_mlp_shape": round(sgemm / 1e9, 1),
        "ceiling_speedup_same_arithmetic": round(sgemm / achieved, 2),
        "matmul_attention_share_profiled": round(matmul / total, 3),
        "top_ops_share": {e.key: round(e.self_cpu_time_total / total, 3)
                          for e in sorted(events, key=lambda e: -e.self_cpu_time_total)[:8]},
    }, indent=1))


if __name__ == "__main__":
    main()
