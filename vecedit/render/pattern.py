"""Pattern paints: a tile drawn differentiably in its own raster, then repeated over an item's crop.

The tile's raster (see :class:`vecedit.scene.SceneFrame`) is one pixel larger than the
tile each way; :func:`fold` wraps that spill onto the first column and row (the pieces
cover disjoint parts of those pixels, so premultiplied values add). :func:`sample`
maps each crop pixel's centre into the raster, wraps it by the tile size and reads it
bilinearly; where the pattern is not rotated or scaled further, centres fall on raster
centres and the read is exact. Gradients reach the tile, hence the content's
parameters (points, colours, widths, …).
"""

from __future__ import annotations

import numpy as np
import torch


def fold(raster: torch.Tensor, tile: tuple[int, int]) -> torch.Tensor:
    """(th + 1, tw + 1, 4) → (th, tw, 4): the last column and row wrapped onto the first."""
    tw, th = tile
    out = raster[:th, :tw]
    right = raster[:th, tw:tw + 1]
    bottom = raster[th:th + 1, :tw]
    corner = raster[th:th + 1, tw:tw + 1]
    col0 = torch.cat([out[:, :1] + right, out[:, 1:]], dim=1)
    row0 = torch.cat([col0[:1] + bottom + torch.cat([corner, corner.new_zeros((1, tw - 1, 4))], dim=1), col0[1:]], dim=0)
    return row0


def sample(tile: torch.Tensor, to_raster: np.ndarray, x0: int, y0: int, w: int, h: int) -> torch.Tensor:
    """(h, w, 4) premultiplied tile colours over the crop at (x0, y0), repeating the tile."""
    th, tw = tile.shape[:2]
    xs = np.arange(x0, x0 + w) + 0.5
    ys = np.arange(y0, y0 + h) + 0.5
    u = to_raster[0, 0] * xs[None, :] + to_raster[0, 1] * ys[:, None] + to_raster[0, 2] - 0.5
    v = to_raster[1, 0] * xs[None, :] + to_raster[1, 1] * ys[:, None] + to_raster[1, 2] - 0.5
    u0, v0 = np.floor(u), np.floor(v)
    fu = torch.as_tensor(u - u0, dtype=tile.dtype, device=tile.device)[..., None]
    fv = torch.as_tensor(v - v0, dtype=tile.dtype, device=tile.device)[..., None]
    i0 = np.mod(u0.astype(np.int64), tw)
    j0 = np.mod(v0.astype(np.int64), th)
    i1, j1 = (i0 + 1) % tw, (j0 + 1) % th
    flat = tile.reshape(-1, 4)

    def at(j, i):
        return flat[torch.as_tensor(j * tw + i, device=tile.device)]

    top = at(j0, i0) * (1 - fu) + at(j0, i1) * fu
    bottom = at(j1, i0) * (1 - fu) + at(j1, i1) * fu
    return top * (1 - fv) + bottom * fv
