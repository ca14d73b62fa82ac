"""Refinement: move the stacked paths' points and colours toward the input image.

The layers are turned into a :class:`vecedit.scene.Scene` at the refinement size,
rendered with the builtin differentiable renderer on white, and fitted to the target
with Adam on the mean squared error. Only control points and fill RGB move (alpha
stays 1, every path keeps its segments and subpaths, so topology is unchanged).
The best iterate (lowest loss) is written back into the layers.

Coarse to fine: the renderer's cost grows with the canvas (edge cells and the area
under every shape's bounding box), so the first :data:`COARSE_FRACTION` of the
iterations render at :data:`COARSE_SCALE` of the refinement size (short runs, as ``vectorize``'s
default: the first :data:`SHORT_COARSE_FRACTION` at :data:`SHORT_COARSE_SCALE`) against a box-filtered
target (the renderer's coverage is box-filtered too, so the coarse loss is the fine one
seen through an area average). The points stay in refinement-size pixels throughout and
Adam keeps its state across the switch; the last iterations, at full size, place the
edges to the pixel. Only full-size losses count as "best".

The loop runs on :data:`THREADS` intra-op thread(s): the renderer's work is many
mid-sized tensor ops, and on the shared 2-core machine a second thread made an iteration
2.5× slower at a load average of 1.5–2 and 4–5× slower at 6 (wall and CPU time alike:
the threads wait on each other), never faster. Nothing outside the renderer's forward
and backward passes costs more than a few per cent of an iteration (loss, Adam, clamp,
best-copy together ≈ 3 %); building the scenes takes about a second, once.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from vecedit.vectorizers.stack import Layer, to_document

POINT_LR = 0.4
"""Adam step for control points, in refinement-canvas pixels (decays to 10% by the end)."""
COLOR_LR = 0.01
"""Adam step for fill colours (RGB in [0, 1])."""
SHORT_RUN = 100
"""Runs of fewer iterations (the default refinement of ``vectorize``, 24) take larger steps
(:data:`SHORT_POINT_LR`, :data:`SHORT_COLOR_LR`) and a lighter coarse stage (the first
:data:`SHORT_COARSE_FRACTION` at :data:`SHORT_COARSE_SCALE`). Measured on chelsea (884 paths,
the image with the least to spare over vtracer): 30 full-size iterations at a 1 px step gave
+2.29 dB, at 1.3 px +2.41 dB; 28 with the first half at 0.75 scale +2.38 dB for a fifth less
CPU, where half size for half of 30 cost 0.26 dB (and for three quarters, at 1 px, 1.2 dB).
Fewer iterations need the larger step: +2.22 dB with 24 at 1.5 px (26 at 1.4: +2.25; 22 at 1.6:
+2.13; 24 at 1.5 with colour steps of 0.03: +2.12; 20 at 1.3 px: +2.01, at 1.8: +2.01, at 2.5: +1.80);
at 0.6 scale for the first half, 28 gave +2.21. An iteration's cost hardly follows the canvas
(chelsea: 0.155 CPU-s at half size, 0.175 at 0.75, 0.23 at full), so the count is the lever."""
SHORT_POINT_LR = 1.5
"""At a working size of :data:`SHORT_LR_SIDE` px (in proportion, never below :data:`POINT_LR`:
on a 48 px image a 1 px step lowered the renderer's error but not resvg's PSNR)."""
SHORT_LR_SIDE = 512
SHORT_COARSE_FRACTION = 0.5
SHORT_COARSE_SCALE = 0.75
SHORT_COLOR_LR = 0.02
TOLERANCE = 0.5
"""Curve flattening tolerance (px of the canvas rendered) while refining: coarser than a
final render's, for speed."""
COARSE_SCALE = 0.5
"""Canvas scale of the coarse stage."""
COARSE_FRACTION = 0.75
"""Share of the iterations rendered at :data:`COARSE_SCALE`."""
COARSE_MIN_SIDE = 128
"""No coarse stage when the coarse canvas would be smaller than this (px, shorter side)."""
THREADS = 1
"""Torch intra-op threads while refining (restored afterwards); ``None`` keeps the caller's."""


@dataclass
class RefineReport:
    iterations: int = 0
    initial_loss: float = math.nan  # full size, before the first step
    best_loss: float = math.nan  # full size, the iterate written back
    losses: list[float] = field(default_factory=list)  # per iteration, at that iteration's canvas
    coarse_iterations: int = 0
    interrupted: bool = False


@dataclass
class _Stage:
    """One canvas the scene is rendered at: the scene, the target, points scale."""

    scene: object
    goal: object
    scale: object  # (2,) tensor: canvas px per refinement px
    weight: object = None  # (h, w, 1) tensor, the alpha at this size, or None
    under: object = None  # (h, w, 3) tensor: white with the held paths drawn, or None (white)


