"""Scene tensors → the document: only the values an optimiser moved are written and marked edited."""

from __future__ import annotations

import numpy as np

from vecedit.svg.model import Document, Stop, Subpath
from vecedit.scene.model import Scene


def write_back(scene: Scene, doc: Document) -> list[int]:
    """Copy edited tensor values into ``doc`` and mark them edited.

    Only values that differ from the ones the scene was built with are written, so
    whatever an optimiser did not move stays exactly as it was in the file. Shapes
    that are not editable (``use`` instances) are never written. Returns the indices
    (into ``doc.shapes()``) of the shapes that changed.
    """
    now = {name: t.detach().cpu().double().numpy() for name, t in scene.tensors().items()}
    before = scene.initial
    shapes = doc.shapes()
    changed: set[int] = set()
    moved = _changed_rows(now["points"], before["points"])
    for sshape in scene.shapes:
        if not sshape.editable:
            continue
        shape = shapes[sshape.element]
        rows = [range(a, a + n) for a, n, _ in sshape.subpaths]
        if any(moved[r].any() for r in rows):
            inverse = np.linalg.inv(sshape.ctm)
            shape.subpaths = [
                Subpath(now["points"][r] @ inverse[:2, :2].T + inverse[:2, 2], closed, old.segment_starts, old.close_line)
                for r, (_, _, closed), old in zip(rows, sshape.subpaths, shape.subpaths)
            ]
            shape.edited.add("geometry")
            changed.add(sshape.element)
            if sshape.unfilled and shape.fill is not None:  # bent, it would start filling
                shape.fill = None
                shape.edited.add("fill")
        if now["stroke_widths"][sshape.stroke_width] != before["stroke_widths"][sshape.stroke_width]:
            shape.stroke_width = max(0.0, float(now["stroke_widths"][sshape.stroke_width]))
            shape.edited.add("stroke_width")
            changed.add(sshape.element)
        if now["opacities"][sshape.opacity] != before["opacities"][sshape.opacity]:
            shape.opacity = float(np.clip(now["opacities"][sshape.opacity], 0, 1))
            shape.edited.add("opacity")
            changed.add(sshape.element)
    for row in np.nonzero(_changed_rows(now["colors"], before["colors"]))[0]:
        index, kind = scene.color_owner[row]
        sshape = scene.shapes[index]
        if not sshape.editable:
            continue
        shape = shapes[sshape.element]
        r, g, b, a = (float(v) for v in np.clip(now["colors"][row], 0, 1))
        setattr(shape, kind, (r, g, b, 1.0))
        setattr(shape, f"{kind}_opacity", a)
        shape.edited.update({kind, f"{kind}_opacity"})
        changed.add(sshape.element)
    _write_gradients(scene, doc, now, before)
    _write_filters(scene, now, before)
    return sorted(changed)


def _changed_rows(now: np.ndarray, before: np.ndarray) -> np.ndarray:
    if now.ndim == 1:
        return now != before
    return (now != before).any(axis=tuple(range(1, now.ndim)))


def _write_filters(scene: Scene, now: dict, before: dict) -> None:
    """Moved filter numbers back into their :class:`~vecedit.svg.filter_primitives.Numbers` (marked edited)."""
    moved = _changed_rows(now["filter_params"], before["filter_params"])
    for numbers, start in scene.filter_slots:
        rows = slice(start, start + len(numbers.values))
        if numbers.node is None or not moved[rows].any():
            continue
        values = now["filter_params"][rows]
        if numbers.attr in ("flood-color", "lighting-color"):
            values = np.clip(values, 0, 1)
        elif numbers.attr == "stdDeviation":
            values = np.maximum(values, 0)
        numbers.values = tuple(float(v) for v in values)
        numbers.edited = True


def _write_gradients(scene: Scene, doc: Document, now: dict, before: dict) -> None:
    stops_moved = _changed_rows(now["stop_offsets"], before["stop_offsets"]) | _changed_rows(
        now["stop_colors"], before["stop_colors"]
    )
    geometry_moved = _changed_rows(now["gradient_geometry"], before["gradient_geometry"])
    for g, sgrad in enumerate(scene.gradients):
        gradient = doc.gradients[sgrad.source]
        if stops_moved[sgrad.stops].any():
            offsets = np.clip(now["stop_offsets"][sgrad.stops], 0, 1)
            offsets = np.maximum.accumulate(offsets)  # the spec clamps to non-decreasing anyway
            colors = np.clip(now["stop_colors"][sgrad.stops], 0, 1)
            gradient.stops = [Stop(float(o), tuple(float(c) for c in rgba)) for o, rgba in zip(offsets, colors)]
            gradient.edited.add("stops")
        if geometry_moved[g]:
            n = 4 if sgrad.kind == "linear" else 6
            gradient.geometry = tuple(float(v) for v in now["gradient_geometry"][g][:n])
            gradient.edited.add("geometry")
