"""``vecedit batch`` with the local engine: outputs, reports, failures, idempotence, resume, dead workers."""

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from batchkit import (PALETTE, RECOLOR_RENDER, children_running, make_icons, outputs_of, parent_of, report_lines,
                      write_job)
from PIL import Image

from vecedit.cli import main


def test_recolor_then_render_over_a_folder_with_a_corrupt_file_then_again(tmp_path, capsys):
    icons = tmp_path / "icons"
    make_icons(icons, 8)
    (icons / "sub" / "broken.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect')
    job = write_job(tmp_path / "job.yaml", "icons", "out", RECOLOR_RENDER)
    assert main(["batch", str(job), "-j", "2"]) == 2  # one item failed
    out = tmp_path / "out"
    printed = capsys.readouterr()
    assert "8 done, 0 skipped, 1 failed of 9 items" in printed.out
    assert "broken.svg" in printed.err and "not well-formed" in printed.err

    lines, summary = report_lines(out / "batch-report.jsonl")
    assert summary["items"] == 9 and summary["done"] == 8 and summary["failed"] == 1
    assert sorted(Path(line["input"]).name for line in lines) == sorted([f"icon{k:03d}.svg" for k in range(8)]
                                                                         + ["broken.svg"])
    failed = [line for line in lines if line["status"] == "failed"]
    assert len(failed) == 1 and "\n" not in failed[0]["error"] and "not well-formed" in failed[0]["error"]
    files = outputs_of(out)
    assert not any("broken" in name for name in files)  # a failed item writes nothing
    assert not [name for name in files if name.endswith(".tmp")]
    for k in range(8):
        stem = ("sub/" if k % 2 else "") + f"icon{k:03d}"
        png = Image.open(io.BytesIO(files[f"{stem}.png"]))
        assert png.size == (64, 64) and png.mode == "RGBA"
        assert png.getpixel((0, 32))[3] == 255  # the white background is under the drawing
        fills = set(re.findall(r"fill(?::|=\")(#[0-9a-f]{6})", files[f"{stem}.recolor.svg"].decode()))
        assert fills and fills <= set(PALETTE)  # the kept intermediate: every paint is a palette colour
        assert Image.open(io.BytesIO(files[f"{stem}.png"])).convert("RGB").getpixel((32, 32)) in {
            tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in PALETTE}

    mtimes = {name: os.stat(out / name).st_mtime_ns for name in files}
    assert main(["batch", str(job), "-j", "2"]) == 2  # again: the 8 are skipped, the broken one fails again
    lines, summary = report_lines(out / "batch-report.jsonl")
    assert (summary["skipped"], summary["done"], summary["failed"]) == (8, 0, 1)
    assert {name: os.stat(out / name).st_mtime_ns for name in files} == mtimes  # nothing rewritten


def test_a_changed_input_or_option_redoes_only_what_changed(tmp_path):
    import vecedit

    icons = tmp_path / "icons"
    paths = make_icons(icons, 3)
    job = {"inputs": str(icons), "output": str(tmp_path / "out"), "steps": [{"recolor": {"palette": PALETTE}}]}
    assert vecedit.batch(job).summary["done"] == 3
    paths[1].write_text(paths[1].read_text().replace('r="', 'r="1'))  # an input's bytes changed
    summary = vecedit.batch(job).summary
    assert (summary["done"], summary["skipped"]) == (1, 2)
    job["steps"][0]["recolor"]["shading"] = True  # an option changed: the job's digest too
    assert vecedit.batch(job).summary["done"] == 3


def test_a_worker_killed_mid_batch_every_item_is_still_done_once(tmp_path):
    import vecedit

    make_icons(tmp_path / "icons", 16)
    job = write_job(tmp_path / "job.yaml", "icons", "out", RECOLOR_RENDER)
    killed = []

    def kill_a_worker(line):
        if not killed:
            # the pool's workers are forked from the engine's forkserver, a child of this process
            servers = [pid for pid in children_running("forkserver") if parent_of(pid) == os.getpid()]
            workers = [pid for pid in children_running("forkserver") if parent_of(pid) in servers]
            assert workers
            os.kill(workers[0], signal.SIGKILL)
            killed.append(set(workers))

    result = vecedit.batch(job, jobs=2, on_result=kill_a_worker)
    lines, summary = report_lines(tmp_path / "out" / "batch-report.jsonl")
    assert summary["done"] == 16 and summary["failed"] == 0
    assert sorted(line["input"] for line in lines) == sorted({line["input"] for line in lines})  # once each
    assert len(lines) == 16
    pids = {int(line["worker"].split(":")[1]) for line in lines}
    assert pids - killed[0]  # the pool was started again (new workers) and went on
    assert len(outputs_of(tmp_path / "out")) == 32
    assert result.ok


def test_kill_9_of_the_driver_then_resume_redoes_only_unfinished_items(tmp_path):
    make_icons(tmp_path / "icons", 60)
    steps = [{"recolor": {"palette": ",".join(PALETTE)}}, {"render": {"width": 384}}]
    job = write_job(tmp_path / "job.yaml", "icons", "out", steps)
    report = tmp_path / "out" / "batch-report.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "vecedit", "batch", str(job), "-j", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None:
        if report.is_file() and report.read_text().count("\n") >= 2:
            break
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)  # the driver and its workers, as a crash would
    process.wait()
    lines, summary = report_lines(report)
    assert summary is None and 2 <= len(lines) < 60, "the run should have been killed part way"
    records = list((tmp_path / "out" / ".vecedit-batch" / "items").rglob("*.json"))
    finished = len(records)

    assert main(["batch", str(job)]) == 2  # an unfinished run is not silently mixed with a new one
    assert main(["batch", str(job), "--resume"]) == 0
    lines, summary = report_lines(report)
    assert (summary["skipped"], summary["done"], summary["failed"]) == (finished, 60 - finished, 0)
    files = outputs_of(tmp_path / "out")
    assert len(files) == 60 and not [name for name in files if name.endswith(".tmp")]
    for data in files.values():
        assert Image.open(io.BytesIO(data)).size == (384, 384)
    assert not (tmp_path / "out" / ".vecedit-batch" / "run.json").exists()  # finished: no resume needed


