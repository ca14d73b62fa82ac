"""Recolouring many files: a folder in, a folder out, worker processes, a JSON report.

:func:`plan_files` turns ``IN`` / ``-o OUT`` / ``--in-place`` into (source, destination)
pairs and refuses, before any work, anything that would write over an input.
:func:`run_batch` recolours them (palette or map mode in ``jobs`` worker processes, prompt
mode one after the other in this process so one CLIP model serves every file), calling
``on_result`` once per file with a :class:`FileResult`. One bad file is reported and
skipped; the others complete. Nothing here imports PyTorch unless the mode is ``prompt``.
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional

from vecedit.errors import InputError, OptionError, VeceditError
from vecedit.paths import same_file, write_text_atomic

REPORT_NAME = "recolor-report.json"


@dataclass
class FileResult:
    file: str
    output: Optional[str]
    status: str  # "recolored" | "unchanged" | "error"
    mapping: dict = field(default_factory=dict)
    paints: int = 0
    colors: int = 0
    warnings: list = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0

    def line(self) -> str:
        """The per-file line the command prints."""
        if self.status == "error":
            return f"error      {self.file}: {self.message}"
        shown = ", ".join(f"{a}→{b if isinstance(b, str) else '/'.join(b)}" for a, b in list(self.mapping.items())[:4])
        more = f", … ({len(self.mapping)} colours)" if len(self.mapping) > 4 else ""
        where = f" → {self.output}" if self.output else ""
        text = f"{self.status:<10} {self.file}{where}" + (f"  {shown}{more}" if shown else "")
        return text + "".join(f"  [warning: {w}]" for w in self.warnings)


def plan_files(source: str, output: Optional[str], in_place: bool,
               dry_run: bool = False) -> tuple[list[tuple[Path, Optional[Path]]], bool]:
    """(source, destination) pairs and whether the input is a folder. Raises before any work.

    With ``dry_run`` and no output, destinations are ``None``.
    """
    src = Path(source)
    if not src.exists():
        raise InputError(f"{source}: no such file or folder")
    if dry_run and output is None and not in_place:
        files = _svg_files(src, None) if src.is_dir() else [src]
        return [(p, None) for p in files], src.is_dir()
    if in_place and output is not None:
        raise OptionError("give either -o OUT or --in-place, not both")
    if not in_place and output is None:
        raise OptionError("give -o OUT (a file or a folder) or --in-place to replace the inputs")
    if src.is_dir():
        out = src if in_place else Path(output)
        if not in_place and out.exists() and not out.is_dir():
            raise OptionError(f"-o {output}: {source} is a folder, so -o must be a folder too")
        if not in_place and same_file(src, out):
            raise OptionError(f"-o {output} is the input folder; vecedit never overwrites inputs unless --in-place "
                              "is given; choose another folder")
        files = _svg_files(src, out.resolve() if not in_place else None)
        return [(p, out / p.relative_to(src)) for p in files], True
    if in_place:
        return [(src, src)], False
    out = Path(output)
    if out.is_dir():
        out = out / src.name
    if same_file(src, out):
        raise OptionError(f"-o {output} is the input file; vecedit never overwrites inputs unless --in-place is "
                          "given; choose another name")
    if out.suffix.lower() != ".svg":
        raise OptionError(f"-o {output}: give a file name ending in .svg (or an existing folder)")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {output}: the folder {folder} does not exist; create it or choose another -o")
    return [(src, out)], False


def _svg_files(folder: Path, skip: Optional[Path]) -> list[Path]:
    """Every ``.svg`` under ``folder`` (sorted), leaving out the output folder when it lies inside."""
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".svg" and p.is_file()
                   and (skip is None or skip not in p.resolve().parents))
    if not files:
        raise InputError(f"{folder}: the folder has no .svg files")
    return files


# --------------------------------------------------------------------------- workers

_OPTIONS: dict = {}


def _init(options: dict) -> None:
    global _OPTIONS
    _OPTIONS = options


def _init_worker(options: dict) -> None:
    from vecedit.allocator import reuse_freed_memory

    reuse_freed_memory()  # a process of ours: as the command does
    _init(options)


def _work(item: tuple[str, str, str]) -> FileResult:
    source, output, label = item
    return recolor_file(Path(source), Path(output) if output else None, _OPTIONS, label)


def recolor_file(source: Path, output: Optional[Path], options: dict, label: Optional[str] = None) -> FileResult:
    """Recolour one file per ``options`` (``palette``/``mapping``/``prompt`` and their settings); never raises
    for a problem with the file itself: it comes back as ``status="error"`` with the message."""
    from vecedit.recolor.palette import recolor_document
    from vecedit.svg import load_svg, save_svg

    start = time.perf_counter()
    label = label or str(source)
    result = FileResult(label, str(output) if output else None, "error")
    try:
        doc = load_svg(source)
        if options.get("prompt") is not None:
            from vecedit.recolor.prompt import recolor_prompt

            done = recolor_prompt(doc, options["prompt"], **options.get("edit", {}))
        else:
            done = recolor_document(doc, options.get("palette"), options.get("mapping"),
                                    tolerance=options.get("tolerance", 0.0), shading=options.get("shading", False),
                                    keep=options.get("keep"))
        result.mapping, result.paints, result.colors = done.mapping, done.paints, done.colors
        result.warnings = list(done.warnings)
        result.status = "recolored" if done.paints else "unchanged"
        write = result.status == "recolored" or options.get("write_unchanged", True)
        if output is not None and write and not options.get("dry_run"):
            if output.parent != Path("") and not output.parent.is_dir():
                output.parent.mkdir(parents=True, exist_ok=True)
            save_svg(doc, output)
    except VeceditError as error:
        result.status, result.message = "error", " ".join(str(error).split())
        result.mapping, result.paints = {}, 0
    except (OSError, ValueError, RecursionError, MemoryError) as error:  # an unreadable or absurd file
        result.status = "error"
        result.message = f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"
        result.mapping, result.paints = {}, 0
    result.seconds = time.perf_counter() - start
    return result


def run_batch(pairs: list[tuple[Path, Path]], options: dict, jobs: int = 1, progress: bool = False,
              on_result: Optional[Callable[[FileResult], None]] = None, base: Optional[Path] = None) -> list[FileResult]:
    """Recolour every (source, destination) pair; results come back in input order."""
    labels = [str(p.relative_to(base)) if base is not None else str(p) for p, _ in pairs]
    items = [(str(s), str(d) if d is not None else "", label) for (s, d), label in zip(pairs, labels)]
    if options.get("prompt") is not None:
        jobs = 1  # one CLIP model, loaded once, serves every file
    jobs = max(1, min(int(jobs), len(items)))
    bar = None
    if progress:
        from vecedit.console import progress as progress_report

        bar = progress_report(len(items), "recolor", "file")
    results: dict[str, FileResult] = {}

    def done(result: FileResult) -> None:
        results[result.file] = result
        if on_result is not None:
            if bar is not None:
                bar.clear()
            on_result(result)
        if bar is not None:
            bar.update(1)

    try:
        if jobs == 1:
            _init(options)
            for item in items:
                done(_work(item))
        else:
            context = multiprocessing.get_context("spawn" if "torch" in sys.modules else "fork")
            chunk = max(1, min(16, len(items) // (jobs * 4)))
            with context.Pool(jobs, initializer=_init_worker, initargs=(options,)) as pool:
                for result in pool.imap_unordered(_work, items, chunksize=chunk):
                    done(result)
    finally:
        if bar is not None:
            bar.close()
    return [results[label] for label in labels if label in results]


def write_report(path: Path, results: list[FileResult], options: dict, seconds: float) -> None:
    """The JSON report: ``{"files": {file: {status, output, mapping, …}}, "summary": {…}}`` (atomic)."""
    mode = {k: options[k] for k in ("palette", "mapping", "prompt", "tolerance", "shading", "keep")
            if options.get(k) not in (None, False)}
    for key in ("palette", "keep"):
        if key in mode:
            mode[key] = ["#%02x%02x%02x" % c for c in mode[key]]
    if "mapping" in mode:
        mode["mapping"] = {"#%02x%02x%02x" % a: "#%02x%02x%02x" % b for a, b in mode["mapping"]}
    counts = {status: sum(r.status == status for r in results) for status in ("recolored", "unchanged", "error")}
    data = {
        "options": mode,
        "summary": {"files": len(results), **counts, "seconds": round(seconds, 3)},
        "files": {r.file: {k: v for k, v in asdict(r).items() if k != "file"} for r in results},
    }
    write_text_atomic(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


__all__ = ["FileResult", "plan_files", "recolor_file", "run_batch", "write_report", "REPORT_NAME"]