def refine(
    layers: list[Layer],
    target: np.ndarray,
    width: int,
    height: int,
    iterations: int,
    seed: int = 0,
    point_lr: Optional[float] = None,
    color_lr: Optional[float] = None,
    coarse_fraction: Optional[float] = None,
    coarse_scale: Optional[float] = None,
    coarse_min_side: int = COARSE_MIN_SIDE,
    threads: Optional[int] = THREADS,
    on_step: Optional[Callable[[int, float], None]] = None,
    keep_on_interrupt: bool = False,
    weights: Optional[np.ndarray] = None,
    held: Optional[np.ndarray] = None,
) -> RefineReport:
    """Fit ``layers`` (paths in ``width``×``height`` original pixels) to ``target``.

    ``target`` is ``(h, w, 3)`` uint8; the scene is refined at ``w``×``h`` (the first
    ``coarse_fraction`` of the iterations at ``coarse_scale`` of that, unless the
    coarse canvas would be under ``coarse_min_side`` px). Paths are updated in place
    with the best full-size iterate. ``on_step(i, loss)`` runs after every iteration.
    With ``keep_on_interrupt``, Ctrl-C stops the loop and keeps the best result so far
    (``report.interrupted``); otherwise it propagates. ``threads``: torch intra-op
    threads for the loop (``None``: as set by the caller). ``weights`` (``(h, w)``, the image's
    alpha) weigh the error per pixel: what the alpha clip hides does not count. Steps and
    the coarse stage left as None follow the run's length (:data:`SHORT_RUN`).

    ``held`` (one boolean per path, in stacking order): paths that stay as they are — those
    no pixel shows (:func:`~vecedit.vectorizers.recolor.fit_colors` counts them; with two
    rounds, the whole coarse round). They are drawn once per canvas, as the picture under the
    moving paths, instead of in every iteration: about a third less work per iteration.
    """
    short = iterations < SHORT_RUN
    short_point_lr = max(POINT_LR, SHORT_POINT_LR * max(target.shape[:2]) / SHORT_LR_SIDE)
    point_lr = point_lr if point_lr is not None else (short_point_lr if short else POINT_LR)
    color_lr = color_lr if color_lr is not None else (SHORT_COLOR_LR if short else COLOR_LR)
    coarse_fraction = coarse_fraction if coarse_fraction is not None else (
        SHORT_COARSE_FRACTION if short else COARSE_FRACTION)
    coarse_scale = coarse_scale if coarse_scale is not None else (SHORT_COARSE_SCALE if short else COARSE_SCALE)
    report = RefineReport()
    paths = [p for layer in layers for p in layer.paths]
    if iterations <= 0 or not paths:
        return report
    h, w = target.shape[:2]
    held = np.zeros(len(paths), bool) if held is None or np.all(held) else np.asarray(held, bool)
    doc = to_document(_keeping(layers, ~held), width, height)
    under = to_document(_keeping(layers, held), width, height) if held.any() else None
    moving = [p for p, keep in zip(paths, held) if not keep]
    with _torch_threads(threads):
        fine = _stage(doc, target, w, h, len(moving), weights, under)
        coarse_size = (round(w * coarse_scale), round(h * coarse_scale))
        if min(coarse_size) >= coarse_min_side and coarse_fraction > 0:
            report.coarse_iterations = int(iterations * coarse_fraction)
        coarse = _stage(doc, target, *coarse_size, len(moving), weights, under) if report.coarse_iterations else None
        points, rgb = _optimise(report, fine, coarse, iterations, seed, point_lr, color_lr, on_step, keep_on_interrupt)
    _write_back(fine.scene, moving, points.double().numpy(), rgb.double().numpy(), (width / w, height / h))
    return report


def _keeping(layers: list[Layer], chosen: np.ndarray) -> list[Layer]:
    """``layers`` with only the paths where ``chosen`` (stacking order) is true."""
    out, k = [], 0
    for layer in layers:
        picks = chosen[k : k + len(layer.paths)]
        out.append(Layer(layer.name, layer.n_colors, [p for p, c in zip(layer.paths, picks) if c], layer.box))
        k += len(layer.paths)
    return out


def _optimise(report, fine: "_Stage", coarse: Optional["_Stage"], iterations, seed, point_lr, color_lr,
              on_step, keep_on_interrupt):
    """Adam on points and RGB; fills ``report``; returns the best full-size (points, rgb)."""
    import torch

    torch.manual_seed(seed)
    points = fine.scene.points.clone().requires_grad_(True)
    rgb = fine.scene.colors[:, :3].clone().requires_grad_(True)
    alpha = fine.scene.colors[:, 3:].clone()
    optimizer = _Adam([points, rgb], [point_lr, color_lr])
    best_loss, best = math.inf, None
    if report.coarse_iterations:  # else the first iteration scores the starting points
        with torch.no_grad():
            report.initial_loss = best_loss = _loss(fine, points, rgb, alpha).item()
        best = (points.detach().clone(), rgb.detach().clone())
    try:
        for i in range(iterations):
            stage = coarse if i < report.coarse_iterations else fine
            loss = _loss(stage, points, rgb, alpha)
            value = loss.item()
            if i == 0 and stage is fine:
                report.initial_loss = value
            if stage is fine and value < best_loss:  # scores the points before this step
                best_loss, best = value, (points.detach().clone(), rgb.detach().clone())
            points.grad = rgb.grad = None
            loss.backward()
            optimizer.step(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * i / iterations)))
            with torch.no_grad():
                rgb.clamp_(0.0, 1.0)
            report.losses.append(value)
            report.iterations = i + 1
            if on_step is not None:
                on_step(i, value)
        with torch.no_grad():  # the last step's result has not been scored yet
            value = _loss(fine, points, rgb, alpha).item()
        if value < best_loss:
            best_loss, best = value, (points.detach().clone(), rgb.detach().clone())
    except KeyboardInterrupt:
        if not keep_on_interrupt:
            raise
        report.interrupted = True
        if best is None:  # stopped before the first step: the starting points
            best_loss, best = math.nan, (points.detach().clone(), rgb.detach().clone())
    report.best_loss = best_loss
    return best


