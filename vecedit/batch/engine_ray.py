"""The ``ray`` engine: items as Ray tasks, or on Ray actors when a step uses CLIP.

Imported only for ``--engine ray`` (Ray is the optional ``vecedit[ray]`` dependency).

* ``--address auto`` joins the cluster this machine belongs to, ``ray://host:port`` one
  through Ray Client; no address starts a Ray instance on this machine (``-j N`` CPUs)
  and stops it at the end. A Ray already initialised in this process is used as it is.
* Steps without CLIP run as tasks (one CPU each, ``max_retries``: a task whose worker
  dies runs again on another worker).
* With a CLIP step, items go to actors that keep the encoder loaded across items
  (the worker's per-process cache, :func:`vecedit.batch.runner.encoder_for`). Each actor
  asks for one GPU when the cluster has GPUs; a dead actor is restarted
  (``max_restarts``) and its calls retried (``max_task_retries``).
* Workers read the inputs and write the outputs themselves, at the same absolute paths
  the driver planned: every node must see them at those paths (a shared file system,
  mounted alike). Only the item descriptions and report lines travel through Ray.

At most ``2 × workers`` items are in flight, so the driver's memory does not grow with
the batch. An item whose retries are all used up is reported as failed, and the rest go on.
"""

from __future__ import annotations

import logging
from typing import Callable, Optional

import ray

from vecedit.batch.runner import run_item
from vecedit.errors import OptionError

RETRIES = 3


@ray.remote(num_cpus=1, max_retries=RETRIES)
def run_item_task(item, steps, job_digest: str) -> dict:
    return run_item(item, steps, job_digest)


class ItemActor:
    """Runs items one after the other in one process, so the encoder it loads serves them all."""

    def __init__(self, steps, job_digest: str):
        self.steps, self.digest = steps, job_digest

    def run(self, item) -> dict:
        return run_item(item, self.steps, self.digest)


def run_ray(items, steps, job_digest: str, workers: Optional[int], address: Optional[str],
            on_result: Callable[[dict], None]) -> None:
    started = _connect(address, workers)
    try:
        resources = ray.cluster_resources()
        slots = workers or max(1, int(resources.get("GPU", 0)) or int(resources.get("CPU", 1)))
        if any(step.uses_clip for step in steps):
            gpus = 1 if resources.get("GPU", 0) >= 1 else 0
            actor = ray.remote(num_cpus=1, num_gpus=gpus, max_restarts=RETRIES,
                               max_task_retries=RETRIES)(ItemActor)
            fits = int(resources.get("GPU", 0)) if gpus else int(resources.get("CPU", 1))
            count = max(1, min(slots, fits, len(items)))  # more would wait for resources that never free
            actors = [actor.remote(tuple(steps), job_digest) for _ in range(count)]
            submit = _round_robin(actors)
        else:
            steps_ref = ray.put(tuple(steps))

            def submit(item):
                return run_item_task.remote(item, steps_ref, job_digest)

        _drive(items, submit, 2 * slots, on_result)
    finally:
        if started:
            ray.shutdown()


def _connect(address: Optional[str], workers: Optional[int]) -> bool:
    """Join ``address`` or start a local instance; whether this call started Ray (and must stop it)."""
    if ray.is_initialized():
        return False
    if address:  # an existing cluster: its resources and dashboard are its own
        try:
            ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
        except (ConnectionError, ValueError, RuntimeError) as error:
            first = " ".join(str(error).split())[:200]
            raise OptionError(f"--address {address}: cannot join a Ray cluster ({first}); start one with "
                              "`ray start --head`, or leave --address out to start Ray on this machine") from None
    else:
        ray.init(num_cpus=workers or None, include_dashboard=False, log_to_driver=False,
                 logging_level=logging.WARNING)
    return True


def _round_robin(actors):
    state = {"next": 0}

    def submit(item):
        actor = actors[state["next"] % len(actors)]
        state["next"] += 1
        return actor.run.remote(item)

    return submit


def _drive(items, submit, window: int, on_result) -> None:
    pending = list(reversed(items))
    running: dict = {}
    while pending or running:
        while pending and len(running) < window:
            item = pending.pop()
            running[submit(item)] = item
        ready, _ = ray.wait(list(running), num_returns=1)
        for ref in ready:
            item = running.pop(ref)
            try:
                on_result(ray.get(ref))
            except ray.exceptions.RayError as error:  # retries used up: the item fails, the batch goes on
                on_result(_failed(item, error))


def _failed(item, error) -> dict:
    kind = type(error).__name__
    return {"input": item.source, "outputs": [p for _, p in item.outputs], "status": "failed", "seconds": 0.0,
            "error": f"Ray gave up on this item after {RETRIES} retries ({kind}); its worker kept dying",
            "worker": None}


__all__ = ["run_ray", "run_item_task", "ItemActor", "RETRIES"]
