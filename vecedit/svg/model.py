"""The normalised document model: what the parser produces and the writer consumes.

A :class:`Document` keeps the original XML tree (so everything vecedit does not edit
is written back verbatim) and, beside it, a resolved *render tree* of
:class:`Group` and :class:`Shape` objects in document order. Each shape holds its
geometry as cubic Bézier subpaths in its own user space, the full transform to
canvas pixels, and its resolved paint (inheritance, CSS and ``use`` already applied).

Geometry layout (shared with :mod:`vecedit.scene` and the renderer)
---------------------------------------------------------------------
A :class:`Subpath` stores control points as an ``(N, 2)`` float64 array:

* open subpath with ``k`` cubic segments: ``N = 3k + 1`` —
  ``p0, c1, c2, p1, c1, c2, p2, …``; segment ``i`` uses rows ``3i … 3i+3``.
* closed subpath with ``k`` segments: ``N = 3k`` — the last segment ends at row 0
  (segment ``i`` uses rows ``3i, 3i+1, 3i+2, (3i+3) mod N``), so the start point
  cannot tear away from the end point while it is being optimised.

Lines and quadratics are raised to cubics exactly; arcs are approximated by cubics
to within 0.1 canvas pixel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional, Union
from xml.etree.ElementTree import Element as XMLElement

import numpy as np

if TYPE_CHECKING:
    from vecedit.svg.xmltree import SourceMap

RGBA = tuple[float, float, float, float]
"""A straight-alpha colour, each channel in [0, 1], in sRGB."""


@dataclass
class GradientRef:
    """A paint that points at a gradient in :attr:`Document.gradients`; ``space``: see :class:`PaintSpace`."""

    id: str
    fallback: Optional[RGBA] = None
    space: Optional["PaintSpace"] = field(default=None, compare=False)


@dataclass(eq=False)
class PaintSpace:
    """Where a context paint (``context-fill``/``context-stroke``, SVG 2 §13.3) lives: the context
    element's user space (``ctm``, as :attr:`Shape.ctm`) and its bounding box there (for
    ``objectBoundingBox`` units), not the user space of the shape that borrows it."""

    ctm: np.ndarray
    box: Optional[tuple[float, float, float, float]] = None


@dataclass
class PatternTile:
    """A ``pattern`` resolved for the element it paints (SVG 1.1 §13.3, ``href`` inheritance applied).

    ``rect`` is the tile (x, y, width, height) in pattern space; ``to_user`` maps pattern
    space into the painted element's user space (``patternTransform``, and the bounding
    box for ``objectBoundingBox`` units). ``content`` holds non-editable shapes whose
    ``ctm`` maps their user space into *pattern space* (not canvas pixels).
    """

    rect: tuple[float, float, float, float]
    to_user: np.ndarray  # (3, 3)
    content: "Group"


@dataclass
class PatternRef:
    """A paint that points at a ``pattern``; ``tile`` is None when it paints nothing (empty or zero-sized)."""

    id: str
    fallback: Optional[RGBA] = None
    tile: Optional[PatternTile] = None
    space: Optional[PaintSpace] = field(default=None, compare=False)


@dataclass(eq=False)
class ImageRef:
    """The paint of an ``<image>``'s rectangle: its pixels, read through ``to_image``."""

    pixels: np.ndarray  # (h, w, 4) uint8, straight RGBA
    to_image: np.ndarray  # (3, 3) the element's user space -> image pixel coordinates
    smooth: bool = True  # False: nearest pixel (image-rendering: pixelated / optimizeSpeed)


Paint = Union[RGBA, GradientRef, PatternRef, ImageRef, None]
"""A resolved fill or stroke: a colour, a gradient, pattern or image reference, or ``None`` (no paint)."""


@dataclass
class Stop:
    offset: float
    color: RGBA  # stop-opacity already folded into the alpha channel


@dataclass
class Gradient:
    """A ``linearGradient`` / ``radialGradient`` with ``href`` inheritance resolved.

    ``geometry`` holds ``(x1, y1, x2, y2)`` for linear and ``(cx, cy, r, fx, fy, fr)``
    for radial gradients, in gradient units (percentages already resolved: fractions
    for ``objectBoundingBox``, user units for ``userSpaceOnUse``).
    """

    id: str
    kind: str  # "linear" | "radial"
    units: str  # "objectBoundingBox" | "userSpaceOnUse"
    transform: np.ndarray  # (3, 3) gradientTransform
    spread: str  # "pad" | "reflect" | "repeat"
    geometry: tuple[float, ...]
    stops: list[Stop]
    node: XMLElement  # the gradient element itself
    stop_nodes: list[XMLElement] = field(default_factory=list)  # owners of ``stops``
    edited: set[str] = field(default_factory=set)  # "stops", "geometry"


@dataclass
class Subpath:
    points: np.ndarray  # (N, 2) float64, layout described in the module docstring
    closed: bool
    # The vertex list of the segments as written (markers sit on it, SVG 2 §11.6): the
    # first cubic of each original segment (an arc becomes several cubics); None: one
    # segment per cubic. ``close_line``: the last segment is the line ``Z`` added.
    segment_starts: Optional[np.ndarray] = None
    close_line: bool = False

    @property
    def num_segments(self) -> int:
        n = len(self.points)
        return n // 3 if self.closed else (n - 1) // 3


