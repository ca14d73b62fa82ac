"""vecedit's input contract, as checks shared by the regression tests and ``fuzz.py``.

The contract (issue 12): anything a user hands vecedit ends in a result or in one clear
error. Through the API: ``load_svg`` → ``render(width=64)`` → ``scene.from_document`` →
``save_svg`` + reload end in a picture or a :class:`~vecedit.errors.VeceditError`; pixels
and scene tensors are finite; an unedited document saves back byte for byte and the
saved file loads again. Through the command line (every subcommand that takes an input:
:data:`CLI_COMMANDS`): exit 0 or 2, on 2 exactly one ``vecedit: error:`` line and
no traceback, nothing written on error, the input's bytes unchanged.

Each check returns a :class:`Verdict`: ``outcome`` is ``"ok"`` (a picture / exit 0),
``"refused"`` (a VeceditError / exit 2) or ``"violation"``; ``problems`` name what broke
the contract and ``signature`` groups equal failures (exception type + the innermost
vecedit frame, or the problem names).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

ROOT = Path(__file__).resolve().parents[1]
RENDER_WIDTH = 64


@dataclass
class Verdict:
    outcome: str  # "ok" | "refused" | "violation"
    problems: list[str] = field(default_factory=list)
    signature: str = ""
    seconds: float = 0.0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome != "violation"


def _where(exc: BaseException) -> str:
    """The innermost frame inside the project (vecedit/, vectorizers/, plugins/)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if any(part in f.filename for part in ("vecedit", "vectorizers", "plugins"))]
    f = (ours or frames or [None])[-1]
    if f is None:
        return "?"
    name = f.filename
    for marker in ("vecedit/", "vectorizers/", "plugins/"):
        if marker in name:
            name = name[name.rindex(marker):]
            break
    return f"{name}:{f.name}"


def _exception_verdict(step: str, exc: BaseException, start: float) -> Verdict:
    sig = f"{step}:{type(exc).__module__}.{type(exc).__name__}@{_where(exc)}"
    return Verdict("violation", [f"{step}-exception"], sig, time.perf_counter() - start,
                   f"{type(exc).__name__}: {str(exc)[:300]}")


def _finite_tensor(t) -> bool:
    import torch

    return bool(torch.isfinite(t).all()) if t.numel() else True


def check_api(source: Union[str, bytes, Path], mode: str = "path", original: Optional[bytes] = None) -> Verdict:
    """Run *source* (a path, SVG text or bytes, per *mode*) through the API and judge it.

    *original* is the input's bytes for the round-trip comparison (read from the path
    when *mode* is ``"path"``).
    """
    import vecedit
    from vecedit.errors import VeceditError
    from vecedit.scene import from_document

    start = time.perf_counter()
    problems: list[str] = []
    step = "load"
    try:
        doc = vecedit.load_svg(source)
        step = "render"
        try:
            image = vecedit.render(doc, width=RENDER_WIDTH)
            if not _finite_tensor(image):
                problems.append("render-nonfinite-pixels")
        except VeceditError:
            pass  # refusing to render (a budget) is allowed; the document still round-trips
        step = "scene"
        try:
            scene = from_document(doc, width=RENDER_WIDTH)
            for name, tensor in scene.tensors().items():
                if not _finite_tensor(tensor):
                    problems.append(f"scene-nonfinite-{name}")
        except VeceditError:
            pass
        step = "roundtrip"
        problems += _roundtrip(doc, source, mode, original)
    except VeceditError as e:
        if step == "load":
            return Verdict("refused", [], "refused", time.perf_counter() - start, str(e)[:300])
        return _exception_verdict(step, e, start)  # a VeceditError after a load is still a failure
    except RecursionError as e:  # before MemoryError etc.: keep the type in the signature
        return _exception_verdict(step, e, start)
    except Exception as e:  # noqa: BLE001 - the point is to catch what escapes
        return _exception_verdict(step, e, start)
    seconds = time.perf_counter() - start
    if problems:
        return Verdict("violation", problems, ",".join(sorted(set(problems))), seconds)
    return Verdict("ok", [], "ok", seconds)


