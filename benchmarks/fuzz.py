"""Fuzzing campaign: mutated corpus files, grammar-generated SVGs and odd images through
the API and the command line, each in its own worker process with a deadline and a
memory cap; prints counts per outcome and the distinct failure signatures as JSON.

    python benchmarks/fuzz.py --inputs 20000 --jobs 2 --seed 1 --out /tmp/vecedit-fuzz

What is checked is vecedit's contract (``fuzzkit.py``): every input ends in a picture or
one ``VeceditError`` (API), exit 0/2 with one stderr line and no traceback, nothing
written on error, input unchanged (CLI: every subcommand that takes an SVG — render,
info, recolor, edit, font, glyphdraw, stylestudio, deltaedit, dreamdistribution, batch —
and ``vectorize`` for images); finite pixels and scene tensors; byte-exact round trips.
An input that runs past ``--deadline`` seconds (wall clock; ``--clock cpu``: the worker's CPU
time, for a machine shared with other work) is a ``timeout``; one that kills its
worker (e.g. past ``--memory`` GiB) is a ``crash``. Failing inputs are saved under
``--out`` with their signature, so each can become a regression test.

Workers are forked from this process after vecedit, PyTorch and Pillow are imported, so
an input costs its own work only.
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import json
import os
import random
import resource
import select
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CORPUS_DIRS = [ROOT / "tests" / "corpus", ROOT / "tests" / "reliability" / "findings"]
# every subcommand that takes an SVG (fuzzkit.CLI_COMMANDS; vectorize takes the images): the three
# quick ones most often, the optimising ones (tiny CLIP, one iteration) for the rest
QUICK = ("render", "info", "recolor")


def corpus_files() -> list[bytes]:
    files = []
    for folder in CORPUS_DIRS:
        if folder.exists():
            files += [p.read_bytes() for p in sorted(folder.rglob("*")) if p.suffix in (".svg", ".svgz")]
    return files


SLOWEST_KEPT = 10  # the finished inputs with the most worker CPU, kept as examples (the next bottlenecks)


def make_input(rng: random.Random, corpus: list[bytes]) -> dict:
    """One campaign input: {'data', 'suffix', 'family', 'mode', 'commands'}."""
    from fuzzgen import grammar_svg, image_bytes, mutate_svg

    r = rng.random()
    if r < 0.12:
        data, suffix = image_bytes(rng)
        return {"data": data, "suffix": suffix, "family": "image", "mode": "path", "commands": ["vectorize"]}
    if r < 0.55:
        data, family = mutate_svg(rng, rng.choice(corpus)), "mutation"
    else:
        data, family = grammar_svg(rng), "grammar"
        if rng.random() < 0.3:
            data = mutate_svg(rng, data)
    mode = rng.choices(["path", "bytes", "text"], [0.6, 0.2, 0.2])[0]
    if mode == "text":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            mode = "bytes"
    return {"data": data, "suffix": rng.choice([".svg"] * 9 + [".svgz"]), "family": family, "mode": mode,
            "commands": [rng.choice(QUICK) if rng.random() < 0.6 else rng.choice(_slow_commands())]}


def _slow_commands() -> list:
    from fuzzkit import SVG_COMMANDS

    return [c for c in SVG_COMMANDS if c not in QUICK]


def run_one(item: dict, folder: Path) -> dict:
    """Inside the worker: the API check (SVG inputs) and the CLI checks → a JSON-able result."""
    from fuzzkit import check_api, check_cli

    path = folder / f"input{item['suffix']}"
    path.write_bytes(item["data"])
    results = {}
    if item["family"] != "image":
        source = {"path": path, "bytes": item["data"], "text": None}[item["mode"]]
        if item["mode"] == "text":
            source = item["data"].decode("utf-8")
        v = check_api(source, mode=item["mode"], original=item["data"])
        results["api"] = [v.outcome, v.signature, round(v.seconds, 3), v.detail[:300]]
    for command in item["commands"]:
        v = check_cli(path, command, in_process=True)
        results[f"cli-{command}"] = [v.outcome, v.signature, round(v.seconds, 3), v.detail[-300:]]
    return results


def _worker(item: dict, write_fd: int, memory_gib: float) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the CLI's Ctrl-C path, as for a user
    try:
        soft = int(memory_gib * 2**30) + _address_space_now()
        resource.setrlimit(resource.RLIMIT_AS, (soft, soft))
        with tempfile.TemporaryDirectory() as tmp:
            result = run_one(item, Path(tmp))
        payload = json.dumps(result).encode()
    except BaseException as e:  # noqa: BLE001 - reported as the worker's own failure
        payload = json.dumps({"worker": ["violation", f"worker:{type(e).__name__}", 0, str(e)[:300]]}).encode()
    with os.fdopen(write_fd, "wb") as pipe:
        pipe.write(payload)
    os._exit(0)


def _start_worker(item: dict, memory_gib: float) -> tuple[int, int]:
    """Fork a worker for *item* → (its pid, the pipe its JSON result arrives on)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _worker(item, write_fd, memory_gib)
    os.close(write_fd)
    return pid, read_fd


