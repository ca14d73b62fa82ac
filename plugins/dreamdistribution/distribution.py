"""The learned prompt distribution: a diagonal Gaussian in the encoder's text-feature space.

``mean`` and ``std`` (both ``(D,)``) are the mean and per-dimension standard deviation
of the K soft prompts' L2-normalised text features; a sample is ``mean + scale · std · ε``
with ``ε ~ N(0, I)`` drawn from a generator seeded by the sample's seed, so sample ``i``
of a batch equals the single sample drawn with seed ``seed + i``.

Saved as a ``torch.save`` dict of tensors, strings and numbers (``torch.load(...,
weights_only=True)`` reads it) that also names the encoder it was fitted with: its
architecture, a fingerprint of its weights and its feature size. A file used with
another encoder is refused in one line, since its features mean nothing there.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Optional, Sequence, Union

import torch
import torch.nn.functional as F

from vecedit.errors import InputError, OptionError

FORMAT = "vecedit-dreamdistribution"
VERSION = 1
FIT_HINT = "make one with `vecedit dreamdistribution fit REF.png … -o FILE.pt`"


@dataclass
class PromptDistribution:
    """A Gaussian over text features, and the soft prompts it came from (when known)."""

    mean: torch.Tensor  # (D,)
    std: torch.Tensor  # (D,)
    soft_tokens: Optional[torch.Tensor] = None  # (K, n, width): the learned prompts, for appending text
    text: str = ""  # text that followed the soft tokens while fitting
    encoder: Optional[dict] = None  # {"name", "fingerprint", "dim"}; None: made by hand, any encoder of size D
    info: dict = field(default_factory=dict)  # references, steps, losses: for the user, not used

    def __post_init__(self):
        self.mean = torch.as_tensor(self.mean, dtype=torch.float32).detach().cpu().flatten()
        self.std = torch.as_tensor(self.std, dtype=torch.float32).detach().cpu().flatten()
        if self.mean.shape != self.std.shape:
            raise OptionError(f"a prompt distribution's mean {tuple(self.mean.shape)} and std "
                              f"{tuple(self.std.shape)} differ in size")
        if bool((self.std < 0).any()) or not bool(torch.isfinite(self.mean).all() & torch.isfinite(self.std).all()):
            raise OptionError("a prompt distribution needs finite values and a std ≥ 0")

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])

    @property
    def prompts(self) -> Optional[int]:
        return None if self.soft_tokens is None else int(self.soft_tokens.shape[0])

    def draw(self, std_scale: float = 1.0, seed: int = 0) -> torch.Tensor:
        """One sample ``mean + std_scale · std · ε``, ``ε`` from a generator seeded with ``seed``; ``(D,)``."""
        noise = torch.randn(self.dim, generator=torch.Generator().manual_seed(int(seed)))
        return self.mean + float(std_scale) * self.std * noise

    def sample(self, n: int, std_scale: float = 1.0, seed: int = 0) -> torch.Tensor:
        """``n`` samples, sample ``i`` drawn with seed ``seed + i``; ``(n, D)``."""
        return torch.stack([self.draw(std_scale, seed + i) for i in range(n)])

    def to_dict(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "mean": self.mean, "std": self.std,
                "soft_tokens": self.soft_tokens, "text": self.text, "encoder": self.encoder,
                "info": dict(self.info)}

    def save(self, path: Union[str, Path]) -> Path:
        """Write atomically (temporary file, then rename)."""
        from vecedit.edit.outputs import save_torch_atomic

        return save_torch_atomic(path, self.to_dict())


def features_of(tower, soft_tokens: torch.Tensor, text: str = "") -> torch.Tensor:
    """L2-normalised text features of each soft prompt (with ``text`` after it), ``(K, D)``."""
    return F.normalize(tower.encode(soft_tokens, text), dim=-1)


def gaussian_of(features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and per-dimension std over the prompts (rows)."""
    return features.mean(0), features.std(0)


def with_text(distribution: PromptDistribution, tower, text: str) -> PromptDistribution:
    """The distribution of the same soft prompts with ``text`` after them ("{prompts} in autumn")."""
    if not text:
        return distribution
    if distribution.soft_tokens is None:
        raise OptionError("appending text needs the soft prompts, and this distribution has none (a mix or one "
                          "made by hand); append the text to each file before mixing")
    full = " ".join(t for t in (distribution.text, text) if t)
    with torch.no_grad():
        mean, std = gaussian_of(features_of(tower, distribution.soft_tokens, full))
    return replace(distribution, mean=mean, std=std, text=full)


def mix(distributions: Sequence[PromptDistribution], weights: Sequence[float]) -> PromptDistribution:
    """The weighted sum of means and of stds (DreamDistribution's concept mixing); weights sum to 1."""
    check_weights(weights)
    first = distributions[0]
    for other in distributions[1:]:
        if other.dim != first.dim or not same_encoder(first.encoder, other.encoder):
            raise InputError(f"cannot mix distributions fitted with different encoders ({describe(first.encoder)} "
                             f"and {describe(other.encoder)})")
    mean = sum(w * d.mean for w, d in zip(weights, distributions))
    std = sum(w * d.std for w, d in zip(weights, distributions))
    info = {"mixed": [float(w) for w in weights]}
    return PromptDistribution(mean, std, None, "", first.encoder, info)


