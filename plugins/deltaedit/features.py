"""What the mapper sees: normalised image features of renders, text directions, encoder identity.

Images go to the encoder as the directional CLIP loss shows the whole canvas (the square
around it, white outside, resized to the encoder's side), so a mapper's image deltas and
an edit run's initial features agree. Text directions are those of the loss too: the mean
over the prompt templates of the normalised text features, minus the reference text's.

An encoder is identified by what it computes, not by its name: the features of a fixed
probe image and probe text, compared by cosine with a tolerance (CUDA float16 and CPU
float32 copies of one model agree; two different models do not).
"""

from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F

from vecedit.errors import InputError

PROBE_TEXT = "a red circle on a white background"
SAME_ENCODER = 0.99  # cosine of the probe features above which two encoders are the same


def work_size(doc, image_size: int) -> tuple[int, int]:
    """Canvas for renders the encoder sees: the longest side is the encoder's input side."""
    from vecedit.scene import output_size

    if doc.width >= doc.height:
        return output_size(doc, int(image_size), None)
    return output_size(doc, None, int(image_size))


def encoder_view(image: torch.Tensor, encoder) -> torch.Tensor:
    """``(H, W, 3)`` render → ``(3, S, S)`` normalised encoder input of the whole canvas."""
    from vecedit.losses.clip_loss import crop_square, normalise, resize, square_region

    chw = image[..., :3].permute(2, 0, 1)
    square = crop_square(chw, square_region((0.0, 0.0, float(chw.shape[2]), float(chw.shape[1]))))
    return normalise(resize(square, int(encoder.image_size))[None], encoder)[0]


@torch.no_grad()
def image_features(views: Sequence[torch.Tensor], encoder) -> torch.Tensor:
    """Normalised features ``(N, D)`` (float32, CPU) of encoder views."""
    features = encoder.encode_image(torch.stack(list(views))).float()
    return F.normalize(features, dim=-1).cpu()


def text_features(encoder, text: str, templates: Sequence[str]) -> torch.Tensor:
    """``(D,)`` on the CPU: normalised mean over the templates of the normalised text features."""
    from vecedit.losses.clip_loss import template_text_features

    return template_text_features(encoder, text, templates).cpu()


@torch.no_grad()
def encode_texts(encoder, texts: Sequence[str]) -> torch.Tensor:
    """``encoder.encode_text(texts)`` as float32 (open_clip's is already cut at the end-of-text token)."""
    return encoder.encode_text(list(texts)).float()


def direction(delta: torch.Tensor, source: torch.Tensor) -> torch.Tensor:
    """A feature delta as the mapper takes it: along the sphere at ``source``, unit length.

    Image features are unit vectors, so an image delta from ``source`` is (to first order)
    orthogonal to it; a text delta is not: its part along ``source`` is mostly the gap
    between CLIP's text and image embeddings, a direction no image delta in training
    had. Both are projected onto the tangent plane at ``source`` and normalised (CLIP's
    text and image deltas differ in scale; their directions are what agree).
    """
    source = F.normalize(source, dim=-1)
    along = (delta * source).sum(-1, keepdim=True)
    return F.normalize(delta - along * source, dim=-1)


def probe_image(size: int) -> torch.Tensor:
    """A fixed smooth colour pattern, ``(3, size, size)`` in [0, 1]."""
    ramp = torch.linspace(0.0, 1.0, size)
    y, x = torch.meshgrid(ramp, ramp, indexing="ij")
    return torch.stack([x, y, 0.5 + 0.5 * torch.sin(6 * math.pi * x * y)])


@torch.no_grad()
def encoder_identity(encoder) -> dict:
    """Name, feature size, input side and probe features of an encoder (for saved mappers)."""
    from vecedit.losses.clip_loss import normalise

    size = int(encoder.image_size)
    image_probe = image_features([normalise(probe_image(size)[None], encoder)[0]], encoder)[0]
    text_probe = F.normalize(encode_texts(encoder, [PROBE_TEXT]), dim=-1)[0].cpu()
    return {"name": encoder_name(encoder), "dim": int(image_probe.numel()), "image_size": size,
            "probe_image": image_probe, "probe_text": text_probe}


def encoder_name(encoder) -> str:
    return str(getattr(encoder, "description", None) or type(encoder).__name__)


def check_encoder(saved: dict, encoder, where: str) -> None:
    """Refuse, in one line, an encoder other than the one the mapper was trained with."""
    now = encoder_identity(encoder)
    advice = (f"train a mapper with this encoder (vecedit deltaedit train … with the same --clip options), "
              f"or pass the --clip options {where} was trained with")
    if now["dim"] != saved["dim"] or now["image_size"] != saved["image_size"]:
        raise InputError(f"{where} was trained with the encoder {saved['name']} ({saved['dim']}-dim features, "
                         f"{saved['image_size']} px input); this one ({now['name']}) has {now['dim']}-dim features "
                         f"and {now['image_size']} px input; {advice}")
    agree = min(float(F.cosine_similarity(now[k], saved[k].float(), dim=0)) for k in ("probe_image", "probe_text"))
    if agree < SAME_ENCODER:
        raise InputError(f"{where} was trained with the encoder {saved['name']}, and this one ({now['name']}) "
                         f"computes other features (probe cosine {agree:.2f}); {advice}")


__all__ = ["check_encoder", "direction", "encode_texts", "encoder_identity", "encoder_name", "encoder_view",
           "image_features", "text_features", "work_size"]
