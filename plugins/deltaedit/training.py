"""Training a delta mapper without text: random edits, renders, image-feature deltas.

1. Sample ``samples`` random edits of the document in its edit space (the first is no
   edit), render each at the encoder's side, encode: ``N`` normalised features.
2. Every ordered pair (i, j) of renders is a training example, as DeltaEdit's pairs of
   images are: input = (features_i, edit_i, features_j − features_i as a unit vector along
   the sphere at features_i, see :func:`~vecedit.plugins.deltaedit.features.direction`), target =
   edit_j − edit_i (normalised units). ``N`` renders give ``N(N−1)`` pairs, so rendering,
   the slow part on a CPU, stays linear. Half of each batch starts from the unedited
   document (the source at inference). Pairs whose features barely differ (an edit the
   encoder cannot see) are left out: their unit delta would be noise.
3. Minimise, per level, L2 + (1 − cosine) between predicted and true edit deltas.

The last tenth of the renders is held out; ``stats["held_out_cosine"]`` is the mean
cosine between the predicted and the true edit for them, from the unedited document.
"""

from __future__ import annotations

import functools

import time
from typing import Callable, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from vecedit.plugins.deltaedit.features import (direction, encoder_identity, encoder_view, image_features, text_features,
                                        work_size)
from vecedit.plugins.deltaedit.mapper import DeltaMapper, TrainedMapper, document_digest, one_thread, reference_key
from vecedit.plugins.deltaedit.space import KINDS, SCALES, EditSpace, sample_edits, structure_signature
from vecedit.errors import OptionError

ENCODE_BATCH = 32
INVISIBLE = 0.02  # pairs whose feature distance is below this × the median distance are left out


def render_features(bound, edits: np.ndarray, encoder, background=(1.0, 1.0, 1.0, 1.0),
                    progress: Optional[Callable[[int, int], None]] = None) -> torch.Tensor:
    """Normalised features ``(N, D)`` of the scene under each edit (real units), encoded in batches."""
    from vecedit.render.composite import render_scene

    features, views = [], []
    for n, edit in enumerate(edits):
        with torch.no_grad():
            views.append(encoder_view(render_scene(bound.apply(edit), background), encoder))
        if len(views) == ENCODE_BATCH or n == len(edits) - 1:
            features.append(image_features(views, encoder))
            views = []
        if progress is not None:
            progress(n + 1, len(edits))
    return torch.cat(features)


def visible_pairs(features: torch.Tensor, rows: np.ndarray) -> np.ndarray:
    """(M, 2) ordered pairs (i, j) of ``rows`` whose features differ enough to give a direction."""
    sub = features[rows]
    distance = torch.cdist(sub, sub).numpy()
    off = ~np.eye(len(rows), dtype=bool)
    positive = distance[off & (distance > 0)]
    threshold = INVISIBLE * float(np.median(positive)) if len(positive) else np.inf
    i, j = np.nonzero(off & (distance > max(threshold, 1e-6)))
    return np.stack([rows[i], rows[j]], 1)


def fit(net: DeltaMapper, features: torch.Tensor, codes: torch.Tensor, pairs: np.ndarray, steps: int,
        batch_size: int, generator: np.random.Generator, lr: float = 1e-3) -> list[float]:
    """Train ``net`` on ``pairs`` (half of each batch from row 0, the unedited document); returns losses."""
    from_source = pairs[pairs[:, 0] == 0]
    optimiser = torch.optim.Adam(net.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, max(1, steps))
    levels = net.config["levels"].values()
    history = []
    with one_thread():
        for _ in range(steps):
            i, j = draw_batch(pairs, from_source, batch_size, generator)
            predicted = net(features[i], direction(features[j] - features[i], features[i]), codes[i])
            target = codes[j] - codes[i]
            loss = sum(level_loss(predicted[:, :, cols], target[:, :, cols]) for cols in levels)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
            schedule.step()
            history.append(float(loss.detach()))
    return history


def draw_batch(pairs: np.ndarray, from_source: np.ndarray, size: int, generator: np.random.Generator):
    """Source and target rows of a batch: half from the unedited document (when it has pairs), half from any."""
    half = size // 2 if len(from_source) else 0
    batch = np.concatenate([from_source[generator.integers(len(from_source), size=half)],
                            pairs[generator.integers(len(pairs), size=size - half)]])
    return torch.as_tensor(batch[:, 0]), torch.as_tensor(batch[:, 1])


