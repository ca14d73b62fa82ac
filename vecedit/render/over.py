"""Source-over compositing of many small crops, with a backward pass linear in their area.

Writing crops into a canvas with autograd's in-place slicing costs a full-canvas
gradient copy per crop in the backward pass (quadratic in the number of items). This
function composites all crops in one forward pass and, in the backward pass, walks
them in reverse: for ``C' = S + C·(1 − Sₐ)`` (premultiplied), ``∂C'/∂S = 1``,
``∂C'/∂Sₐ = −C`` and ``∂C'/∂C = 1 − Sₐ``, each applied to the crop only.
"""

from __future__ import annotations

import torch


class _OverCrops(torch.autograd.Function):
    @staticmethod
    def forward(ctx, base, boxes, *srcs):
        canvas = base.detach().clone()
        under = []
        for (y0, x0), src in zip(boxes, srcs):
            h, w = src.shape[:2]
            view = canvas[y0 : y0 + h, x0 : x0 + w]
            under.append(view.clone())
            view.mul_(1 - src[..., 3:]).add_(src)
        ctx.boxes = boxes
        ctx.save_for_backward(*srcs, *under)
        return canvas

    @staticmethod
    def backward(ctx, grad):
        n = len(ctx.boxes)
        saved = ctx.saved_tensors
        srcs, under = saved[:n], saved[n:]
        grad = grad.clone()
        grads = [None] * n
        for i in range(n - 1, -1, -1):
            (y0, x0), src = ctx.boxes[i], srcs[i]
            h, w = src.shape[:2]
            g = grad[y0 : y0 + h, x0 : x0 + w]
            gs = g.clone()
            gs[..., 3] -= (g * under[i]).sum(-1)
            grads[i] = gs
            g.mul_(1 - src[..., 3:])
        return (grad, None, *grads)


def over_crops(base: torch.Tensor, boxes: list[tuple[int, int]], srcs: list[torch.Tensor]) -> torch.Tensor:
    """Composite premultiplied (h, w, 4) ``srcs`` over ``base`` (H, W, 4) at ``boxes`` (y0, x0)."""
    if not srcs:
        return base
    return _OverCrops.apply(base, list(boxes), *srcs)
