"""From a job to items: which files, where each one's outputs go, and which are already done.

Outputs mirror each input's path relative to the inputs (a folder: relative to it; a glob:
to its part before the first wildcard; a list file: to the listed files' common folder):
``icons/ui/a.svg`` → ``OUTPUT/ui/a.png`` (the last step's file) and, for a step with
``keep: true``, ``OUTPUT/ui/a.STEP.svg``. Beside the outputs, ``OUTPUT/.vecedit-batch/items/
ui/a.svg.json`` records the item's hash (job digest + the input's bytes) and its outputs'
sizes; it is written after the outputs, so an item counts as done only when all its
outputs are whole. An item is skipped when that record matches.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from vecedit.batch.job import BatchJob
from vecedit.batch.steps import PNG, RASTER, SVG
from vecedit.errors import InputError, OptionError

STATE_FOLDER = ".vecedit-batch"
SUFFIXES = {SVG: (".svg",), PNG: (".png",),
            RASTER: (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")}
WILDCARDS = set("*?[")


@dataclass(frozen=True)
class Item:
    source: str  # the input file, absolute
    rel: str  # its path relative to the inputs (posix), mirrored under the output folder
    outputs: tuple  # ((step index, absolute path), …); the last one is the last step's
    manifest: str  # the record of a finished item


def plan_items(job: BatchJob) -> list[Item]:
    """Every input of ``job`` as an :class:`Item`, sorted; refuses collisions and inputs overwritten."""
    suffixes = tuple(s for kind in job.steps[0].takes for s in SUFFIXES[kind])
    found = find_inputs(job.inputs, job.base, suffixes, job.output)
    last = len(job.steps) - 1
    items, claimed = [], {}
    for source, rel in found:
        stem = rel.rsplit(".", 1)[0] if "." in Path(rel).name else rel
        outputs = [(k, str(job.output / f"{stem}.{step.name}.{step.makes}")) for k, step in enumerate(job.steps)
                   if step.keep and k != last]
        outputs.append((last, str(job.output / f"{stem}.{job.steps[last].makes}")))
        for _, path in outputs:
            if path in claimed:
                raise OptionError(f"{claimed[path]} and {rel} would both write {path}; rename one or use a "
                                  "different `name:` for a kept step")
            claimed[path] = rel
        manifest = str(job.output / STATE_FOLDER / "items" / f"{rel}.json")
        items.append(Item(str(source), rel, tuple(outputs), manifest))
    sources = {item.source for item in items}
    clash = next((p for p in claimed if p in sources), None)
    if clash is not None:
        raise OptionError(f"output: {clash} is an input; vecedit never overwrites its inputs; choose another folder")
    return items


def find_inputs(spec: str, base: Path, suffixes: tuple, output: Path) -> list[tuple[Path, str]]:
    """(absolute file, path relative to the inputs) for a folder, a glob or a list file, sorted."""
    path = base / spec
    if any(c in spec for c in WILDCARDS):
        root = base / _before_wildcard(spec)
        files = [Path(p) for p in glob.glob(str(path), recursive=True) if os.path.isfile(p)]
        what = f"inputs: {spec} matches no file"
    elif path.is_dir():
        root, what = path, f"inputs: the folder {spec} has no {'/'.join(suffixes)} files"
        files = [p for p in path.rglob("*") if p.suffix.lower() in suffixes and p.is_file()]
    elif path.is_file():
        files = _listed(path)
        root, what = Path(os.path.commonpath([f.parent for f in files])) if files else path.parent, \
            f"inputs: the list {spec} names no file"
    else:
        raise InputError(f"inputs: {spec}: no such folder, file or matching glob (paths start at {base})")
    output, root = output.resolve(), root.resolve()
    if output == root or output in root.parents:
        raise OptionError(f"output: {output} holds the inputs; vecedit never writes among its inputs; choose "
                          "another folder")
    files = sorted({f.resolve() for f in files if output not in f.resolve().parents})
    if not files:
        raise InputError(what)
    return [(f, f.relative_to(root).as_posix()) for f in files]


def _before_wildcard(spec: str) -> str:
    parts = Path(spec).parts
    fixed = []
    for part in parts:
        if WILDCARDS & set(part):
            break
        fixed.append(part)
    return str(Path(*fixed)) if fixed else "."


def _listed(path: Path) -> list[Path]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"inputs: cannot read the list {path}: {error}") from None
    files = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        listed = path.parent / line
        try:
            found = listed.is_file()
        except OSError:  # a name too long for the file system, …
            found = False
        if not found:
            raise InputError(f"inputs: {path} line {number}: {line}: no such file")
        files.append(listed)
    return files


# ------------------------------------------------------------------ done or not


def item_hash(job_digest: str, data: bytes) -> str:
    return hashlib.sha256(job_digest.encode() + b"\0" + data).hexdigest()


def is_done(item: Item, job_digest: str) -> bool:
    """Whether ``item``'s record matches this job and this input's bytes, and its outputs are all there."""
    try:
        record = json.loads(Path(item.manifest).read_text(encoding="utf-8"))
        outputs = record["outputs"]
        if sorted(outputs) != sorted(path for _, path in item.outputs):
            return False
        if any(os.path.getsize(path) != size for path, size in outputs.items()):
            return False
        return record["hash"] == item_hash(job_digest, Path(item.source).read_bytes())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def manifest_text(item: Item, digest: str, sizes: dict) -> str:
    return json.dumps({"input": item.source, "hash": digest, "outputs": sizes}, indent=1, sort_keys=True) + "\n"


__all__ = ["Item", "plan_items", "find_inputs", "item_hash", "is_done", "manifest_text", "STATE_FOLDER"]
