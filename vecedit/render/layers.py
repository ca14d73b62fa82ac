"""The compositor's one layer mechanism: a group drawn into a buffer of its own.

A group with a filter, a clip path, a mask, an opacity below 1, a blend mode or
``isolation: isolate`` is composited into a buffer covering only the pixels it can
reach (its content's crops, cut to its clip's and masks' extents; for filters, the
filter region), then, in the order Compositing and Blending 1 §3 and CSS Masking 1 give:
filters, clip (the clip group's alpha), masks (luminance or alpha, each mask's own mask
multiplied in), opacity. The result goes back as one source; with a blend mode it is
blended onto what lies under it instead of composited over it. A mask on a 64 px icon
costs its own region, not the canvas; a scene without layered groups takes no step here.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch

from vecedit.render.filters.combine import blend
import vecedit.limits as limits
from vecedit.render.filters.layer import apply_filters, layer_box
from vecedit.render.filters.cost import STEPS_PER_PIXEL, passes, work as filter_work
from vecedit.render.over import Solid

Box = tuple[int, int, int, int]  # y0, x0, y1, x1
# luminance from sRGB values, as resvg (tiny-skia's Mask::from_pixmap) computes it
LUMINANCE = (0.2125, 0.7154, 0.0721)



class Blend(NamedTuple):
    """A layer blended onto the backdrop under it (mix-blend-mode) rather than composited over it."""

    image: torch.Tensor  # premultiplied (h, w, 4)
    mode: str


def source_size(src) -> tuple[int, int]:
    if isinstance(src, Solid):
        return src.h, src.w
    if isinstance(src, Blend):
        return tuple(src.image.shape[:2])
    return tuple(src.shape[:2])


def ops_box(ops: list) -> Optional[Box]:
    """The box holding every op's crop; None for no ops."""
    if not ops:
        return None
    sizes = [source_size(s) for _, s in ops]
    return (min(b[0] for b, _ in ops), min(b[1] for b, _ in ops),
            max(b[0] + h for (b, _), (h, _w) in zip(ops, sizes)), max(b[1] + w for (b, _), (_h, w) in zip(ops, sizes)))


def _intersect(a: Box, b: Optional[Box]) -> Box:
    if b is None:
        return (0, 0, 0, 0)
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def _empty(box: Box) -> bool:
    return box[2] <= box[0] or box[3] <= box[1]


def shift_ops(ops: list, box: Box) -> list:
    """Ops ((y, x), source) moved into ``box`` (its own coordinates), cut to it."""
    y0, x0, y1, x1 = box
    h, w = y1 - y0, x1 - x0
    out = []
    for (oy, ox), src in ops:
        sh, sw = source_size(src)
        ty, tx = oy - y0, ox - x0
        cy0, cx0, cy1, cx1 = max(ty, 0), max(tx, 0), min(ty + sh, h), min(tx + sw, w)
        if cy1 <= cy0 or cx1 <= cx0:
            continue
        dy, dx = cy0 - ty, cx0 - tx
        if isinstance(src, Solid):
            src = Solid(src.offset + dy * src.stride + dx, cy1 - cy0, cx1 - cx0, src.stride, src.row)
        elif isinstance(src, Blend):
            src = Blend(src.image[dy : dy + cy1 - cy0, dx : dx + cx1 - cx0], src.mode)
        else:
            src = src[dy : dy + cy1 - cy0, dx : dx + cx1 - cx0]
        out.append(((cy0, cx0), src))
    return out


def blend_onto(base: torch.Tensor, at: tuple[int, int], src: Blend) -> torch.Tensor:
    """``base`` (H, W, 4) with ``src`` blended onto it at ``at`` (Compositing and Blending 1 §5)."""
    y0, x0 = at
    h, w = src.image.shape[:2]
    under = base[y0 : y0 + h, x0 : x0 + w].permute(2, 0, 1)
    mixed = blend(src.image.permute(2, 0, 1), under, src.mode).permute(1, 2, 0)
    out = base.clone()
    out[y0 : y0 + h, x0 : x0 + w] = mixed
    return out


