"""The contract between the edit loop and its loss terms.

A loss term is any object with a ``name``, a ``prepare(context)`` called once with the
initial render, and a ``__call__(context)`` that returns named scalar parts (for
example one per region of interest). The loop sums every part of every term,
backpropagates, and logs each part, so adding a regulariser or a raster target is one
more object in the list::

    class Smoothness:
        name = "smooth"
        def prepare(self, context): pass
        def __call__(self, context):
            p = context.scene.points
            return {"smooth": 0.01 * (p[1:] - p[:-1]).square().sum()}
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Optional, Protocol, runtime_checkable

import torch


@dataclass
class Timer:
    """Accumulates named durations; synchronises CUDA first so the numbers mean something."""

    sync: bool = False
    totals: dict[str, float] = field(default_factory=dict)

    def now(self) -> float:
        if self.sync:
            torch.cuda.synchronize()
        return time.perf_counter()

    def add(self, name: str, seconds: float) -> None:
        self.totals[name] = self.totals.get(name, 0.0) + seconds

    def take(self) -> dict[str, float]:
        out, self.totals = self.totals, {}
        return out


@dataclass
class Context:
    """What a loss term sees each iteration.

    ``image`` is the current render composited on the background, ``(H, W, 3)``,
    differentiable with respect to the scene's trainable tensors; ``initial`` is the
    render before any step (no gradient). ``generator`` is the run's seeded source of
    randomness (on the CPU); draw from it, never from the global RNG.
    """

    scene: object
    image: torch.Tensor
    initial: torch.Tensor
    iteration: int
    generator: torch.Generator
    timer: Timer = field(default_factory=Timer)
    document: Optional[object] = None


@runtime_checkable
class LossTerm(Protocol):
    name: str

    def prepare(self, context: Context) -> None:
        ...

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        ...


__all__ = ["Context", "LossTerm", "Timer"]
