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
* :func:`structure_map` / :func:`layout_loss`: SSIM's structure term (local correlation,
  Wang et al. 2004) between a render and its teacher: invariant to a change of colour or
  contrast within a window, not to an edge that moves.
* :func:`gradient_filter_bank`: fixed multi-scale gradient responses, the texture
  features used where the encoder exposes no patch tokens.
"""

from __future__ import annotations

import math
from typing import Optional

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


def gaussian_blur(maps: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian low-pass of ``(..., H, W)`` maps with reflected borders (``sigma`` in pixels).

    Separable (two 1-D passes): tone and layout blur by 2 % of the picture's side, ten
    pixels and more on a large canvas, where a 2-D kernel (torchvision's) costs k² taps.
    """
    if sigma <= 0:
        return maps
    height, width = maps.shape[-2:]
    radius = min(math.ceil(3 * sigma), min(height, width) - 1)  # reflect padding must stay inside
    if radius < 1:
        return maps
    offsets = torch.arange(-radius, radius + 1, dtype=maps.dtype, device=maps.device)
    kernel = torch.exp(-0.5 * (offsets / sigma).square())
    kernel = kernel / kernel.sum()
    flat = maps.reshape(-1, 1, height, width)
    flat = F.conv2d(F.pad(flat, (radius, radius, 0, 0), mode="reflect"), kernel.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, (0, 0, radius, radius), mode="reflect"), kernel.view(1, 1, -1, 1))
    return flat.reshape(maps.shape)


def lowpass_lightness(rgb: torch.Tensor, sigma: float) -> torch.Tensor:
    """OKLab ``L`` of an ``(H, W, 3)`` image, Gaussian-blurred by ``sigma`` pixels → ``(H, W)``."""
    lightness = rgb_to_oklab(rgb)[..., 0]
    return gaussian_blur(lightness[None], sigma)[0]


def lowpass_oklab(rgb: torch.Tensor, sigma: float) -> torch.Tensor:
    """``(H, W, 3)`` sRGB → its OKLab channels, each Gaussian-blurred by ``sigma`` pixels, ``(H, W, 3)``."""
    return gaussian_blur(rgb_to_oklab(rgb).permute(2, 0, 1), sigma).permute(1, 2, 0)


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
    """Mean and std of the low-passed lightness (the picture's tone) → two ``(1,)`` tensors."""
    flat, w = _pixels(lowpass_lightness(rgb, sigma)[..., None], weights)
    return weighted_moments(flat, w)


def map_moments(maps: torch.Tensor, weights: Optional[torch.Tensor] = None):
    """Per-channel mean and std of ``(B, C, h, w)`` feature maps over every position of every map.

    ``weights``: ``(B, h, w)`` position weights, or None.
    """
    if maps.ndim != 4:
        raise ValueError(f"map_moments expects (B, C, h, w) maps, got shape {tuple(maps.shape)}")
    flat = maps.permute(0, 2, 3, 1).reshape(-1, maps.shape[1])
    return weighted_moments(flat, None if weights is None else weights.reshape(-1))


def structure_map(image: torch.Tensor, teacher: torch.Tensor, sigma: float, c: float = 4.5e-4,
                  eps: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor]:
    """SSIM's structure term between ``(C, H, W)`` maps in Gaussian windows of ``sigma`` px.

    Returns ``(s, strength)``, both ``(C, H, W)``: ``s = (σxy + c) / (σx σy + c)`` is the local
    correlation (1 where the windows agree up to a gain and offset, also where both are flat),
    and ``strength`` the teacher's local standard deviation (how much structure there is to keep).
    ``eps`` keeps ``σ = sqrt(var)`` differentiable at a flat window.
    """
    if image.shape != teacher.shape or image.ndim != 3:
        raise ValueError(f"structure_map needs two (C, H, W) maps of one shape, got {tuple(image.shape)} "
                         f"and {tuple(teacher.shape)}")
    blur = lambda x: gaussian_blur(x, sigma)  # noqa: E731
    mean_x, mean_y = blur(image), blur(teacher)
    var_x = (blur(image * image) - mean_x.square()).clamp_min(0)
    var_y = (blur(teacher * teacher) - mean_y.square()).clamp_min(0)
    cov = blur(image * teacher) - mean_x * mean_y
    std_x, std_y = (var_x + eps ** 2).sqrt(), (var_y + eps ** 2).sqrt()
    return (cov + c) / (std_x * std_y + c), std_y


def layout_loss(rgb: torch.Tensor, teacher_rgb: torch.Tensor, sigma: float) -> torch.Tensor:
    """How far the layout of an ``(H, W, 3)`` render strays from its teacher's, in [0, 2].

    ``1 − s`` of :func:`structure_map` on the OKLab channels, averaged with the teacher's
    local structure as weight: flat areas may take any texture, edges must stay where
    they were (their colours and contrast may change, their place and polarity not).
    """
    lab = rgb_to_oklab(rgb).permute(2, 0, 1)
    teacher = rgb_to_oklab(teacher_rgb).permute(2, 0, 1)
    s, strength = structure_map(lab, teacher.detach(), sigma)
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


__all__ = ["JND", "adain", "anchor_loss", "lowpass_oklab", "colour_moments", "gaussian_blur", "gradient_filter_bank", "layout_loss",
           "lowpass_lightness", "map_moments", "moment_loss", "rgb_to_oklab", "srgb_to_linear",
           "structure_map", "tone_moments", "weighted_moments"]
