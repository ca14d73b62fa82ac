"""A parsed :class:`~vecedit.svg.filters.Filter` + one element's geometry → a pixel :class:`Program`.

Filter Effects 1 §11-12: the filter region and each primitive subregion are rectangles
in the element's user space (or fractions of its bounding box, by ``filterUnits`` /
``primitiveUnits``); mapped through the CTM to canvas pixels they become whole-pixel
boxes (left/top floored, sizes rounded up, as resvg). Lengths (stdDeviation, radii …)
scale by the CTM's scale per axis; offsets (dx, dy) are vectors, mapped by the CTM's
linear part. Filters are evaluated in canvas axes: under a rotation or skew the
region is the bounding box of the mapped one and a per-axis blur stays axis-aligned.

Numbers an edit may move become :class:`Ref` rows of the scene's ``filter_params``,
collected by :class:`ParamTable` once per ``Numbers`` (a filter shared by several
elements shares its rows).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np

from vecedit.render.filters.graph import PIXEL_LIMIT, Program, Ref, Step
from vecedit.svg.filter_primitives import Numbers, Primitive
from vecedit.svg.filters import Filter
from vecedit.svg.images import ImageRefused, ImageSource, decode_raster, read_href
from vecedit.svg.transform import parse_preserve_aspect_ratio, viewbox_transform

BBox = tuple[float, float, float, float]  # x0, y0, x1, y1 in user units


class ParamTable:
    def __init__(self):
        self.values: list[float] = []
        self.slots: list[tuple[Numbers, int]] = []  # each Numbers and its first row
        self._start: dict[int, int] = {}

    def ref(self, numbers: Numbers, scale=1.0) -> Ref:
        start = self._start.get(id(numbers))
        if start is None:
            start = self._start[id(numbers)] = len(self.values)
            self.values.extend(float(v) for v in numbers.values)
            self.slots.append((numbers, start))
        return Ref(start, len(numbers.values), scale)


def _length(value, along: int, units: str, bbox: Optional[BBox], viewport, default):
    """One region coordinate in user units (``along``: 0 for x/width, 1 for y/height)."""
    if value is None:
        return default
    if units == "objectBoundingBox":
        return value  # a fraction; the caller maps it through the box
    if isinstance(value, tuple):  # ("%", fraction of the viewport)
        return value[1] * viewport[along]
    return value


def _rect(values, units: str, bbox: Optional[BBox], viewport, defaults) -> Optional[BBox]:
    """x, y, width, height → x0, y0, x1, y1 in user units (None: no bounding box to be relative to)."""
    x, y, w, h = (_length(v, i % 2, units, bbox, viewport, d) for i, (v, d) in enumerate(zip(values, defaults)))
    if units == "objectBoundingBox":
        if bbox is None:
            return None
        bw, bh = bbox[2] - bbox[0], bbox[3] - bbox[1]
        x0 = bbox[0] + x * bw if values[0] is not None or defaults[0] is None else defaults[0]
        y0 = bbox[1] + y * bh if values[1] is not None or defaults[1] is None else defaults[1]
        width = w * bw if values[2] is not None or defaults[2] is None else defaults[2]
        height = h * bh if values[3] is not None or defaults[3] is None else defaults[3]
        return (x0, y0, x0 + width, y0 + height)
    return (x, y, x + w, y + h)


def pixel_box(rect: BBox, ctm: np.ndarray) -> Optional[tuple[int, int, int, int]]:
    """(y0, x0, y1, x1) whole pixels covering ``rect`` mapped by ``ctm`` (resvg's to_int_rect);
    None when the mapping overflows (a region beyond any canvas: nothing sensible to draw)."""
    corners = np.array([[rect[0], rect[1], 1], [rect[2], rect[1], 1], [rect[0], rect[3], 1], [rect[2], rect[3], 1]])
    with np.errstate(all="ignore"):
        mapped = corners @ ctm[:2].T
    if not np.all(np.isfinite(mapped)):
        return None
    mapped = np.clip(mapped, -PIXEL_LIMIT, PIXEL_LIMIT)
    lo, hi = mapped.min(0), mapped.max(0)
    x0, y0 = math.floor(lo[0]), math.floor(lo[1])
    w, h = max(1, math.ceil(hi[0] - lo[0] - 1e-9)), max(1, math.ceil(hi[1] - lo[1] - 1e-9))
    return (y0, x0, y0 + h, x0 + w)


def _placed(f: Filter, bbox: Optional[BBox], ctm: np.ndarray, viewport):
    """(bbox or None when it has no area, region in user units, its pixel box), or None: not drawn."""
    if bbox is not None and (bbox[2] - bbox[0] <= 0 or bbox[3] - bbox[1] <= 0):
        bbox = None
    region = _rect(f.region, f.units, bbox, viewport, (None,) * 4)
    if region is None or not np.all(np.isfinite(ctm)):
        return None
    box = pixel_box(region, ctm)
    return None if box is None else (bbox, region, box)


def region_box(f: Filter, bbox: Optional[BBox], ctm: np.ndarray, viewport) -> Optional[tuple[int, int, int, int]]:
    """The filter region's pixel box (y0, x0, y1, x1) for one element, without resolving its primitives."""
    placed = _placed(f, bbox, ctm, viewport)
    return None if placed is None else placed[2]


def resolve(f: Filter, bbox: Optional[BBox], ctm: np.ndarray, viewport: tuple[float, float],
            table: ParamTable) -> Optional[Program]:
    """The filter for one element (``bbox`` in its user space, ``ctm`` user → canvas pixels).

    None when the element must not be drawn (bounding-box units on an element without area).
    """
    placed = _placed(f, bbox, ctm, viewport)
    if placed is None:
        return None
    bbox, region, box = placed
    sx, sy = math.hypot(ctm[0, 0], ctm[1, 0]), math.hypot(ctm[0, 1], ctm[1, 1])
    if f.primitive_units == "objectBoundingBox":
        if bbox is None:
            return None
        ux, uy = bbox[2] - bbox[0], bbox[3] - bbox[1]
    else:
        ux = uy = 1.0
    if not all(abs(v) <= PIXEL_LIMIT for v in (sx * ux, sy * uy, ctm[0, 0] * ux, ctm[1, 1] * uy, ctm[0, 1] * uy,
                                                 ctm[1, 0] * ux)):
        return None  # a primitive unit over 1e9 px (an absurd box or transform): nothing sensible to draw
    steps, boxes = [], {}
    for p in f.primitives:
        sub = _subregion(p, f.primitive_units, region, bbox, viewport)
        rel = _relative(pixel_box(sub, ctm) or box, box) if sub is not None else (0, 0, 0, 0)
        # an feOffset without a subregion is not clipped, but its result's region (what feTile
        # repeats) is its input's, as resvg does
        keeps = p.kind == "feOffset" and p.inputs[0] in boxes and all(v is None for v in p.subregion)
        boxes[p.result] = boxes[p.inputs[0]] if keeps else rel
        to_px = tuple(tuple(float(v) for v in row) for row in ctm[:2, :2] @ np.diag([ux, uy]))
        context = dict(sx=sx * ux, sy=sy * uy, ctm=ctm, bbox=bbox, units=f.primitive_units, sub=sub, to_px=to_px,
                       sub_box=pixel_box(sub, ctm) if sub is not None else None, scale=(sx, sy))
        kind, params = _params(p, context, table)
        steps.append(Step(kind, p.inputs, p.result, rel, p.linear, params, boxes[p.result]))
    return Program(box, steps, np.linalg.inv(ctm))


def _subregion(p: Primitive, units: str, region: BBox, bbox: Optional[BBox], viewport) -> Optional[BBox]:
    """A primitive's subregion in user units, as resvg reads it; None: no area (a transparent result).

    A missing x, y, width or height is the filter region's; with
    primitiveUnits=objectBoundingBox the given ones are fractions of the bounding box, and
    for feFlood and feImage (which have no input) the missing ones are the bounding box's
    too, as resvg does."""
    if units == "objectBoundingBox" and p.kind in ("feFlood", "feImage") and bbox is not None:
        fx, fy, fw, fh = (d if v is None else v for v, d in zip(p.subregion, (0.0, 0.0, 1.0, 1.0)))
        bw, bh = bbox[2] - bbox[0], bbox[3] - bbox[1]
        x0, y0, w, h = bbox[0] + fx * bw, bbox[1] + fy * bh, fw * bw, fh * bh
    elif units == "objectBoundingBox":
        rect = _rect(p.subregion, units, bbox, viewport, (region[0], region[1], region[2] - region[0], region[3] - region[1]))
        if rect is None:
            return None
        x0, y0, w, h = rect[0], rect[1], rect[2] - rect[0], rect[3] - rect[1]
    else:
        defaults = (region[0], region[1], region[2] - region[0], region[3] - region[1])
        x0, y0, w, h = (_length(v, i % 2, units, bbox, viewport, d) for i, (v, d) in enumerate(zip(p.subregion, defaults)))
    if not (w > 0 and h > 0):
        return None
    return (x0, y0, x0 + w, y0 + h)


def _relative(sub, box):
    h, w = box[2] - box[0], box[3] - box[1]
    clip = lambda v, hi: min(max(v, 0), hi)
    return (clip(sub[0] - box[0], h), clip(sub[1] - box[1], w), clip(sub[2] - box[0], h), clip(sub[3] - box[1], w))


_CLEAR = {"color": Numbers(None, "flood-color", (0.0, 0.0, 0.0, 0.0))}


def _params(p: Primitive, c: dict, table: ParamTable) -> tuple[str, dict]:
    """Pixel-space parameters of one primitive (its kind may turn into a transparent flood)."""
    sx, sy = c["sx"], c["sy"]
    q = p.params
    ref = table.ref
    kind = p.kind
    if kind in ("feGaussianBlur", "feDropShadow"):
        out = {"std": ref(q["std"], (sx, sy)), "edgeMode": q.get("edgeMode", "none")}
        if kind == "feDropShadow":
            out.update(dx=ref(q["dx"]), dy=ref(q["dy"]), to_px=c["to_px"], color=ref(q["color"]))
        return kind, out
    if kind == "feOffset":  # (dx, dy) is a vector of the user space: mapped by the CTM's linear part
        return kind, {"dx": ref(q["dx"]), "dy": ref(q["dy"]), "to_px": c["to_px"]}
    if kind == "feFlood":
        return kind, {"color": ref(q["color"])}
    if kind in ("feBlend", "feMerge", "feTile"):
        return kind, dict(q)
    if kind == "feComposite":
        out = {"operator": q["operator"]}
        if "k" in q:
            out["k"] = [ref(n) for n in q["k"]]
        return kind, out
    if kind == "feColorMatrix":
        out = {"type": q["type"]}
        if "values" in q:
            out["values"] = ref(q["values"])
        return kind, out
    if kind == "feComponentTransfer":
        return kind, {"funcs": [(k, {name: ref(n) for name, n in fp.items()}) for k, fp in q["funcs"]]}
    if kind == "feMorphology":
        rx, ry = q["radius"][0] * sx, q["radius"][1] * sy
        if not (rx > 0 and ry > 0):
            return "feFlood", {"color": ref(_CLEAR["color"])}
        return kind, {"operator": q["operator"], "rx": rx, "ry": ry}
    if kind == "feConvolveMatrix":
        return kind, dict(q, kernel=ref(q["kernel"]), divisor=ref(q["divisor"]), bias=ref(q["bias"]))
    if kind == "feDisplacementMap":
        return kind, {"scale": ref(q["scale"], (sx, sy)), "xChannel": q["xChannel"], "yChannel": q["yChannel"]}
    if kind == "feTurbulence":
        out = dict(q)
        if q["stitchTiles"] and c["sub"] is not None:
            x0, y0, x1, y1 = c["sub"]
            out["stitch_tile"] = (x0, y0, x1 - x0, y1 - y0)
        return kind, out
    if kind in ("feDiffuseLighting", "feSpecularLighting"):
        out = {name: ref(n) for name, n in q.items() if isinstance(n, Numbers)}
        out["light"] = _light(q["light"], c, ref)
        return kind, out
    if kind == "feImage":
        image = _image(p, c)
        return ("feImage", image) if image is not None else ("feFlood", {"color": ref(_CLEAR["color"])})
    raise ValueError(kind)


def _light(light: dict, c: dict, ref) -> dict:
    out = {k: (ref(v) if isinstance(v, Numbers) else v) for k, v in light.items()}
    if light["type"] != "distant":
        m = c["ctm"]
        if c["units"] == "objectBoundingBox" and c["bbox"] is not None:
            b = c["bbox"]
            m = m @ np.array([[b[2] - b[0], 0, b[0]], [0, b[3] - b[1], b[1]], [0, 0, 1.0]])
        out["map"] = [[float(v) for v in row] for row in m[:2]]
        out["zscale"] = math.sqrt(m[0, 0] ** 2 + m[1, 1] ** 2) / math.sqrt(2)  # resvg's z scale
    return out


def _image(p: Primitive, c: dict) -> Optional[dict]:
    """An element to draw with its origin at the subregion's corner (at the element's scale, as
    resvg), or a picture placed in the subregion by preserveAspectRatio; None: nothing to draw."""
    content = p.params.get("content")
    if content is not None and not isinstance(content, np.ndarray):  # an element's render tree
        if c["sub_box"] is None:
            return None
        return {"content": content, "origin": (c["sub_box"][1], c["sub_box"][0]), "scale": c["scale"]}
    pixels = content if content is not None else decode_data_uri(p.params.get("href", ""))
    if pixels is None or c["sub"] is None:
        return None
    x0, y0, x1, y1 = c["sub"]
    ih, iw = pixels.shape[:2]
    par = parse_preserve_aspect_ratio(p.params.get("preserveAspectRatio"))
    fit = viewbox_transform((0.0, 0.0, float(iw), float(ih)), x1 - x0, y1 - y0, par, x0, y0)
    m = c["ctm"] @ fit
    corners = np.array([[0, 0, 1], [iw, ih, 1]]) @ m[:2].T
    (tx0, ty0), (tx1, ty1) = corners.min(0), corners.max(0)
    return {"pixels": pixels, "target": (tx0, ty0, tx1, ty1), "smooth": p.params.get("smooth", True)}


def decode_data_uri(href: str) -> Optional[np.ndarray]:
    """(h, w, 4) uint8 straight RGBA of a ``data:`` image URI, or None (read and decoded as ``<image>`` is)."""
    if href.strip()[:5].lower() != "data:":
        return None
    try:
        data, _, _ = read_href(href, ImageSource())
        return decode_raster(data)
    except ImageRefused:  # an undecodable picture draws nothing, as in browsers
        return None
