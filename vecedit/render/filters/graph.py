"""Evaluate a resolved filter over one layer: the ``in`` / ``in2`` / ``result`` graph.

A :class:`Program` is one ``<filter>`` (or CSS filter function) resolved for one
element at canvas resolution: its region in canvas pixels and its primitives
(:class:`Step`) with subregions in region pixels, working colour space and numbers.
Numbers that may be optimised are :class:`Ref` rows of the scene's ``filter_params``
tensor (in the attribute's own units; ``scale`` turns them into pixels), so gradients
reach them. Everything else is plain data.

Evaluation follows Filter Effects 1 §15.3-15.7: ``SourceGraphic`` is the layer (sRGB),
``SourceAlpha`` its alpha; each primitive converts its inputs into its
``color-interpolation-filters`` space, computes over the whole region, and is cleared
outside its subregion; the last result, back in sRGB, replaces the layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch

from vecedit.render.filters import blur, color, combine, lighting, neighbourhood
from vecedit.render.filters.space import color_in_space, convert, srgb_to_linear
from vecedit.render.filters.turbulence import turbulence_layer
from vecedit.render.filters.image import place_image

Box = tuple[int, int, int, int]  # y0, x0, y1, x1


@dataclass(frozen=True)
class Ref:
    """``count`` numbers at ``start`` in the scene's ``filter_params``, each times ``scale``."""

    start: int
    count: int
    scale: Any = 1.0  # float or tuple of floats (per number)


@dataclass
class Step:
    kind: str  # the primitive's element name: feGaussianBlur, feOffset, …
    inputs: tuple[str, ...]  # SourceGraphic, SourceAlpha or an earlier result
    result: str
    box: Box  # subregion, region pixels
    linear: bool  # color-interpolation-filters: linearRGB
    params: dict = field(default_factory=dict)
    region: Optional[Box] = None  # the result's region for feTile, when not ``box`` (region pixels)


@dataclass
class Program:
    box: Box  # the filter region on the canvas (pixels, may reach beyond it)
    steps: list[Step]
    to_user: np.ndarray = field(default_factory=lambda: np.eye(3))  # canvas pixels → filter user space

    def cropped(self, box: Box) -> "Program":
        """The same filter evaluated over ``box`` (inside its region) only."""
        dy, dx = box[0] - self.box[0], box[1] - self.box[1]
        h, w = box[2] - box[0], box[3] - box[1]
        def clip(b: Optional[Box]) -> Optional[Box]:
            if b is None:
                return None
            y0, x0, y1, x1 = b
            return (min(max(y0 - dy, 0), h), min(max(x0 - dx, 0), w), min(max(y1 - dy, 0), h), min(max(x1 - dx, 0), w))

        steps = [Step(s.kind, s.inputs, s.result, clip(s.box), s.linear, s.params, clip(s.region)) for s in self.steps]
        return Program(box, steps, self.to_user)

    def reach(self, table: np.ndarray) -> float:
        """How far (pixels) this filter can move content, with the numbers as they are now (inf: anywhere)."""
        total = 0.0
        for step in self.steps:
            if step.kind == "feTile":
                return math.inf
            total += _step_reach(step, _values(step.params, table))
        return math.inf if math.isnan(total) else total  # NaN (inf·0 of absurd numbers): assume anywhere

    def keeps_clear(self, table: np.ndarray) -> bool:
        """Whether transparent input stays transparent (so only content, grown by the reach, needs computing)."""
        return all(_step_keeps_clear(step, _values(step.params, table)) for step in self.steps)


PIXEL_LIMIT = 1e9


