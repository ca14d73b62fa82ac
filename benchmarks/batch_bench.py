"""``vecedit batch`` throughput: recolour → render (256 px PNG) over generated icons, per engine.

Runs the same job with the local engine at ``-j 1`` and ``-j 2`` and with Ray (a local
instance with 2 CPUs, started here; its start is timed apart), each into a fresh output
folder. The icons are split in ``--rounds`` parts and every part runs on each engine in
turn, so the load of a shared machine falls on all three alike. Prints JSON:

* ``items_per_second``: items over the batches' wall time (each batch's start included);
* ``steady_items_per_second``: after each batch's first item came back (start excluded);
* ``work_ms_per_item``: the mean time inside the worker (read, steps, writes), leaving out
  each worker's first item of each batch (its warm-up);
* ``overhead_ms_per_item``: steady wall time per item × workers − work per item: what
  the engine adds per item (scheduling, transport, the driver's bookkeeping); measured
  again on a recolour-only job (a few ms of work), where it is not lost in the noise;
* ``start_seconds``: from the call to the first item back (worker start, imports).

Also ``vectorize_ms_per_item``: the vectorize step (default options) on the sample photos,
one worker, for the estimates in docs/SCALING.md. Outputs of the three runs are compared
byte for byte. Usage: ``python benchmarks/batch_bench.py [--items 1000] [--skip-ray]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import vecedit  # first, as the command does (sets passive OpenMP waiting before torch loads)

COLOURS = ["#e63946", "#457b9d", "#1d3557", "#a8dadc", "#f1faee", "#2a9d8f", "#f4a261", "#264653"]


def icon(seed: int) -> str:
    """A 48-px icon as exporters write them: a rounded background, a few shapes, 3–5 colours."""
    rng = random.Random(seed)
    pick = lambda: rng.choice(COLOURS)  # noqa: E731
    parts = [f'<rect width="48" height="48" rx="8" fill="{pick()}"/>']
    for _ in range(rng.randint(2, 4)):
        x, y, r = rng.randint(8, 40), rng.randint(8, 40), rng.randint(4, 14)
        parts.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="{pick()}"/>')
    parts.append(f'<path d="M6 42 C14 {rng.randint(10, 30)} 34 {rng.randint(10, 30)} 42 42 Z" fill="{pick()}" '
                 f'stroke="{pick()}" stroke-width="2"/>')
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48">\n  '
            + "\n  ".join(parts) + "\n</svg>\n")


def outputs(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and ".vecedit-batch" not in p.parts and p.suffix != ".jsonl"}


def run(job: dict, engine: str, jobs: int) -> dict:
    """One batch; its wall time, the time to its first item, its steady part and its report lines."""
    first: list = []
    lines: list = []

    def seen(line):
        if not first:
            first.append(time.perf_counter())
        lines.append(line)

    start = time.perf_counter()
    result = vecedit.batch(job, engine=engine, jobs=jobs, progress=False, on_result=seen)
    end = time.perf_counter()
    assert result.summary["done"] == len(lines) and not result.failures, result.failures[:3]
    return {"wall": end - start, "start": first[0] - start, "steady": end - first[0], "lines": lines}


def summarise(engine: str, jobs: int, parts: list) -> dict:
    n = sum(len(p["lines"]) for p in parts)
    wall = sum(p["wall"] for p in parts)
    steady = sum(len(p["lines"]) - 1 for p in parts) / sum(p["steady"] for p in parts)
    # a worker's first item pays its warm-up (imports, first render), which the steady rate leaves out too
    work = statistics.mean(line["seconds"] for p in parts for line in p["lines"][jobs:])
    return {"engine": engine, "workers": jobs, "items": n, "batches": len(parts), "seconds": round(wall, 2),
            "items_per_second": round(n / wall, 2), "steady_items_per_second": round(steady, 2),
            "start_seconds_per_batch": round(statistics.mean(p["start"] for p in parts), 2),
            "work_ms_per_item": round(1000 * work, 2),
            "overhead_ms_per_item": round(1000 * (jobs / steady - work), 2)}


def vectorize_times(folder: Path) -> dict:
    photos = [p for p in (Path(__file__).resolve().parents[1] / "samples").glob("*.png")]
    job = {"inputs": str(folder / "photos"), "output": str(folder / "photos-out"), "steps": [{"vectorize": {}}]}
    (folder / "photos").mkdir()
    for k, photo in enumerate(photos * 2):  # each twice: one worker, the first pays the start
        shutil.copy(photo, folder / "photos" / f"{k}-{photo.name}")
    lines: list = []
    vecedit.batch(job, jobs=1, progress=False, on_result=lines.append)
    times = sorted(line["seconds"] for line in lines if line["status"] == "done")
    return {"images": [p.name for p in photos], "vectorize_ms_per_item_median": round(1000 * statistics.median(times)),
            "vectorize_ms_per_item_max": round(1000 * max(times))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=4,
                        help="the icons in this many parts; each part runs on every engine in turn (A/B/C, "
                             "so a shared machine's load falls on all alike)")
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    try:
        for k in range(args.items):
            part = folder / "icons" / f"part{k % args.rounds}"
            part.mkdir(parents=True, exist_ok=True)
            (part / f"icon{k:05d}.svg").write_text(icon(k))
        steps = [{"recolor": {"palette": "#264653,#2a9d8f,#e9c46a,#f4a261,#e76f51"}},
                 {"render": {"width": 256, "background": "white"}}]
        report: dict = {"job": "recolor (5-colour palette) → render 256 px PNG", "icons": args.items,
                        "cpu_cores": os.cpu_count(), "load_average_before": os.getloadavg()[0]}
        configs = [("local", 1), ("local", 2)] + ([] if args.skip_ray else [("ray", 2)])
        if not args.skip_ray:
            import ray

            start = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
            report["ray_init_seconds"] = round(time.perf_counter() - start, 2)
        parts: dict = {config: [] for config in configs}
        for r in range(args.rounds):
            for engine, jobs in configs:
                job = {"inputs": str(folder / "icons" / f"part{r}"),
                       "output": str(folder / f"out-{engine}-{jobs}" / f"part{r}"), "steps": steps}
                parts[(engine, jobs)].append(run(job, engine, jobs))
                print(f"round {r + 1}/{args.rounds} {engine} -j {jobs}: {parts[(engine, jobs)][-1]['wall']:.1f} s",
                      file=sys.stderr)
        report["runs"] = [summarise(engine, jobs, parts[(engine, jobs)]) for engine, jobs in configs]
        # the engines' own cost, where it is not lost in the noise of a render: recolour only (~ms of work)
        report["overhead_ms_per_item_recolor_only"] = {}
        for engine, jobs in configs:
            job = {"inputs": str(folder / "icons" / "part0"), "output": str(folder / f"light-{engine}-{jobs}"),
                   "steps": steps[:1]}
            light = summarise(engine, jobs, [run(job, engine, jobs)])
            report["overhead_ms_per_item_recolor_only"][f"{engine} -j {jobs}"] = {
                "work_ms": light["work_ms_per_item"], "overhead_ms": light["overhead_ms_per_item"],
                "steady_items_per_second": light["steady_items_per_second"]}
        reference = outputs(folder / "out-local-1")
        report["identical_outputs"] = all(outputs(folder / f"out-{e}-{j}") == reference for e, j in configs)
        report.update(vectorize_times(folder))
        report["load_average_after"] = os.getloadavg()[0]
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
