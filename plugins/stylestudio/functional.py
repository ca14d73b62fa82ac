"""The statistics behind StyleStudio's loss terms, as pure functions on tensors.

Images are channel-last ``(H, W, 3)`` sRGB in [0, 1], as the renderer returns them;
feature maps are ``(B, C, h, w)``. Everything is differentiable and works in float32 and
float64 (the tests gradcheck it).

* :func:`rgb_to_oklab`: Björn Ottosson's OKLab (2020), a perceptual space whose ``L`` is
  lightness and ``a``/``b`` the green–red and blue–yellow opponent axes; colour and tone
  statistics are taken there so that "colour" and "tone" are separable.
* :func:`weighted_moments`, :func:`adain`, :func:`moment_loss`: AdaIN's per-channel
  mean/std (Huang & Belongie 2017), with optional pixel weights (a region).
* :func:`colour_moments` (``a``, ``b``), :func:`tone_moments` (low-passed ``L``),
  :func:`map_moments` (channels of feature maps, e.g. CLIP patch tokens).
* :func:`lowpass_oklab` / :func:`anchor_loss`: per-pixel closeness to a reference,
  which holds an element the user did not choose where it was.
* :func:`structure_map` / :func:`layout_teacher` / :func:`layout_loss`: SSIM's structure term (local correlation,
  Wang et al. 2004) between a render and its teacher: invariant to a change of colour or
  contrast within a window, not to an edge that moves.
* :func:`gradient_filter_bank`: fixed multi-scale gradient responses, the texture
  features used where the encoder exposes no patch tokens.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F

# Ottosson's matrices: linear sRGB → LMS, and cube-rooted LMS → OKLab.
_RGB_TO_LMS = ((0.4122214708, 0.5363325363, 0.0514459929),
               (0.2119034982, 0.6806995451, 0.1073969566),
               (0.0883024619, 0.2817188376, 0.6299787005))
_LMS_TO_LAB = ((0.2104542553, 0.7936177850, -0.0040720468),
               (1.9779984951, -2.4285922050, 0.4505937099),
               (0.0259040371, 0.7827717662, -0.8086757660))
_CBRT_KNEE = 1e-4  # below it the cube root is continued linearly: finite gradients at black
JND = 0.02  # about one just-noticeable difference in OKLab; the unit of the colour/tone losses
LAYOUT_PIXELS_PER_SIGMA = 3.0  # the teacher keeps finer resolution than tone: a shape moved by a pixel counts


def srgb_to_linear(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB-encoded values in [0, 1] → linear light (IEC 61966-2-1), any shape."""
    curve = ((rgb.clamp_min(0.04045) + 0.055) / 1.055) ** 2.4
    return torch.where(rgb <= 0.04045, rgb / 12.92, curve)


def _cbrt(x: torch.Tensor) -> torch.Tensor:
    knee = _CBRT_KNEE
    return torch.where(x > knee, x.clamp_min(knee) ** (1.0 / 3.0), x * knee ** (-2.0 / 3.0))


def rgb_to_oklab(rgb: torch.Tensor) -> torch.Tensor:
    """``(..., 3)`` sRGB in [0, 1] → ``(..., 3)`` OKLab (L in [0, 1], a and b within about ±0.4)."""
    if rgb.shape[-1] != 3:
        raise ValueError(f"rgb_to_oklab expects (..., 3) RGB, got shape {tuple(rgb.shape)}")
    to_lms = torch.tensor(_RGB_TO_LMS, dtype=rgb.dtype, device=rgb.device)
    to_lab = torch.tensor(_LMS_TO_LAB, dtype=rgb.dtype, device=rgb.device)
    lms = srgb_to_linear(rgb) @ to_lms.T
    return _cbrt(lms) @ to_lab.T


