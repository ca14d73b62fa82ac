"""The filter step of a layer (:mod:`vecedit.render.layers`): its box and the filter chain.

A filtered group's layer covers only the union of its filter regions (grown past the
canvas edge by as far as the filters can move content, so a blur near the edge sees
what lies beyond it: the rasterizer draws that content's crops past the edge too). A blurred 64 px icon on a 4000 px canvas costs its own region.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from vecedit.render.filters.graph import Box, Program, apply_program


def margin(programs: list[Program], width: int, height: int, table) -> int:
    """How far (whole pixels) past the canvas content can matter to these filters' output on it."""
    return math.ceil(min(sum(p.reach(table) for p in programs), float(max(width, height))))


def layer_box(programs: list[Program], width: int, height: int, table, content: Box) -> Box:
    """The pixels worth computing: the filter regions, within the canvas grown by how far the
    filters move content, and — when transparent stays transparent through every filter —
    within the content grown by that reach too."""
    y0 = min(p.box[0] for p in programs)
    x0 = min(p.box[1] for p in programs)
    y1 = max(p.box[2] for p in programs)
    x1 = max(p.box[3] for p in programs)
    m = margin(programs, width, height, table)
    box = (max(y0, -m), max(x0, -m), min(y1, height + m), min(x1, width + m))
    if all(p.keeps_clear(table) for p in programs):
        grown = (content[0] - m, content[1] - m, content[2] + m, content[3] + m)
        box = (max(box[0], grown[0]), max(box[1], grown[1]), min(box[2], grown[2]), min(box[3], grown[3]))
    return box


def _apply_in(program: Program, planes: torch.Tensor, box: Box, table: torch.Tensor, frames) -> torch.Tensor:
    """Run one filter over the part of ``planes`` (4, h, w at ``box``) inside its region; clear the rest."""
    e = (max(program.box[0], box[0]), max(program.box[1], box[1]),
         min(program.box[2], box[2]), min(program.box[3], box[3]))
    if e[2] <= e[0] or e[3] <= e[1]:
        return torch.zeros_like(planes)
    top, left = e[0] - box[0], e[1] - box[1]
    source = planes[:, top : top + e[2] - e[0], left : left + e[3] - e[1]]
    result = apply_program(program.cropped(e), source, table, frames)
    h, w = planes.shape[1:]
    return F.pad(result, (left, w - left - result.shape[2], top, h - top - result.shape[1]))


def apply_filters(programs: list[Program], planes: torch.Tensor, box: Box, table: torch.Tensor,
                  frames=None) -> torch.Tensor:
    """The filter step of a group layer: ``planes`` (4, h, w, premultiplied) covering canvas ``box``
    through each filter of the chain in turn (``frames``: the compositor's frame rasters, for
    feImage). A compositor's layer mechanism calls this between drawing the group and its clip,
    mask and opacity."""
    for program in programs:
        planes = _apply_in(program, planes, box, table, frames)
    return planes
