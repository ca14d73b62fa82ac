"""Directional CLIP loss over regions of interest, with CLIPVG's patch augmentation.

For each region of interest (ROI) with text prompt ``t``::

    ΔT = T(t) − T(reference)            texts averaged over prompt templates, L2-normalised
    ΔI = Î(view of the render) − Î(ROI before editing)     Î = L2-normalised image features
    loss = 1 − cos(ΔI, ΔT)

Views of a ROI, each ``S × S`` (the encoder's input size):

* the ROI term: the square around the ROI (side ``max(w, h)``, white outside the canvas),
  a random crop of ``crop_scale`` (0.98) of it, resized;
* the patch term: ``n_patches`` random squares of ``patch_size`` (0.8) × the ROI side,
  padded with white by ``padding`` (10 %) of the patch side on every edge, under a random
  perspective of ``distortion`` (0.3, as torchvision's ``RandomPerspective``) with white
  fill, resized.

Implementation: the ROI square is cut and resized once, with antialiasing, to a base
image of side ``round(S / crop_scale)``; every view of every ROI is then one homography
of that base image, so all the views of a ROI are a single ``grid_sample`` call
(bilinear, differentiable), and all the views of all ROIs go through the encoder as
one batch. Per ROI: ``weight × (roi_weight × ROI term + patch_weight × mean patch term)``
with CLIPVG's weights 30 and 80.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from vecedit.losses.encoders import Encoder
from vecedit.losses.terms import Context

REFERENCE_TEXT = "a photo"


def imagenet_templates() -> list[str]:
    """The 80 ImageNet prompt templates of the CLIP paper, as ``str.format`` patterns."""
    from open_clip.zero_shot_metadata import OPENAI_IMAGENET_TEMPLATES

    return [template("{}") for template in OPENAI_IMAGENET_TEMPLATES]


def templates_named(templates: Union[str, Sequence[str], None]) -> list[str]:
    if templates is None or templates == "none":
        return ["{}"]
    if templates == "imagenet":
        return imagenet_templates()
    if isinstance(templates, str):
        templates = [templates]
    return [t if "{}" in t else t + " {}" for t in templates]


@dataclass
class ClipRoi:
    """One region of interest in canvas pixels, and what it should become.

    Exactly one of ``prompt`` (text), ``direction`` (a direction in the encoder's feature
    space, used as ΔT as is) or ``target_features`` (an image embedding to move toward:
    ΔT = normalised target − the ROI's initial embedding) is given. ``mask`` (H×W in
    [0, 1], optional) limits what the loss sees to the masked pixels: outside it, the view
    shows the initial render.
    """

    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    prompt: Optional[str] = None
    weight: float = 1.0
    mask: Optional[torch.Tensor] = None
    direction: Optional[torch.Tensor] = None
    target_features: Optional[torch.Tensor] = None
    name: str = "roi"


@dataclass
class Augmentation:
    n_patches: int = 64
    patch_size: float = 0.8
    padding: float = 0.1
    distortion: float = 0.3
    crop_scale: float = 0.98
    roi_weight: float = 30.0
    patch_weight: float = 80.0


# ----------------------------------------------------------------------------- geometry


def square_region(box: Sequence[float]) -> tuple[int, int, int]:
    """Integer square (x0, y0, side) centred on ``box`` (x0, y0, x1, y1) with side max(w, h)."""
    x0, y0, x1, y1 = (float(v) for v in box)
    side = max(1, int(round(max(x1 - x0, y1 - y0))))
    left = int(round((x0 + x1) / 2 - side / 2))
    top = int(round((y0 + y1) / 2 - side / 2))
    return left, top, side


def crop_square(image: torch.Tensor, region: tuple[int, int, int], fill: float = 1.0) -> torch.Tensor:
    """``(C, H, W)`` → ``(C, side, side)``; parts outside the image are ``fill``."""
    _, height, width = image.shape
    left, top, side = region
    pad = (max(0, -left), max(0, left + side - width), max(0, -top), max(0, top + side - height))
    if any(pad):
        image = F.pad(image, pad, value=fill)
        left, top = left + pad[0], top + pad[2]
    return image[:, top : top + side, left : left + side]


def resize(image: torch.Tensor, size: int) -> torch.Tensor:
    """Antialiased bicubic resize of ``(C, h, w)`` to ``(C, size, size)``."""
    if image.shape[-1] == size and image.shape[-2] == size:
        return image
    return F.interpolate(image[None], size=(size, size), mode="bicubic", antialias=True, align_corners=False)[0]


def base_size(image_size: int, crop_scale: float) -> int:
    return max(image_size, int(round(image_size / crop_scale)))


def _homographies(src: torch.Tensor, dst: torch.Tensor) -> torch.Tensor:
    """(n, 4, 2) point pairs → (n, 3, 3) homographies H with H·src ∝ dst (float64)."""
    n = src.shape[0]
    x, y = src[..., 0], src[..., 1]
    u, v = dst[..., 0], dst[..., 1]
    zero, one = torch.zeros_like(x), torch.ones_like(x)
    rows_u = torch.stack([x, y, one, zero, zero, zero, -x * u, -y * u], -1)
    rows_v = torch.stack([zero, zero, zero, x, y, one, -x * v, -y * v], -1)
    a = torch.cat([rows_u, rows_v], 1)  # (n, 8, 8)
    b = torch.cat([u, v], 1)  # (n, 8)
    h = torch.linalg.solve(a, b)
    return torch.cat([h, torch.ones(n, 1, dtype=h.dtype)], 1).view(n, 3, 3)


@dataclass
class Views:
    """Per view: output → padded-patch space (perspective), then an affine map into the base."""

    perspective: torch.Tensor  # (n, 3, 3)
    scale: torch.Tensor  # (n,)
    offset: torch.Tensor  # (n, 2)
    inside: torch.Tensor  # (n, 2) lo, hi of the unpadded content in padded-patch space


def draw_views(aug: Augmentation, size: int, base: int, generator: torch.Generator) -> Views:
    """The random ROI view plus ``aug.n_patches`` patches, in a fixed draw order (seeded)."""
    f64 = torch.float64
    n = aug.n_patches
    eye = torch.eye(3, dtype=f64)
    crop = aug.crop_scale * base
    roi_offset = torch.rand(1, 2, generator=generator, dtype=f64) * (base - crop)
    patch = aug.patch_size * base
    corner = torch.rand(n, 2, generator=generator, dtype=f64) * (base - patch)
    jitter = torch.rand(n, 4, 2, generator=generator, dtype=f64) * (aug.distortion * size / 2)
    corners = torch.tensor([[0, 0], [size, 0], [size, size], [0, size]], dtype=f64)
    inward = torch.tensor([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=f64)
    moved = corners + inward * jitter  # where the padded patch's corners land in the output
    perspective = _homographies(moved, corners.expand(n, 4, 2)) if n else torch.zeros(0, 3, 3, dtype=f64)
    padded = patch * (1 + 2 * aug.padding)
    lo, hi = size * aug.padding / (1 + 2 * aug.padding), size * (1 + aug.padding) / (1 + 2 * aug.padding)
    big = float(10 * size)
    return Views(
        perspective=torch.cat([eye[None], perspective]),
        scale=torch.cat([torch.tensor([crop / size], dtype=f64), torch.full((n,), padded / size, dtype=f64)]),
        offset=torch.cat([roi_offset, corner - aug.padding * patch]),
        inside=torch.cat([torch.tensor([[-big, big]], dtype=f64), torch.tensor([[lo, hi]], dtype=f64).expand(n, 2)]),
    )


def identity_view(size: int, base: int) -> Views:
    f64 = torch.float64
    return Views(torch.eye(3, dtype=f64)[None], torch.tensor([base / size], dtype=f64),
                 torch.zeros(1, 2, dtype=f64), torch.tensor([[-10.0 * size, 10.0 * size]], dtype=f64))


def sample_views(base_image: torch.Tensor, views: Views, size: int, mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None) -> torch.Tensor:
    """``(3, B, B)`` base image → ``(n, 3, size, size)`` views, white outside (one grid_sample).

    With ``mean``/``std`` the views come out normalised for the encoder (white included).
    Built for memory traffic, which dominates on a CPU: the grid is float32 with in-place
    temporaries, what lies outside a patch is pointed off the image (zero padding of
    ``image − white``, plus white), and normalisation is applied to the small base image.
    """
    dev, dt = base_image.device, base_image.dtype
    n = views.perspective.shape[0]
    if mean is not None:
        mean_t = torch.as_tensor(mean, dtype=dt, device=dev).view(3, 1, 1)
        std_t = torch.as_tensor(std, dtype=dt, device=dev).view(3, 1, 1)
        base_image, white = (base_image - mean_t) / std_t, (1 - mean_t) / std_t
    else:
        white = torch.ones(3, 1, 1, dtype=dt, device=dev)
    # one replicated pixel around the base: edges interpolate with themselves, not with white
    padded = F.pad((base_image - white)[None], (1, 1, 1, 1), mode="replicate")
    b = padded.shape[-1]
    m = views.perspective.to(dev, torch.float32)
    u = torch.arange(size, dtype=torch.float32, device=dev) + 0.5  # pixel centres

    def plane(row: int) -> torch.Tensor:  # m[row] · (u, v, 1) over the output grid, (n, S, S)
        along_x = m[:, row, 0, None] * u  # (n, S)
        along_y = m[:, row, 1, None] * u + m[:, row, 2, None]
        return along_x[:, None, :] + along_y[:, :, None]

    w = plane(2).clamp_min_(1e-9)
    vx, vy = plane(0).div_(w), plane(1).div_(w)  # padded-patch coordinates
    del w
    inside = views.inside.to(dev, torch.float32)
    lo, hi = inside[:, 0, None, None], inside[:, 1, None, None]
    outside = (vx < lo) | (vx > hi) | (vy < lo) | (vy > hi)  # the white band around a patch
    scale = (views.scale.to(dev, torch.float32) * (2.0 / b))[:, None, None]
    offset = (views.offset.to(dev, torch.float32) + 1.0) * (2.0 / b) - 1.0  # +1: the replicated pixel
    gx = vx.mul_(scale).add_(offset[:, 0, None, None]).masked_fill_(outside, -4.0)
    gy = vy.mul_(scale).add_(offset[:, 1, None, None]).masked_fill_(outside, -4.0)
    grid = torch.stack([gx, gy], -1).to(dt).view(1, n * size, size, 2)
    del gx, gy, vx, vy, outside
    sampled = F.grid_sample(padded, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    batch = sampled.view(3, n, size, size).transpose(0, 1).contiguous()
    return batch.add_(white)


@torch.no_grad()
def template_text_features(encoder: Encoder, text: str, templates: Sequence[str]) -> torch.Tensor:
    """``(D,)``: the normalised mean over ``templates`` (``str.format`` patterns) of the
    normalised text features of ``text`` (CLIP's prompt ensembling). Kept on disk between runs
    for an encoder that names its weights (``cache_identity``: :mod:`vecedit.losses.text_cache`)."""
    from vecedit.losses.text_cache import cached

    def compute() -> torch.Tensor:
        features = F.normalize(encoder.encode_text([t.format(text) for t in templates]).float(), dim=-1)
        return F.normalize(features.mean(0), dim=0)

    return cached(getattr(encoder, "cache_identity", None), text, list(templates), compute)


def normalise(batch: torch.Tensor, encoder: Encoder) -> torch.Tensor:
    mean = torch.as_tensor(encoder.mean, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    std = torch.as_tensor(encoder.std, dtype=batch.dtype, device=batch.device).view(1, 3, 1, 1)
    return (batch - mean) / std


# ----------------------------------------------------------------------------- the loss term


class ClipLoss:
    """Directional CLIP loss over ROIs (a :class:`~vecedit.losses.terms.LossTerm`).

    Parts are named after the ROIs (``roi0``, ``roi1``…), each already weighted.
    Text directions are encoded once in :meth:`prepare`; so are the ROIs' initial
    image embeddings.
    """

    name = "clip"

    def __init__(self, encoder: Encoder, rois: Sequence[ClipRoi], augmentation: Optional[Augmentation] = None,
                 reference_text: str = REFERENCE_TEXT, templates: Union[str, Sequence[str], None] = "imagenet"):
        self.encoder = encoder
        self.rois = list(rois)
        self.aug = augmentation or Augmentation()
        self.reference_text = reference_text
        self.templates = templates_named(templates)
        self.size = int(encoder.image_size)
        self.base = base_size(self.size, self.aug.crop_scale)
        self._text_cache: dict[str, torch.Tensor] = {}
        self.initial_features: list[torch.Tensor] = []
        self.directions: list[torch.Tensor] = []

    # -- text
    def text_features(self, text: str) -> torch.Tensor:
        """Normalised mean over the templates of the normalised text features, (D,)."""
        if text not in self._text_cache:
            self._text_cache[text] = template_text_features(self.encoder, text, self.templates)
        return self._text_cache[text]

    # -- images
    def _region(self, roi: ClipRoi, chw: torch.Tensor, initial_chw: torch.Tensor) -> torch.Tensor:
        if roi.mask is not None:
            m = roi.mask.to(chw.device, chw.dtype)[None]
            chw = chw * m + initial_chw * (1 - m)
        return resize(crop_square(chw, square_region(roi.box)), self.base)

    def _views(self, base: torch.Tensor, views: Views) -> torch.Tensor:
        return sample_views(base, views, self.size, self.encoder.mean, self.encoder.std)

    def prepare(self, context: Context) -> None:
        initial = context.initial.permute(2, 0, 1).detach()
        self.initial_features, self.directions = [], []
        with torch.no_grad():
            views = [self._views(self._region(r, initial, initial), identity_view(self.size, self.base))
                     for r in self.rois]
            if views:
                feats = self.encoder.encode_image(torch.cat(views)).float()
                self.initial_features = list(F.normalize(feats, dim=-1))
        reference = None
        for roi, start in zip(self.rois, self.initial_features):
            if roi.direction is not None:
                direction = torch.as_tensor(roi.direction, dtype=torch.float32).flatten()
            elif roi.target_features is not None:
                target = torch.as_tensor(roi.target_features, dtype=torch.float32).flatten().to(start.device)
                direction = F.normalize(target, dim=0) - start
            else:
                if reference is None:
                    reference = self.text_features(self.reference_text)
                direction = self.text_features(roi.prompt) - reference
            self.directions.append(direction.to(start.device).detach())

    def __call__(self, context: Context) -> dict[str, torch.Tensor]:
        timer = context.timer
        image = context.image.permute(2, 0, 1)
        initial = context.initial.permute(2, 0, 1)
        batches = []
        for roi in self.rois:
            views = draw_views(self.aug, self.size, self.base, context.generator)
            batches.append(self._views(self._region(roi, image, initial), views))
        batch = batches[0] if len(batches) == 1 else torch.cat(batches)
        start = timer.now()
        features = self.encoder.encode_image(batch).float()
        timer.add("encoder_forward", timer.now() - start)
        if batch.requires_grad:  # time the encoder's share of the backward pass
            marks: dict[str, float] = {}
            features.register_hook(lambda g: marks.__setitem__("start", timer.now()))
            batch.register_hook(lambda g: timer.add("encoder_backward", timer.now() - marks.get("start", timer.now())))
        features = F.normalize(features, dim=-1)
        per_roi = 1 + self.aug.n_patches
        parts = {}
        for k, roi in enumerate(self.rois):
            rows = features[k * per_roi : (k + 1) * per_roi]
            cos = F.cosine_similarity(rows - self.initial_features[k], self.directions[k][None], dim=-1)
            loss = self.aug.roi_weight * (1 - cos[0])
            if self.aug.n_patches:
                loss = loss + self.aug.patch_weight * (1 - cos[1:]).mean()
            parts[roi.name] = roi.weight * loss
        return parts


__all__ = [
    "Augmentation", "ClipLoss", "ClipRoi", "REFERENCE_TEXT", "imagenet_templates", "templates_named",
    "square_region", "crop_square", "resize", "draw_views", "sample_views", "identity_view", "normalise",
    "template_text_features",
]