def _roundtrip(doc, source, mode: str, original: Optional[bytes]) -> list[str]:
    import vecedit
    from vecedit.errors import VeceditError
    from vecedit.svg import dumps_svg

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "saved.svg"
        vecedit.save_svg(doc, out)
        saved = out.read_bytes()
        problems = []
        if mode == "path":
            data = original if original is not None else Path(source).read_bytes()
            if data[:2] == b"\x1f\x8b":  # .svgz: vecedit writes plain SVG; compare the text
                data = None
            if data is not None and saved != data:
                problems.append("roundtrip-bytes-differ")
        elif mode == "text":
            if dumps_svg(doc) != source.removeprefix("\ufeff"):  # one BOM is encoding, a second is text
                problems.append("roundtrip-text-differs")
        elif mode == "bytes" and bytes(source)[:2] != b"\x1f\x8b" and saved != bytes(source):
            problems.append("roundtrip-bytes-differ")
        try:
            again = vecedit.load_svg(out)
        except VeceditError:
            return problems + ["roundtrip-reload-VeceditError"]
        if len(again.shapes()) != len(doc.shapes()):
            problems.append("roundtrip-reload-differs")
        return problems


# --------------------------------------------------------------------------- command line

CLI_COMMANDS = {
    "render": lambda src, out: ["render", str(src), "-o", str(out / "out.png"), "--width", str(RENDER_WIDTH)],
    "info": lambda src, out: ["info", str(src)],
    "recolor": lambda src, out: ["recolor", str(src), "--palette", "#264653,#2a9d8f,#e9c46a", "-o", str(out / "out.svg")],
    "vectorize": lambda src, out: ["vectorize", str(src), "-o", str(out / "out.svg"), "--size", "64", "-q"],
    # the optimising commands, as short as they go, with the tiny CLIP of prepare_assets (no download)
    "edit": lambda src, out: ["edit", str(src), "-p", "a red apple", "-o", str(out / "out.svg"), *_clip(),
                              "--iterations", "1", "--patches", "1", "--templates", "none", "-q"],
    "stylestudio": lambda src, out: ["stylestudio", str(src), "--style", str(ASSETS / "ref0.png"), "--elements", "color",
                                     "-o", str(out / "out.svg"), "--iterations", "1", "-q"],
    "glyphdraw": lambda src, out: ["glyphdraw", str(src), "--text", "Ab", "--box", "0,0,4,4", "-o",
                                   str(out / "out.svg"), "--insert-only"],
    "font": lambda src, out: ["font", "--from-svg", str(src), "--layout-only", "-o", str(out / "out.svg")],
    "deltaedit": lambda src, out: ["deltaedit", "train", str(src), "-o", str(out / "mapper.pt"), "--steps", "1",
                                   "--samples", "8", *_clip(), "-q"],
    "dreamdistribution": lambda src, out: ["dreamdistribution", "sample", str(src), "--distribution",
                                           str(ASSETS / "dist.pt"), "-n", "1", "-o", str(out / "out.svg"),
                                           "--iterations", "1", "--patches", "1", *_clip(), "-q"],
    "batch": lambda src, out: ["batch", str(_batch_job(src, out)), "-j", "1"],
}
SVG_COMMANDS = [c for c in CLI_COMMANDS if c != "vectorize"]
# A batch documents a wider contract: on exit 2 it has written its report (and its state
# folder) and printed one "vecedit: failed: ITEM: …" line per failed item before the error line.
ALLOWED_ON_ERROR = {"batch": ("batch-report.jsonl", ".vecedit-batch")}
ITEM_LINES = {"batch": "vecedit: failed: "}
ASSETS: Optional[Path] = None  # set by prepare_assets


