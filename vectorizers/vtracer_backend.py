"""The ``vtracer`` backend: the colour-quantised image traced by visioncortex VTracer (Rust).

The round's image is first quantised to ``n_colors`` colours (:mod:`vecedit.vectorizers.quantize`,
the same clusters the scikit-image backend traces), then handed to VTracer's in-memory
API in its *stacked* hierarchical mode with spline fitting: each cluster is drawn as
a shape whose holes are left filled, larger clusters first, so a seam between two
shapes is backed by the shape beneath. VTracer answers with SVG text, read back here
by :func:`parse_vtracer_svg`. ``VtracerTracer(hierarchical="cutout")`` gives
VTracer's other mode, shapes that do not overlap (each with its holes cut out), the
kind of trace a seam opens in when shapes move; the benchmark uses it as the
reference for crack robustness.
"""

from __future__ import annotations

import io
import re
from typing import Optional

import numpy as np

from vecedit.svg.pathdata import closed_cubic_points, path_to_subpaths
from vecedit.vectorizers.base import TracedPath, min_region_area, path_area
from vecedit.vectorizers.quantize import quantize


class VtracerTracer:
    name = "vtracer"

    def __init__(self, corner_threshold: int = 60, length_threshold: float = 4.0, splice_threshold: int = 45,
                 hierarchical: str = "stacked"):
        if hierarchical not in ("stacked", "cutout"):
            raise ValueError(f"hierarchical must be 'stacked' or 'cutout', got {hierarchical!r}")
        self.hierarchical = hierarchical
        self.corner_threshold = corner_threshold
        self.length_threshold = length_threshold
        self.splice_threshold = splice_threshold

    def trace(self, rgb: np.ndarray, n_colors: int, seed: int = 0) -> list[TracedPath]:
        h, w = rgb.shape[:2]
        labels, palette = quantize(rgb, n_colors, seed=seed, min_area=min_region_area(w, h, n_colors))
        return self.trace_pixels(palette[labels])

    def trace_pixels(self, rgb: np.ndarray, **options) -> list[TracedPath]:
        """Trace an RGB image as it is (no quantisation): VTracer's own colour clustering."""
        import vtracer
        from PIL import Image

        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(rgb), "RGB").save(buffer, format="PNG", compress_level=1)
        settings = dict(
            colormode="color",
            hierarchical=self.hierarchical,
            mode="spline",
            filter_speckle=0,
            color_precision=8,
            layer_difference=1,
            corner_threshold=self.corner_threshold,
            length_threshold=self.length_threshold,
            splice_threshold=self.splice_threshold,
            path_precision=3,
        )
        settings.update(options)
        svg = vtracer.convert_raw_image_to_svg(buffer.getvalue(), img_format="png", **settings)
        return parse_vtracer_svg(svg)


_PATH = re.compile(r'<path d="([^"]*)" fill="#([0-9A-Fa-f]{6})" transform="translate\(([^,()]+),([^,()]+)\)"\s*/>')
"""One ``<path>`` as VTracer writes it (absolute path data, a hex fill, a translation)."""


def parse_vtracer_svg(svg: str) -> list[TracedPath]:
    """VTracer's SVG text → :class:`TracedPath` list in its paint order (canvas pixels).

    VTracer writes one element per shape in a fixed form (:data:`_PATH`); those are read
    without the SVG reader (the XML tree, the cascade, the render tree): their path data as
    numbers where it is in VTracer's own form (:func:`_cubic_loops`), else by the path-data
    parser. Text in any other form is read by :func:`vecedit.svg.load_svg`."""

    found = _PATH.findall(svg)
    if len(found) != svg.count("<path"):
        return _parse_document(svg)
    out = []
    for d, fill, tx, ty in found:
        try:
            offset = np.array([float(tx), float(ty)])
        except ValueError:
            return _parse_document(svg)
        if not np.isfinite(offset).all():
            return _parse_document(svg)
        loops = _cubic_loops(d)
        if loops is None:
            subpaths, error = path_to_subpaths(d)
            if error is not None:
                return _parse_document(svg)
            loops = [s.points for s in subpaths if s.closed]
        subs = [points + offset for points in loops if len(points) >= 3]
        if subs:
            color = (int(fill[0:2], 16), int(fill[2:4], 16), int(fill[4:6], 16))
            out.append(TracedPath(subs, color, "nonzero", path_area(subs)))
    return out


_NUMBER = r"-?\d{1,12}(?:\.\d{1,12})?"
_LOOPS = re.compile(rf"(?:M(?:{_NUMBER} ){{2}}(?:C(?:{_NUMBER} ){{6}})*Z ?)+")
"""Path data of closed cubic loops in the form VTracer writes them (``M x y C … Z``, each number
followed by one space; numbers of a size that keeps every sum finite)."""


def _cubic_loops(d: str) -> Optional[list[np.ndarray]]:
    """The points of each loop of ``d`` as :func:`path_to_subpaths` reads them, or None where ``d``
    is not in VTracer's own form (:data:`_LOOPS`): a third of the time, read as one list of numbers."""
    if not _LOOPS.fullmatch(d):
        return None
    loops = []
    for loop in d.split("M")[1:]:
        values = np.array(list(map(float, loop.replace("C", " ").replace("Z", " ").split())), dtype=np.float64)
        loops.append(closed_cubic_points(values.reshape(-1, 2)))
    return loops


def _parse_document(svg: str) -> list[TracedPath]:
    from vecedit.svg import load_svg
    from vecedit.svg.model import GradientRef

    doc = load_svg(svg)
    out = []
    for shape in doc.shapes():
        if shape.fill is None or isinstance(shape.fill, GradientRef) or not shape.subpaths:
            continue
        m = shape.ctm
        subs = [s.points @ m[:2, :2].T + m[:2, 2] for s in shape.subpaths if s.closed and len(s.points) >= 3]
        if not subs:
            continue
        color = tuple(int(round(min(max(c, 0.0), 1.0) * 255)) for c in shape.fill[:3])
        out.append(TracedPath(subs, color, shape.fill_rule, path_area(subs)))
    return out
