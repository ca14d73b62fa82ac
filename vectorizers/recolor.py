"""Flat colours that fit: each path takes the mean input colour of the pixels it shows.

A k-means centre is the mean over every region of its cluster across the whole image;
one region alone is usually lighter or darker than that. With the regions fixed, the
flat colour that minimises the squared error of a path is the mean of the input over
the pixels where that path is on top. Those pixels come from an id map: every path
painted with its own index as colour, rendered by resvg without anti-aliasing.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from vecedit.vectorizers.stack import Layer


def visible_ids(layers: list[Layer], width: int, height: int, out_w: int, out_h: int) -> np.ndarray:
    """``(out_h, out_w)`` int map: index (in stacking order) of the topmost path per pixel, -1 for none."""
    from vecedit.render.reference import render_reference
    from vecedit.vectorizers.stack import to_svg

    paths = [p for layer in layers for p in layer.paths]
    index = 0
    tagged = []
    for layer in layers:
        copies = []
        for path in layer.paths:
            index += 1
            copies.append(_with_color(path, index))
        tagged.append(Layer(layer.name, layer.n_colors, copies, layer.box))
    svg = to_svg(tagged, width, height).replace("<svg ", '<svg shape-rendering="crispEdges" ', 1)
    rgba = render_reference(svg, width=out_w, height=out_h)
    code = np.round(rgba[..., :3] * 255).astype(np.int64)
    ids = (code[..., 0] << 16) | (code[..., 1] << 8) | code[..., 2]
    ids = np.where(rgba[..., 3] > 0.5, ids - 1, -1)
    ids[(ids < -1) | (ids >= len(paths))] = -1
    return ids


def _with_color(path, index: int):
    from vecedit.vectorizers.base import TracedPath

    return TracedPath(path.subpaths, ((index >> 16) & 255, (index >> 8) & 255, index & 255), path.fill_rule, path.area)


def fit_colors(layers: list[Layer], image: np.ndarray, width: int, height: int,
               weights: Optional[np.ndarray] = None) -> np.ndarray:
    """In place: each path's colour ← the mean of ``image`` (``(h, w, 3)`` uint8, the input at
    any size) over the pixels where it is on top; hidden paths keep their colour.
    ``width``×``height`` is the coordinate space of the paths; ``weights`` (``(h, w)``, the
    image's alpha) weigh the pixels, so transparent ones do not count. Returns each path's
    (weighted) count of pixels where it shows, in stacking order."""
    h, w = image.shape[:2]
    ids = visible_ids(layers, width, height, w, h).ravel()
    paths = [p for layer in layers for p in layer.paths]
    weight = np.ones(h * w) if weights is None else weights.ravel().astype(np.float64)
    shown = (ids >= 0) & (weight > 0)
    counts = np.bincount(ids[shown], weight[shown], minlength=len(paths))
    sums = np.stack([np.bincount(ids[shown], image[..., c].ravel()[shown] * weight[shown], minlength=len(paths))
                     for c in range(3)], 1)
    for i in np.nonzero(counts > 0)[0]:
        paths[i].color = tuple(float(v) for v in sums[i] / counts[i])
    return counts