def prepare_assets(folder: Path) -> Path:
    """The tiny CLIP model (tests/standins.py), three reference images and a fitted prompt distribution."""
    global ASSETS
    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(ROOT / "tests"))
    from standins import build_tiny_clip

    folder.mkdir(parents=True, exist_ok=True)
    build_tiny_clip(folder)
    for i in range(3):
        pixels = (np.random.default_rng(i).random((16, 16, 3)) * 255).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"ref{i}.png")
    ASSETS = folder
    code, err = _run_in_process(["dreamdistribution", "fit", *[str(folder / f"ref{i}.png") for i in range(3)],
                                 "-o", str(folder / "dist.pt"), "--steps", "1", "--prompts", "2", *_clip(), "-q"])
    if code != 0:
        raise RuntimeError(f"could not fit the campaign's prompt distribution: {err}")
    return folder


def _clip() -> list:
    return ["--clip", str(ASSETS / "vecedit-tiny-clip.json"), "--clip-checkpoint", str(ASSETS / "tiny.pt")]


def _batch_job(src: Path, out: Path) -> Path:
    job = src.parent.parent / "job.json"  # beside the input folder: not an output, not the input
    job.write_text(json.dumps({"inputs": str(src.parent), "output": str(out / "batch"),
                               "steps": [{"render": {"width": RENDER_WIDTH}}]}))
    return job


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def check_cli(source: Path, command: str, timeout: float = 60.0, in_process: bool = False) -> Verdict:
    """Run ``vecedit COMMAND`` on the file *source* and judge exit code, stderr and files.

    The input is copied into a fresh folder first; the output goes to a second one.
    *in_process* runs :func:`vecedit.cli.main` here (fast, for tests); otherwise a
    subprocess (what a user runs; catches crashes that kill the interpreter).
    """
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "in").mkdir()
        (tmp / "out").mkdir()
        src = tmp / "in" / source.name
        src.write_bytes(source.read_bytes())
        before = _snapshot(tmp / "in")
        args = CLI_COMMANDS[command](src, tmp / "out")
        if in_process:
            code, err = _run_in_process(args)
        else:
            env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
            proc = subprocess.run([sys.executable, "-m", "vecedit", *args], capture_output=True, text=True,
                                  timeout=timeout, env=env, errors="replace")
            code, err = proc.returncode, proc.stderr
        problems = []
        lines = [line for line in err.splitlines() if line.strip()]
        if code not in (0, 2):
            problems.append(f"cli-{command}-exit-{code}")
        if "Traceback" in err:
            problems.append(f"cli-{command}-traceback")
        if code == 2:
            if command in ITEM_LINES:
                lines = [line for line in lines if not line.startswith(ITEM_LINES[command])]
            if len(lines) != 1 or not lines[0].startswith("vecedit: error: "):
                problems.append(f"cli-{command}-stderr-not-one-line")
            allowed = ALLOWED_ON_ERROR.get(command, ())
            if any(not any(part in allowed for part in p.parts) for p in _snapshot(tmp / "out")):
                problems.append(f"cli-{command}-wrote-on-error")
        if _snapshot(tmp / "in") != before:
            problems.append(f"cli-{command}-input-changed")
    seconds = time.perf_counter() - start
    if problems:
        last = lines[-1][:200] if lines else ""
        return Verdict("violation", problems, ",".join(problems) + (f"|{_error_kind(last)}" if last else ""),
                       seconds, err[-600:])
    return Verdict("ok" if code == 0 else "refused", [], f"exit-{code}", seconds, lines[-1][:300] if lines else "")


def _error_kind(line: str) -> str:
    """The exception name of a traceback's last line (``ValueError: …`` → ``ValueError``)."""
    head = line.split(":", 1)[0].strip()
    return head if head.replace(".", "").replace("_", "").isalnum() else "?"


def _run_in_process(args: list[str]) -> tuple[int, str]:
    import contextlib
    import io

    from vecedit.cli import main

    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(args)
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 1
        except BaseException:  # noqa: BLE001 - what a user would see: a traceback, exit 1
            traceback.print_exc(file=err)
            code = 1
    return code, err.getvalue()


