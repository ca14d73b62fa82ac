"""Optional renderer through pydiffvg (Li et al. 2020), used when it is importable.

diffvg is on no package registry; build it from https://github.com/BachiLi/diffvg.
Without it :func:`render_diffvg` raises :class:`~vecedit.errors.OptionError` saying so.

The scene comes from :func:`vecedit.scene.from_document`, so points are already in
canvas pixels and each subpath's cubic layout (see :mod:`vecedit.svg.model`) is
exactly diffvg's: an open subpath of ``k`` segments has ``3k + 1`` points, a closed one
``3k`` with the last segment ending at the first point; every segment gets
``num_control_points = 2``. One shape group per fill or stroke, in document order.

What diffvg cannot express, approximated here:

* strokes are diffvg's distance-field strokes: round joins and caps whatever the
  document says; the width is scaled by the shape's mean transform scale
  (``sqrt|det|``), so non-uniformly scaled strokes have one width;
* group opacity is folded into each element's paint alpha (exact unless the group's
  children overlap);
* linear gradients with ``pad`` spread become diffvg linear gradients exactly (an
  affine map keeps a linear gradient linear); radial gradients become diffvg's
  axis-aligned elliptical ones when the focus is the centre, ``fr`` is 0 and the
  gradient's transform has no rotation or skew; anything else (``reflect`` and
  ``repeat`` spreads, focal or rotated radials) is painted with the mean of its stop
  colours, with one :class:`UserWarning` naming the gradients.
"""

from __future__ import annotations

import math
import warnings
from typing import Optional, Sequence, Union

import numpy as np
import torch

from vecedit.errors import OptionError
from vecedit.scene import GradientPaint, Scene, SceneGroup, SolidPaint, from_document
from vecedit.svg.model import Document

NOT_INSTALLED = (
    "the diffvg renderer needs pydiffvg, which is not installed; build it from "
    "https://github.com/BachiLi/diffvg or use --renderer builtin"
)
SAMPLES = 2  # 2×2 samples per pixel, as in diffvg's own examples


def import_pydiffvg():
    """Return the ``pydiffvg`` module, or raise :class:`OptionError` saying how to get it."""
    try:
        import pydiffvg
    except ImportError:
        raise OptionError(NOT_INSTALLED) from None
    return pydiffvg


def render_diffvg(
    doc: Document,
    width: Optional[int] = None,
    height: Optional[int] = None,
    background: Optional[Sequence[float]] = None,
    device: Union[str, torch.device] = "cpu",
) -> torch.Tensor:
    """Render ``doc`` with pydiffvg to an ``(H, W, 4)`` float32 straight-alpha tensor.

    ``background`` is an RGB(A) tuple in [0, 1] composited under the drawing.
    """
    pydiffvg = import_pydiffvg()
    device = torch.device(device)
    scene = from_document(doc, width, height, device=device)
    pydiffvg.set_use_gpu(device.type == "cuda")
    pydiffvg.set_device(device)
    shapes, groups = scene_to_diffvg(scene, pydiffvg)
    args = pydiffvg.RenderFunction.serialize_scene(scene.width, scene.height, shapes, groups)
    image = pydiffvg.RenderFunction.apply(scene.width, scene.height, SAMPLES, SAMPLES, 0, None, *args)
    image = image.to(device=device, dtype=torch.float32)
    if background is not None:
        image = _over(image, background)
    return image.clamp(0, 1)


