"""Pixel losses to a raster target (for fitting, and for plugins that supply targets).

:func:`image_loss` is the pure function; :class:`ImageLoss` is the loss term the edit
loop takes (``vecedit.edit(..., loss_terms=[ImageLoss(target)])``).
"""

from __future__ import annotations

from typing import Optional, Union

import numpy as np
import torch
import torch.nn.functional as F

from vecedit.errors import OptionError
from vecedit.losses.terms import Context

KINDS = ("mse", "l1")


def image_loss(image: torch.Tensor, target: torch.Tensor, kind: str = "mse",
               mask: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Mean squared (``mse``) or absolute (``l1``) difference of ``(H, W, C)`` images.

    ``mask`` (``(H, W)`` weights in [0, 1]) restricts the mean to the weighted pixels.
    """
    if kind not in KINDS:
        raise OptionError(f"unknown image loss {kind!r}; choose {' or '.join(KINDS)}")
    if image.shape != target.shape:
        raise OptionError(f"the target is {tuple(target.shape)} but the image is {tuple(image.shape)}")
    diff = image - target
    per_pixel = diff.square() if kind == "mse" else diff.abs()
    if mask is None:
        return per_pixel.mean()
    weights = mask.to(per_pixel.dtype)[..., None]
    return (per_pixel * weights).sum() / (weights.sum() * per_pixel.shape[-1]).clamp_min(1e-8)


class ImageLoss:
    """Loss term pulling the render toward a raster target.

    ``target`` is an ``(h, w, 3|4)`` array or tensor in [0, 1], or an image path; it is
    composited on white and resized (antialiased) to the canvas in :meth:`prepare`;
    ``mask`` (``(h, w)`` weights, array or tensor) is resized with it.
    """

    def __init__(self, target: Union[str, np.ndarray, torch.Tensor], kind: str = "mse", weight: float = 1.0,
                 mask: Union[np.ndarray, torch.Tensor, None] = None, name: str = "image"):
        if kind not in KINDS:
            raise OptionError(f"unknown image loss {kind!r}; choose {' or '.join(KINDS)}")
        self.source, self.kind, self.weight, self.mask, self.name = target, kind, float(weight), mask, name
        self.target: Optional[torch.Tensor] = None

    def prepare(self, context: Context) -> None:
        source = self.source
        if isinstance(source, str) or hasattr(source, "__fspath__"):
            from vecedit.imageio import load_image

            source = load_image(source)
        target = torch.as_tensor(np.asarray(source, dtype=np.float32) if not torch.is_tensor(source) else source)
        target = target.float()
        if target.ndim != 3 or target.shape[-1] not in (3, 4):
            raise OptionError(f"the target image must be H×W×3 or H×W×4, got {tuple(target.shape)}")
        if target.shape[-1] == 4:
            target = target[..., :3] * target[..., 3:] + (1 - target[..., 3:])
        height, width = context.image.shape[:2]
        if target.shape[:2] != (height, width):
            target = F.interpolate(target.permute(2, 0, 1)[None], size=(height, width), mode="bilinear",
                                   antialias=True, align_corners=False)[0].permute(1, 2, 0)
        self.target = target.to(context.image.device, context.image.dtype)
        if self.mask is not None:  # weights given at the target's size follow it to the canvas
            mask = torch.as_tensor(np.asarray(self.mask, dtype=np.float32)) if not torch.is_tensor(self.mask) \
                else self.mask.float()
            if mask.shape != (height, width):
                mask = F.interpolate(mask[None, None], size=(height, width), mode="area")[0, 0]
            self.mask = mask.to(context.image.device, context.image.dtype)

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        return {self.name: self.weight * image_loss(context.image, self.target, self.kind, self.mask)}


__all__ = ["image_loss", "ImageLoss", "KINDS"]
