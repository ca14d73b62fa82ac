"""The ``local`` engine: a pool of ``-j N`` worker processes on this machine.

Workers are started once (forked from a ``forkserver`` that loaded vecedit and torch once:
safe whatever the driver has loaded) and run item after item, so what a worker loads (CLIP encoders, parsed options)
serves all its items. At most ``2 × N`` items are in flight, so a batch of 100,000 files
holds 2N futures, not 100,000. A worker that dies (killed, out of memory, a crash in a
native library) breaks the pool: the pool is started again and the items that were in
flight run again, each up to :data:`RETRIES` more times before it is reported as failed.
Workers ignore Ctrl-C; the driver stops handing out items and they finish the one they hold.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from vecedit.batch.runner import run_item

RETRIES = 2
_STEPS: tuple = ()
_DIGEST = ""


def run_local(items, steps, job_digest: str, workers: int, on_result: Callable[[dict], None]) -> None:
    """Run every item; ``on_result(line)`` once per item, in the order they finish."""
    pending, attempts = deque(items), {}
    workers = max(1, min(int(workers), len(items) or 1))
    context = _context(any(step.uses_clip for step in steps))
    while pending:
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                   initargs=(tuple(steps), job_digest))
        running: dict = {}
        try:
            while pending or running:
                while pending and len(running) < 2 * workers:
                    item = pending.popleft()
                    running[pool.submit(_work, item)] = item
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    item = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        running[future] = item  # handled with the others below
                        raise
                    on_result(result)
        except BrokenProcessPool:
            for future, item in running.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    on_result(future.result())  # finished before the pool broke
                    continue
                attempts[item] = attempts.get(item, 0) + 1
                if attempts[item] > RETRIES:
                    on_result(_died(item, attempts[item]))
                else:
                    pending.appendleft(item)
            pool.shutdown(wait=False, cancel_futures=True)
            continue
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)


def _context(clip: bool):
    """``forkserver``: workers fork from one clean server process that has loaded vecedit and torch once, so
    starting (and restarting) workers costs no imports, and nothing of the driver's state (threads, CUDA) is
    inherited. The server lives as long as this process: later batches start their workers at once."""
    context = multiprocessing.get_context("forkserver")
    modules = ["vecedit.batch.runner", "torch", "vecedit.render.api", "vecedit.svg"]
    context.set_forkserver_preload(modules + (["open_clip", "vecedit.edit.loop"] if clip else []))
    return context


def _start_worker(steps: tuple, job_digest: str) -> None:
    global _STEPS, _DIGEST
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _STEPS, _DIGEST = steps, job_digest


def _work(item) -> dict:
    return run_item(item, _STEPS, _DIGEST)


def _died(item, attempts: int) -> dict:
    return {"input": item.source, "outputs": [p for _, p in item.outputs], "status": "failed", "seconds": 0.0,
            "error": f"the worker process died while running this item ({attempts} times); it may crash the "
                     "program that reads it or need more memory than a worker has", "worker": None}


__all__ = ["run_local", "RETRIES"]
