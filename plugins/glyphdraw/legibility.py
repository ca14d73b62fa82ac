"""Legibility terms on the inserted glyphs only (the ``vecedit font`` regularisers, scoped to the box).

* :class:`GlyphAcap` — :class:`~vecedit.losses.shape_regularizers.AcapLoss` over the
  inserted glyph paths alone (the rest of the document has no triangles).
* :class:`GlyphTone` — the low-pass tone idea of
  :class:`~vecedit.losses.shape_regularizers.ToneLoss`, but on the glyphs' *coverage*
  (the outlines rendered alone, differentiably, from the scene's own points) and only
  over the box: the ink may change in detail but stays where it was, while the glyphs'
  colours are free to change ("red", "styled as clouds") and the poster beneath cannot
  count as ink.
"""

from __future__ import annotations

import copy
from typing import Optional, Sequence

import numpy as np
import torch

from vecedit.losses.shape_regularizers import AcapLoss, gaussian_blur
from vecedit.losses.terms import Context


def glyph_shapes(context: Context, glyph_ids: Sequence[str]) -> list[int]:
    """Indices into ``context.scene.shapes`` of the shapes whose ids are ``glyph_ids``."""
    wanted = set(glyph_ids)
    elements = context.document.shapes()
    return [i for i, s in enumerate(context.scene.shapes) if elements[s.element].id in wanted]


class GlyphAcap(AcapLoss):
    """As-conformal-as-possible angles over the inserted glyphs' control points."""

    name = "glyph_acap"

    def __init__(self, weight: float, glyph_ids: Sequence[str]):
        super().__init__(weight)
        self.glyph_ids = list(glyph_ids)

    def prepare(self, context: Context) -> None:
        self.shapes = glyph_shapes(context, self.glyph_ids)
        super().prepare(context)


class GlyphTone:
    """Blurred coverage of the glyphs vs. their initial coverage, over the box (mean squared).

    Args:
        weight: multiplies the mean squared difference (coverage in [0, 1]).
        glyph_ids: ids of the inserted glyph paths.
        outlines_svg: an SVG of the glyph outlines alone at document pixels (same order).
        box: x, y, w, h of the text in document pixels.
        sigma: blur in document pixels.
    """

    name = "glyph_tone"

    def __init__(self, weight: float, glyph_ids: Sequence[str], outlines_svg: str,
                 box: tuple[float, float, float, float], sigma: float):
        self.weight, self.glyph_ids, self.outlines_svg = float(weight), list(glyph_ids), outlines_svg
        self.box, self.sigma = box, float(sigma)
        self.rows: Optional[torch.Tensor] = None
        self.target: Optional[torch.Tensor] = None

    def prepare(self, context: Context) -> None:
        from vecedit.scene import document_pixels
        from vecedit.scene import from_document
        from vecedit.svg import load_svg

        scene = context.scene
        shapes = glyph_shapes(context, self.glyph_ids)
        rows = np.concatenate([np.arange(a, a + n) for i in shapes for a, n, _ in scene.shapes[i].subpaths])
        self.rows = torch.as_tensor(rows, dtype=torch.long, device=scene.points.device)
        self.glyphs = from_document(load_svg(self.outlines_svg), scene.width, scene.height,
                                    device=scene.points.device, dtype=scene.points.dtype)
        if self.glyphs.points.shape[0] != len(rows) or not torch.allclose(
                self.glyphs.points, scene.points.detach()[self.rows], atol=1e-3):
            raise RuntimeError("glyph_tone: the glyph outlines do not match the scene's glyph points")
        doc_w, _ = document_pixels(context.document)
        scale = scene.width / doc_w
        self.pixels = max(self.sigma * scale, 0.5)
        x, y, w, h = (v * scale for v in self.box)
        pad = int(np.ceil(3 * self.pixels))
        self.window = (slice(max(0, int(y) - pad), min(scene.height, int(np.ceil(y + h)) + pad)),
                       slice(max(0, int(x) - pad), min(scene.width, int(np.ceil(x + w)) + pad)))
        with torch.no_grad():
            self.target = self._blurred(scene.points.detach())

    def _blurred(self, points: torch.Tensor) -> torch.Tensor:
        from vecedit.render.composite import render_scene

        glyphs = copy.copy(self.glyphs)
        glyphs.points = points[self.rows]
        coverage = render_scene(glyphs)[..., 3:][self.window]
        return gaussian_blur(coverage, self.pixels)

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        if self.target is None:
            self.prepare(context)
        if self.weight == 0:
            return {self.name: context.scene.points.sum() * 0.0}
        blurred = self._blurred(context.scene.points)
        return {self.name: self.weight * (blurred - self.target).square().mean()}


__all__ = ["GlyphAcap", "GlyphTone", "glyph_shapes"]
