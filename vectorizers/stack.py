"""Rounds of traced paths → pruned, capped, layered SVG.

A :class:`Layer` is one round: its traced paths already in the output's coordinates
(original image pixels). :func:`prune` drops degenerate and sub-pixel paths,
:func:`cap` keeps the ``max_paths`` largest, and :func:`to_svg` writes one
``<g id="round-i">`` per round, coarse first (at the bottom), each path an
``<path id="r{i}-{j}" d="…" fill="#rrggbb"/>``. :func:`to_document` builds the same picture
in memory for the renderer (refinement), without writing and parsing that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from vecedit.svg.geometry import subpaths_to_d
from vecedit.svg.model import Subpath
from vecedit.vectorizers.base import TracedPath, cubic_outline

DECIMALS = 2
"""Digits after the point in path data (1/100 px of the original image)."""


@dataclass
class Layer:
    """One round: ``paths`` in original-image pixels; ``scale`` = working px per original px."""

    name: str
    n_colors: int
    paths: list[TracedPath]
    box: Optional[tuple[float, float, float, float]] = None  # extra rounds: x, y, w, h
    notes: dict = field(default_factory=dict)


def transform_paths(paths: list[TracedPath], scale: tuple[float, float], offset: tuple[float, float]) -> None:
    """In place: ``p → p * scale + offset`` for every point; areas scale with the points."""
    sx, sy = scale
    ox, oy = offset
    m = np.array([sx, sy])
    o = np.array([ox, oy])
    for path in paths:
        path.subpaths = [sub * m + o for sub in path.subpaths]
        path.area *= abs(sx * sy)


def degenerate(path: TracedPath, min_area: float, min_extent: float) -> bool:
    """True for a path that draws (almost) nothing: non-finite, tiny area, or thinner than
    ``min_extent`` in x or y (all measured in the units of its points)."""
    pts = [s for s in path.subpaths if len(s) >= 3]
    if not pts:
        return True
    allpts = np.concatenate(pts)
    if not np.isfinite(allpts).all():
        return True
    outline = np.concatenate([cubic_outline(s) for s in pts])
    extent = outline.max(0) - outline.min(0)
    return bool(path.area < min_area or extent.min() < min_extent)


def prune(layers: list[Layer], min_area: float, min_extent: float) -> int:
    """Drop degenerate paths from every layer in place; returns how many went."""
    dropped = 0
    for layer in layers:
        kept = [p for p in layer.paths if not degenerate(p, min_area, min_extent)]
        dropped += len(layer.paths) - len(kept)
        layer.paths = kept
    return dropped


def cap(layers: list[Layer], max_paths: Optional[int]) -> int:
    """Keep the ``max_paths`` largest paths over all layers (ties: lower layers, earlier paths),
    each in its original place; returns how many were dropped."""
    total = sum(len(layer.paths) for layer in layers)
    if max_paths is None or total <= max_paths:
        return 0
    ranked = sorted(
        ((-p.area, li, pi) for li, layer in enumerate(layers) for pi, p in enumerate(layer.paths)),
    )[:max_paths]
    keep = {(li, pi) for _, li, pi in ranked}
    for li, layer in enumerate(layers):
        layer.paths = [p for pi, p in enumerate(layer.paths) if (li, pi) in keep]
    return total - max_paths


def _num(v: float) -> str:
    text = f"{v:.{DECIMALS}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def hex_color(rgb) -> str:
    return "#" + "".join(f"{int(min(max(round(c), 0), 255)):02x}" for c in rgb)


def to_svg(layers: list[Layer], width: int, height: int, comment: str = "",
           clip: Optional[list[np.ndarray]] = None) -> str:
    """SVG text: ``width``×``height`` px, ``viewBox="0 0 width height"``, one group per layer.

    ``clip`` (closed cubic subpaths, the image's alpha outline): every group is clipped by it
    (``<clipPath id="alpha">``, even-odd), so what was transparent stays unpainted.
    """
    lines = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    if comment:
        lines.append(f"<!-- {comment.replace('--', '-')} -->")
    if clip is not None:
        d = subpaths_to_d([Subpath(s, True) for s in clip], DECIMALS) or "M0 0"
        lines.append(f'<defs><clipPath id="alpha"><path d="{d}" clip-rule="evenodd"/></clipPath></defs>')
    for i, layer in enumerate(layers):
        attrs = f' data-colors="{layer.n_colors}"'
        if layer.box is not None:
            attrs += ' data-box="' + ",".join(_num(v) for v in layer.box) + '"'
        if clip is not None:
            attrs += ' clip-path="url(#alpha)"'
        lines.append(f'<g id="round-{i}"{attrs}>')
        for j, path in enumerate(layer.paths):
            d = subpaths_to_d([Subpath(s, True) for s in path.subpaths], DECIMALS)
            rule = ' fill-rule="evenodd"' if path.fill_rule == "evenodd" else ""
            lines.append(f'<path id="r{i}-{j}" d="{d}" fill="{hex_color(path.color)}"{rule}/>')
        lines.append("</g>")
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def to_document(layers: list[Layer], width: int, height: int):
    """The picture :func:`to_svg` writes, as a render-only :class:`~vecedit.svg.model.Document`
    (no XML behind it; points and colours unrounded): one group per layer, one shape per path."""
    from vecedit.svg.model import Document, Group, Shape

    identity = np.eye(3)
    groups = [Group(node=None, id=f"round-{i}", children=[
        Shape(node=None, tag="path", id=f"r{i}-{j}", classes=(), subpaths=[Subpath(s, True) for s in path.subpaths],
              ctm=identity, fill=tuple(min(max(c / 255.0, 0.0), 1.0) for c in path.color) + (1.0,), stroke=None,
              fill_rule=path.fill_rule)
        for j, path in enumerate(layer.paths)]) for i, layer in enumerate(layers)]
    return Document(root_node=None, namespaces={}, width=float(width), height=float(height),
                    viewbox=(0.0, 0.0, float(width), float(height)), root=Group(node=None, id=None, children=groups),
                    gradients={})
