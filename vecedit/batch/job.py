"""A batch job file: ``inputs:``, ``output:``, ``steps:`` (and optionally ``report:``), checked as a whole.

::

    inputs: icons/            # a folder (searched recursively), a glob ("icons/**/*.svg"),
                              # or a text file listing paths (one per line, # comments)
    output: icons-brand/      # outputs mirror the inputs' paths relative to the inputs
    steps:
      - recolor: {palette: "#264653,#2a9d8f,#e9c46a"}
      - render: {width: 256, background: white}
    report: icons-brand/batch-report.jsonl   # default: OUTPUT/batch-report.jsonl

Relative paths are taken from the job file's folder (from the current folder for a job
given as a mapping). The job's digest covers the steps, their options, the bytes of every
file an option names and vecedit's version: :mod:`vecedit.batch.plan` adds each input's
bytes to make an item's hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

from vecedit.batch.steps import Step, parse_steps
from vecedit.errors import OptionError

KEYS = ("inputs", "output", "steps", "report")
REPORT_NAME = "batch-report.jsonl"


@dataclass(frozen=True)
class BatchJob:
    inputs: str  # as written
    output: Path  # absolute
    steps: tuple  # of Step
    report: Path  # absolute
    base: Path  # the job file's folder: relative paths start here
    digest: str  # steps + options + files they name + vecedit version


def load_job(job: Union[str, os.PathLike, dict]) -> BatchJob:
    """A job file (``.yaml``, ``.toml``, ``.json``) or its mapping → a checked :class:`BatchJob`."""
    if isinstance(job, dict):
        data, base, where = job, Path.cwd(), "the job"
    else:
        from vecedit.edit.config import read_job_file

        data, base, where = read_job_file(job, flag="job file"), Path(job).resolve().parent, str(job)
    if not isinstance(data, dict):
        raise OptionError(f"{where}: a batch job is a mapping with inputs:, output: and steps:")
    unknown = [k for k in data if k not in KEYS]
    if unknown:
        raise OptionError(f"unknown key(s) {', '.join(map(repr, unknown))} in {where}; a batch job has "
                          f"{', '.join(KEYS)}")
    for key in ("inputs", "output", "steps"):
        if data.get(key) in (None, "", []):
            raise OptionError(f"{where} has no {key}:; a batch job needs inputs: (a folder, glob or list file), "
                              "output: (a folder) and steps:")
    for key in ("inputs", "output", "report"):
        if key in data and not isinstance(data[key], str):
            raise OptionError(f"{key}: give a path as text, got {data[key]!r}")
    steps = tuple(parse_steps(data["steps"], base))
    output = (base / data["output"]).resolve()
    if output.exists() and not output.is_dir():
        raise OptionError(f"output: {data['output']} is a file; give a folder (created if missing)")
    report = (base / data["report"]).resolve() if data.get("report") else output / REPORT_NAME
    if report.suffix.lower() != ".jsonl":
        raise OptionError(f"report: {data['report']}: give a file name ending in .jsonl (JSON lines)")
    return BatchJob(str(data["inputs"]), output, steps, report, base, job_digest(steps))


def job_digest(steps) -> str:
    """sha256 of vecedit's version and the steps, each file an option names replaced by its bytes' sha256."""
    from vecedit import __version__

    described = [{"kind": s.kind, "name": s.name, "keep": s.keep, "argv": list(s.argv), "config": s.config}
                 for s in steps]
    text = json.dumps({"vecedit": __version__, "steps": _with_file_digests(described)}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _with_file_digests(value):
    if isinstance(value, dict):
        return {k: _with_file_digests(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_with_file_digests(v) for v in value]
    if isinstance(value, str) and os.path.isabs(value) and os.path.isfile(value):
        return "sha256:" + file_digest(Path(value))
    return value


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["BatchJob", "load_job", "job_digest", "file_digest", "REPORT_NAME", "Step"]
