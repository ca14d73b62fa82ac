"""Turning an :class:`~vecedit.edit.config.EditConfig` and a document into what the loop needs.

The working canvas size, the regions of interest in canvas pixels, the selection of
elements that may move, and the input itself (SVG, or a raster image through the
vectorizer). Boxes in the configuration are in the document's pixels; the loop works on
a canvas that may be smaller (``work_size``), so everything is scaled here, once.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np
import torch

from vecedit.edit.config import EditConfig
from vecedit.errors import InputError, OptionError
from vecedit.losses.clip_loss import ClipRoi, base_size
from vecedit.scene import document_pixels
from vecedit.select import parse_box, select_shapes, shape_boxes
from vecedit.svg.model import Document

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")
MIN_WORK_SIDE = 16
# ``auto`` never renders a longest side above this: a loss over a 100 × 65,536 px document
# at full size cost 13 CPU-s an iteration; ``full`` or a number asks for more.
AUTO_MAX_SIDE = 1024


def is_raster(path: Union[str, Path]) -> bool:
    return Path(path).suffix.lower() in RASTER_SUFFIXES


def load_input(source, vectorized_path: Optional[Union[str, Path]] = None) -> Document:
    """A Document from a Document, SVG text/bytes/path, or a raster image path (vectorized)."""
    from vecedit.svg import load_svg, save_svg

    if isinstance(source, Document):
        return source
    if isinstance(source, (str, Path)) and not str(source).lstrip().startswith("<") and is_raster(source):
        path = Path(source)
        if not path.is_file():
            raise InputError(f"image file not found: {path}")
        try:
            from vecedit.vectorizers.api import vectorize
        except ImportError:
            raise InputError(f"{path} is a raster image and the vectorizer is not available in this installation; "
                             "vectorize it to SVG first and edit the SVG") from None
        doc = vectorize(str(path))
        if vectorized_path is not None:
            save_svg(doc, vectorized_path)
            doc = load_svg(Path(vectorized_path))  # edit what was saved, so ids and write-back match the file
        return doc
    return load_svg(source)


# ------------------------------------------------------------------------ regions


def parse_roi_box(text, doc: Document, what: str) -> tuple[float, float, float, float]:
    """``"x,y,w,h"`` (document px) → clipped (x0, y0, x1, y1) in document px; bad boxes raise."""
    box = parse_box(text) if isinstance(text, str) else tuple(float(v) for v in text)
    if box is None or len(box) != 4:
        raise OptionError(f"{what}: cannot read the box {text!r}; give x,y,w,h in the document's pixels")
    x, y, w, h = box
    width, height = document_pixels(doc)
    if not (w > 0 and h > 0) or not all(map(math.isfinite, box)):
        raise OptionError(f"{what}: the box {x:g},{y:g},{w:g},{h:g} has no area; give x,y,w,h with w and h > 0")
    x0, y0, x1, y1 = max(x, 0.0), max(y, 0.0), min(x + w, width), min(y + h, height)
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise OptionError(f"{what}: the box {x:g},{y:g},{w:g},{h:g} lies outside the {width}×{height} document")
    return (x0, y0, x1, y1)


def load_mask(source, doc: Document, what: str) -> np.ndarray:
    """A mask image (path or array) at the document's pixel size → H×W booleans."""
    width, height = document_pixels(doc)
    if isinstance(source, (str, Path)):
        from vecedit.imageio import load_image

        image = load_image(source)
        alpha = image[..., 3]
        mask = alpha > 0.5 if alpha.min() < 0.5 else image[..., :3].mean(-1) > 0.5
    else:
        mask = np.asarray(source.detach().cpu() if torch.is_tensor(source) else source)
        mask = mask > 0.5 if mask.dtype != bool else mask
    if mask.ndim != 2 or mask.shape != (height, width):
        shape = "×".join(map(str, mask.shape[1::-1])) if mask.ndim >= 2 else str(mask.shape)
        raise OptionError(f"{what}: the mask is {shape} but the document is {width}×{height}; "
                          "give a mask image of the document's size")
    if not mask.any():
        raise OptionError(f"{what}: the mask is empty (no bright or opaque pixel); mark the region in white")
    return mask


def _bbox(mask: np.ndarray) -> tuple[float, float, float, float]:
    ys, xs = np.nonzero(mask)
    return (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))


class Region:
    """A ROI in document pixels (box, optional mask) before the canvas scale is known."""

    def __init__(self, box, prompt: Optional[str], weight: float, name: str, mask=None, direction=None,
                 target_features=None):
        self.box, self.prompt, self.weight, self.name = box, prompt, float(weight), name
        self.mask, self.direction, self.target_features = mask, direction, target_features

    def to_canvas(self, sx: float, sy: float, size: tuple[int, int]) -> ClipRoi:
        x0, y0, x1, y1 = self.box
        mask = None
        if self.mask is not None:
            m = torch.as_tensor(self.mask, dtype=torch.float32)[None, None]
            mask = torch.nn.functional.interpolate(m, size=(size[1], size[0]), mode="area")[0, 0]
        return ClipRoi((x0 * sx, y0 * sy, x1 * sx, y1 * sy), self.prompt, self.weight, mask, self.direction,
                       self.target_features, self.name)