def weighted_moments(values: torch.Tensor, weights: Optional[torch.Tensor] = None,
                     eps: float = 1e-8) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation of ``(N, C)`` samples → two ``(C,)`` tensors.

    ``weights`` (``(N,)``, ≥ 0) weight the samples (a soft region); ``eps`` keeps the
    square root differentiable where a channel is constant.
    """
    if values.ndim != 2:
        raise ValueError(f"weighted_moments expects (N, C) samples, got shape {tuple(values.shape)}")
    if weights is None:
        mean = values.mean(0)
        var = (values - mean).square().mean(0)
    else:
        if weights.shape != values.shape[:1]:
            raise ValueError(f"weights of shape {tuple(weights.shape)} for {values.shape[0]} samples")
        w = weights.to(values.dtype)[:, None]
        total = w.sum().clamp_min(1e-12)
        mean = (w * values).sum(0) / total
        var = (w * (values - mean).square()).sum(0) / total
    return mean, (var + eps).sqrt()


def adain(values: torch.Tensor, target_mean: torch.Tensor, target_std: torch.Tensor,
          weights: Optional[torch.Tensor] = None) -> torch.Tensor:
    """AdaIN: ``(N, C)`` samples re-normalised to the target per-channel mean and std."""
    mean, std = weighted_moments(values, weights)
    return (values - mean) / std * target_std + target_mean


def moment_loss(mean: torch.Tensor, std: torch.Tensor, target_mean: torch.Tensor, target_std: torch.Tensor,
                unit: float = 1.0) -> torch.Tensor:
    """AdaIN's style loss: squared distance of means plus of stds, averaged over channels, in ``unit``s."""
    return ((mean - target_mean).square().mean() + (std - target_std).square().mean()) / unit ** 2


def _pixels(image: torch.Tensor, weights: Optional[torch.Tensor]):
    if image.ndim != 3:
        raise ValueError(f"expected an (H, W, C) image, got shape {tuple(image.shape)}")
    flat = image.reshape(-1, image.shape[-1])
    return flat, None if weights is None else weights.reshape(-1)


def colour_moments(rgb: torch.Tensor, weights: Optional[torch.Tensor] = None):
    """Mean and std of OKLab ``a`` and ``b`` of an ``(H, W, 3)`` image → two ``(2,)`` tensors.

    ``weights``: ``(H, W)`` pixel weights, or None for the whole image.
    """
    flat, w = _pixels(rgb_to_oklab(rgb)[..., 1:], weights)
    return weighted_moments(flat, w)


def blur_matrix(size: int, sigma: float, dtype=torch.float32, device=None) -> torch.Tensor:
    """``(size, size)`` matrix of a 1-D Gaussian blur with reflected borders: ``blurred = M @ signal``."""
    radius = min(math.ceil(3 * sigma), size - 1)  # reflection must stay inside the signal
    offsets = torch.arange(-radius, radius + 1, device=device)
    kernel = torch.exp(-0.5 * (offsets.to(dtype) / sigma).square())
    kernel = kernel / kernel.sum()
    columns = (torch.arange(size, device=device)[:, None] + offsets[None]).abs()
    columns = torch.where(columns > size - 1, 2 * (size - 1) - columns, columns)
    matrix = torch.zeros(size, size, dtype=dtype, device=device)
    return matrix.scatter_add_(1, columns, kernel.expand(size, -1).contiguous())


