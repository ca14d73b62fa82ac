"""Which elements move, and which of their numbers: selection and parameter groups.

A selection picks shapes of a :class:`~vecedit.scene.Scene` by id (``#leaf``, also
matching every shape inside a group with that id), class (``.leaf``), element name
(``path``), a simple CSS selector (``g#tree .leaf``), a canvas box (``x,y,w,h`` in
canvas pixels) or a mask image (H×W booleans): shapes whose bounding box intersects
the box or a set pixel. :func:`parameter_groups` turns a selection plus the kinds to
optimise (``shape``, ``color``, ``stroke_width``, ``opacity``, ``filter``: the numbers of
the filters on groups holding a chosen shape) into per-tensor row
masks; :func:`trainable` makes those tensors require gradients and zeroes the
gradient of every row outside the masks, so an optimiser leaves them bit-identical.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence, Union

import numpy as np
import torch

from vecedit.errors import OptionError
from vecedit.scene import GradientPaint, Scene, SolidPaint
from vecedit.svg.selectors import parse_selector
from vecedit.svg.model import Document, Group

KINDS = ("shape", "color", "stroke_width", "opacity", "filter")
_BOX = re.compile(r"^\s*(-?[\d.eE+-]+)\s*,\s*(-?[\d.eE+-]+)\s*,\s*([\d.eE+-]+)\s*,\s*([\d.eE+-]+)\s*$")

Selection = Union[None, str, Sequence[str], np.ndarray, tuple[float, float, float, float]]


def parse_box(text: str) -> Optional[tuple[float, float, float, float]]:
    """``"x,y,w,h"`` → a tuple, or None when the text is not a box."""
    m = _BOX.match(text)
    if not m:
        return None
    try:
        return tuple(float(v) for v in m.groups())  # type: ignore[return-value]
    except ValueError:
        return None


def shape_boxes(scene: Scene) -> np.ndarray:
    """(n, 4) canvas bounding boxes x0, y0, x1, y1 of the scene's shapes (control hull)."""
    pts = scene.points.detach().cpu().numpy()
    boxes = np.zeros((len(scene.shapes), 4))
    for i, s in enumerate(scene.shapes):
        rows = np.concatenate([np.arange(a, a + n) for a, n, _ in s.subpaths]) if s.subpaths else []
        if len(rows):
            p = pts[rows]
            boxes[i] = [p[:, 0].min(), p[:, 1].min(), p[:, 0].max(), p[:, 1].max()]
    return boxes


def select_shapes(scene: Scene, doc: Document, selection: Selection) -> np.ndarray:
    """Boolean mask over ``scene.shapes`` (None selects every editable shape)."""
    editable = np.array([s.editable for s in scene.shapes], dtype=bool)
    if selection is None:
        return editable
    if isinstance(selection, np.ndarray) or isinstance(selection, torch.Tensor):
        return editable & _by_mask(scene, np.asarray(selection))
    if isinstance(selection, tuple) and len(selection) == 4 and all(isinstance(v, (int, float)) for v in selection):
        return editable & _by_box(scene, selection)
    items = [selection] if isinstance(selection, str) else list(selection)
    chosen = np.zeros(len(scene.shapes), dtype=bool)
    for item in map(str, items):
        parts = [item] if parse_box(item) else [p for p in item.split(",") if p.strip()]
        for part in parts:
            chosen |= _one(scene, doc, part.strip())
    return editable & chosen


def _one(scene: Scene, doc: Document, text: str) -> np.ndarray:
    box = parse_box(text)
    if box is not None:
        return _by_box(scene, box)
    selector = parse_selector(text)
    if selector is None:
        raise OptionError(
            f"cannot read the selection {text!r}; use an id (#name), a class (.name), an element "
            "name, a simple CSS selector, or a box x,y,w,h"
        )
    parent = {child: el for el in doc.root_node.iter() for child in el}
    shapes = doc.shapes()
    hits = np.zeros(len(scene.shapes), dtype=bool)
    matched_groups = _matching_group_shapes(doc.root, selector, parent.get)
    for i, s in enumerate(scene.shapes):
        node = shapes[s.element].node
        hits[i] = selector.matches(node, parent.get) or id(shapes[s.element]) in matched_groups
    if not hits.any():
        raise OptionError(f"the selection {text!r} matches no element of the document; `vecedit info` lists them")
    return hits