def level_loss(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """DeltaEdit's loss on one level: L2 + (1 − cosine) of the flattened deltas."""
    predicted, target = predicted.flatten(1), target.flatten(1)
    return F.mse_loss(predicted, target) + (1 - F.cosine_similarity(predicted, target, dim=-1, eps=1e-6)).mean()


def held_out_cosine(net: DeltaMapper, features: torch.Tensor, codes: torch.Tensor, rows: np.ndarray) -> float:
    """Mean cosine between predicted and true edits, from the unedited document to each held-out render."""
    rows = [r for r in rows if float((features[r] - features[0]).norm()) > 1e-6]
    if not rows:
        return float("nan")
    with torch.no_grad():
        index = torch.as_tensor(rows)
        source = features[0].expand(len(rows), -1)
        predicted = net(source, direction(features[index] - source, source), codes[0].expand(len(rows), -1, -1))
    return float(F.cosine_similarity(predicted.flatten(1), codes[index].flatten(1), dim=-1).mean())


def _own_random_state(function):
    """Run ``function`` with the global torch RNG forked: it may seed it, the caller's stays as it was."""
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        with torch.random.fork_rng(devices=[]):
            return function(*args, **kwargs)
    return wrapped


@_own_random_state
def train_mapper(doc, encoder, samples: int = 256, steps: int = 1000, seed: int = 0, selection=None,
                 max_groups: int = 8, kinds: Sequence[str] = KINDS, background: str = "white",
                 batch_size: int = 128, hidden: int = 256, reference: str = "a photo",
                 templates="imagenet", progress: Optional[Callable[[str, int, int], None]] = None) -> TrainedMapper:
    """Train a delta mapper for ``doc`` (or any document of its structure) with ``encoder``.

    ``progress(stage, done, total)`` is called with stage ``"render"`` and ``"fit"``.
    """
    from vecedit.imageio import to_rgba
    from vecedit.losses.clip_loss import templates_named
    from vecedit.scene import from_document

    for name, value, low in (("samples", samples, 8), ("steps", steps, 1), ("batch_size", batch_size, 2),
                             ("hidden", hidden, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise OptionError(f"--{name.replace('_', '-')} must be a whole number >= {low}, got {value!r}")
    started = time.perf_counter()
    torch.manual_seed(seed)  # the network's initialisation (the caller's RNG is forked: see the decorator)
    generator = np.random.default_rng(seed)
    space = EditSpace.build(doc, selection, max_groups, kinds, seed)
    bound = space.bind(doc, from_document(doc, *work_size(doc, encoder.image_size)))
    codes = sample_edits(space, samples, generator)
    report = (lambda done, total: progress("render", done, total)) if progress else None
    features = render_features(bound, codes * SCALES, encoder, to_rgba(background), report)
    rendered = time.perf_counter()
    held = np.arange(samples - max(2, samples // 10), samples)
    pairs = visible_pairs(features, np.arange(held[0]))
    if not len(pairs):
        raise OptionError("the encoder sees no difference between any two random edits of this document; "
                          "widen --kinds or --select")
    net = DeltaMapper(features.shape[1], len(space.groups), space.levels, hidden)
    codes_t = torch.as_tensor(codes, dtype=torch.float32)
    losses = fit(net, features, codes_t, pairs, steps, batch_size, generator)
    if progress:
        progress("fit", steps, steps)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    stats = {"samples": samples, "steps": steps, "pairs": int(len(pairs)), "final_loss": float(np.mean(losses[-20:])),
             "held_out_cosine": held_out_cosine(net, features, codes_t, held), "render_s": rendered - started,
             "fit_s": time.perf_counter() - rendered, "seed": seed, "max_groups": max_groups}
    document = {"structure": structure_signature(doc), "digest": document_digest(doc), "background": background,
                "size": [float(doc.width), float(doc.height)]}
    cached = {reference_key(reference, name): text_features(encoder, reference, templates_named(name))
              for name in dict.fromkeys([templates, "none"])}  # the reference text, for both template choices
    return TrainedMapper(space, net, encoder_identity(encoder), document, features[0].clone(), cached, stats)


__all__ = ["fit", "held_out_cosine", "level_loss", "render_features", "train_mapper", "visible_pairs"]