def gaussian_blur(maps: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian low-pass of ``(..., H, W)`` maps with reflected borders (``sigma`` in pixels).

    Separable, each pass one product with a dense blur matrix: on a CPU an order of
    magnitude faster than convolving with the kernel (as torchvision does, k² taps).
    """
    height, width = maps.shape[-2:]
    if sigma <= 0 or min(height, width) < 2:
        return maps
    rows = blur_matrix(height, sigma, maps.dtype, maps.device)
    columns = blur_matrix(width, sigma, maps.dtype, maps.device)
    return rows @ maps @ columns.T


def shrink_factor(sigma: float, pixels_per_sigma: float = 1.5) -> int:
    """The largest whole downsampling factor that leaves a blur of ``sigma`` px at least
    ``pixels_per_sigma`` pixels wide (1: keep the size)."""
    factor = int(sigma // pixels_per_sigma)
    return factor if factor >= 2 else 1


def area_shrink(maps: torch.Tensor, factor: int) -> torch.Tensor:
    """``(..., H, W)`` maps averaged over ``factor`` × ``factor`` cells → ``(..., ⌈H/f⌉, ⌈W/f⌉)``."""
    if factor == 1:
        return maps
    height, width = maps.shape[-2:]
    size = (max(1, math.ceil(height / factor)), max(1, math.ceil(width / factor)))
    small = F.interpolate(maps.reshape(-1, 1, height, width), size=size, mode="area")
    return small.reshape(*maps.shape[:-2], *size)


def shrunk_sigma(sigma: float, factor: int) -> float:
    """The blur left to do, in pixels of the shrunk maps, after an ``factor``-wide box average
    (which has blurred by (f² − 1) / 12 px² already, the variance of a uniform box)."""
    if factor == 1:
        return sigma
    return math.sqrt(max(sigma ** 2 - (factor ** 2 - 1) / 12, (0.5 * factor) ** 2)) / factor


def lowpass(maps: torch.Tensor, sigma: float, weights: Optional[torch.Tensor] = None):
    """``(..., H, W)`` maps low-passed by ``sigma`` px, at a reduced size, and ``(H, W)``
    weights brought to that size → ``(maps, weights)``.

    A picture about to be low-passed needs no more than ``sigma`` / 1.5 px, and the blurs
    behind tone and the holds stay cheap on large canvases.
    """
    factor = shrink_factor(sigma)
    small = gaussian_blur(area_shrink(maps, factor), shrunk_sigma(sigma, factor))
    return small, None if weights is None else area_shrink(weights.to(maps.dtype), factor)


def lowpass_oklab(rgb: torch.Tensor, sigma: float, weights: Optional[torch.Tensor] = None):
    """``(H, W, 3)`` sRGB → its OKLab channels low-passed by ``sigma`` px, ``(h, w, 3)`` at a
    reduced size, and the ``(H, W)`` weights brought to that size."""
    blurred, weights = lowpass(rgb_to_oklab(rgb).permute(2, 0, 1), sigma, weights)
    return blurred.permute(1, 2, 0), weights


def anchor_loss(values: torch.Tensor, reference: torch.Tensor, weights: Optional[torch.Tensor] = None,
                unit: float = 1.0) -> torch.Tensor:
    """Mean squared per-pixel difference of ``(H, W, C)`` maps, in ``unit``s; ``weights`` ``(H, W)``."""
    if values.shape != reference.shape:
        raise ValueError(f"anchor_loss needs maps of one shape, got {tuple(values.shape)} and "
                         f"{tuple(reference.shape)}")
    squared = (values - reference).square().mean(-1)
    if weights is None:
        return squared.mean() / unit ** 2
    return (squared * weights).sum() / weights.sum().clamp_min(1e-12) / unit ** 2


def tone_moments(rgb: torch.Tensor, sigma: float, weights: Optional[torch.Tensor] = None):
    """Mean and std of the lightness low-passed by ``sigma`` px (the picture's tone) → two ``(1,)`` tensors.

    ``weights``: ``(H, W)`` pixel weights, or None for the whole image.
    """
    lightness, weights = lowpass(rgb_to_oklab(rgb)[..., 0], sigma, weights)
    flat, w = _pixels(lightness[..., None], weights)
    return weighted_moments(flat, w)


def map_moments(maps: torch.Tensor, weights: Optional[torch.Tensor] = None):
    """Per-channel mean and std of ``(B, C, h, w)`` feature maps over every position of every map.

    ``weights``: ``(B, h, w)`` position weights, or None.
    """
    if maps.ndim != 4:
        raise ValueError(f"map_moments expects (B, C, h, w) maps, got shape {tuple(maps.shape)}")
    flat = maps.permute(0, 2, 3, 1).reshape(-1, maps.shape[1])
    return weighted_moments(flat, None if weights is None else weights.reshape(-1))


def local_moments(maps: torch.Tensor, sigma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Gaussian-windowed mean and variance of ``(C, H, W)`` maps (windows of ``sigma`` px)."""
    blurred = gaussian_blur(torch.cat([maps, maps * maps]), sigma)
    mean, mean_square = blurred.chunk(2)
    return mean, (mean_square - mean.square()).clamp_min(0)


def structure_map(image: torch.Tensor, teacher: torch.Tensor, sigma: float, teacher_moments=None,
                  c: float = 4.5e-4, eps: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor]:
    """SSIM's structure term between ``(C, H, W)`` maps in Gaussian windows of ``sigma`` px.

    Returns ``(s, strength)``, both ``(C, H, W)``: ``s = (σxy + c) / (σx σy + c)`` is the local
    correlation (1 where the windows agree up to a gain and offset, also where both are flat),
    and ``strength`` the teacher's local standard deviation (how much structure there is to keep).
    ``teacher_moments``: the teacher's :func:`local_moments`, if already known. ``eps`` keeps
    ``σ = sqrt(var)`` differentiable at a flat window.
    """
    if image.shape != teacher.shape or image.ndim != 3:
        raise ValueError(f"structure_map needs two (C, H, W) maps of one shape, got {tuple(image.shape)} "
                         f"and {tuple(teacher.shape)}")
    mean_y, var_y = teacher_moments if teacher_moments is not None else local_moments(teacher, sigma)
    blurred = gaussian_blur(torch.cat([image, image * image, image * teacher]), sigma)
    mean_x, mean_square_x, mean_xy = blurred.chunk(3)
    var_x = (mean_square_x - mean_x.square()).clamp_min(0)
    cov = mean_xy - mean_x * mean_y
    std_x, std_y = (var_x + eps ** 2).sqrt(), (var_y + eps ** 2).sqrt()
    return (cov + c) / (std_x * std_y + c), std_y


class LayoutTeacher(NamedTuple):
    """What :func:`layout_loss` compares with, computed once: the teacher's OKLab channels
    shrunk by ``factor``, the window there, and the teacher's windowed moments."""

    lab: torch.Tensor  # (3, h, w)
    factor: int
    sigma: float
    moments: tuple[torch.Tensor, torch.Tensor]


def layout_teacher(teacher_rgb: torch.Tensor, sigma: float) -> LayoutTeacher:
    """Prepare an ``(H, W, 3)`` teacher render for :func:`layout_loss` with windows of ``sigma`` px."""
    factor = shrink_factor(sigma, LAYOUT_PIXELS_PER_SIGMA)
    lab = area_shrink(rgb_to_oklab(teacher_rgb.detach()).permute(2, 0, 1), factor)
    sigma = shrunk_sigma(sigma, factor)
    return LayoutTeacher(lab, factor, sigma, local_moments(lab, sigma))


def layout_loss(rgb: torch.Tensor, teacher: LayoutTeacher) -> torch.Tensor:
    """How far the layout of an ``(H, W, 3)`` render strays from its teacher's, in [0, 2].

    ``1 − s`` of :func:`structure_map` on the OKLab channels, averaged with the teacher's
    local structure as weight: flat areas may take any texture, edges must stay where
    they were (their colours and contrast may change, their place and polarity not).
    """
    lab = area_shrink(rgb_to_oklab(rgb).permute(2, 0, 1), teacher.factor)
    s, strength = structure_map(lab, teacher.lab, teacher.sigma, teacher.moments)
    return ((1 - s) * strength).sum() / strength.sum().clamp_min(1e-8)


_SOBEL_X = ((-1.0, 0.0, 1.0), (-2.0, 0.0, 2.0), (-1.0, 0.0, 1.0))


def gradient_filter_bank(batch: torch.Tensor, sigmas=(0.0, 1.0, 2.0)) -> torch.Tensor:
    """Texture features without a learnt encoder: ``(B, 3, S, S)`` RGB → ``(B, 2·len(sigmas), S, S)``.

    The absolute horizontal and vertical Sobel responses of OKLab lightness at several
    blur scales: their means say how busy the texture is, their stds how uneven, their
    x/y balance which way the strokes run.
    """
    lightness = rgb_to_oklab(batch.permute(0, 2, 3, 1))[..., 0][:, None]
    sobel_x = torch.tensor(_SOBEL_X, dtype=batch.dtype, device=batch.device) / 8
    kernels = torch.stack([sobel_x, sobel_x.T])[:, None]
    responses = []
    for sigma in sigmas:
        smooth = gaussian_blur(lightness, sigma)
        edges = F.conv2d(F.pad(smooth, (1, 1, 1, 1), mode="replicate"), kernels)
        responses.append((edges.square() + 1e-6).sqrt())  # a smooth |·|: flat areas still pass gradients
    return torch.cat(responses, dim=1)


__all__ = ["JND", "LayoutTeacher", "adain", "anchor_loss", "area_shrink", "blur_matrix", "colour_moments",
           "gaussian_blur", "gradient_filter_bank", "layout_loss", "layout_teacher", "local_moments", "lowpass",
           "lowpass_oklab", "map_moments", "moment_loss", "rgb_to_oklab", "shrink_factor", "shrunk_sigma",
           "srgb_to_linear", "structure_map", "tone_moments", "weighted_moments"]
