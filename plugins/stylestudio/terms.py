"""StyleStudio's loss terms: thin objects over :mod:`vecedit.plugins.stylestudio.functional`.

Each term follows :mod:`vecedit.losses.terms` (``prepare(context)`` once with the first
render, then ``__call__(context)`` every step) and works at the working canvas: regions
are given in document pixels and mapped onto ``context.image``'s size in ``prepare``;
blur scales are fractions of the picture's longest side, so the style image (at its own
size) and the canvas (at any size) are measured alike.
"""

from __future__ import annotations

from typing import Optional

import torch

from vecedit.plugins.stylestudio.functional import (JND, anchor_loss, colour_moments, layout_loss, layout_teacher,
                                            lowpass_oklab, map_moments, moment_loss, tone_moments)
from vecedit.plugins.stylestudio.texture import square_tiles
from vecedit.losses.terms import Context

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in document pixels


def canvas_bounds(box: Box, document_size: tuple[int, int], canvas_size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A document-pixel box → integer canvas bounds ``(x0, y0, x1, y1)``, at least one pixel wide and high."""
    (doc_w, doc_h), (width, height) = document_size, canvas_size
    sx, sy = width / doc_w, height / doc_h
    x0 = min(max(int(round(box[0] * sx)), 0), width - 1)
    y0 = min(max(int(round(box[1] * sy)), 0), height - 1)
    x1 = max(min(int(round(box[2] * sx)), width), x0 + 1)
    y1 = max(min(int(round(box[3] * sy)), height), y0 + 1)
    return x0, y0, x1, y1


def box_weights(bounds: tuple[int, int, int, int], height: int, width: int, like: torch.Tensor) -> torch.Tensor:
    """``(H, W)`` weights: 1 inside the canvas bounds, 0 outside."""
    x0, y0, x1, y1 = bounds
    weights = torch.zeros(height, width, dtype=like.dtype, device=like.device)
    weights[y0:y1, x0:x1] = 1
    return weights


def tone_sigma(image: torch.Tensor, scale: float) -> float:
    """The tone low-pass in pixels: ``scale`` × the longest side of an ``(H, W, 3)`` image."""
    return scale * max(image.shape[:2])


def _region_weights(region: Optional[Box], document_size, image: torch.Tensor) -> Optional[torch.Tensor]:
    if region is None:
        return None
    height, width = image.shape[:2]
    return box_weights(canvas_bounds(region, document_size, (width, height)), height, width, image)


class StatisticsTerm:
    """Pulls the colour (OKLab a/b) or tone (low-passed L) mean/std toward the style image's."""

    def __init__(self, element: str, weight: float, style: torch.Tensor, document_size: tuple[int, int],
                 region: Optional[Box] = None, tone_scale: float = 0.02):
        if element not in ("color", "tone"):
            raise ValueError(f"StatisticsTerm measures color or tone, not {element!r}")
        self.element, self.weight, self.style = element, float(weight), style
        self.document_size, self.region, self.tone_scale = document_size, region, float(tone_scale)
        self.name = f"style_{element}"
        self.weights: Optional[torch.Tensor] = None
        self.target: Optional[tuple[torch.Tensor, torch.Tensor]] = None

    def moments(self, image: torch.Tensor, weights: Optional[torch.Tensor] = None):
        if self.element == "color":
            return colour_moments(image, weights)
        return tone_moments(image, tone_sigma(image, self.tone_scale), weights)

    def prepare(self, context: Context) -> None:
        initial = context.initial
        self.weights = _region_weights(self.region, self.document_size, initial)
        with torch.no_grad():
            mean, std = self.moments(self.style.to(initial.device, initial.dtype))
        self.target = (mean, std)

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        mean, std = self.moments(context.image, self.weights)
        return {self.name: self.weight * moment_loss(mean, std, *self.target, unit=JND)}


class KeepTerm:
    """Holds an element the user did not choose where it was, pixel by pixel: the low-passed
    OKLab ``a``/``b`` (colour) or ``L`` (tone) stay close to the first render's.

    Per pixel rather than per statistic: statistics alone would let two shapes trade their
    hues. The low-pass (as tone's) lets texture and small shape moves through.
    """

    CHANNELS = {"color": [1, 2], "tone": [0]}

    def __init__(self, element: str, weight: float, document_size: tuple[int, int], region: Optional[Box] = None,
                 tone_scale: float = 0.02):
        if element not in self.CHANNELS:
            raise ValueError(f"KeepTerm holds color or tone, not {element!r}")
        self.element, self.weight, self.document_size = element, float(weight), document_size
        self.region, self.tone_scale = region, float(tone_scale)
        self.name = f"keep_{element}"
        self.weights: Optional[torch.Tensor] = None
        self.reference: Optional[torch.Tensor] = None

    def channels(self, image: torch.Tensor, weights: Optional[torch.Tensor] = None):
        """The held channels, low-passed at a reduced size, and ``weights`` brought to that size."""
        maps, weights = lowpass_oklab(image, tone_sigma(image, self.tone_scale), weights)
        return maps[..., self.CHANNELS[self.element]], weights

    def prepare(self, context: Context) -> None:
        initial = context.initial
        with torch.no_grad():
            weights = _region_weights(self.region, self.document_size, initial)
            self.reference, self.weights = self.channels(initial, weights)

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        loss = anchor_loss(self.channels(context.image)[0], self.reference, self.weights, unit=JND)
        return {self.name: self.weight * loss}


class TextureTerm:
    """Pulls the per-channel mean/std of texture feature maps toward the style image's (AdaIN's style loss).

    ``features`` maps ``(B, 3, S, S)`` in [0, 1] to a list of ``(B, C, h, w)`` maps and has a
    ``side`` (S); see :mod:`vecedit.plugins.stylestudio.texture`. Each layer's loss is measured in
    units of the style's own typical channel spread, so layers of any scale count alike.
    """

    name = "style_texture"

    def __init__(self, features, weight: float, style: torch.Tensor, document_size: tuple[int, int],
                 region: Optional[Box] = None):
        self.features, self.weight, self.style = features, float(weight), style
        self.document_size, self.region = document_size, region
        self.bounds: Optional[tuple[int, int, int, int]] = None
        self.targets: list[tuple[torch.Tensor, torch.Tensor, float]] = []

    def maps(self, image: torch.Tensor) -> list[torch.Tensor]:
        if self.bounds is not None:
            x0, y0, x1, y1 = self.bounds
            image = image[y0:y1, x0:x1]
        return self.features(square_tiles(image, self.features.side))

    def prepare(self, context: Context) -> None:
        initial = context.initial
        if self.region is not None:
            self.bounds = canvas_bounds(self.region, self.document_size, (initial.shape[1], initial.shape[0]))
        with torch.no_grad():
            self.targets = []
            for maps in self.features(square_tiles(self.style.to(initial.device, initial.dtype), self.features.side)):
                mean, std = map_moments(maps)
                unit = float(std.square().mean().sqrt().clamp_min(1e-6))
                self.targets.append((mean, std, unit))

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        losses = [moment_loss(*map_moments(maps), mean, std, unit=unit)
                  for maps, (mean, std, unit) in zip(self.maps(context.image), self.targets)]
        return {self.name: self.weight * torch.stack(losses).mean()}


class LayoutTerm:
    """The style-free teacher: keeps the render's local structure (edges, their places and
    polarity) that of the first render, in windows of ``scale`` × the longest side."""

    name = "layout"

    def __init__(self, weight: float, scale: float = 0.02):
        self.weight, self.scale = float(weight), float(scale)
        self.teacher = None

    def prepare(self, context: Context) -> None:
        sigma = max(1.0, self.scale * max(context.initial.shape[:2]))
        with torch.no_grad():
            self.teacher = layout_teacher(context.initial, sigma)

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        return {self.name: self.weight * layout_loss(context.image, self.teacher)}


__all__ = ["KeepTerm", "LayoutTerm", "StatisticsTerm", "TextureTerm", "box_weights", "canvas_bounds"]