def scene_to_diffvg(scene: Scene, pydiffvg) -> tuple[list, list]:
    """Scene → (pydiffvg shapes, shape groups), in document order.

    The scene's tensors are used directly, so gradients reach points, colours, stop
    colours and stroke widths when they require grad.
    """
    shapes: list = []
    groups: list = []
    approximated: set[str] = set()
    eye = torch.eye(3, dtype=torch.float32)

    def paint(p, alpha):
        if isinstance(p, SolidPaint):
            color = scene.colors[p.color]
            return torch.cat([color[:3], color[3:] * alpha]).float().contiguous().cpu()
        return _gradient(scene, p, alpha, pydiffvg, approximated)

    def walk(group: SceneGroup, alpha: float) -> None:
        alpha = alpha * group.opacity
        for child in group.children:
            if isinstance(child, SceneGroup):
                walk(child, alpha)
                continue
            shape = scene.shapes[child]
            if not shape.visible or not shape.subpaths:
                continue
            a = scene.opacities[shape.opacity] * alpha
            half = scene.stroke_widths[shape.stroke_width] * (_mean_scale(shape.ctm) / 2)
            ids = []
            for start, count, closed in shape.subpaths:
                points = scene.points[start:start + count].float().contiguous().cpu()
                segments = count // 3 if closed else (count - 1) // 3
                if segments == 0:
                    continue
                ids.append(len(shapes))
                shapes.append(
                    pydiffvg.Path(
                        num_control_points=torch.full((segments,), 2, dtype=torch.int32),
                        points=points,
                        is_closed=bool(closed),
                        stroke_width=half.float().reshape(()).cpu(),
                    )
                )
            if not ids:
                continue
            shape_ids = torch.tensor(ids, dtype=torch.int32)
            even_odd = shape.fill_rule == "evenodd"
            for part in shape.paint_order:
                p = shape.fill if part == "fill" else shape.stroke
                if p is None:
                    continue
                color = paint(p, a)
                groups.append(
                    pydiffvg.ShapeGroup(
                        shape_ids=shape_ids,
                        fill_color=color if part == "fill" else None,
                        stroke_color=color if part == "stroke" else None,
                        use_even_odd_rule=even_odd,
                        shape_to_canvas=eye,
                    )
                )

    walk(scene.root, 1.0)
    if approximated:
        warnings.warn(
            "diffvg cannot draw gradient(s) " + ", ".join(sorted(approximated))
            + " exactly (reflect/repeat spread, focal or rotated radial); painted with their mean colour",
            UserWarning,
            stacklevel=3,
        )
    return shapes, groups


def _mean_scale(ctm: np.ndarray) -> float:
    return math.sqrt(abs(float(np.linalg.det(np.asarray(ctm)[:2, :2]))))


def _gradient(scene: Scene, paint: GradientPaint, alpha, pydiffvg, approximated: set[str]):
    grad = scene.gradients[paint.gradient]
    offsets = scene.stop_offsets[grad.stops].float()
    colors = scene.stop_colors[grad.stops].float()
    colors = torch.cat([colors[:, :3], colors[:, 3:] * (alpha * paint.opacity)], dim=1)
    geometry = scene.gradient_geometry[paint.gradient].float()
    m = torch.as_tensor(np.asarray(paint.to_canvas), dtype=torch.float32)
    lin, off = m[:2, :2], m[:2, 2]
    if grad.spread == "pad" and grad.kind == "linear":
        # t(p) = (g(p) - b)·d / |d|² with g = M⁻¹p; on the canvas t(p) = w·p + c.
        b, d = geometry[0:2], geometry[2:4] - geometry[0:2]
        if float(d.norm()) > 1e-12:
            inv = torch.linalg.inv(lin)
            w = inv.T @ d / (d @ d)
            c = -(w @ off) - (b @ d) / (d @ d)
            ww = w @ w
            begin = -c * w / ww
            end = begin + w / ww
            return pydiffvg.LinearGradient(
                begin=begin.contiguous().cpu(), end=end.contiguous().cpu(),
                offsets=offsets.contiguous().cpu(), stop_colors=colors.contiguous().cpu(),
            )
    if grad.spread == "pad" and grad.kind == "radial":
        cx, cy, _, fx, fy, fr = (float(v) for v in geometry)
        diagonal = abs(float(lin[0, 1])) < 1e-9 and abs(float(lin[1, 0])) < 1e-9
        if diagonal and math.hypot(fx - cx, fy - cy) < 1e-9 and fr == 0:
            centre = lin @ geometry[0:2] + off
            radius = torch.stack([geometry[2] * lin[0, 0].abs(), geometry[2] * lin[1, 1].abs()])
            return pydiffvg.RadialGradient(
                center=centre.contiguous().cpu(), radius=radius.contiguous().cpu(),
                offsets=offsets.contiguous().cpu(), stop_colors=colors.contiguous().cpu(),
            )
    approximated.add(grad.source)
    return colors.mean(dim=0).contiguous().cpu()


def _over(image: torch.Tensor, background: Sequence[float]) -> torch.Tensor:
    bg = torch.tensor([float(v) for v in background], dtype=image.dtype, device=image.device)
    if len(bg) == 3:
        bg = torch.cat([bg, bg.new_ones(1)])
    alpha = image[..., 3:]
    out_a = alpha + bg[3] * (1 - alpha)
    premul = image[..., :3] * alpha + bg[:3] * bg[3] * (1 - alpha)
    rgb = torch.where(out_a > 1e-8, premul / out_a.clamp_min(1e-8), torch.zeros_like(premul))
    return torch.cat([rgb, out_a], dim=-1)
