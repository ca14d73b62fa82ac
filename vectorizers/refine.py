"""Refinement: move the stacked paths' points and colours toward the input image.

The layers are turned into a :class:`vecedit.scene.Scene` at the refinement size,
rendered with the builtin differentiable renderer on white, and fitted to the target
with Adam on the mean squared error. Only control points and fill RGB move (alpha
stays 1, every path keeps its segments and subpaths, so topology is unchanged).
The best iterate (lowest loss) is written back into the layers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from vectorizers.stack import Layer, to_svg

POINT_LR = 0.4
"""Adam step for control points, in refinement-canvas pixels (decays to 10% by the end)."""
COLOR_LR = 0.01
"""Adam step for fill colours (RGB in [0, 1])."""
TOLERANCE = 0.5
"""Curve flattening tolerance (px) while refining: coarser than a final render's, for speed."""


@dataclass
class RefineReport:
    iterations: int = 0
    initial_loss: float = math.nan
    best_loss: float = math.nan
    losses: list[float] = field(default_factory=list)
    interrupted: bool = False


def refine(
    layers: list[Layer],
    target: np.ndarray,
    width: int,
    height: int,
    iterations: int,
    seed: int = 0,
    point_lr: float = POINT_LR,
    color_lr: float = COLOR_LR,
    on_step: Optional[Callable[[int, float], None]] = None,
    keep_on_interrupt: bool = False,
) -> RefineReport:
    """Fit ``layers`` (paths in ``width``×``height`` original pixels) to ``target``.

    ``target`` is ``(h, w, 3)`` uint8; the scene is rendered at ``w``×``h``. Paths are
    updated in place with the best iterate. ``on_step(i, loss)`` runs after every
    iteration. With ``keep_on_interrupt``, Ctrl-C stops the loop and keeps the best
    result so far (``report.interrupted``); otherwise it propagates.
    """
    import torch

    from vecedit.render.composite import render_scene
    from vecedit.scene import from_document
    from vecedit.svg import load_svg

    report = RefineReport()
    paths = [p for layer in layers for p in layer.paths]
    if iterations <= 0 or not paths:
        return report
    torch.manual_seed(seed)
    h, w = target.shape[:2]
    doc = load_svg(to_svg(layers, width, height))
    scene = from_document(doc, width=w, height=h)
    if len(scene.shapes) != len(paths):  # every path is one visible, filled scene shape
        raise RuntimeError(f"refine: {len(paths)} paths became {len(scene.shapes)} scene shapes")
    goal = torch.from_numpy(np.array(target, dtype=np.float32)) / 255.0
    points = scene.points.clone().requires_grad_(True)
    rgb = scene.colors[:, :3].clone().requires_grad_(True)
    alpha = scene.colors[:, 3:].clone()
    optimizer = torch.optim.Adam([{"params": [points], "lr": point_lr}, {"params": [rgb], "lr": color_lr}])
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda i: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(i, iterations) / iterations))
    )
    best = (math.inf, points.detach().clone(), rgb.detach().clone())
    try:
        for i in range(iterations):
            scene.points = points
            scene.colors = torch.cat([rgb, alpha], 1)
            image = render_scene(scene, background=(1.0, 1.0, 1.0), tolerance=TOLERANCE)
            loss = torch.mean((image[..., :3] - goal) ** 2)
            value = float(loss.detach())
            if i == 0:
                report.initial_loss = value
            if value < best[0]:
                best = (value, points.detach().clone(), rgb.detach().clone())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
            with torch.no_grad():
                rgb.clamp_(0.0, 1.0)
            report.losses.append(value)
            report.iterations = i + 1
            if on_step is not None:
                on_step(i, value)
        # the last step's result has not been scored yet
        with torch.no_grad():
            scene.points, scene.colors = points, torch.cat([rgb, alpha], 1)
            image = render_scene(scene, background=(1.0, 1.0, 1.0), tolerance=TOLERANCE)
            value = float(torch.mean((image[..., :3] - goal) ** 2))
            if value < best[0]:
                best = (value, points.detach().clone(), rgb.detach().clone())
    except KeyboardInterrupt:
        if not keep_on_interrupt:
            raise
        report.interrupted = True
    report.best_loss = best[0]
    _write_back(scene, paths, best[1].double().numpy(), best[2].double().numpy(), (width / w, height / h))
    return report


def _write_back(scene, paths, points: np.ndarray, rgb: np.ndarray, scale: tuple[float, float]) -> None:
    """Scene rows → the paths they came from (every path is one visible scene shape, in order)."""
    from vectorizers.base import path_area

    factor = np.array(scale)
    color_of = {shape: row for row, (shape, kind) in enumerate(scene.color_owner) if kind == "fill"}
    for index, (sshape, path) in enumerate(zip(scene.shapes, paths)):
        path.subpaths = [points[a : a + n] * factor for a, n, _ in sshape.subpaths]
        path.color = tuple(float(c) * 255.0 for c in rgb[color_of[index]])
        path.area = path_area(path.subpaths)
