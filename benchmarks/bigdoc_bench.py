"""Documents at the complexity budget: CPU seconds per step, and per fuzzing worker.

The fuzzing campaign (``fuzz.py``) gives each input one worker with a 10 s deadline: the
API check (``fuzzkit.check_api``: load, render, scene, save + reload) and one command.
This measures that on documents as large as the default budget allows:

- ``many_shapes``: shapes − 13 two-segment stroked paths, a stroked polyline of half the
  segments budget and a stroked circle of radius 1e308 (the shape of a campaign's slowest input);
- ``long_path``: one path of (segments − 10) random line segments across the canvas;
- ``budget``: shapes − 1 filled paths of 17 segments (every command letter, absolute
  and relative) and one long stroked path topping the segments up to the budget;
- ``layers``: masked elements and groups with opacity (layers count as shapes), half the budget each;

(each sized from the default :class:`vecedit.limits.Limits`, so the numbers follow the budget)
- any SVG files given on the command line.

Prints one JSON object: per document, CPU seconds of load / render (64 px wide) / scene /
save / reload, ``check_api``, each optimising command (in process, as the campaign runs
them; ``batch`` runs in a worker process, so its number is wall time) and ``worker``
(check_api + the slowest command). CPU time, because the machine is shared.

    python benchmarks/bigdoc_bench.py [FILE.svg ...] [--commands edit,stylestudio] [--assets DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vecedit.limits import Limits  # noqa: E402

COMMANDS = ["edit", "stylestudio", "dreamdistribution", "deltaedit", "batch"]
WALL_TIME = {"batch"}  # its work happens in a pool process this one does not account


def many_shapes() -> str:
    points = " ".join(f"{i % 97},{(i // 97 * 8 + i) % 89}" for i in range(BUDGET.segments // 2))
    paths = '<path d="M0 0 L5 5 L0 5z" stroke="red"/>' * (BUDGET.shapes - 13)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'
            f'<circle cx="0" cy="50" r="1e308" stroke="black"/><polyline stroke="black" points="{points}"/>'
            f'{paths}</svg>')


def long_path() -> str:
    import random

    rng = random.Random(0)
    d = "M0 0 " + " ".join(f"L{rng.randrange(100)} {rng.randrange(100)}" for _ in range(BUDGET.segments - 10))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80" viewBox="0 0 120 80">'
            f'<circle cx="32" cy="58" r="16" fill="#ddd" stroke="teal"/><path d="{d}"/></svg>')


def budget() -> str:
    import random

    rng = random.Random(1)
    commands = ["L{} {}", "l{} {}", "H{}", "v{}", "C{} {} {} {} {} {}", "c{} {} {} {} {} {}", "S{} {} {} {}",
                "q{} {} {} {}", "T{} {}", "A{} {} 0 0 1 {} {}"]
    parts = []
    for i in range(BUDGET.shapes - 1):
        segs = [rng.choice(commands).format(*(rng.randrange(1, 12) for _ in range(6))) for _ in range(16)]
        d = f"M{rng.randrange(400)} {rng.randrange(400)} " + " ".join(segs) + " z"
        parts.append(f'<path d="{d}" fill="#{i % 4096:03x}"/>')
    # the last shape tops the segments up to the budget (less what the arcs above add when built): a walk
    # of short steps, so that the picture stays inside the rasterizer's budget (edge_pixels) at 64 px
    top_up = BUDGET.segments - 18 * (BUDGET.shapes - 1) - BUDGET.shapes // 12
    filler = " ".join(f"l{rng.randrange(-2, 3)} {rng.randrange(-2, 3)}" for _ in range(max(top_up, 1)))
    parts.append(f'<path d="M200 200 {filler}" fill="none" stroke="#456"/>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400">{"".join(parts)}</svg>'


def layers() -> str:
    """Masked elements (each 3 shapes and 2 layers: itself, its mask's content, its mask region) and groups
    with opacity (1 shape, 1 layer) filling the shapes budget half each (the campaign's slow input was 1,002
    copies of a corpus element with an objectBoundingBox mask)."""
    masked = ('<rect x="-40" y="-25" width="80" height="50" fill="#00897b" transform="translate(60 60) rotate(25)" '
              'mask="url(#diag)"/>') * (BUDGET.shapes // 10)
    faded = '<g opacity="0.5"><rect x="{}" y="{}" width="20" height="10" fill="#f4511e"/></g>'
    groups = "".join(faded.format(i % 180, i * 7 % 190) for i in range(BUDGET.shapes // 4))
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">'
            '<mask id="diag" maskContentUnits="objectBoundingBox" x="0" y="0" width="1" height="1">'
            f'<path d="M0 0 H1 L0 1 Z" fill="white"/></mask>{masked}{groups}</svg>')


BUDGET = Limits()  # the defaults: every synthetic document is sized to them

SYNTHETIC = {"many_shapes": many_shapes, "long_path": long_path, "budget": budget, "layers": layers}


def cpu(fn):
    start = time.process_time()
    value = fn()
    return value, round(time.process_time() - start, 3)


def steps(path: Path) -> dict:
    """CPU seconds of each API step, once (a step refused by the budget says so instead)."""
    import vecedit
    from vecedit.errors import VeceditError
    from vecedit.scene import from_document

    def refusable(fn):
        try:
            return cpu(fn)
        except VeceditError as e:
            return None, f"refused: {str(e)[:120]}"

    out = {}
    doc, out["load"] = cpu(lambda: vecedit.load_svg(path))
    _, out["render"] = refusable(lambda: vecedit.render(doc, width=64))
    _, out["scene"] = refusable(lambda: from_document(doc, width=64))
    with tempfile.TemporaryDirectory() as tmp:
        saved = Path(tmp) / "saved.svg"
        _, out["save"] = cpu(lambda: vecedit.save_svg(doc, saved))
        out["round_trip_exact"] = saved.read_bytes() == path.read_bytes()
        _, out["reload"] = cpu(lambda: vecedit.load_svg(saved))
    out["shapes"] = len(doc.shapes())
    return out


def worker(path: Path, commands: list[str]) -> dict:
    import fuzzkit

    out = {}
    verdict, out["check_api"] = cpu(lambda: fuzzkit.check_api(path, mode="path"))
    out["check_api_outcome"] = verdict.outcome
    for command in commands:
        start = time.perf_counter()
        verdict, seconds = cpu(lambda: fuzzkit.check_cli(path, command, in_process=True))
        out[command] = round(time.perf_counter() - start, 3) if command in WALL_TIME else seconds
        out[f"{command}_outcome"] = verdict.outcome + ("" if verdict.ok else f" {verdict.signature}")
    out["worker"] = round(out["check_api"] + max((out[c] for c in commands), default=0.0), 3)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("files", nargs="*", type=Path)
    p.add_argument("--commands", default=",".join(COMMANDS), help="commands to run after check_api ('' for none)")
    p.add_argument("--only", default="", help="synthetic documents to run (comma-separated; default all)")
    p.add_argument("--assets", type=Path, help="a fuzzkit assets folder (default: built in a temporary one)")
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import fuzz
    import fuzzkit

    fuzz._preload()  # what a campaign worker has imported before it forks
    commands = [c for c in args.commands.split(",") if c]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fuzzkit.ASSETS = args.assets or fuzzkit.prepare_assets(tmp / "assets")
        small = tmp / "small.svg"
        small.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="4" height="4"/></svg>')
        for command in commands:  # first runs import and cache what every later one shares
            fuzzkit.check_cli(small, command, in_process=True)
        documents = {}
        wanted = [n for n in args.only.split(",") if n] or list(SYNTHETIC)
        for name in wanted:
            documents[name] = tmp / f"{name}.svg"
            documents[name].write_text(SYNTHETIC[name]())
        for f in args.files:
            documents[f.name] = f
        results = {}
        for name, path in documents.items():
            results[name] = {"bytes": path.stat().st_size, **steps(path), **worker(path, commands)}
            print(name, json.dumps(results[name]), file=sys.stderr)
    print(json.dumps({"load_average": os.getloadavg(), "documents": results}, indent=1))


if __name__ == "__main__":
    main()