def _address_space_now() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _preload() -> None:
    """Import everything a worker uses, once, before forking (no torch threads started)."""
    import torch

    torch.set_num_threads(1)
    import PIL.Image  # noqa: F401

    import vecedit  # noqa: F401
    import vecedit.cli  # noqa: F401
    import vecedit.render.api  # noqa: F401
    import vecedit.scene  # noqa: F401
    from vecedit.cli import build_parser

    import functools

    import vecedit.cli as cli

    # One parser for the whole campaign: building it (every subcommand, plugin discovery)
    # costs ~0.4 s, which would otherwise dominate each input's CLI run.
    cli.build_parser = functools.lru_cache(maxsize=1)(build_parser)
    cli.build_parser()
    import open_clip  # noqa: F401 - the tiny CLIP of edit, deltaedit, dreamdistribution
    import scipy.cluster.vq  # noqa: F401 - vectorize's colour quantisation
    import scipy.spatial  # noqa: F401
    import torch._dynamo  # noqa: F401 - what torch.optim's first optimizer imports (seconds per fork otherwise)

    import fuzzkit  # noqa: F401


def campaign(args) -> dict:
    rng = random.Random(args.seed)
    corpus = corpus_files()
    _preload()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import fuzzkit

    fuzzkit.prepare_assets(out / "assets")
    counts: dict[str, Counter] = defaultdict(Counter)
    families = Counter()
    signatures: dict[str, dict] = {}
    running: dict[int, tuple] = {}  # read fd → (pid, item, started)
    started_at = time.perf_counter()
    made = done = reported = 0
    slow = 0
    worker_cpu: list[float] = []
    worker_wall: list[float] = []
    slowest: list[tuple[float, int, dict]] = []  # heap of the finished inputs with the most worker CPU

    def record(item, results):
        nonlocal done, slow
        done += 1
        for channel, (outcome, signature, seconds, detail) in results.items():
            counts[channel][outcome] += 1
            if seconds and seconds > 1.0:
                slow += 1
            if outcome in ("violation", "timeout", "crash"):
                key = f"{channel}|{signature}"
                entry = signatures.setdefault(key, {"count": 0, "example": None, "detail": detail})
                entry["count"] += 1
                if entry["example"] is None:
                    digest = hashlib.sha1(item["data"]).hexdigest()[:12]
                    name = out / f"{channel}-{digest}{item['suffix']}"
                    name.write_bytes(item["data"])
                    entry["example"] = str(name)
                    entry["mode"] = item["mode"]
                    entry["item"] = item  # for the recheck; dropped from the summary
                    print(f"... new failure {key} after {done} inputs: {name} ({detail[:200]})",
                          file=sys.stderr, flush=True)

    stop = []  # SIGTERM / Ctrl-C: finish with the summary of what ran
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    while done < args.inputs:
        if stop:
            for fd, (pid, _item, _started, _buf) in list(running.items()):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(fd)
            running.clear()
            break
        out_of_time = args.minutes and time.perf_counter() - started_at > args.minutes * 60
        if out_of_time and not running:
            break
        while len(running) < args.jobs and made < args.inputs and not out_of_time:
            item = make_input(rng, corpus)
            made += 1
            families[item["family"]] += 1
            pid, read_fd = _start_worker(item, args.memory)
            running[read_fd] = (pid, item, time.perf_counter(), bytearray())
        ready, _, _ = select.select(list(running), [], [], 0.2)
        for fd in ready:
            chunk = os.read(fd, 1 << 16)
            if chunk:
                running[fd][3].extend(chunk)
                continue
            pid, item, began, buf = running.pop(fd)
            os.close(fd)
            _, status, usage = os.wait4(pid, 0)
            worker_cpu.append(usage.ru_utime + usage.ru_stime)
            heapq.heappush(slowest, (worker_cpu[-1], made, item))
            if len(slowest) > SLOWEST_KEPT:
                heapq.heappop(slowest)
            worker_wall.append(time.perf_counter() - began)
            try:
                results = json.loads(bytes(buf))
            except ValueError:
                why = f"signal-{-os.WEXITSTATUS(status) if os.WIFEXITED(status) else os.WTERMSIG(status)}"
                results = {_channels(item)[0]: ["crash", f"crash:{why}", 0, ""]}
            record(item, results)
        now = time.perf_counter()
        for fd, (pid, item, started, _) in list(running.items()):
            if _past_deadline(args, pid, now - started):
                used = _cpu_seconds(pid)
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                os.close(fd)
                running.pop(fd)
                # the worker runs the API check, then the command: name the command in the signature
                record(item, {_channels(item)[0]: ["timeout", f"timeout>{args.deadline:g}s({'+'.join(item['commands'])})",
                                                   args.deadline, f"stopped at {used:.2f} CPU-s, "
                                                   f"{now - started:.1f} s of wall time"]})
        if args.progress and done // args.progress > reported:
            reported = done // args.progress
            print(f"... {done} inputs, {time.perf_counter() - started_at:.0f} s, "
                  f"{sum(e['count'] for e in signatures.values())} failures", file=sys.stderr, flush=True)
    if args.recheck:
        _recheck(args, signatures)
    for entry in signatures.values():
        entry.pop("item", None)
    summary = _summary(args, counts, families, signatures, done, slow, time.perf_counter() - started_at)
    summary["worker_cpu_s_max"] = round(max(worker_cpu, default=0.0), 2)
    summary["worker_wall_s_max"] = round(max(worker_wall, default=0.0), 2)
    # with --clock cpu: inputs that finished within the CPU deadline but not within the wall one
    summary["finished_over_deadline_wall"] = sum(w > args.deadline for w in worker_wall)
    summary["slowest_finished"] = [_keep(out, "slow", item, {"cpu_s": round(cpu, 2)})
                                   for cpu, _, item in sorted(slowest, key=lambda t: -t[0])]
    return summary


