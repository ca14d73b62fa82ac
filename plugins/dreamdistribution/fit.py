"""Fitting a prompt distribution to a few reference images, in CLIP space.

Each step (DreamDistribution, Zhao et al. 2023, with CLIP in place of the diffusion model):

1. the K soft prompts go through the frozen text tower: features ``f_k`` (L2-normalised);
2. the Gaussian over them: ``μ = mean_k f_k``, ``σ = std_k f_k`` (per dimension);
3. ``M`` samples by reparameterisation, ``z = μ + σ·ε``, so gradients reach the prompts
   through both ``μ`` and ``σ``;
4. loss = mean over samples and references of ``1 − cos(z, r_j)`` (``r_j``: the
   references' image features; the paper's denoising loss on (sample, reference)
   pairs, with CLIP similarity as the only judge we have without a generator)
   + ``λ`` · mean over prompt pairs of ``|cos(f_i, f_k)|`` (the paper's orthogonality
   term, λ = 1e-3, which keeps the prompts apart so the distribution has spread).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Sequence, Union

import numpy as np
import torch
import torch.nn.functional as F

from vecedit.plugins.dreamdistribution.distribution import PromptDistribution, encoder_identity, features_of, gaussian_of
from vecedit.plugins.dreamdistribution.settings import MIN_REFERENCES, FitSettings
from vecedit.plugins.dreamdistribution.text_tower import SoftPromptTower
from vecedit.errors import InputError

ImageLike = Union[str, Path, np.ndarray]


def load_references(images: Sequence[ImageLike]) -> list[np.ndarray]:
    """Paths or ``(H, W, 3|4)`` arrays → RGB float arrays on white; fewer than 3 raises :class:`InputError`."""
    from vecedit.imageio import composite_on, load_image

    if len(images) < MIN_REFERENCES:
        raise InputError(f"DreamDistribution needs at least {MIN_REFERENCES} reference images (3–20 work well), "
                         f"got {len(images)}")
    loaded = []
    for image in images:
        array = load_image(image) if isinstance(image, (str, Path)) else np.asarray(image)
        if array.dtype == np.uint8:
            array = array / 255.0
        if array.ndim != 3 or array.shape[-1] not in (3, 4):
            raise InputError(f"a reference image must be (H, W, 3) or (H, W, 4), got {array.shape}")
        loaded.append(composite_on(array, "white"))
    return loaded


def reference_features(encoder, images: Sequence[np.ndarray]) -> torch.Tensor:
    """CLIP's preprocessing (shorter side to the input size, centre crop, normalise) → features, ``(R, D)``."""
    from vecedit.losses.clip_loss import normalise

    size = int(encoder.image_size)
    batch = []
    for image in images:
        chw = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float()
        height, width = chw.shape[1:]
        scale = size / min(height, width)
        shape = (max(size, round(height * scale)), max(size, round(width * scale)))
        chw = F.interpolate(chw[None], size=shape, mode="bicubic", antialias=True, align_corners=False)[0]
        top, left = (shape[0] - size) // 2, (shape[1] - size) // 2
        batch.append(chw[:, top : top + size, left : left + size].clamp(0, 1))
    with torch.no_grad():
        return F.normalize(encoder.encode_image(normalise(torch.stack(batch), encoder)).float(), dim=-1)


def losses(features: torch.Tensor, references: torch.Tensor, noise: torch.Tensor,
           orthogonality: float) -> dict[str, torch.Tensor]:
    """The training loss of one step from the prompts' features ``(K, D)`` and ``ε`` ``(M, D)``."""
    mean, std = gaussian_of(features)
    samples = F.normalize(mean + std * noise, dim=-1)
    match = (1 - samples @ references.T).mean()
    k = features.shape[0]
    cos = features @ features.T
    off_diagonal = cos[~torch.eye(k, dtype=torch.bool, device=cos.device)]
    orth = off_diagonal.abs().mean()
    return {"loss": match + orthogonality * orth, "match": match, "orthogonality": orth}


def fit_distribution(encoder, images: Sequence[ImageLike], settings: Optional[FitSettings] = None,
                     progress: Optional[Callable[[int, dict], None]] = None, **overrides) -> PromptDistribution:
    """Learn K soft prompts whose text-feature Gaussian matches the references; see the module docstring.

    ``images``: at least 3 paths or arrays. ``settings`` / ``overrides``: :class:`FitSettings`
    fields. ``progress(step, parts)`` is called after every step. The loss curve is in
    ``result.info["history"]``.
    """
    settings = FitSettings(**{**(settings or FitSettings()).__dict__, **overrides}).validate()
    tower = SoftPromptTower(encoder)
    references = reference_features(encoder, load_references(images)).to(tower.device)
    generator = torch.Generator().manual_seed(int(settings.seed))
    init = torch.randn(settings.prompts, settings.tokens, tower.width, generator=generator) * 0.02  # CoOp's init
    soft = init.to(tower.device).requires_grad_(True)
    optimizer = torch.optim.Adam([soft], lr=settings.lr)
    history = []
    for step in range(settings.steps):
        noise = torch.randn(settings.samples, references.shape[1], generator=generator).to(tower.device)
        parts = losses(features_of(tower, soft, settings.text), references, noise, settings.orthogonality)
        optimizer.zero_grad(set_to_none=True)
        parts["loss"].backward()
        optimizer.step()
        history.append({name: float(value.detach()) for name, value in parts.items()})
        if progress is not None:
            progress(step, history[-1])
    with torch.no_grad():
        mean, std = gaussian_of(features_of(tower, soft, settings.text))
    info = {"references": len(references), "prompts": settings.prompts, "tokens": settings.tokens,
            "steps": settings.steps, "lr": settings.lr, "orthogonality": settings.orthogonality,
            "seed": settings.seed, "history": [h["loss"] for h in history]}
    return PromptDistribution(mean, std, soft.detach().float().cpu(), settings.text, encoder_identity(encoder), info)
