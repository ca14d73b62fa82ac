"""Source-over compositing of many small crops, with a backward pass linear in their area.

Writing crops into a canvas with autograd's in-place slicing costs a full-canvas
gradient copy per crop in the backward pass (quadratic in the number of items), and a
view per crop costs an autograd node each. This function composites every crop in one
forward pass and, in the backward pass, walks them in reverse: for the premultiplied
``C' = S + C·(1 − Sₐ)``, ``∂C'/∂S = 1``, ``∂C'/∂Sₐ = −C`` and ``∂C'/∂C = 1 − Sₐ``,
each applied to the crop only.

A source is either a tensor ``(h, w, 4)`` or a crop of one shared flat buffer
``(N, 4)`` given as ``(offset, h, w, stride)``: rows of ``stride ≥ w`` elements starting
at ``offset``, of which the first ``w`` are used.
"""

from __future__ import annotations

from typing import Optional, Union

import torch

FlatCrop = tuple[int, int, int, int]  # offset, h, w, stride
Source = Union[torch.Tensor, FlatCrop]


def _view(flat: torch.Tensor, crop: FlatCrop) -> torch.Tensor:
    offset, h, w, stride = crop
    return flat[offset : offset + h * stride].view(h, stride, flat.shape[-1])[:, :w]


class _OverCrops(torch.autograd.Function):
    @staticmethod
    def forward(ctx, base, flat, boxes, kinds, *tensors):
        canvas = base.detach().clone()
        under, srcs = [], []
        for (y0, x0), kind in zip(boxes, kinds):
            src = tensors[kind] if isinstance(kind, int) else _view(flat, kind)
            h, w = src.shape[:2]
            view = canvas[y0 : y0 + h, x0 : x0 + w]
            under.append(view.clone())
            view.mul_(1 - src[..., 3:]).add_(src)
        ctx.boxes, ctx.kinds, ctx.n_tensors = boxes, kinds, len(tensors)
        ctx.save_for_backward(flat, *tensors, *under)
        return canvas

    @staticmethod
    def backward(ctx, grad):
        saved = ctx.saved_tensors
        flat, tensors, under = saved[0], saved[1 : 1 + ctx.n_tensors], saved[1 + ctx.n_tensors :]
        grad = grad.clone()
        grad_flat = torch.zeros_like(flat) if ctx.needs_input_grad[1] else None
        grad_tensors: list[Optional[torch.Tensor]] = [None] * ctx.n_tensors
        for i in range(len(ctx.boxes) - 1, -1, -1):
            (y0, x0), kind = ctx.boxes[i], ctx.kinds[i]
            src = tensors[kind] if isinstance(kind, int) else _view(flat, kind)
            h, w = src.shape[:2]
            g = grad[y0 : y0 + h, x0 : x0 + w]
            if isinstance(kind, int):
                gs = g.clone()
                grad_tensors[kind] = gs
            elif grad_flat is not None:
                gs = _view(grad_flat, kind)
                gs.copy_(g)
            else:
                gs = None
            if gs is not None:
                gs[..., 3] -= (g * under[i]).sum(-1)
            g.mul_(1 - src[..., 3:])
        return (grad, grad_flat, None, None, *grad_tensors)


def over_crops(
    base: torch.Tensor,
    boxes: list[tuple[int, int]],
    sources: list[Source],
    flat: Optional[torch.Tensor] = None,
) -> torch.Tensor:
    """Composite premultiplied sources over ``base`` (H, W, 4) at ``boxes`` (y0, x0), in order."""
    if not sources:
        return base
    tensors = [s for s in sources if isinstance(s, torch.Tensor)]
    kinds, k = [], 0
    for s in sources:
        if isinstance(s, torch.Tensor):
            kinds.append(k)
            k += 1
        else:
            kinds.append(tuple(int(v) for v in s))
    if flat is None:
        flat = base.new_zeros((0, base.shape[-1]))
    return _OverCrops.apply(base, flat, list(boxes), kinds, *tensors)
