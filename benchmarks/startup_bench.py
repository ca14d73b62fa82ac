"""Start-up: seconds from the ``vecedit edit`` command to the start of its first iteration.

Runs the real command line (``python -m vecedit edit DOC -p … --clip-checkpoint FILE``) in a
fresh process, ``--runs`` times in a row (the first may find a cold page cache or an empty
text-feature cache; the rest are "a warm machine"). The child is the ordinary command with one
probe: when the editor is about to take its first step, it prints the wall seconds since the
parent started it and its own CPU seconds (user + system, all threads), and exits.

The document is a random 1000-path 512² SVG; the encoders (timing only: RANDOM weights) are
open_clip's ViT-B-32 saved as a full-size checkpoint, and the tests' tiny model
(``tests/standins.py``: a JSON config passed as ``--clip``, 2 layers, 64 px), which shows what
start-up costs besides the model's size. The text-feature cache lives in a temporary
``XDG_CACHE_HOME`` so the first run is a cold cache and the others warm, whatever this
machine's own cache holds. The load average is recorded before and after: on a busy machine
compare ``cpu_s``. Prints JSON.

``--against PYTHON`` runs the same commands with another interpreter (one whose ``import vecedit``
is another checkout, e.g. a virtual environment of an earlier commit), alternating with this one
run by run, so that both see the same load; each side's medians are reported.

    python benchmarks/startup_bench.py [--runs 3] [--checkpoint vitb32.pt] [--models vitb32,tiny]
                                       [--against OTHER/.venv/bin/python]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from edit_bench import random_svg

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import os, resource, sys, time
import vecedit.edit.loop as loop
first = loop.Editor._iteration
def probe(self, bar):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print("STARTUP", time.time() - float(os.environ["STARTUP_T0"]), usage.ru_utime + usage.ru_stime, flush=True)
    os._exit(0)
loop.Editor._iteration = probe
from vecedit.cli import main
sys.argv = ["vecedit", *sys.argv[1:]]
main()
"""


def make_checkpoint(path: Path) -> None:
    import open_clip
    import torch

    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32", pretrained=None)
    torch.save(model.state_dict(), path)


def one_run(args: list[str], env: dict, python: str = sys.executable) -> dict:
    env = {**env, "STARTUP_T0": repr(time.time())}
    done = subprocess.run([python, "-c", PROBE, *args], env=env, capture_output=True, text=True,
                          cwd=tempfile.gettempdir())  # not here: `-c` puts the folder first on sys.path
    line = next((l for l in done.stdout.splitlines() if l.startswith("STARTUP")), None)
    if line is None:
        raise SystemExit(f"the command did not reach its first iteration:\n{done.stderr[-2000:]}")
    wall, cpu = (float(v) for v in line.split()[1:])
    status = [l for l in done.stderr.splitlines() if l.startswith("vecedit:")]
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "status_lines": status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkpoint", help="a ViT-B-32 state_dict (default: a random one, made once)")
    parser.add_argument("--patches", type=int, default=64)
    parser.add_argument("--models", default="vitb32,tiny", help="comma-separated: vitb32, tiny")
    parser.add_argument("--against", metavar="PYTHON", help="also run with this interpreter, alternately")
    args = parser.parse_args()
    sides = {"this": sys.executable, **({"against": args.against} if args.against else {})}
    result = {"load_average_start": list(os.getloadavg()), "threads": os.environ.get("OMP_NUM_THREADS", "default"),
              "models": {}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        doc = tmp / "doc.svg"
        doc.write_text(random_svg(1000, 512, 0))
        for model in args.models.split(","):
            clip = _model_flags(model.strip(), tmp, args.checkpoint)
            command = ["edit", str(doc), "-p", "a photo of an astronaut on the moon", *clip,
                       "--patches", str(args.patches), "-o", str(tmp / "out.svg")]
            runs = {side: [] for side in sides}
            for _ in range(args.runs):
                for side, python in sides.items():  # alternately: both sides see the same load
                    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / f"cache-{model}-{side}")}
                    runs[side].append(one_run(command, env, python))
            described = f"vecedit edit doc.svg -p '…' {' '.join(Path(a).name for a in clip)} (1000 paths, 512²)"
            result["models"][model] = {"command": described, **_summary(runs["this"])}
            if args.against:
                result["models"][model]["against"] = {"python": args.against, **_summary(runs["against"])}
    result["load_average_end"] = list(os.getloadavg())
    print(json.dumps(result, indent=1))


def _summary(runs: list[dict]) -> dict:
    warm = runs[1:] or runs
    return {"runs": runs, "first_run_cold_text_cache_s": runs[0]["wall_s"],
            "warm_median_wall_s": sorted(r["wall_s"] for r in warm)[len(warm) // 2],
            "warm_median_cpu_s": sorted(r["cpu_s"] for r in warm)[len(warm) // 2]}


def _model_flags(model: str, tmp: Path, checkpoint) -> list[str]:
    if model == "vitb32":
        path = Path(checkpoint) if checkpoint else tmp / "vitb32_random.pt"
        if not checkpoint:
            make_checkpoint(path)
        return ["--clip-checkpoint", str(path)]
    if model == "tiny":
        sys.path.insert(0, str(ROOT / "tests"))
        from standins import build_tiny_clip

        config, weights = build_tiny_clip(tmp)
        return ["--clip", str(config), "--clip-checkpoint", str(weights)]
    raise SystemExit(f"unknown model {model!r}: choose vitb32 or tiny")


if __name__ == "__main__":
    main()
