"""A conformance-suite estimate: the builtin renderer as a user calls it, against reference renderings.

For every ``*.svg`` under ROOT (recursively): the reference is a PNG beside it with the same
stem when there is one, else resvg (:func:`vecedit.render.reference.render_reference`) at the
document's own size, rendered in a forked child (resvg can crash on reference loops: such a
file has no reference). The builtin image is ``vecedit.render(path, width, height)`` at the
reference's size, in a forked worker with a deadline (default 10 s): a worker that is still
running at the deadline is killed and the file counts as a timeout.

Each file is one of: a score (PSNR of both images flattened on white, capped at 100 dB,
computed exactly as ``fidelity_bench.py`` does), a **refusal** (a ``VeceditError``: the file
was turned down with a message), a **crash** (any other exception, or a worker that died) or
a **timeout**. Files are grouped by their top-level folder under ROOT; files directly in ROOT
are grouped by name prefix (``e-rect-001.svg`` -> ``e-rect``), or with ``--prefixes a,b`` by the
longest listed prefix they start with (``feImage-with-x-y.svg`` -> ``feImage``). Prints one JSON object:
per group the count, the percentage within ``--min-db`` (default 30), crashes, refusals,
timeouts, the median PSNR and the worst files; ``--rows FILE`` writes every file's row.

    OMP_NUM_THREADS=1 python benchmarks/conformance_bench.py ROOT [--jobs 1] [--timeout 10]
        [--worst 8] [--rows rows.json] [--save-diffs DIR] [--prefixes feBlend,filter-functions,...]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import statistics
import sys
import time
from multiprocessing.connection import wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout first

from fidelity_bench import capped_psnr  # noqa: E402  (the one PSNR of the fidelity benchmarks)

from vecedit.imageio import load_image, save_png, side_by_side  # noqa: E402
from vecedit.render.reference import render_reference  # noqa: E402

MIN_DB = 30.0
TIMEOUT_S = 10.0


def reference_image(svg: Path, context=None):
    """The PNG beside ``svg`` with its stem, else resvg's rendering at the document's size
    (in a forked child when ``context`` is given: resvg can overflow its stack on reference loops)."""
    png = svg.with_suffix(".png")
    if png.exists():
        return load_image(png)
    if context is None:
        return render_reference(svg)
    conn, child = context.Pipe(duplex=False)
    process = context.Process(target=_reference_worker, args=(svg, child), daemon=True)
    process.start()
    child.close()
    try:
        ok, payload = conn.recv()
    except EOFError:
        ok, payload = False, None
    process.join()
    if payload is None:
        payload = f"resvg died (exit code {process.exitcode})"
    if not ok:
        raise RuntimeError(payload)
    return payload


def _reference_worker(svg: Path, conn) -> None:
    try:
        conn.send((True, render_reference(svg)))
    except Exception as exc:  # noqa: BLE001 - sent back as the reason there is no reference
        conn.send((False, one_line(exc)))


def render_builtin(svg: Path, width: int, height: int, conn) -> None:
    """Worker body: send back ("ok", image, seconds) or ("refused"/"crash", message, seconds)."""
    import torch

    import vecedit

    torch.set_num_threads(1)
    start = time.perf_counter()
    try:
        image = vecedit.render(svg, width=width, height=height).detach().cpu().numpy()
        conn.send(("ok", image, time.perf_counter() - start))
    except vecedit.VeceditError as exc:
        conn.send(("refused", one_line(exc), time.perf_counter() - start))
    except BaseException as exc:  # noqa: BLE001 - a crash is what this benchmark counts
        conn.send(("crash", one_line(exc), time.perf_counter() - start))
    finally:
        conn.close()


def one_line(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


PREFIXES: list[str] = []  # --prefixes, longest first


def group_of(svg: Path, root: Path) -> str:
    parts = svg.relative_to(root).parts
    if len(parts) > 1:
        return parts[0]
    named = [prefix for prefix in PREFIXES if svg.stem.startswith(prefix + "-")]
    return named[0] if named else re.sub(r"-\d+$", "", svg.stem)


class Job:
    """One file in flight: its reference, its worker process and the worker's pipe."""

    def __init__(self, svg: Path, root: Path, context, timeout: float):
        self.svg, self.timeout = svg, timeout
        self.row: dict = {"file": str(svg.relative_to(root)), "group": group_of(svg, root),
                          "status": None, "psnr": None, "seconds": None}
        self.reference = self.process = self.conn = None
        self.deadline = time.monotonic() + timeout
        try:
            self.reference = reference_image(svg, context)
        except Exception as exc:  # noqa: BLE001 - no reference: the file cannot be scored
            self.row.update(status="no-reference", error=one_line(exc))
            return
        height, width = self.reference.shape[:2]
        self.conn, child = context.Pipe(duplex=False)
        self.process = context.Process(target=render_builtin, args=(svg, width, height, child), daemon=True)
        self.process.start()
        child.close()
        self.deadline = time.monotonic() + timeout

    def finish(self, diffs: Path | None) -> dict:
        """Collect the worker's answer (or its death) and score it."""
        try:
            status, payload, seconds = self.conn.recv()
        except EOFError:
            self.process.join()
            status, payload, seconds = "crash", f"worker died (exit code {self.process.exitcode})", None
        self.process.join()
        self.row["seconds"] = None if seconds is None else round(seconds, 3)
        if status != "ok":
            self.row.update(status=status, error=payload)
            return self.row
        try:
            self.row.update(status="ok", psnr=capped_psnr(payload, self.reference))
        except Exception as exc:  # noqa: BLE001 - e.g. a wrong output size
            self.row.update(status="crash", error=one_line(exc))
            return self.row
        if diffs is not None and self.row["psnr"] < MIN_DB:
            name = self.row["file"].replace("/", "__").removesuffix(".svg") + ".png"
            save_png(side_by_side(payload, self.reference), diffs / name)
        return self.row

    def kill(self) -> dict:
        self.process.kill()
        self.process.join()
        self.row.update(status="timeout", error=f"no result within {self.timeout:g} s")
        return self.row


