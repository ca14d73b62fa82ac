"""The scene's data: flat parameter tensors plus the static structure (see :mod:`vecedit.scene`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np
import torch

from vecedit.svg.model import Document, fill_paints_nothing


def document_pixels(doc: Document) -> tuple[int, int]:
    """The document's size in whole pixels (at least 1×1): the edit loop's canvas and ROI space."""
    return max(1, round(doc.width)), max(1, round(doc.height))


@dataclass
class SolidPaint:
    color: int  # row of Scene.colors


@dataclass
class GradientPaint:
    gradient: int  # index into Scene.gradients
    to_canvas: np.ndarray  # (3, 3) gradient space -> canvas pixels (units & transforms folded in)
    opacity: float  # fill-/stroke-opacity applied on top of the stops


@dataclass
class PatternPaint:
    frame: int  # index into Scene.frames: the tile, drawn in its own raster
    to_raster: np.ndarray  # (3, 3) canvas pixels -> tile raster pixels (wrapped by the tile size)
    opacity: float  # fill-/stroke-opacity


@dataclass
class ImagePaint:
    image: int  # index into Scene.images
    corners: np.ndarray  # (3,) rows of Scene.points: the rectangle's top-left, top-right, bottom-left
    unit_to_image: np.ndarray  # (3, 3) the rectangle's unit square -> image pixel coordinates
    smooth: bool  # bilinear; False: nearest pixel


ScenePaint = Union[SolidPaint, GradientPaint, PatternPaint, ImagePaint, None]


@dataclass
class SceneGradient:
    kind: str  # "linear" | "radial"
    spread: str  # "pad" | "reflect" | "repeat"
    stops: slice  # rows of Scene.stop_offsets / stop_colors
    source: str  # gradient id in the document


@dataclass
class SceneShape:
    element: int  # index into Document.shapes()
    subpaths: list[tuple[int, int, bool]]  # (first point row, point count, closed)
    fill: ScenePaint
    stroke: ScenePaint
    stroke_width: int  # row of Scene.stroke_widths
    opacity: int  # row of Scene.opacities
    ctm: np.ndarray  # (3, 3) user space -> canvas, for strokes in user space
    fill_rule: str = "nonzero"
    linecap: str = "butt"
    linejoin: str = "miter"
    miterlimit: float = 4.0
    paint_order: tuple[str, str] = ("fill", "stroke")
    visible: bool = True
    editable: bool = True
    dasharray: Optional[tuple[float, ...]] = None  # user units, even length
    dashoffset: float = 0.0
    frame: int = -1  # -1: drawn on the canvas; else the pattern tile (Scene.frames) it is drawn in
    unfilled: bool = False  # the element's fill paints nothing (fill_paints_nothing): no fill here


@dataclass
class SceneGroup:
    opacity: float
    children: list[Union["SceneGroup", int]]  # int = index into Scene.shapes
    clip: Optional["SceneGroup"] = None  # drawn (not on the canvas): its alpha clips the group
    filters: list = field(default_factory=list)  # vecedit.render.filters.graph.Program, applied in order
    mask: Optional["SceneMask"] = None
    blend: str = "normal"  # mix-blend-mode
    isolate: bool = False

    @property
    def layered(self) -> bool:
        """Whether the group is drawn as a layer of its own (else its children go straight on)."""
        return bool(self.filters or self.clip is not None or self.mask is not None or self.opacity < 1.0
                    or self.isolate or self.blend != "normal")


@dataclass
class SceneMask:
    content: SceneGroup  # drawn (not on the canvas), clipped to the mask region
    kind: str  # "luminance" | "alpha"
    mask: Optional["SceneMask"] = None  # the <mask> element's own mask


@dataclass
class SceneFrame:
    """``root`` drawn in its own (height, width) raster: a pattern tile, or an feImage's element.

    A pattern's raster is one pixel larger than the tile each way: the tile is drawn at a
    sub-pixel phase (so canvas pixels land on raster pixels where the pattern is not
    rotated) and what spills over the last column/row wraps onto the first; it is then
    folded to ``tile`` and repeated. An feImage's raster (``tile`` None) covers its filter
    region and is read as it is.
    """

    width: int
    height: int
    tile: Optional[tuple[int, int]]  # (tile width, tile height) in raster pixels; None: not a tile
    root: "SceneGroup"


@dataclass
class Scene:
    width: int
    height: int
    points: torch.Tensor
    colors: torch.Tensor
    stroke_widths: torch.Tensor
    opacities: torch.Tensor
    stop_offsets: torch.Tensor
    stop_colors: torch.Tensor
    gradient_geometry: torch.Tensor
    shapes: list[SceneShape]
    gradients: list[SceneGradient]
    root: SceneGroup
    color_owner: list[tuple[int, str]] = field(default_factory=list)  # (shape, "fill"|"stroke")
    frames: list[SceneFrame] = field(default_factory=list)  # pattern tiles
    images: list[torch.Tensor] = field(default_factory=list)  # (h, w, 4) uint8 straight RGBA of <image>s
    initial: dict[str, np.ndarray] = field(default_factory=dict)  # tensors as built, for write_back
    filter_params: Optional[torch.Tensor] = None  # (F,), see the module docstring; None: no filters
    filter_slots: list = field(default_factory=list)  # (vecedit.svg.filters.Numbers, first row)
    filter_users: list = field(default_factory=list)  # (shape indices, rows of filter_params) per filtered group

    def __post_init__(self):
        if self.filter_params is None:
            self.filter_params = self.points.new_zeros(0)

    @property
    def device(self) -> torch.device:
        return self.points.device

    def tensors(self) -> dict[str, torch.Tensor]:
        """The parameter tensors by name (the things an optimiser may move)."""
        return {
            "points": self.points,
            "colors": self.colors,
            "stroke_widths": self.stroke_widths,
            "opacities": self.opacities,
            "stop_offsets": self.stop_offsets,
            "stop_colors": self.stop_colors,
            "gradient_geometry": self.gradient_geometry,
            "filter_params": self.filter_params,
        }