def _recheck(args, signatures: dict) -> None:
    """Run each timeout's and crash's example once more, alone, in a fresh worker: whether the input
    itself is slow (or crashes), or the worker stalled beside other work. The counts stay as they were;
    the entry gains ``recheck``: the outcome, the worker's CPU and wall seconds."""
    for key, entry in signatures.items():
        item = entry.get("item")
        if item is None or not ("timeout>" in key or "crash:" in key):
            continue
        pid, read_fd = _start_worker(item, args.memory)
        began, buf, outcome = time.perf_counter(), bytearray(), None
        while outcome is None:
            if select.select([read_fd], [], [], 0.2)[0]:
                chunk = os.read(read_fd, 1 << 16)
                if chunk:
                    buf.extend(chunk)
                    continue
                try:
                    results = json.loads(bytes(buf))
                    outcome = ",".join(sorted({r[0] for r in results.values()}))
                except ValueError:
                    outcome = "crash"
            elif _past_deadline(args, pid, time.perf_counter() - began):
                outcome = "timeout"
                os.kill(pid, signal.SIGKILL)
        used = _cpu_seconds(pid) if outcome == "timeout" else None
        _, _, usage = os.wait4(pid, 0)
        os.close(read_fd)
        entry["recheck"] = {"outcome": outcome, "cpu_s": round(used if used is not None
                                                               else usage.ru_utime + usage.ru_stime, 2),
                            "wall_s": round(time.perf_counter() - began, 2)}