def resolve_regions(config: EditConfig, doc: Document, extra: Sequence = ()) -> list[Region]:
    """ROI 0 (the whole canvas, when there is a prompt) and every configured ROI, in document px."""
    width, height = document_pixels(doc)
    regions = []
    if config.prompt is not None:
        regions.append(Region((0.0, 0.0, float(width), float(height)), config.prompt.strip(), 1.0, "roi0"))
    scene = None
    for k, roi in enumerate(list(config.rois) + list(extra), 1):
        name, what = f"roi{k}", f"ROI {k}"
        if isinstance(roi, ClipRoi):  # already resolved by a caller (document pixels)
            regions.append(Region(roi.box, roi.prompt, roi.weight, roi.name if roi.name != "roi" else name,
                                  roi.mask, roi.direction, roi.target_features))
            continue
        mask = None
        if roi.box:
            box = parse_roi_box(roi.box, doc, what)
        elif roi.mask is not None:
            mask = load_mask(roi.mask, doc, what)
            box = _bbox(mask)
        else:
            if scene is None:
                from vecedit.scene import from_document

                scene = from_document(doc, width, height)
            chosen = select_shapes(scene, doc, roi.select)
            if not chosen.any():
                raise OptionError(f"{what}: the selection {roi.select!r} has no editable element")
            boxes = shape_boxes(scene)[chosen]
            box = (max(0.0, boxes[:, 0].min()), max(0.0, boxes[:, 1].min()),
                   min(float(width), boxes[:, 2].max()), min(float(height), boxes[:, 3].max()))
            if box[2] - box[0] < 1 or box[3] - box[1] < 1:
                raise OptionError(f"{what}: the elements {roi.select!r} have no area inside the canvas")
        regions.append(Region(box, roi.prompt.strip(), roi.weight, name, mask))
    return regions


# ------------------------------------------------------------------------ canvas


def work_canvas(config: EditConfig, doc: Document, regions: Sequence[Region], encoder_size: Optional[int],
                needs_full: bool = False) -> tuple[int, int]:
    """The render size: ``full`` = the document's; a number caps the longest side; ``auto`` is
    the smallest canvas at which the encoder still sees every ROI at its own resolution (the
    document's size without ROIs), its longest side at most :data:`AUTO_MAX_SIDE`."""
    width, height = document_pixels(doc)
    longest = max(width, height)
    mode = str(config.work_size).strip().lower()
    if mode == "full":
        scale = 1.0
    elif mode == "auto":
        scale = min(1.0, AUTO_MAX_SIDE / longest)
        if regions and encoder_size is not None and not needs_full:
            base = base_size(encoder_size, config.crop_scale)
            sides = [max(r.box[2] - r.box[0], r.box[3] - r.box[1]) for r in regions]
            scale = min(scale, max(base / max(side, 1.0) for side in sides))
    else:
        scale = min(1.0, int(mode) / longest)
    scale = max(scale, min(1.0, MIN_WORK_SIDE / longest))
    if scale >= 1.0:
        return width, height
    return max(1, math.ceil(width * scale - 1e-6)), max(1, math.ceil(height * scale - 1e-6))


def choose_shapes(scene, doc: Document, selection, sx: float, sy: float, regions: Sequence[ClipRoi],
                  default_to_rois: bool) -> np.ndarray:
    """Boolean mask of the shapes that may move. Boxes in ``selection`` are in document px.

    With no selection and no whole-canvas ROI, the shapes that touch a ROI may move.
    """
    if selection is None or (not isinstance(selection, np.ndarray) and len(selection) == 0):
        if not default_to_rois:
            return select_shapes(scene, doc, None)
        chosen = np.zeros(len(scene.shapes), dtype=bool)
        for roi in regions:
            x0, y0, x1, y1 = roi.box
            chosen |= select_shapes(scene, doc, (x0, y0, x1 - x0, y1 - y0))
        return chosen
    if isinstance(selection, (np.ndarray, torch.Tensor)):
        mask = load_mask(selection, doc, "the selection mask")
        if mask.shape != (scene.height, scene.width):
            from PIL import Image

            mask = np.asarray(Image.fromarray(mask).resize((scene.width, scene.height), Image.NEAREST))
        return select_shapes(scene, doc, mask)
    items = [selection] if isinstance(selection, (str, tuple)) else list(selection)
    chosen = np.zeros(len(scene.shapes), dtype=bool)
    for item in items:
        box = parse_box(item) if isinstance(item, str) else (tuple(item) if isinstance(item, tuple) else None)
        if box is not None:
            x, y, w, h = (float(v) for v in box)
            chosen |= select_shapes(scene, doc, (x * sx, y * sy, w * sx, h * sy))
        else:
            chosen |= select_shapes(scene, doc, str(item))
    return chosen