def _values(params, table: np.ndarray):
    """The params with every :class:`Ref` read as plain floats from ``table`` (a numpy copy of filter_params)."""
    if isinstance(params, Ref):
        rows = table[params.start : params.start + params.count]
        if params.count == 0:
            return []
        with np.errstate(over="ignore", invalid="ignore"):
            values = (rows[0] if params.count == 1 else rows) * np.asarray(params.scale, dtype=np.float64)
        # a finite number times a large scale can overflow: pixels beyond ±1e9 all mean "off any canvas"
        # (plain floats: numpy's nan_to_num and clip cost more than the rest on these few numbers)
        return [0.0 if v != v else min(max(v, -PIXEL_LIMIT), PIXEL_LIMIT) for v in np.atleast_1d(values).tolist()]
    if isinstance(params, dict):
        return {k: _values(v, table) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return type(params)(_values(v, table) for v in params)
    return params


def _step_reach(step: Step, p: dict) -> float:
    kind = step.kind
    if kind in ("feGaussianBlur", "feDropShadow"):
        r = 3 * max(abs(v) for v in p["std"])
        return r + (sum(abs(v) for v in _offset({**p, "dx": p["dx"][0], "dy": p["dy"][0]})) if kind == "feDropShadow" else 0)
    if kind == "feOffset":
        return sum(abs(v) for v in _offset({**p, "dx": p["dx"][0], "dy": p["dy"][0]}))
    if kind == "feMorphology":
        return max(p["rx"], p["ry"])
    if kind == "feConvolveMatrix":
        return float(max(p["order"]))
    if kind == "feDisplacementMap":
        return max(abs(v) for v in p["scale"]) / 2
    if kind in ("feDiffuseLighting", "feSpecularLighting"):
        return 1.0
    return 0.0


def _step_keeps_clear(step: Step, p: dict) -> bool:
    kind = step.kind
    if kind in ("feGaussianBlur", "feOffset", "feDropShadow", "feMerge", "feBlend", "feMorphology", "feDisplacementMap"):
        return True
    if kind == "feComposite":
        return p.get("operator") != "arithmetic" or p["k"][3][0] <= 0
    if kind == "feColorMatrix":
        return p["type"] != "matrix" or p["values"][19] <= 0
    if kind == "feComponentTransfer":
        alpha_kind, alpha = p["funcs"][3]
        if alpha_kind in ("table", "discrete"):
            return not alpha["tableValues"] or alpha["tableValues"][0] <= 0
        if alpha_kind == "linear":
            return alpha["intercept"][0] <= 0
        if alpha_kind == "gamma":
            return alpha["offset"][0] <= 0
        return True
    if kind == "feConvolveMatrix":
        return p["bias"][0] <= 0 or p["preserveAlpha"]
    return False  # flood, turbulence, image, tile and lighting draw where there was nothing


@dataclass
class _Image:
    pixels: torch.Tensor
    linear: bool
    box: Box


def bind(value, table: Optional[torch.Tensor], like: torch.Tensor):
    """Replace every :class:`Ref` in ``value`` (dicts, lists, tuples) by its tensor."""
    if isinstance(value, Ref):
        rows = table[value.start : value.start + value.count].to(like.dtype)
        rows = rows[0] if value.count == 1 else rows
        pixels = rows * torch.as_tensor(value.scale, dtype=like.dtype, device=like.device)
        return torch.nan_to_num(pixels).clamp(-PIXEL_LIMIT, PIXEL_LIMIT)  # as _values: overflow stays a number
    if isinstance(value, dict):
        return {k: bind(v, table, like) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(bind(v, table, like) for v in value)
    return value


class _Graph:
    def __init__(self, program: Program, source: torch.Tensor, table: Optional[torch.Tensor], frames=None):
        self.program, self.table, self.frames = program, table, frames
        _, h, w = source.shape
        self.h, self.w = h, w
        full = (0, 0, h, w)
        alpha = torch.cat([torch.zeros_like(source[:3]), source[3:]])
        self.results = {"SourceGraphic": _Image(source, False, full), "SourceAlpha": _Image(alpha, False, full)}
        self._converted: dict[tuple[str, bool], torch.Tensor] = {}

    def input(self, name: str, linear: bool) -> torch.Tensor:
        image = self.results[name]
        if image.linear == linear or name == "SourceAlpha":
            return image.pixels
        key = (name, linear)
        if key not in self._converted:
            self._converted[key] = convert(image.pixels, linear)
        return self._converted[key]

    def run(self) -> torch.Tensor:
        last = self.results["SourceGraphic"]
        for step in self.program.steps:
            pixels, linear = self.evaluate(step)
            y0, x0, y1, x1 = step.box
            if (y0, x0, y1, x1) != (0, 0, self.h, self.w):
                inside = pixels[:, y0:y1, x0:x1]
                pixels = torch.nn.functional.pad(inside, (x0, self.w - x1, y0, self.h - y1))
            last = _Image(pixels, linear, step.region or step.box)
            self.results[step.result] = last
            self._converted = {k: v for k, v in self._converted.items() if k[0] != step.result}
        return convert(last.pixels, False) if last.linear else last.pixels

    def evaluate(self, step: Step) -> tuple[torch.Tensor, bool]:
        like = self.results["SourceGraphic"].pixels
        p = bind(step.params, self.table, like)
        kind, lin = step.kind, step.linear
        ins = [self.input(name, lin) for name in step.inputs]
        if kind == "feGaussianBlur":
            return blur.gaussian_blur(ins[0], p["std"][0], p["std"][1], p.get("edgeMode", "none")), lin
        if kind == "feOffset":  # colour-space neutral: keeps its input's space
            image = self.results[step.inputs[0]]
            return blur.shift(image.pixels, *_offset(p)), image.linear
        if kind == "feDropShadow":
            shadow = color_in_space(p["color"], lin, like)
            return blur.drop_shadow(ins[0], p["std"][0], p["std"][1], *_offset(p), shadow), lin
        if kind == "feFlood":
            return color.flood(color_in_space(p["color"], lin, like), self.h, self.w), lin
        if kind == "feBlend":
            return combine.blend(ins[0], ins[1], p.get("mode", "normal")), lin
        if kind == "feComposite":
            return combine.composite(ins[0], ins[1], p.get("operator", "over"), p.get("k")), lin
        if kind == "feMerge":
            return combine.merge(ins, like), lin
        if kind == "feColorMatrix":
            return color.color_matrix(ins[0], _matrix(p, like)), lin
        if kind == "feComponentTransfer":
            return color.component_transfer(ins[0], p["funcs"]), lin
        if kind == "feMorphology":
            return neighbourhood.morphology(ins[0], p["rx"], p["ry"], p["operator"]), lin
        if kind == "feConvolveMatrix":
            kernel = p["kernel"].reshape(p["order"][1], p["order"][0])
            return neighbourhood.convolve(ins[0], kernel, p["target"], p["divisor"], p["bias"], p["edgeMode"],
                                          p["preserveAlpha"]), lin
        if kind == "feDisplacementMap":
            scale = p["scale"]
            return neighbourhood.displace(ins[0], ins[1], scale[0], scale[1], p["xChannel"], p["yChannel"]), lin
        if kind == "feTile":
            image = self.results[step.inputs[0]]
            return neighbourhood.tile(image.pixels, image.box), image.linear
        if kind == "feTurbulence":
            origin = self.program.box[:2]
            return turbulence_layer(self.h, self.w, origin, self.program.to_user, p, like), lin
        if kind == "feImage":
            image = self._frame(p) if "frame" in p else place_image(p["pixels"], p["target"], self.program.box, like,
                                                                              p.get("smooth", True))
            return (convert(image, True) if lin else image), lin
        if kind in ("feDiffuseLighting", "feSpecularLighting"):
            rgb = p["color"][:3].clamp(0, 1)
            rgb = srgb_to_linear(rgb) if lin else rgb
            light = _light(p["light"], self.program.box)
            which = "diffuse" if kind == "feDiffuseLighting" else "specular"
            return lighting.lighting(ins[0], which, light, rgb, p), lin
        raise ValueError(f"unknown filter primitive {kind}")

    def _frame(self, p: dict) -> torch.Tensor:
        """An feImage's element, drawn by the compositor in a raster covering ``p["box"]`` (the filter region)."""
        raster = self.frames(p["frame"])
        top, left = self.program.box[0] - p["box"][0], self.program.box[1] - p["box"][1]
        return raster[top : top + self.h, left : left + self.w].permute(2, 0, 1)


def _offset(p: dict):
    """(dx, dy) in user units → pixels through ``to_px``, the CTM's linear part."""
    (a, c), (b, d) = p["to_px"]
    return a * p["dx"] + c * p["dy"], b * p["dx"] + d * p["dy"]


def _matrix(p: dict, like: torch.Tensor) -> torch.Tensor:
    kind = p["type"]
    if kind == "saturate":
        return color.saturate_matrix(p["values"])
    if kind == "hueRotate":
        return color.hue_rotate_matrix(p["values"])
    if kind == "luminanceToAlpha":
        return color.luminance_to_alpha_matrix(like)
    return p["values"].reshape(4, 5)


def _light(light: dict, box: Box) -> dict:
    """Light positions from user units into region pixels (``map``: user → canvas, and a z scale)."""
    if light["type"] == "distant":
        return light
    out = dict(light)
    m, zs = light["map"], light["zscale"]
    for x, y, z in (("x", "y", "z"), ("pointsAtX", "pointsAtY", "pointsAtZ")):
        if x in light:
            out[x] = m[0][0] * light[x] + m[0][1] * light[y] + m[0][2] - box[1]
            out[y] = m[1][0] * light[x] + m[1][1] * light[y] + m[1][2] - box[0]
            out[z] = light[z] * zs
    return out


def apply_program(program: Program, source: torch.Tensor, table: Optional[torch.Tensor] = None,
                  frames=None) -> torch.Tensor:
    """The filtered (4, H, W) premultiplied sRGB layer for a region-sized ``source``; ``frames(i)`` is
    the compositor's raster of scene frame ``i`` (an feImage's element)."""
    if not program.steps:
        return source
    return _Graph(program, source, table, frames).run()