def check_weights(weights: Sequence[float]) -> None:
    if not weights:
        raise OptionError("a mix needs at least one distribution")
    if any(not math.isfinite(w) or w < 0 for w in weights):
        raise OptionError(f"mixing weights must be numbers ≥ 0, got {', '.join(f'{w:g}' for w in weights)}")
    if abs(sum(weights) - 1.0) > 1e-6:
        raise OptionError(f"mixing weights must sum to 1, these sum to {sum(weights):g}")


def parse_mix(text: str) -> list[tuple[str, float]]:
    """``"a.pt:0.7,b.pt:0.3"`` → ``[("a.pt", 0.7), ("b.pt", 0.3)]``; the weights must sum to 1."""
    pairs = []
    for item in text.split(","):
        path, sep, weight = item.strip().rpartition(":")
        try:
            if not sep or not path:
                raise ValueError
            pairs.append((path, float(weight)))
        except ValueError:
            raise OptionError(f"--mix {text!r}: write it as FILE:WEIGHT,FILE:WEIGHT (e.g. a.pt:0.7,b.pt:0.3); "
                              f"{item.strip()!r} is not FILE:WEIGHT") from None
    check_weights([w for _, w in pairs])
    return pairs


# ----------------------------------------------------------------------------- files


def load(path: Union[str, Path]) -> PromptDistribution:
    """Read a file written by :meth:`PromptDistribution.save`; anything else raises :class:`InputError`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such distribution file; {FIT_HINT}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # pickle, zip and torch errors alike: say which in one line
        first = " ".join(str(error).split())[:120]
        raise InputError(f"cannot read {path} as a DreamDistribution file ({type(error).__name__}: {first}); "
                         f"{FIT_HINT}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path} is not a DreamDistribution file; {FIT_HINT}")
    if data.get("version") != VERSION:
        raise InputError(f"{path} is a DreamDistribution file of version {data.get('version')}; this vecedit reads "
                         f"version {VERSION}; fit it again")
    try:
        return PromptDistribution(data["mean"], data["std"], data.get("soft_tokens"), data.get("text") or "",
                                  data.get("encoder"), data.get("info") or {})
    except (KeyError, TypeError, OptionError) as error:
        raise InputError(f"{path} is a damaged DreamDistribution file ({error}); fit it again") from None


# ----------------------------------------------------------------------------- encoder identity


def encoder_identity(encoder) -> dict:
    """Architecture name, weight fingerprint and feature size of an encoder.

    The fingerprint hashes every state-dict entry's name and shape and a strided sample
    of its values rounded to float16, so the same weights match on CPU (float32) and
    CUDA (float16), and any retraining, other seed or other width does not.
    """
    model = getattr(encoder, "model", None)
    description = getattr(encoder, "description", type(encoder).__name__)
    dim = _feature_size(encoder)
    if model is None:
        return {"name": description, "fingerprint": "", "dim": dim}
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        flat = tensor.detach().flatten()
        step = max(1, flat.numel() // 4096)
        digest.update(f"{name}{tuple(tensor.shape)}".encode())
        if flat.is_floating_point():
            digest.update(flat[::step].to("cpu", torch.float16).numpy().tobytes())
    return {"name": description.split(" ")[0], "fingerprint": digest.hexdigest()[:16], "dim": dim}


def _feature_size(encoder) -> int:
    projection = getattr(getattr(encoder, "model", None), "text_projection", None)
    if isinstance(projection, torch.nn.Linear):
        return int(projection.out_features)
    if torch.is_tensor(projection):
        return int(projection.shape[-1])
    with torch.no_grad():  # any other encoder: ask it
        return int(encoder.encode_text(["a photo"]).shape[-1])


def same_encoder(a: Optional[dict], b: Optional[dict]) -> bool:
    if a is None or b is None:
        return True  # a distribution made by hand holds no identity; its size is checked apart
    return a.get("fingerprint") == b.get("fingerprint") and a.get("dim") == b.get("dim")


def describe(identity: Optional[dict]) -> str:
    if identity is None:
        return "an unnamed encoder"
    fingerprint = identity.get("fingerprint")
    return f"{identity.get('name')} (weights {fingerprint})" if fingerprint else str(identity.get("name"))


def check_encoder(distribution: PromptDistribution, identity: dict, where: str) -> None:
    """Refuse a distribution whose features come from another encoder than ``identity``'s."""
    if distribution.dim != identity["dim"]:
        raise InputError(f"{where} holds {distribution.dim}-dimensional features, but this encoder "
                         f"({describe(identity)}) gives {identity['dim']}; fit it again with this encoder")
    if not same_encoder(distribution.encoder, identity):
        raise InputError(f"{where} was fitted with {describe(distribution.encoder)}, but this run uses "
                         f"{describe(identity)}; fit it again with this encoder, or run with the --clip and "
                         "weights it was fitted with")
