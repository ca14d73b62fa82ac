"""What a batch tells: the JSON-lines report, the summary, and progress on stderr.

The report (``OUTPUT/batch-report.jsonl`` unless the job says otherwise) has one line per
item as it finishes — ``input``, ``outputs``, ``status`` (``done``, ``skipped`` or
``failed``), ``seconds``, ``error`` (one line, or null), plus ``worker`` (host:pid) and
``encoder_loaded`` — and a last line ``{"summary": {…}}``. Lines are flushed as they are
written, so a crashed run's report shows how far it got.

Progress: a bar with items/s and the time left when stderr is a terminal; otherwise a
plain line for every failed item and a progress line at most every 5 seconds.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Optional

STATUSES = ("done", "skipped", "failed")


class Report:
    def __init__(self, path: Optional[Path], total: int, progress: Optional[bool] = None, label=str):
        self.path, self.total, self.label = path, total, label
        self.counts = dict.fromkeys(STATUSES, 0)
        self.started = time.perf_counter()
        self.file = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.file = open(path, "w", encoding="utf-8")
        self.progress = Progress(total, sys.stderr.isatty() if progress is None else progress)

    def add(self, line: dict) -> None:
        self.counts[line["status"]] += 1
        if self.file is not None:
            self.file.write(json.dumps(line, ensure_ascii=False) + "\n")
            self.file.flush()
        if line["status"] == "failed":
            self.progress.say(f"vecedit: failed: {self.label(line['input'])}: {line['error']}")
        self.progress.update(self.done)

    @property
    def done(self) -> int:
        return sum(self.counts.values())

    def summary(self, engine: str, workers) -> dict:
        seconds = time.perf_counter() - self.started
        ran = self.counts["done"] + self.counts["failed"]
        return {"items": self.total, **self.counts, "seconds": round(seconds, 3),
                "items_per_second": round(ran / seconds, 3) if seconds > 0 and ran else 0.0,
                "engine": engine, "workers": workers}

    def close(self, summary: Optional[dict]) -> None:
        self.progress.close()
        if self.file is not None:
            if summary is not None:
                self.file.write(json.dumps({"summary": summary}) + "\n")
            self.file.close()


class Progress:
    """tqdm's bar (items/s, ETA) on a terminal; plain lines otherwise."""

    EVERY = 5.0

    def __init__(self, total: int, bar: bool):
        self.total, self.bar, self.last = total, None, time.monotonic()
        self.start = self.last
        if bar:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="item", desc="batch", file=sys.stderr, dynamic_ncols=True)

    def say(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr, flush=True)

    def update(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            return
        now = time.monotonic()
        if now - self.last >= self.EVERY and done < self.total:
            self.last = now
            rate = done / max(now - self.start, 1e-9)
            eta = (self.total - done) / rate if rate > 0 else float("inf")
            shown = f"{rate:.1f}" if rate >= 1 else f"{rate:.2f}"
            print(f"batch: {done}/{self.total} items, {shown} items/s, about {eta:.0f} s left", file=sys.stderr,
                  flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


__all__ = ["Report", "Progress", "STATUSES"]