def test_two_drivers_on_one_output_folder_the_second_is_refused(tmp_path, capsys):
    import fcntl

    make_icons(tmp_path / "icons", 1)
    job = write_job(tmp_path / "job.yaml", "icons", "out", RECOLOR_RENDER)
    state = tmp_path / "out" / ".vecedit-batch"
    state.mkdir(parents=True)
    with open(state / "lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["batch", str(job)]) == 2
    assert "another vecedit batch is writing" in capsys.readouterr().err


def test_vectorize_then_render_over_photos(tmp_path):
    import numpy as np

    import vecedit

    rng = np.random.default_rng(0)
    for k in range(2):
        pixels = np.full((40, 56, 3), 240, np.uint8)
        pixels[8:30, 10 + 10 * k:40] = rng.integers(0, 255, 3)
        Image.fromarray(pixels).save(tmp_path / f"photo{k}.png")
    (tmp_path / "notes.txt").write_text("not an image, not picked up by the folder search")
    job = {"inputs": str(tmp_path), "output": str(tmp_path / "out"),
           "steps": [{"vectorize": {"rounds": [2, 4], "backend": "skimage"}, "keep": True}, {"render": {}}]}
    result = vecedit.batch(job)
    assert result.summary["done"] == 2, result.failures
    files = outputs_of(tmp_path / "out")
    assert sorted(files) == ["photo0.png", "photo0.vectorize.svg", "photo1.png", "photo1.vectorize.svg"]
    assert b'<g id="round-1"' in files["photo1.vectorize.svg"]
    assert Image.open(io.BytesIO(files["photo0.png"])).size == (56, 40)  # the document's own size


def test_recolor_toward_a_prompt_then_font_stylization_with_the_tiny_clip_model(tmp_path, tiny_clip):
    import vecedit

    config, checkpoint = tiny_clip
    make_icons(tmp_path / "icons", 2, size=64)
    clip = {"clip": str(config), "clip_checkpoint": str(checkpoint)}
    steps = [{"recolor": {"prompt": "autumn leaves", "iterations": 2, "patches": 2, **clip}, "keep": True},
             {"font": {"prompt": "made of vines", "iterations": 2, "patches": 2, **clip}}]
    result = vecedit.batch({"inputs": str(tmp_path / "icons"), "output": str(tmp_path / "out"), "steps": steps})
    assert result.summary["done"] == 2, result.failures
    lines, _ = report_lines(tmp_path / "out" / "batch-report.jsonl")
    assert sum(line["encoder_loaded"] for line in lines) == 1  # one worker: loaded for its first item only
    files = outputs_of(tmp_path / "out")
    source = (tmp_path / "icons" / "icon000.svg").read_text()
    recoloured, stylised = files["icon000.recolor.svg"].decode(), files["icon000.svg"].decode()
    assert recoloured != source and 'd="M4 60 L32 21 L60 60 Z"' in recoloured  # colours moved, shapes did not
    assert 'd="M4 60 L32 21 L60 60 Z"' not in stylised  # then the glyph step moved the points


def test_a_plugin_step_runs_end_to_end_with_its_file_option_taken_from_the_job_folder(tmp_path, tiny_clip):
    import vecedit

    config, checkpoint = tiny_clip
    make_icons(tmp_path / "icons", 2, size=48)
    Image.new("RGB", (32, 32), (250, 200, 20)).save(tmp_path / "style.png")  # a yellow style image
    job = write_job(tmp_path / "job.yaml", "icons", "out", [
        {"stylestudio": {"style": "style.png", "elements": "color", "iterations": 3, "patches": 2, "seed": 1,
                         "optimize": "color", "templates": "none",
                         "clip": {"model": str(config), "checkpoint": str(checkpoint), "pretrained": None}}}])
    result = vecedit.batch(str(job))
    assert result.summary["done"] == 2, result.failures
    for name in ["icon000.svg", "sub/icon001.svg"]:
        source, styled = (tmp_path / "icons" / name).read_text(), (tmp_path / "out" / name).read_text()
        assert styled != source  # the colours moved toward the style image's
        assert 'd="M4 44 L24 16 L44 44 Z"' in styled  # a colour-only step: the shapes stayed where they were


def test_relative_images_resolve_against_each_input_s_folder_at_every_step(tmp_path):
    import vecedit

    src = tmp_path / "in"
    src.mkdir()
    Image.new("RGBA", (4, 4), (0, 0, 255, 255)).save(src / "blue.png")
    (src / "card.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
                                  '<rect width="8" height="8" fill="red"/><image width="8" height="4" href="blue.png"/></svg>')
    job = {"inputs": str(src), "output": str(tmp_path / "out"),
           "steps": [{"recolor": {"map": "red=lime"}, "keep": True}, {"render": {}}]}
    result = vecedit.batch(job)
    assert result.summary["done"] == 1, result.failures
    png = Image.open(io.BytesIO(outputs_of(tmp_path / "out")["card.png"])).convert("RGBA")
    assert png.getpixel((4, 1)) == (0, 0, 255, 255) and png.getpixel((4, 6))[:3] == (0, 255, 0)