def _matching_group_shapes(root: Group, selector, parent) -> set[int]:
    """Python ids of shapes inside groups that the selector matches."""
    out: set[int] = set()

    def walk(group: Group, inside: bool) -> None:
        inside = inside or (group.node is not None and selector.matches(group.node, parent))
        for child in group.children:
            if isinstance(child, Group):
                walk(child, inside)
            elif inside:
                out.add(id(child))

    walk(root, False)
    return out


def _by_box(scene: Scene, box: tuple[float, float, float, float]) -> np.ndarray:
    x, y, w, h = box
    if w <= 0 or h <= 0:
        raise OptionError(f"the box {x:g},{y:g},{w:g},{h:g} has no area; give x,y,w,h with w and h > 0")
    if x >= scene.width or y >= scene.height or x + w <= 0 or y + h <= 0:
        raise OptionError(
            f"the box {x:g},{y:g},{w:g},{h:g} lies outside the {scene.width}×{scene.height} canvas"
        )
    b = shape_boxes(scene)
    return (b[:, 0] <= x + w) & (b[:, 2] >= x) & (b[:, 1] <= y + h) & (b[:, 3] >= y)


def _by_mask(scene: Scene, mask: np.ndarray) -> np.ndarray:
    mask = mask.astype(bool)
    if mask.shape != (scene.height, scene.width):
        raise OptionError(
            f"the mask is {mask.shape[1]}×{mask.shape[0]} but the canvas is {scene.width}×{scene.height}; "
            "resize the mask to the canvas"
        )
    b = np.floor(shape_boxes(scene)).astype(int)
    out = np.zeros(len(scene.shapes), dtype=bool)
    for i, (x0, y0, x1, y1) in enumerate(b):
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1 + 1, scene.width), min(y1 + 1, scene.height)
        out[i] = x1 > x0 and y1 > y0 and mask[y0:y1, x0:x1].any()
    return out


@dataclass
class ParameterGroups:
    """Row masks per scene tensor name (True = may move)."""

    masks: dict[str, torch.Tensor]

    def count(self) -> int:
        return int(sum(int(m.sum()) for m in self.masks.values()))


def parameter_groups(
    scene: Scene, chosen: np.ndarray, kinds: Iterable[str] = ("shape", "color")
) -> ParameterGroups:
    """Row masks of the tensors that the chosen shapes own, for the given kinds."""
    kinds = set(kinds)
    unknown = kinds - set(KINDS)
    if unknown:
        raise OptionError(f"unknown parameter kind(s) {sorted(unknown)}; choose from {', '.join(KINDS)}")
    dev = scene.device
    masks: dict[str, np.ndarray] = {
        name: np.zeros(len(t), dtype=bool) for name, t in scene.tensors().items()
    }
    for i, s in enumerate(scene.shapes):
        if not chosen[i]:
            continue
        if "shape" in kinds:
            for a, n, _ in s.subpaths:
                masks["points"][a : a + n] = True
        if "stroke_width" in kinds and s.stroke is not None:
            masks["stroke_widths"][s.stroke_width] = True
        if "opacity" in kinds:
            masks["opacities"][s.opacity] = True
        if "color" in kinds:
            for paint in (s.fill, s.stroke):
                if isinstance(paint, SolidPaint):
                    masks["colors"][paint.color] = True
                elif isinstance(paint, GradientPaint):
                    masks["stop_colors"][scene.gradients[paint.gradient].stops] = True
                    masks["stop_offsets"][scene.gradients[paint.gradient].stops] = True
    if "filter" in kinds:
        writable = np.zeros(len(scene.filter_params), dtype=bool)
        for numbers, start in scene.filter_slots:
            writable[start : start + len(numbers.values)] = numbers.node is not None
        chosen_elements = {s.element for s, c in zip(scene.shapes, chosen) if c}
        for elements, rows in scene.filter_users:
            if any(e in chosen_elements for e in elements):
                masks["filter_params"][rows] = writable[rows]
    return ParameterGroups({k: torch.as_tensor(v, device=dev) for k, v in masks.items() if v.any()})


def trainable(scene: Scene, groups: ParameterGroups) -> dict[str, torch.Tensor]:
    """Make the grouped tensors require gradients, masked to their rows; returns them by name."""
    out = {}
    tensors = scene.tensors()
    for name, mask in groups.masks.items():
        tensor = tensors[name]
        tensor.requires_grad_(True)
        shape = (-1,) + (1,) * (tensor.dim() - 1)
        keep = mask.view(shape)
        # where, not a product: a NaN gradient outside the selection must not leak in
        tensor.register_hook(lambda grad, keep=keep: torch.where(keep, grad, torch.zeros_like(grad)))
        out[name] = tensor
    return out
