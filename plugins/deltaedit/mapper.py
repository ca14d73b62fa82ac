"""The delta mapper: (source features, source edit, unit feature delta) → edit delta.

As in DeltaEdit, one sub-network per level (coarse, medium, fine; see
:mod:`vecedit.plugins.deltaedit.space`), each made of a *condition* module on the feature delta
and the source's image features, a *style* module on the source's own code (here: the
source's edit vector, the counterpart of its StyleGAN style code), and a *fusion* module
that maps both to the level's part of the edit delta. Trained with L2 + cosine losses
(:func:`vecedit.plugins.deltaedit.training.train_mapper`); saved with :meth:`TrainedMapper.save`
as plain tensors, strings and numbers, so ``torch.load(weights_only=True)`` reads it.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch
from torch import nn

from vecedit.plugins.deltaedit.space import COLUMNS, SCALES, EditSpace, structure_signature
from vecedit.errors import InputError, OptionError

FORMAT = "vecedit-deltaedit-mapper/1"


class LevelMapper(nn.Module):
    """One level's sub-network: condition (ΔI, I) ⊕ style (code) → fusion → Δcode."""

    def __init__(self, feature_dim: int, code_dim: int, hidden: int):
        super().__init__()
        act = lambda: nn.LeakyReLU(0.2)
        self.condition = nn.Sequential(nn.Linear(2 * feature_dim, hidden), act(), nn.Linear(hidden, hidden), act())
        self.style = nn.Sequential(nn.Linear(code_dim, hidden), act())
        self.fusion = nn.Sequential(nn.Linear(2 * hidden, hidden), act(), nn.Linear(hidden, code_dim))

    def forward(self, source: torch.Tensor, delta: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        condition = self.condition(torch.cat([delta, source], -1))
        return self.fusion(torch.cat([condition, self.style(code)], -1))


class DeltaMapper(nn.Module):
    """``(B, D)`` source features, ``(B, D)`` unit deltas, ``(B, G, 9)`` codes → ``(B, G, 9)`` Δcode.

    Codes and outputs are normalised edits (:data:`~vecedit.plugins.deltaedit.space.SCALES`);
    columns of levels the space does not use stay zero.
    """

    def __init__(self, feature_dim: int, groups: int, levels: dict, hidden: int = 256):
        super().__init__()
        self.config = {"feature_dim": int(feature_dim), "groups": int(groups), "hidden": int(hidden),
                       "levels": {name: list(map(int, cols)) for name, cols in levels.items()}}
        self.levels = nn.ModuleDict({name: LevelMapper(feature_dim, groups * len(cols), hidden)
                                     for name, cols in levels.items()})
        # unit vectors in D dimensions have components ~1/√D; bring them to ~1 for the first layer
        self.input_gain = math.sqrt(feature_dim)

    def forward(self, source: torch.Tensor, delta: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        batch, groups = code.shape[0], self.config["groups"]
        source, delta = source * self.input_gain, delta * self.input_gain
        parts = torch.zeros(batch, groups, len(COLUMNS), dtype=code.dtype, device=code.device)
        for name, level in self.levels.items():
            cols = self.config["levels"][name]
            out = level(source, delta, code[:, :, cols].flatten(1))
            parts = parts.index_copy(2, torch.tensor(cols, device=code.device), out.view(batch, groups, len(cols)))
        return parts


@contextmanager
def one_thread():
    """A small network's steps run fastest on one thread: waking more costs more than the work,
    and far more on a shared machine (measured here: 0.19 s per step on two busy threads, 0.01 s on one)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def document_digest(doc) -> str:
    from vecedit.svg import dumps_svg

    return hashlib.sha256(dumps_svg(doc).encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class TrainedMapper:
    """A trained mapper with what it was trained for: the edit space, the document, the encoder."""

    space: EditSpace
    net: DeltaMapper
    encoder: dict  # features.encoder_identity of the training encoder
    document: dict  # structure, digest, background
    source_features: torch.Tensor  # (D,) of the training document, for instant edits of it
    reference_features: dict = field(default_factory=dict)  # "text|templates" → (D,), cached text features
    stats: dict = field(default_factory=dict)

    # ------------------------------------------------------------------ files
    def to_dict(self) -> dict:
        return {"format": FORMAT, "space": self.space.to_dict(), "net_config": copy.deepcopy(self.net.config),
                "net": {k: v.detach().cpu() for k, v in self.net.state_dict().items()},
                "encoder": dict(self.encoder), "document": dict(self.document),
                "source_features": self.source_features.detach().cpu(),
                "reference_features": {k: v.detach().cpu() for k, v in self.reference_features.items()},
                "stats": dict(self.stats)}

    def save(self, path: Union[str, os.PathLike]) -> None:
        """Write atomically (a temporary file beside it, then a rename)."""
        path = Path(path)
        partial = path.with_name(f".{path.name}.partial")
        try:
            torch.save(self.to_dict(), partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    @classmethod
    def from_dict(cls, data: dict, where: str = "the mapper") -> "TrainedMapper":
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{where} is not a deltaedit mapper; make one with vecedit deltaedit train IN.svg "
                             "-o MAPPER.pt")
        try:
            config = data["net_config"]
            net = DeltaMapper(config["feature_dim"], config["groups"], config["levels"], config["hidden"])
            net.load_state_dict(data["net"])
            space = EditSpace.from_dict(data["space"])
            _require(data["encoder"], ("name", "dim", "image_size", "probe_image", "probe_text"))
            _require(data["document"], ("structure", "digest", "background"))
            mapper = cls(space, net.eval(), data["encoder"], data["document"], data["source_features"],
                         dict(data.get("reference_features", {})), dict(data.get("stats", {})))
        except (KeyError, TypeError, ValueError, RuntimeError) as error:
            first = " ".join(str(error).split())[:120]
            raise InputError(f"{where} is a damaged deltaedit mapper ({type(error).__name__}: {first}); "
                             "train it again") from None
        for p in mapper.net.parameters():
            p.requires_grad_(False)
        return mapper

    # ------------------------------------------------------------------ checks
    def check_document(self, doc, where: str = "the mapper") -> None:
        if structure_signature(doc) != self.document["structure"]:
            raise InputError(f"{where} was trained for another document (its shapes, point counts, paints or size "
                             "differ); train a mapper for this one with vecedit deltaedit train")

    def check_encoder(self, encoder, where: str = "the mapper") -> None:
        from vecedit.plugins.deltaedit.features import check_encoder

        check_encoder(self.encoder, encoder, where)

    # ------------------------------------------------------------------ prediction
    @torch.no_grad()
    def predict(self, source: torch.Tensor, delta: torch.Tensor, code: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Normalised edit deltas ``(B, G, 9)`` for ``(B, D)`` sources and feature deltas (any length)."""
        from vecedit.plugins.deltaedit.features import direction

        source = source.float().reshape(-1, source.shape[-1])
        delta = direction(delta.float().reshape(-1, delta.shape[-1]), source)
        if code is None:
            code = torch.zeros(source.shape[0], len(self.space.groups), len(COLUMNS))
        with one_thread():
            return self.net(source, delta, code.float())

    def features_of(self, doc, encoder, background: str = "white") -> torch.Tensor:
        """The document's image features: stored when it is the training document, else rendered."""
        if document_digest(doc) == self.document["digest"] and background == self.document["background"]:
            return self.source_features.float()
        from vecedit.plugins.deltaedit.features import encoder_view, image_features, work_size
        from vecedit.imageio import to_rgba
        from vecedit.render.composite import render_scene
        from vecedit.scene import from_document

        with torch.no_grad():
            image = render_scene(from_document(doc, *work_size(doc, encoder.image_size)), to_rgba(background))
        return image_features([encoder_view(image, encoder)], encoder)[0]

    def text_direction(self, encoder, prompt: str, reference: str = "a photo",
                       templates: Union[str, list, None] = "imagenet") -> torch.Tensor:
        """ΔT = T(prompt) − T(reference), the reference taken from the file when it was cached there."""
        from vecedit.plugins.deltaedit.features import text_features
        from vecedit.losses.clip_loss import templates_named

        patterns = templates_named(templates)
        key = reference_key(reference, templates)
        cached = self.reference_features.get(key)
        reference_t = cached.float() if cached is not None else text_features(encoder, reference, patterns)
        return text_features(encoder, prompt, patterns) - reference_t

    def edit_for(self, doc, prompt: str, encoder, strength: float = 1.0, reference: str = "a photo",
                 templates: Union[str, list, None] = "imagenet", background: str = "white") -> tuple[np.ndarray, dict]:
        """The edit ((groups, 9), real units) the mapper predicts for ``prompt``, and timings in ms."""
        if not isinstance(prompt, str) or not prompt.strip():
            raise OptionError("the prompt is empty; give the text the picture should move toward, e.g. -p 'red'")
        if not math.isfinite(float(strength)):
            raise OptionError(f"--strength must be a finite number, got {strength!r}")
        clock = time.perf_counter
        started = clock()
        source = self.features_of(doc, encoder, background)
        featured = clock()
        text_delta = self.text_direction(encoder, prompt.strip(), reference, templates)
        texted = clock()
        delta = self.predict(source[None], text_delta[None])[0].numpy() * float(strength)
        mapped = clock()
        ms = {"source_features": 1e3 * (featured - started), "text": 1e3 * (texted - featured),
              "mapper": 1e3 * (mapped - texted)}
        return delta * SCALES, ms

    def apply(self, doc, prompt: str, encoder, strength: float = 1.0, reference: str = "a photo",
              templates: Union[str, list, None] = "imagenet", background: str = "white"):
        """A copy of ``doc`` with the predicted edit written into it, and timings (ms) and the edit.

        ``doc`` itself is not changed; shapes outside the edit space stay bit-identical.
        """
        from vecedit.scene import from_document, write_back

        self.check_document(doc)
        started = time.perf_counter()
        edit, ms = self.edit_for(doc, prompt, encoder, strength, reference, templates, background)
        written = time.perf_counter()
        out = copy.deepcopy(doc)
        scene = from_document(out)
        write_back(self.space.bind(out, scene).apply(edit), out)
        ms["write"] = 1e3 * (time.perf_counter() - written)
        ms["total"] = 1e3 * (time.perf_counter() - started)
        return out, {"ms": ms, "edit": edit}


def _require(record: dict, keys) -> None:
    missing = [key for key in keys if key not in record]
    if missing:
        raise KeyError(missing[0])


def reference_key(reference: str, templates) -> str:
    """The cache key of a reference text's features under a choice of templates."""
    from vecedit.losses.clip_loss import templates_named

    return f"{reference}|" + "|".join(templates_named(templates))


def load_mapper(path: Union[str, os.PathLike], encoder=None, document=None) -> TrainedMapper:
    """Read a mapper file; with ``encoder`` / ``document``, refuse ones it was not trained for."""
    path = Path(path)
    where = str(path)
    if not path.is_file():
        raise InputError(f"{where}: no such mapper file; make one with vecedit deltaedit train IN.svg -o {path.name}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # a truncated or foreign file: say so in one line
        first = " ".join(str(error).split())[:120]
        raise InputError(f"cannot read {where} as a deltaedit mapper ({type(error).__name__}: {first}); "
                         "train it again with vecedit deltaedit train") from None
    mapper = TrainedMapper.from_dict(data, where)
    if document is not None:
        mapper.check_document(document, where)
    if encoder is not None:
        mapper.check_encoder(encoder, where)
    return mapper


__all__ = ["DeltaMapper", "LevelMapper", "TrainedMapper", "document_digest", "load_mapper", "one_thread",
           "reference_key"]
