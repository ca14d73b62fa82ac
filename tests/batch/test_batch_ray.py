"""``vecedit batch --engine ray`` on a Ray instance this module starts (2 CPUs, 127.0.0.1): the same bytes as
the local engine, a killed worker's items still done once, and an edit step with the tiny open_clip model."""

import logging
import os
import signal
import subprocess
import sys

import pytest
from batchkit import RECOLOR_RENDER, children_running, make_icons, outputs_of, report_lines, write_job

import vecedit

ray = pytest.importorskip("ray", reason="Ray is the optional vecedit[ray] dependency (the dev extra installs it)")


@pytest.fixture(scope="module")
def ray_instance():
    """One local Ray instance for every test here (starting Ray takes seconds to tens of seconds)."""
    if ray.is_initialized():
        ray.shutdown()
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             logging_level=logging.WARNING)
    yield
    ray.shutdown()


def test_ray_writes_the_same_bytes_as_the_local_engine(tmp_path, ray_instance):
    make_icons(tmp_path / "icons", 10)
    local = vecedit.batch(write_job(tmp_path / "local.yaml", "icons", "local", RECOLOR_RENDER), jobs=2)
    far = vecedit.batch(write_job(tmp_path / "ray.yaml", "icons", "ray", RECOLOR_RENDER), engine="ray")
    assert local.summary["done"] == far.summary["done"] == 10 and far.summary["engine"] == "ray"
    assert outputs_of(tmp_path / "ray") == outputs_of(tmp_path / "local")
    assert len(outputs_of(tmp_path / "ray")) == 20
    again = vecedit.batch(tmp_path / "ray.yaml", engine="ray")
    assert again.summary["skipped"] == 10  # the records are the same whichever engine wrote them


def test_a_ray_worker_killed_mid_batch_every_item_is_still_done_once(tmp_path, ray_instance):
    paths = make_icons(tmp_path / "icons", 16)
    stems = [p.relative_to(tmp_path / "icons").with_suffix("").as_posix() for p in paths]
    job = write_job(tmp_path / "job.yaml", "icons", "out", [dict(RECOLOR_RENDER[0]), {"render": {"width": 256}}])
    killed = []

    def kill_a_busy_worker(line):
        busy = children_running("ray::run_item_task")  # Ray titles a worker by the task it runs
        if not killed and busy:
            os.kill(busy[0], signal.SIGKILL)
            killed.append(busy[0])

    result = vecedit.batch(job, engine="ray", on_result=kill_a_busy_worker)
    lines, summary = report_lines(tmp_path / "out" / "batch-report.jsonl")
    assert killed, "no worker was busy when items finished"
    assert summary["done"] == 16 and result.ok
    assert len(lines) == 16 and len({line["input"] for line in lines}) == 16  # each once
    # the kept recolour and the PNG of each, and no temporary file of a write the kill cut short
    expected = sorted(f"{stem}{ext}" for stem in stems for ext in (".png", ".recolor.svg"))
    assert sorted(outputs_of(tmp_path / "out")) == expected


def test_an_edit_step_with_the_tiny_clip_model_through_both_engines(tmp_path, tiny_clip, ray_instance):
    config, checkpoint = tiny_clip
    make_icons(tmp_path / "icons", 4, size=64)
    clip = {"model": str(config), "checkpoint": str(checkpoint), "pretrained": None}
    steps = [{"edit": {"prompt": "a red circle", "iterations": 3, "patches": 2, "optimize": "color",
                       "templates": "none", "clip": clip}}]
    local = vecedit.batch(write_job(tmp_path / "local.yaml", "icons", "local", steps), jobs=2)
    lines, _ = report_lines(tmp_path / "local" / "batch-report.jsonl")
    assert local.summary["done"] == 4, local.failures
    workers = {line["worker"] for line in lines}
    assert sum(line["encoder_loaded"] for line in lines) == len(workers)  # once per worker, not per item
    edited = outputs_of(tmp_path / "local")
    assert edited["icon000.svg"] != (tmp_path / "icons" / "icon000.svg").read_bytes()  # the colours moved

    far = vecedit.batch(write_job(tmp_path / "ray.yaml", "icons", "ray", steps), engine="ray")
    lines, _ = report_lines(tmp_path / "ray" / "batch-report.jsonl")
    assert far.summary["done"] == 4, far.failures
    assert sum(line["encoder_loaded"] for line in lines) == len({line["worker"] for line in lines}) <= 2  # actors
    assert outputs_of(tmp_path / "ray") == edited


def test_the_command_joins_a_running_cluster_with_address_auto(tmp_path, ray_instance):
    make_icons(tmp_path / "icons", 3)
    job = write_job(tmp_path / "job.yaml", "icons", "out", RECOLOR_RENDER)
    run = subprocess.run([sys.executable, "-m", "vecedit", "batch", str(job), "--engine", "ray", "--address", "auto"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "3 done, 0 skipped, 0 failed of 3 items" in run.stdout
    lines, summary = report_lines(tmp_path / "out" / "batch-report.jsonl")
    assert summary["engine"] == "ray" and summary["workers"] == "cluster"
    assert ray.get(ray.put(7)) == 7  # the command left the cluster it joined running (it stops only its own)