def _keep(out: Path, prefix: str, item: dict, facts: dict) -> dict:
    """Write *item*'s input under *out* → *facts* with where it is and how it was run."""
    name = out / f"{prefix}-{hashlib.sha1(item['data']).hexdigest()[:12]}{item['suffix']}"
    name.write_bytes(item["data"])
    return {**facts, "commands": item["commands"], "mode": item["mode"], "family": item["family"], "example": str(name)}


def _past_deadline(args, pid: int, wall: float) -> bool:
    """Wall clock, or (``--clock cpu``) the worker's CPU time, so that a machine shared with other
    work does not turn slow inputs into timeouts; a worker stalled past 3× the deadline stops anyway."""
    if args.clock == "wall" or wall > 3 * args.deadline:
        return wall > args.deadline
    return _cpu_seconds(pid) > args.deadline


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    utime, stime, cutime, cstime = (int(v) for v in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def _channels(item: dict) -> list[str]:
    return (["api"] if item["family"] != "image" else []) + [f"cli-{c}" for c in item["commands"]]


def _summary(args, counts, families, signatures, done, slow, seconds) -> dict:
    def total(pred):
        return sum(e["count"] for k, e in signatures.items() if pred(k))

    return {
        "inputs": done,
        "seed": args.seed,
        "jobs": args.jobs,
        "deadline_s": args.deadline,
        "deadline_clock": args.clock,
        "memory_gib": args.memory,
        "seconds": round(seconds, 1),
        "families": dict(families),
        "outcomes": {channel: dict(c) for channel, c in sorted(counts.items())},
        # exception signatures are "step:module.Type@file:function" (fuzzkit._exception_verdict)
        "unhandled_exceptions": total(lambda k: k.startswith("api|") and "@" in k),
        "api_contract_violations": total(lambda k: k.startswith("api|") and "@" not in k
                                         and "timeout" not in k and "crash" not in k),
        "over_deadline": total(lambda k: "timeout>" in k),
        "crashes": total(lambda k: "crash:" in k),
        "cli_contract_violations": total(lambda k: k.startswith("cli-") and "timeout>" not in k),
        "channel_runs_over_1s": slow,
        "signatures": dict(sorted(signatures.items(), key=lambda kv: -kv[1]["count"])),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--inputs", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--jobs", type=int, default=2, help="worker processes at once (the machine is shared)")
    p.add_argument("--deadline", type=float, default=10.0, help="seconds per input before it counts as a timeout")
    p.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                   help="what the deadline counts: wall-clock seconds, or the worker's CPU seconds (a shared machine)")
    p.add_argument("--memory", type=float, default=3.0, help="GiB a worker may add before it is stopped")
    p.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "vecedit-fuzz"),
                   help="folder for the failing inputs")
    p.add_argument("--minutes", type=float, default=0, help="stop starting new inputs after this long (0: no limit)")
    p.add_argument("--progress", type=int, default=0, help="print a progress line every N inputs")
    p.add_argument("--no-recheck", dest="recheck", action="store_false",
                   help="do not run each timeout's and crash's example once more, alone, at the end")
    args = p.parse_args(argv)
    summary = campaign(args)
    print(json.dumps(summary, indent=1))
    (Path(args.out) / "summary.json").write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
