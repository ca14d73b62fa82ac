"""A filtered group as a layer the size of its filter region (the compositor's filter step).

The group's content is composited into a buffer covering only the union of its filter
regions (grown past the canvas edge by as far as the filters can move content, so a
blur near the edge sees what lies beyond it), the filters run on that buffer, then the
group's clip and opacity apply and the part on the canvas goes back as one source.
A blurred 64 px icon on a 4000 px canvas costs its own region, not the canvas.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vecedit.render.filters.graph import Box, Program, apply_program
from vecedit.render.over import Solid, over_crops


def layer_box(programs: list[Program], width: int, height: int, table, content: Box) -> Box:
    """The pixels worth computing: the filter regions, within the canvas grown by how far the
    filters move content, and — when transparent stays transparent through every filter —
    within the content grown by that reach too."""
    y0 = min(p.box[0] for p in programs)
    x0 = min(p.box[1] for p in programs)
    y1 = max(p.box[2] for p in programs)
    x1 = max(p.box[3] for p in programs)
    reach = sum(p.reach(table) for p in programs)
    margin = math.ceil(min(reach, float(max(width, height))))
    box = (max(y0, -margin), max(x0, -margin), min(y1, height + margin), min(x1, width + margin))
    if all(p.keeps_clear(table) for p in programs):
        grown = (content[0] - margin, content[1] - margin, content[2] + margin, content[3] + margin)
        box = (max(box[0], grown[0]), max(box[1], grown[1]), min(box[2], grown[2]), min(box[3], grown[3]))
    return box


def _content_box(ops: list) -> Box:
    if not ops:
        return (0, 0, 0, 0)
    sizes = [(s.h, s.w) if isinstance(s, Solid) else tuple(s.shape[:2]) for _, s in ops]
    return (min(b[0] for b, _ in ops), min(b[1] for b, _ in ops),
            max(b[0] + h for (b, _), (h, _w) in zip(ops, sizes)), max(b[1] + w for (b, _), (_h, w) in zip(ops, sizes)))


def shift_ops(ops: list, y0: int, x0: int, h: int, w: int) -> list:
    """Ops ((y, x), source) moved into a box at (y0, x0) of size h×w, cut to it."""
    out = []
    for (oy, ox), src in ops:
        sh, sw = (src.h, src.w) if isinstance(src, Solid) else tuple(src.shape[:2])
        ty, tx = oy - y0, ox - x0
        cy0, cx0, cy1, cx1 = max(ty, 0), max(tx, 0), min(ty + sh, h), min(tx + sw, w)
        if cy1 <= cy0 or cx1 <= cx0:
            continue
        dy, dx = cy0 - ty, cx0 - tx
        if isinstance(src, Solid):
            src = Solid(src.offset + dy * src.stride + dx, cy1 - cy0, cx1 - cx0, src.stride, src.row)
        else:
            src = src[dy : dy + cy1 - cy0, dx : dx + cx1 - cx0]
        out.append(((cy0, cx0), src))
    return out


def _apply_in(program: Program, planes: torch.Tensor, box: Box, table: torch.Tensor) -> torch.Tensor:
    """Run one filter over the part of ``planes`` (4, h, w at ``box``) inside its region; clear the rest."""
    e = (max(program.box[0], box[0]), max(program.box[1], box[1]),
         min(program.box[2], box[2]), min(program.box[3], box[3]))
    if e[2] <= e[0] or e[3] <= e[1]:
        return torch.zeros_like(planes)
    top, left = e[0] - box[0], e[1] - box[1]
    source = planes[:, top : top + e[2] - e[0], left : left + e[3] - e[1]]
    result = apply_program(program.cropped(e), source, table)
    h, w = planes.shape[1:]
    return F.pad(result, (left, w - left - result.shape[2], top, h - top - result.shape[1]))


def apply_filters(programs: list[Program], planes: torch.Tensor, box: Box, table: torch.Tensor) -> torch.Tensor:
    """The filter step of a group layer: ``planes`` (4, h, w, premultiplied) covering canvas ``box``
    through each filter of the chain in turn. A compositor's layer mechanism calls this between
    drawing the group and its clip, mask and opacity."""
    for program in programs:
        planes = _apply_in(program, planes, box, table)
    return planes


def filtered_ops(comp, group) -> list:
    """The compositor's ops for a group with filters: one region-sized source (or none)."""
    scene = comp.scene
    if group.opacity <= 0:
        return []
    content = comp.ops(group)
    numbers = scene.filter_params.detach().cpu().double().numpy()
    y0, x0, y1, x1 = box = layer_box(group.filters, scene.width, scene.height, numbers, _content_box(content))
    h, w = y1 - y0, x1 - x0
    if h <= 0 or w <= 0:
        return []
    base = scene.points.new_zeros((h, w, 4))
    ops = shift_ops(content, y0, x0, h, w)
    layer = over_crops(base, [b for b, _ in ops], [s for _, s in ops], comp.cover, comp.table)
    layer = apply_filters(group.filters, layer.permute(2, 0, 1), box, scene.filter_params).permute(1, 2, 0)
    if group.clip is not None:
        clip_ops = shift_ops([op for index in group.clip for op in comp.shape(index)], y0, x0, h, w)
        clip = over_crops(base, [b for b, _ in clip_ops], [s for _, s in clip_ops], comp.cover, comp.table)
        layer = layer * clip[..., 3:]
    if group.opacity < 1.0:
        layer = layer * group.opacity
    cy0, cx0, cy1, cx1 = max(y0, 0), max(x0, 0), min(y1, scene.height), min(x1, scene.width)
    if cy1 <= cy0 or cx1 <= cx0:
        return []
    return [((cy0, cx0), layer[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0])]
