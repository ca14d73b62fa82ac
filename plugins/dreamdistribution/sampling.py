"""From a saved distribution (or a mix of several) to one edit's target in CLIP space.

A sample ``z`` is a text feature, as the paper's sampled prompt embedding is, but one
fitted to lie near the references' *image* features (:mod:`.fit`). So by default
(``target=image``) it is the edit's target embedding over the whole canvas: the
direction is ``ẑ − Î(initial render)`` (a ClipRoi with ``target_features``), which moves
the picture's embedding toward where the sampled reference-like image would be.
``target=text`` uses it as CLIPVG uses a prompt instead: ``ẑ − T̂(reference text)``
("a photo" by default), for distributions whose samples stay among text features.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from vecedit.plugin.contract import Contribution
import vecedit.plugins.dreamdistribution.distribution as dist
from vecedit.errors import OptionError


def resolve(options: dict, encoder) -> tuple[dist.PromptDistribution, str]:
    """The distribution the options name (a file, a mix, or an object), for ``encoder``; and its description."""
    given, mix_text, text = options.get("distribution"), options.get("mix"), options.get("text") or ""
    if (given is None) == (not mix_text):
        raise OptionError("dreamdistribution: give exactly one of distribution=FILE.pt or mix=A.pt:0.7,B.pt:0.3")
    identity = dist.encoder_identity(encoder)
    tower = _tower(encoder) if text else None
    if mix_text:
        pairs = dist.parse_mix(mix_text)
        parts = [_checked(dist.load(path), identity, path, tower, text) for path, _ in pairs]
        mixed = dist.mix(parts, [w for _, w in pairs])
        return mixed, "mix " + ", ".join(f"{path} ×{w:g}" for path, w in pairs)
    if isinstance(given, dist.PromptDistribution):
        return _checked(given, identity, "the distribution", tower, text), "the given distribution"
    return _checked(dist.load(given), identity, str(given), tower, text), str(given)


def _tower(encoder):
    from vecedit.plugins.dreamdistribution.text_tower import SoftPromptTower

    return SoftPromptTower(encoder)


def _checked(distribution: dist.PromptDistribution, identity: dict, where: str, tower, text: str):
    dist.check_encoder(distribution, identity, where)
    return dist.with_text(distribution, tower, text) if text else distribution


def direction(encoder, feature: torch.Tensor, reference_text: str) -> torch.Tensor:
    """``normalise(feature) − normalise(T(reference_text))``: the sample as a CLIPVG text direction."""
    with torch.no_grad():
        reference = F.normalize(encoder.encode_text([reference_text]).float()[0].cpu(), dim=0)
    return F.normalize(feature.float(), dim=0) - reference


def contribution(job) -> Contribution:
    """One sample (seed: the ``sample_seed`` option, else the run's seed) as a whole-canvas ClipRoi."""
    from vecedit.losses.clip_loss import ClipRoi

    options = job.options
    encoder = job.encoder
    distribution, source = resolve(options, encoder)
    seed = options.get("sample_seed")
    seed = int(job.config.seed if seed is None else seed)
    feature = distribution.draw(options["std_scale"], seed)
    box = (0.0, 0.0, float(job.width), float(job.height))
    if options["target"] == "text":
        roi = ClipRoi(box, weight=options["weight"], name="dreamdistribution",
                      direction=direction(encoder, feature, job.config.reference_text))
    else:
        roi = ClipRoi(box, weight=options["weight"], name="dreamdistribution", target_features=feature)
    prompts = f"{distribution.prompts} prompts, " if distribution.prompts else ""
    text = f", text {options['text']!r}" if options.get("text") else ""
    note = f"sample {seed} of {source} ({prompts}std scale {options['std_scale']:g}{text})"
    return Contribution(rois=[roi], notes=[note])
