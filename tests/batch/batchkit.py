"""Generated icon folders, job files and report reading for the batch tests (a uniquely named module)."""

import json
import os
import random
from pathlib import Path

import yaml

COLOURS = ["#e63946", "#457b9d", "#1d3557", "#a8dadc", "#f1faee", "#2a9d8f"]
PALETTE = ["#264653", "#2a9d8f", "#e9c46a"]


def icon(seed: int, size: int = 48) -> str:
    """A small SVG like an exported icon: a background, a circle and a path, colours drawn from COLOURS."""
    rng = random.Random(seed)
    c = [rng.choice(COLOURS) for _ in range(3)]
    r = rng.randint(size // 6, size // 3)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">\n'
            f'  <rect id="bg" width="{size}" height="{size}" rx="6" fill="{c[0]}"/>\n'
            f'  <circle id="dot" cx="{size // 2}" cy="{size // 2}" r="{r}" fill="{c[1]}"/>\n'
            f'  <path id="mark" d="M4 {size - 4} L{size // 2} {size // 3} L{size - 4} {size - 4} Z" fill="{c[2]}"/>\n'
            f'</svg>\n')


def make_icons(folder: Path, count: int, size: int = 48) -> list[Path]:
    """``count`` icons, every other one in a subfolder (so outputs must mirror folders)."""
    paths = []
    for k in range(count):
        path = folder / ("sub" if k % 2 else "") / f"icon{k:03d}.svg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(icon(k, size))
        paths.append(path)
    return paths


def write_job(path: Path, inputs, output, steps) -> Path:
    path.write_text(yaml.safe_dump({"inputs": str(inputs), "output": str(output), "steps": steps}, sort_keys=False))
    return path


RECOLOR_RENDER = [{"recolor": {"palette": ",".join(PALETTE)}, "keep": True},
                  {"render": {"width": 64, "background": "white"}}]


def report_lines(path: Path) -> tuple[list[dict], dict]:
    """(item lines, summary or None) of a JSON-lines report."""
    lines = [json.loads(line) for line in Path(path).read_text().splitlines()]
    summary = lines[-1]["summary"] if lines and "summary" in lines[-1] else None
    return [line for line in lines if "summary" not in line], summary


def outputs_of(folder: Path) -> dict:
    """{relative path: bytes} of every output file (not the batch's own records and report)."""
    found = {}
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d != ".vecedit-batch"]
        for name in files:
            if not name.endswith(".jsonl"):
                path = Path(root) / name
                found[path.relative_to(folder).as_posix()] = path.read_bytes()
    return found


def children_running(marker: str) -> list[int]:
    """Pids of processes whose command line contains ``marker`` (Linux /proc)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as file:
                    cmdline = file.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline:
                pids.append(int(entry))
    return pids


def parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as file:
        return int(file.read().rsplit(")", 1)[1].split()[1])
