"""``vecedit.batch(job, engine=…)``: run a job's steps over every input, locally or on Ray.

The order of things: the whole job is checked and the items planned before anything is
written; then the output folder is locked (one driver per output folder) and marked as
holding a run in progress; items already done (their record matches, see
:mod:`vecedit.batch.plan`) are reported as skipped; the rest go to the engine; the run is
marked finished. A run that stopped before the end (a crash, ``kill -9``, Ctrl-C) leaves
the mark: the next run over that folder must say ``resume=True`` (``--resume``), which
removes the temporary files the interrupted writes left and redoes only unfinished items.
A finished run removes those of workers that died mid-write (one walk of the output folder).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Union

from vecedit.batch.job import BatchJob, load_job
from vecedit.batch.plan import STATE_FOLDER, Item, is_done, plan_items
from vecedit.batch.report import Report
from vecedit.errors import OptionError

ENGINES = ("local", "ray")
_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # vecedit.paths.write_atomic's temporary names


@dataclass
class BatchResult:
    summary: dict
    failures: list = field(default_factory=list)  # the report lines of failed items
    report: Optional[Path] = None
    planned: list = field(default_factory=list)  # dry run: (item, "run" | "skip")

    @property
    def ok(self) -> bool:
        return not self.summary.get("failed")


def batch(job: Union[str, os.PathLike, dict], engine: str = "local", *, address: Optional[str] = None,
          jobs: Optional[int] = None, resume: bool = False, dry_run: bool = False, progress: Optional[bool] = None,
          on_result: Optional[Callable[[dict], None]] = None) -> BatchResult:
    """Run a batch job (a job file's path, or its mapping); return the summary and the failed items.

    ``engine``: ``"local"`` (``jobs`` worker processes, default 1) or ``"ray"`` (``address``
    ``"auto"`` or ``"ray://host:port"``; none: a Ray instance on this machine with ``jobs``
    CPUs). ``progress``: a bar (True), plain lines (False), or a bar when stderr is a
    terminal (None). ``on_result(line)`` sees each report line. Raises
    :class:`~vecedit.errors.VeceditError` (one line) when the batch cannot start; a failed
    item never raises.
    """
    workers = _check_engine(engine, address, jobs)
    job = load_job(job)
    items = plan_items(job)
    if dry_run:
        planned = [(item, "skip" if is_done(item, job.digest) else "run") for item in items]
        runs = sum(what == "run" for _, what in planned)
        summary = {"items": len(items), "to_run": runs, "skipped": len(items) - runs, "engine": engine}
        return BatchResult(summary, planned=planned)
    with _OutputLock(job.output) as lock:
        lock.begin(job, resume)
        labels = {item.source: item.rel for item in items}
        report = Report(job.report, len(items), progress, label=lambda source: labels.get(source, source))
        failures: list = []

        def record(line: dict) -> None:
            report.add(line)
            if line["status"] == "failed":
                failures.append(line)
            if on_result is not None:
                on_result(line)

        summary = None
        try:
            todo = _skip_done(items, job, record)
            _run(engine, todo, job, workers, address, record)
            _remove_temporaries(job.output)  # of writes a dying worker left; its item was run again
            summary = report.summary(engine, workers or "cluster")
            lock.finish()
        finally:
            report.close(summary)
    return BatchResult(summary, failures, job.report)


def _check_engine(engine: str, address: Optional[str], jobs: Optional[int]) -> Optional[int]:
    if engine not in ENGINES:
        raise OptionError(f"--engine {engine!r}: choose local or ray")
    if address and engine != "ray":
        raise OptionError("--address is for --engine ray (a Ray cluster's address)")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 0):
        raise OptionError(f"-j must be a whole number >= 0 (0: one per CPU core), got {jobs!r}")
    if jobs == 0:
        jobs = os.cpu_count() or 1
    if engine == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise OptionError('--engine ray needs Ray, an optional dependency: pip install "vecedit[ray]"') from None
        return jobs
    return jobs or 1


def _skip_done(items: list[Item], job: BatchJob, record) -> list[Item]:
    todo = []
    for item in items:
        if is_done(item, job.digest):
            record({"input": item.source, "outputs": [p for _, p in item.outputs], "status": "skipped",
                    "seconds": 0.0, "error": None})
        else:
            todo.append(item)
    return todo


def _run(engine: str, items: list[Item], job: BatchJob, workers, address, record) -> None:
    if not items:
        return
    if engine == "ray":
        from vecedit.batch.engine_ray import run_ray

        run_ray(items, job.steps, job.digest, workers, address, record)
    else:
        from vecedit.batch.engine_local import run_local

        run_local(items, job.steps, job.digest, workers, record)


class _OutputLock:
    """One driver per output folder (an advisory lock), and the mark of a run in progress."""

    def __init__(self, output: Path):
        self.folder = output / STATE_FOLDER
        self.mark = self.folder / "run.json"
        self.file = None

    def __enter__(self):
        import fcntl

        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.file = open(self.folder / "lock", "a+")
        except OSError as error:
            raise OptionError(f"cannot write the output folder {self.folder.parent}: {error.strerror or error}") \
                from None
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.file.close()
            raise OptionError(f"another vecedit batch is writing {self.folder.parent}; wait for it to end or choose "
                              "another output folder") from None
        return self

    def begin(self, job: BatchJob, resume: bool) -> None:
        from vecedit.paths import write_text_atomic

        if self.mark.is_file() and not resume:
            raise OptionError(f"{self.folder.parent} holds a batch that did not finish (a crash or an interrupt); "
                              "add --resume to finish it (finished items are kept), or choose another output folder")
        if resume:
            _remove_temporaries(self.folder.parent)
        write_text_atomic(self.mark, json.dumps({"job": job.digest, "pid": os.getpid(), "argv": sys.argv}) + "\n")

    def finish(self) -> None:
        self.mark.unlink(missing_ok=True)

    def __exit__(self, *exc):
        self.file.close()  # releases the lock


def _remove_temporaries(output: Path) -> None:
    """Temporary files of writes a crash interrupted (never a finished output: those have their own names)."""
    for folder, _, files in os.walk(output):
        for name in files:
            if _TEMPORARY.match(name):
                try:
                    os.unlink(os.path.join(folder, name))
                except OSError:
                    pass


__all__ = ["batch", "BatchResult", "ENGINES"]
