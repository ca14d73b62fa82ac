"""feImage (Filter Effects 1 §15.16): a raster image placed into the primitive subregion.

The picture is decoded when the filter is resolved (``data:`` URIs, through Pillow);
here it is scaled to its target rectangle in canvas pixels and put into the region.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image


def place_image(pixels: np.ndarray, target: tuple[float, float, float, float], box, like: torch.Tensor,
                smooth: bool = True) -> torch.Tensor:
    """Premultiplied (4, h, w) region ``box`` (y0, x0, y1, x1) holding straight RGBA8 ``pixels``
    scaled to ``target`` (x0, y0, x1, y1, canvas pixels), bilinear or (``smooth`` False) nearest."""
    h, w = box[2] - box[0], box[3] - box[1]
    out = like.new_zeros((4, h, w))
    tx0, ty0, tx1, ty1 = (int(round(v)) for v in target)
    tw, th = tx1 - tx0, ty1 - ty0
    if tw <= 0 or th <= 0:
        return out
    scaled = np.asarray(Image.fromarray(pixels, "RGBA").resize((tw, th), Image.BILINEAR if smooth else Image.NEAREST), dtype=np.float64) / 255
    x0, y0 = tx0 - box[1], ty0 - box[0]
    sx0, sy0 = max(0, -x0), max(0, -y0)
    dx0, dy0 = max(0, x0), max(0, y0)
    cw, ch = min(tw - sx0, w - dx0), min(th - sy0, h - dy0)
    if cw <= 0 or ch <= 0:
        return out
    part = torch.as_tensor(scaled[sy0 : sy0 + ch, sx0 : sx0 + cw], dtype=like.dtype, device=like.device)
    part = part.permute(2, 0, 1)
    out[:, dy0 : dy0 + ch, dx0 : dx0 + cw] = torch.cat([part[:3] * part[3:], part[3:]])
    return out