@dataclass
class Shape:
    """One renderable element (path or basic shape, possibly instanced by ``use``)."""

    node: XMLElement  # the XML element edits are written back to
    tag: str  # local tag name: path, rect, circle, ellipse, line, polyline, polygon
    id: Optional[str]
    classes: tuple[str, ...]
    subpaths: list[Subpath]  # in the element's own user space
    ctm: np.ndarray  # (3, 3) user space -> canvas pixels (viewBox included)
    fill: Paint
    stroke: Paint
    fill_opacity: float = 1.0
    stroke_opacity: float = 1.0
    opacity: float = 1.0  # the element's own ``opacity`` (groups hold their own)
    fill_rule: str = "nonzero"  # "nonzero" | "evenodd"
    stroke_width: float = 1.0  # user units
    linecap: str = "butt"  # "butt" | "round" | "square"
    linejoin: str = "miter"  # "miter" | "miter-clip" | "round" | "bevel" (arcs -> miter)
    miterlimit: float = 4.0
    paint_order: tuple[str, str] = ("fill", "stroke")
    dasharray: Optional[tuple[float, ...]] = None
    dashoffset: float = 0.0
    visible: bool = True  # display:none / visibility:hidden resolve to False
    displayed: bool = True  # False under display:none (left out of bounding boxes; hidden shapes count)
    editable: bool = True
    reason: Optional[str] = None  # why not editable, when it is not
    edited: set[str] = field(default_factory=set)
    # "geometry", "fill", "stroke", "stroke_width", "opacity", "fill_opacity", "stroke_opacity"
    # Glyphs of a <text> (vecedit.text): the text element they come from (node is the text,
    # tspan or textPath whose paint they use) and the box objectBoundingBox paints use.
    text: Optional[XMLElement] = None
    paint_box: Optional[tuple[float, float, float, float]] = None


@dataclass
class Group:
    """A ``g`` (or the root ``svg``, or a ``use`` instance) in the render tree."""

    node: Optional[XMLElement]
    id: Optional[str]
    opacity: float = 1.0
    children: list[Union["Group", Shape]] = field(default_factory=list)
    # Present when the group is clipped or masked (the referenced ids, without "#").
    clip_path: Optional[str] = None
    mask: Optional[str] = None
    # The resolved <clipPath> content: non-editable shapes, white, with the clip-rule
    # as fill rule, their CTMs in canvas pixels; children may carry their own clip, and
    # the group's own ``clip`` is the clipPath's ``clip-path``. The renderer clips by its alpha.
    clip: Optional["Group"] = None
    masking: Optional["Mask"] = None  # the resolved ``mask``
    blend: str = "normal"  # mix-blend-mode
    isolate: bool = False  # isolation: isolate
    # The ``filter`` chain (vecedit.svg.filters.Filter, in order) and the CTM of the user
    # space it is defined in (the element's own, its transform included).
    filters: list = field(default_factory=list)
    user_ctm: Optional[np.ndarray] = None


@dataclass
class Mask:
    """A ``<mask>`` resolved for the element it masks (SVG 1.1 §14.4, CSS Masking 1 §7).

    ``content`` holds non-editable shapes with CTMs to canvas pixels; its ``clip`` is the
    mask region. ``mask`` is the ``<mask>`` element's own mask (multiplied in).
    """

    content: Group
    kind: str  # "luminance" | "alpha"
    mask: Optional["Mask"] = None


@dataclass
class Note:
    """Something kept verbatim but not editable (text, image, filter, mask, …)."""

    tag: str
    id: Optional[str]
    message: str
    affects_picture: bool


@dataclass
class Document:
    root_node: XMLElement  # the <svg> element of the kept XML tree
    namespaces: dict[str, str]  # prefix -> URI as declared in the source
    width: float  # canvas size in pixels (CSS px at 96 dpi)
    height: float
    viewbox: tuple[float, float, float, float]
    root: Group
    gradients: dict[str, Gradient]
    notes: list[Note] = field(default_factory=list)
    prolog: str = ""  # text before the root element (XML declaration, comments)
    epilog: str = ""  # text after the root element (usually a newline)
    # Raw source spans of the parsed XML (vecedit.svg.xmltree.SourceMap), so the
    # writer reproduces unedited parts byte for byte; None for documents built in code.
    source: Optional["SourceMap"] = None
    # <filter> elements that something uses, by id (vecedit.svg.filters.Filter; None: invalid)
    filters: dict = field(default_factory=dict)

    def shapes(self) -> list[Shape]:
        """Every shape in render (document) order."""
        out: list[Shape] = []

        def walk(group: Group) -> None:
            for child in group.children:
                if isinstance(child, Group):
                    walk(child)
                else:
                    out.append(child)

        walk(self.root)
        return out


def fill_paints_nothing(shape: Shape) -> bool:
    """Whether ``shape``'s fill cannot paint a pixel: a ``<line>`` is never filled (SVG 2
    §10.5), and geometry whose every subpath lies on one straight line encloses no area.

    Such a fill is no parameter of an edit (its colour has nothing to match), and it must
    stay unpainted when an edit bends the geometry: a line rewritten as a curved path would
    otherwise start filling with the initial black.
    """
    if shape.tag == "line":
        return True
    for sub in shape.subpaths:
        if not len(sub.points):
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            offsets = sub.points - sub.points[0]
            span = float(np.abs(offsets).max())
        if not np.isfinite(span):  # points ~1e308 apart: not a line worth testing
            return False
        if span == 0.0:
            continue
        offsets = offsets / span  # unit scale, so squares and products cannot overflow
        lengths = (offsets**2).sum(axis=1)
        far = offsets[int(np.argmax(lengths))]
        cross = offsets[:, 0] * far[1] - offsets[:, 1] * far[0]
        if np.abs(cross).max() > 1e-9 * float(lengths.max()):
            return False
    return True
