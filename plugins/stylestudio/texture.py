"""Texture features for StyleStudio: an encoder's patch tokens, or a fixed filter bank.

For an open_clip vision transformer the features are the token maps after a few early
and middle residual blocks (``VisionTransformer.forward_intermediates``, which stops at the
last block asked for): the layers where a ViT still describes local texture rather than
the whole picture's meaning, as AdaIN takes VGG's ``relu1_1 … relu4_1``. For a ResNet
tower (open_clip's ``ModifiedResNet``) they are its stage outputs. An encoder with no
such maps (a test stand-in, a custom encoder) gets :func:`gradient_filter_bank`
instead, and the run says so.

Images are cut into overlapping square tiles (one for a square picture, two for 2:1…) so
the encoder sees them undistorted, each resized to its input side.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
import torch.nn.functional as F

from vecedit.plugins.stylestudio.functional import gradient_filter_bank

BLOCK_FRACTIONS = (1 / 6, 1 / 3, 1 / 2)  # of the tower's depth: blocks 2, 4 and 6 of ViT-B-32's 12
RESNET_STAGES = [1, 2, 3]  # ModifiedResNet: stem=0, layer1…layer4=1…4
FILTER_SIDE = 128


def square_tiles(image: torch.Tensor, side: int) -> torch.Tensor:
    """``(H, W, 3)`` → ``(n, 3, side, side)``: ``n = ⌈long / short⌉`` evenly spaced square crops, resized."""
    height, width = image.shape[:2]
    short, long = min(height, width), max(height, width)
    count = max(1, math.ceil(long / short - 1e-6))
    starts = [round(k * (long - short) / (count - 1)) if count > 1 else 0 for k in range(count)]
    chw = image.permute(2, 0, 1)
    crops = [chw[:, :, s:s + short] if width >= height else chw[:, s:s + short, :] for s in starts]
    batch = torch.stack(crops)
    if short != side:
        batch = F.interpolate(batch, size=(side, side), mode="bilinear", antialias=True, align_corners=False)
    return batch


def vision_tower(encoder):
    """The open_clip visual tower of ``encoder`` if it can return intermediate maps, else None."""
    visual = getattr(getattr(encoder, "model", None), "visual", None)
    return visual if callable(getattr(visual, "forward_intermediates", None)) else None


def texture_blocks(visual) -> Optional[list[int]]:
    """Which blocks' outputs describe texture (None: every intermediate the tower offers)."""
    blocks = getattr(getattr(visual, "transformer", None), "resblocks", None)
    if blocks is not None:
        depth = len(blocks)
        return sorted({max(0, round(depth * f) - 1) for f in BLOCK_FRACTIONS})
    if type(visual).__name__ == "ModifiedResNet":
        return list(RESNET_STAGES)
    return None


class TokenFeatures:
    """Patch-token maps of an open_clip vision tower: ``(B, 3, S, S)`` in [0, 1] → list of ``(B, C, h, w)``."""

    def __init__(self, encoder, visual):
        self.encoder, self.visual = encoder, visual
        self.side = int(encoder.image_size)
        self.indices = texture_blocks(visual)
        from vecedit.losses.encoders import input_dtype

        self.device, self.dtype = next(visual.parameters()).device, input_dtype(visual)

    def __call__(self, batch: torch.Tensor) -> list[torch.Tensor]:
        from vecedit.losses.clip_loss import normalise

        normalised = normalise(batch, self.encoder).to(self.device, self.dtype)
        out = self.visual.forward_intermediates(normalised, indices=self.indices, stop_early=True,
                                                intermediates_only=True, output_fmt="NCHW")
        return [maps.float().to(batch.device) for maps in out["image_intermediates"]]

    def describe(self) -> str:
        where = f"blocks {', '.join(str(i + 1) for i in self.indices)}" if self.indices else "every stage"
        name = getattr(self.encoder, "description", type(self.encoder).__name__)
        return f"patch tokens of {name} ({where})"


class FilterBankFeatures:
    """Multi-scale gradient responses: ``(B, 3, S, S)`` in [0, 1] → ``[(B, 6, S, S)]`` (no model)."""

    side = FILTER_SIDE

    def __call__(self, batch: torch.Tensor) -> list[torch.Tensor]:
        return [gradient_filter_bank(batch)]

    def describe(self) -> str:
        return "a fixed gradient filter bank on OKLab lightness (no learnt features)"


def texture_features(encoder, source: str):
    """``(features, note)``: the extractor for ``source`` (``encoder`` or ``filters``) and, where
    the encoder has no patch tokens and the filter bank stands in, a line saying so."""
    if source == "filters":
        return FilterBankFeatures(), None
    visual = vision_tower(encoder)
    if visual is None:
        name = getattr(encoder, "description", type(encoder).__name__)
        return FilterBankFeatures(), (f"the encoder ({name}) exposes no patch tokens; texture statistics come "
                                      "from a fixed gradient filter bank instead")
    return TokenFeatures(encoder, visual), None


__all__ = ["FilterBankFeatures", "TokenFeatures", "square_tiles", "texture_blocks", "texture_features",
           "vision_tower"]