def run(files: list[Path], root: Path, jobs: int, timeout: float, diffs: Path | None) -> list[dict]:
    context = multiprocessing.get_context("fork")  # workers inherit the parent's imports
    pending, running, rows = list(reversed(files)), [], []
    while pending or running:
        while pending and len(running) < jobs:
            job = Job(pending.pop(), root, context, timeout)
            if job.process:
                running.append(job)
            else:
                rows.append(job.row)
        if not running:
            continue
        ready = wait([job.conn for job in running], timeout=max(0.0, min(j.deadline for j in running) - time.monotonic()))
        for job in list(running):
            if job.conn in ready:
                rows.append(job.finish(diffs))
            elif time.monotonic() >= job.deadline:
                rows.append(job.kill())
            else:
                continue
            running.remove(job)
            print(f"{len(rows)}/{len(files)} {rows[-1]['file']}: {rows[-1]['status']} {rows[-1]['psnr']}",
                  file=sys.stderr)
    return sorted(rows, key=lambda row: row["file"])


def summarize(rows: list[dict], worst: int) -> dict:
    scores = [row["psnr"] for row in rows if row["psnr"] is not None]
    count = lambda status: sum(row["status"] == status for row in rows)  # noqa: E731
    ranked = sorted(rows, key=lambda row: -1.0 if row["psnr"] is None else row["psnr"])
    return {
        "count": len(rows),
        "pct_within": round(100.0 * sum(s >= MIN_DB for s in scores) / len(rows), 1) if rows else None,
        "crashes": count("crash"),
        "refusals": count("refused"),
        "timeouts": count("timeout"),
        "no_reference": count("no-reference"),
        "median_psnr": statistics.median(scores) if scores else None,
        "worst": [{k: row[k] for k in ("file", "psnr", "status", "error") if row.get(k) is not None}
                  for row in ranked[:worst] if row["psnr"] is None or row["psnr"] < MIN_DB],
    }


def main(argv: list[str] | None = None) -> int:
    global MIN_DB, PREFIXES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="folder of SVG files (searched recursively)")
    parser.add_argument("--jobs", type=int, default=1, help="workers at once (default 1)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per file (default 10)")
    parser.add_argument("--min-db", type=float, default=MIN_DB, help="PSNR that counts as a pass (default 30)")
    parser.add_argument("--worst", type=int, default=8, help="worst files listed per group (default 8)")
    parser.add_argument("--rows", type=Path, metavar="FILE", help="write every file's row as JSON")
    parser.add_argument("--save-diffs", type=Path, metavar="DIR", help="ours | reference | |diff| x4 below --min-db")
    parser.add_argument("--prefixes", default="", help="comma-separated group names for files directly in ROOT")
    args = parser.parse_args(argv)
    MIN_DB = args.min_db
    PREFIXES = sorted(filter(None, args.prefixes.split(",")), key=len, reverse=True)

    root = args.root.resolve()
    files = sorted(root.rglob("*.svg"))
    if args.save_diffs:
        args.save_diffs.mkdir(parents=True, exist_ok=True)
    import torch  # noqa: F401  (imported once here so every forked worker starts warm)

    import vecedit.render.api  # noqa: F401
    import vecedit.svg  # noqa: F401

    rows = run(files, root, max(1, args.jobs), args.timeout, args.save_diffs)
    if args.rows:
        args.rows.write_text(json.dumps(rows, indent=1))
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    print(json.dumps({"root": str(root), "min_db": MIN_DB, "timeout_s": args.timeout,
                      "groups": {name: summarize(members, args.worst) for name, members in sorted(groups.items())},
                      "summary": summarize(rows, args.worst)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