def node_ops(comp, group) -> list:
    """A group's ops: its children's straight on, or one layer."""
    return layer_ops(comp, group) if group.layered else comp.ops(group)


def _masks(comp, group) -> list:
    """(ops, kind) of the group's mask and of each mask's own mask."""
    out, mask = [], group.mask
    while mask is not None:
        out.append((node_ops(comp, mask.content), mask.kind))
        mask = mask.mask
    return out


def layer_ops(comp, group) -> list:
    """The ops of a layered group: one source over the part of its box on the raster, or none."""
    if group.opacity <= 0:
        return []
    height, width = comp.size
    content = comp.ops(group)
    clip = node_ops(comp, group.clip) if group.clip is not None else None
    masks = _masks(comp, group)
    if group.filters:
        numbers = comp.scene.filter_params.detach().cpu().double().numpy()
        work = layer_box(group.filters, width, height, numbers, ops_box(content) or (0, 0, 0, 0))
    else:
        work = ops_box(content) or (0, 0, 0, 0)
    out = _intersect(work, (0, 0, height, width))
    for extent in ([ops_box(clip)] if clip is not None else []) + [ops_box(ops) for ops, _ in masks]:
        out = _intersect(out, extent)
    if _empty(out) or _empty(work):
        return []
    if not group.filters:
        work = out
    picture = _picture(comp, content, work)
    if group.filters:
        steps = sum(passes(step) for program in group.filters for step in program.steps)
        comp.filter_work += filter_work(steps, picture.shape[0], picture.shape[1])  # the raster's, not one layer's
        limits.current().check("filter_pixels", comp.filter_work, f"filters ({steps} primitive passes over "
                               f"{picture.shape[1]}×{picture.shape[0]} px here)", at_least=STEPS_PER_PIXEL * height * width)
        planes = apply_filters(group.filters, picture.permute(2, 0, 1), work, comp.scene.filter_params, comp.tiles)
        top, left = out[0] - work[0], out[1] - work[1]
        picture = planes.permute(1, 2, 0)[top : top + out[2] - out[0], left : left + out[3] - out[1]]
    if clip is not None:
        picture = picture * _picture(comp, clip, out)[..., 3:]
    for ops, kind in masks:
        picture = picture * _mask_value(_picture(comp, ops, out), kind)
    if group.opacity < 1.0:
        picture = picture * group.opacity
    source = Blend(picture, group.blend) if group.blend != "normal" else picture
    return [((out[0], out[1]), source)]


def _mask_value(drawn: torch.Tensor, kind: str) -> torch.Tensor:
    """(h, w, 1): the mask's alpha, or the luminance of its premultiplied colour."""
    if kind == "alpha":
        return drawn[..., 3:]
    weights = drawn.new_tensor(LUMINANCE)
    return (drawn[..., :3] * weights).sum(-1, keepdim=True)


def _picture(comp, ops: list, box: Box) -> torch.Tensor:
    """``ops`` drawn on a transparent raster covering ``box``: (h, w, 4), premultiplied. One op that
    covers the box (a layer of one shape, a mask of one layer) is its own picture."""
    placed = shift_ops(ops, box)
    if len(placed) == 1 and placed[0][0] == (0, 0) and source_size(placed[0][1]) == (box[2] - box[0], box[3] - box[1]):
        source = placed[0][1]
        if isinstance(source, Solid):
            return comp.solid_picture(source)
        if isinstance(source, torch.Tensor):
            return source
    return comp.over(_zeros(comp, box), placed)


def _zeros(comp, box: Box) -> torch.Tensor:
    """A layer's raster (every layer is allocated here: the pixels budget applies)."""
    h, w = box[2] - box[0], box[3] - box[1]
    limits.current().check("pixels", h * w, f"a layer (filter region, mask or clip) of {w}×{h} px")
    return comp.scene.points.new_zeros((h, w, 4))