class _Adam:
    """``torch.optim.Adam``'s arithmetic (betas 0.9, 0.999, eps 1e-8; its single-tensor CPU path,
    same results), with the step size scaled per call. Not the torch class: its first use imports
    ``torch._dynamo``, 1.5 CPU-s of a 10-s ``vecedit vectorize``."""

    def __init__(self, params, lrs, betas=(0.9, 0.999), eps=1e-8):
        import torch

        self.params, self.lrs, self.betas, self.eps, self.steps = params, lrs, betas, eps, 0
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]

    def step(self, lr_scale: float = 1.0) -> None:
        import torch

        beta1, beta2 = self.betas
        self.steps += 1
        correction1, correction2 = 1 - beta1**self.steps, 1 - beta2**self.steps
        with torch.no_grad():
            for param, lr, (mean, square) in zip(self.params, self.lrs, self.moments):
                if param.grad is None:
                    continue
                mean.lerp_(param.grad, 1 - beta1)
                square.mul_(beta2).addcmul_(param.grad, param.grad, value=1 - beta2)
                denom = (square.sqrt() / correction2**0.5).add_(self.eps)
                param.addcdiv_(mean, denom, value=-(lr * lr_scale) / correction1)


@contextmanager
def _torch_threads(threads: Optional[int]):
    import torch

    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _stage(doc, target: np.ndarray, out_w: int, out_h: int, n_paths: int, weights=None, under_doc=None) -> _Stage:
    """The document as a scene at ``out_w``×``out_h``, the target box-filtered to that size, and
    ``under_doc`` (the held paths) drawn once on white at that size."""
    import torch

    from vecedit.render.composite import render_scene
    from vecedit.scene import from_document
    from vecedit.vectorizers.image import resize, resize_alpha

    under = None
    if under_doc is not None:
        with torch.no_grad():
            under_scene = from_document(under_doc, width=out_w, height=out_h)
            under = render_scene(under_scene, background=(1.0, 1.0, 1.0), tolerance=TOLERANCE)[..., :3]

    scene = from_document(doc, width=out_w, height=out_h)
    if len(scene.shapes) != n_paths:  # every path is one visible, filled scene shape
        raise RuntimeError(f"refine: {n_paths} paths became {len(scene.shapes)} scene shapes")
    goal = torch.from_numpy(np.array(resize(target, out_w, out_h), dtype=np.float32)) / 255.0
    h, w = target.shape[:2]
    weight = None if weights is None else torch.from_numpy(np.array(resize_alpha(weights, out_w, out_h)))[..., None]
    return _Stage(scene, goal, torch.tensor([out_w / w, out_h / h], dtype=scene.points.dtype), weight, under)


def _loss(stage: _Stage, points, rgb, alpha):
    """Mean squared error of the scene with ``points`` (refinement px) and ``rgb`` on white."""
    import torch

    from vecedit.render.composite import render_scene

    stage.scene.points = points * stage.scale
    stage.scene.colors = torch.cat([rgb, alpha], 1)
    if stage.under is None:
        image = render_scene(stage.scene, background=(1.0, 1.0, 1.0), tolerance=TOLERANCE)[..., :3]
    else:
        drawn = render_scene(stage.scene, tolerance=TOLERANCE)
        cover = drawn[..., 3:]
        image = drawn[..., :3] * cover + stage.under * (1 - cover)
    error = (image - stage.goal) ** 2
    return torch.mean(error if stage.weight is None else error * stage.weight)


def _write_back(scene, paths, points: np.ndarray, rgb: np.ndarray, scale: tuple[float, float]) -> None:
    """Scene rows → the paths they came from (every path is one visible scene shape, in order)."""
    from vecedit.vectorizers.base import path_area

    factor = np.array(scale)
    color_of = {shape: row for row, (shape, kind) in enumerate(scene.color_owner) if kind == "fill"}
    for index, (sshape, path) in enumerate(zip(scene.shapes, paths)):
        path.subpaths = [points[a : a + n] * factor for a, n, _ in sshape.subpaths]
        path.color = tuple(float(c) * 255.0 for c in rgb[color_of[index]])
        path.area = path_area(path.subpaths)
