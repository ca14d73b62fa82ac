"""benchmarks/fuzz.py itself: a tiny campaign runs its inputs in workers and reports counts,
failure signatures and the slowest finished inputs (kept as files, the next bottlenecks).
Run as a process of its own, as a user runs it (it sets signal handlers and thread counts)."""

import json
import subprocess
import sys
from pathlib import Path

FUZZ = Path(__file__).resolve().parents[2] / "benchmarks" / "fuzz.py"


def test_a_tiny_campaign_reports_outcomes_and_keeps_its_slowest_inputs(tmp_path):
    run = subprocess.run([sys.executable, str(FUZZ), "--inputs", "3", "--jobs", "1", "--seed", "7", "--clock", "cpu",
                          "--out", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads(run.stdout)
    assert summary["inputs"] == 3
    assert sum(sum(c.values()) for c in summary["outcomes"].values()) >= 3
    assert summary["unhandled_exceptions"] == 0 and summary["crashes"] == 0
    slowest = summary["slowest_finished"]
    assert 1 <= len(slowest) <= 3
    assert [s["cpu_s"] for s in slowest] == sorted((s["cpu_s"] for s in slowest), reverse=True)
    assert all(Path(s["example"]).is_file() for s in slowest)
    assert json.loads((tmp_path / "summary.json").read_text())["inputs"] == 3


def test_generated_inputs_stay_within_the_campaigns_memory():
    # was: a 100,000-point path duplicated 20,000 times (24 GB) in the campaign's own process: OOM-killed
    import random

    sys.path.insert(0, str(FUZZ.parent))
    import fuzzgen

    big = b'<svg xmlns="http://www.w3.org/2000/svg"><path d="' + b"L1 1 " * 200_000 + b'"/></svg>'
    for seed in range(40):
        assert len(fuzzgen.mutate_svg(random.Random(seed), big)) <= fuzzgen.MAX_INPUT_BYTES
    copied = fuzzgen._duplicate_element(random.Random(0), big)
    assert len(big) < len(copied) <= len(big) + fuzzgen.MAX_INPUT_BYTES  # still duplicates, within the cap


STALL_ONCE = r'''
import argparse, json, os, sys, time
sys.path.insert(0, sys.argv[1])
import fuzz

flag = sys.argv[2]


def run_one(item, folder):  # the first run stalls (a worker stuck beside other work), later runs do not
    if not os.path.exists(flag):
        open(flag, "w").close()
        time.sleep(30)
    return {"api": ["ok", "ok", 0.0, ""]}


fuzz.run_one = run_one
fuzz._preload = lambda: None
fuzz.make_input = lambda rng, corpus: {"data": b"<svg/>", "suffix": ".svg", "family": "grammar", "mode": "bytes",
                                       "commands": ["info"]}
args = argparse.Namespace(inputs=1, seed=0, jobs=1, deadline=1.0, clock="wall", memory=3.0, out=sys.argv[3],
                          minutes=0, progress=0, recheck=True)
print(json.dumps(fuzz.campaign(args)))
'''


def test_a_timeout_is_rechecked_alone_and_says_where_it_was_stopped(tmp_path):
    script = tmp_path / "stall_once.py"
    script.write_text(STALL_ONCE)
    run = subprocess.run([sys.executable, str(script), str(FUZZ.parent), str(tmp_path / "flag"), str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads(run.stdout)
    assert summary["over_deadline"] == 1  # counted as it happened
    (entry,) = summary["signatures"].values()
    assert "CPU-s" in entry["detail"] and "wall time" in entry["detail"]
    assert entry["recheck"]["outcome"] == "ok" and entry["recheck"]["wall_s"] < 10  # not the input: the worker
    assert "item" not in entry
    assert "new failure api|timeout>1s(info)" in run.stderr
