"""The edit iteration's encoder pass under each CPU lever issue 15 lists; prints JSON.

One pass is what an edit iteration at the defaults asks of the encoder: ViT-B/32 (RANDOM
weights, vecedit's layout, :func:`benchkit.random_vit_b32`) forward over 65 views of 224²
and backward to the views (weights frozen). Each lever is measured against the same pass
with the project's settings (one thread, fp32, one batch of 65):

* ``threads_2``: two intra-op threads (CPU and wall seconds both reported);
* ``chunks_16``: the views in batches of 16 instead of one of 65;
* ``channels_last``: the views and the model in channels-last memory format;
* ``mkldnn_off``: ``torch.backends.mkldnn`` disabled;
* ``matmul_medium`` / ``matmul_high``: ``torch.set_float32_matmul_precision`` (may let
  oneDNN use bf16 or tf32 inside fp32 products where the CPU has them);
* ``compile``: ``torch.compile`` of the image tower (inductor), forward and backward; its
  compile time is reported separately from the steady-state pass.

Levers run in turn, ``--rounds`` times, after one warm-up pass each; a lever's time is its
best round (CPU seconds are the process's, ``time.process_time``: on a shared machine they
move less than wall seconds). ``speedup`` is the base's CPU time over the lever's;
``grad_rel_diff`` the relative L2 difference of the views' gradient from the base's (the
same result or not). Work done once, not per iteration (text features, the original's
features), is already outside the pass (``ClipLoss.prepare``). The machine's load average
is recorded.

    python benchmarks/encoder_levers.py [--rounds 2] [--views 65] [--levers base,threads_2,...] [--no-compile]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time

import vecedit  # noqa: F401  (before torch, as in the vecedit command: passive OpenMP waiting)
import torch
from benchkit import random_vit_b32

LEVERS = ("base", "threads_2", "chunks_16", "channels_last", "mkldnn_off", "matmul_medium", "matmul_high", "compile")


def make_pass(encoder, views: torch.Tensor, lever: str):
    """A function running one forward+backward pass under ``lever``; returns the views' gradient."""
    model = encoder.model.visual
    run = model
    chunk = 16 if lever == "chunks_16" else len(views)
    if lever == "channels_last":
        model.to(memory_format=torch.channels_last)
    if lever == "compile":
        run = torch.compile(model)

    def settings():
        stack = contextlib.ExitStack()
        if lever == "mkldnn_off":
            stack.enter_context(torch.backends.mkldnn.flags(enabled=False))
        return stack

    def one_pass():
        torch.set_num_threads(2 if lever == "threads_2" else 1)
        torch.set_float32_matmul_precision({"matmul_medium": "medium", "matmul_high": "high"}.get(lever, "highest"))
        batch = views.clone()
        if lever == "channels_last":
            batch = batch.contiguous(memory_format=torch.channels_last)
        batch.requires_grad_(True)
        with settings():
            for part in batch.split(chunk):
                run(part).float().square().sum().backward()
        torch.set_float32_matmul_precision("highest")
        return batch.grad

    def undo():
        if lever == "channels_last":
            model.to(memory_format=torch.contiguous_format)

    return one_pass, undo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=65)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--levers", default=",".join(LEVERS))
    parser.add_argument("--no-compile", action="store_true", help="leave out torch.compile (minutes to compile)")
    args = parser.parse_args()
    levers = [lv for lv in args.levers.split(",") if not (args.no_compile and lv == "compile")]
    unknown = set(levers) - set(LEVERS)
    if unknown or "base" not in levers:
        parser.error(f"levers are {', '.join(LEVERS)} (base included); got {', '.join(sorted(unknown)) or 'no base'}")
    encoder = random_vit_b32("cpu")
    views = torch.randn(args.views, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    result = {"views": args.views, "load_average_start": list(os.getloadavg()), "levers": {}}
    passes, grads = {}, {}
    for lever in levers:  # warm-up (and compile) once per lever
        one_pass, undo = make_pass(encoder, views, lever)
        _progress(lever, "starting", {})
        start, cpu = time.perf_counter(), time.process_time()
        try:
            grads[lever] = one_pass()
        except Exception as error:  # a lever this torch/CPU cannot run: say so, keep the rest
            result["levers"][lever] = {"error": f"{type(error).__name__}: {str(error)[:300]}"}
            undo()
            continue
        first = {"first_pass_wall_s": round(time.perf_counter() - start, 2),
                 "first_pass_cpu_s": round(time.process_time() - cpu, 2)}
        _progress(lever, "first pass", first)
        undo()
        passes[lever] = (one_pass, undo)
        result["levers"][lever] = {**first, "wall_s": [], "cpu_s": []}
    for _ in range(args.rounds):
        for lever, (one_pass, undo) in passes.items():
            if lever == "channels_last":
                encoder.model.visual.to(memory_format=torch.channels_last)
            start, cpu = time.perf_counter(), time.process_time()
            one_pass()
            result["levers"][lever]["wall_s"].append(round(time.perf_counter() - start, 2))
            result["levers"][lever]["cpu_s"].append(round(time.process_time() - cpu, 2))
            undo()
            _progress(lever, "pass", {k: result["levers"][lever][k][-1] for k in ("wall_s", "cpu_s")})
    base_cpu, base_wall, base_grad = min(result["levers"]["base"]["cpu_s"]), min(result["levers"]["base"]["wall_s"]), grads["base"]
    for lever in passes:
        row = result["levers"][lever]
        row["speedup_cpu"] = round(base_cpu / min(row["cpu_s"]), 3)
        row["speedup_wall"] = round(base_wall / min(row["wall_s"]), 3)
        row["grad_rel_diff"] = float(f"{float((grads[lever] - base_grad).norm() / base_grad.norm()):.2e}")
    result["load_average_end"] = list(os.getloadavg())
    result["best_cpu_speedup"] = max(result["levers"][lv].get("speedup_cpu", 0) for lv in passes)
    print(json.dumps(result, indent=1))


def _progress(lever: str, what: str, numbers: dict) -> None:
    """One line on stderr per measurement: a run cut short (torch.compile can take many minutes) keeps them."""
    print(json.dumps({"lever": lever, what: numbers, "load": round(os.getloadavg()[0], 2)}), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
