"""DeltaEdit for vector documents: text-free training, one-pass text edits.

DeltaEdit (Lyu et al., CVPR 2023, arXiv 2303.06285) trains, with images only, a *delta
mapper* from the CLIP image-feature difference of two images (plus the source's
StyleGAN code) to the difference of their style codes, with L2 + cosine losses and
coarse/medium/fine sub-networks. CLIP aligns image-feature and text-feature
differences, so at inference a text difference, CLIP(prompt) − CLIP(reference), is fed
instead, and the edit comes out of one forward pass, with no optimisation per prompt.

In the vector domain the generator is the document itself and its "style space" is a
small edit space (:mod:`vecedit.plugins.deltaedit.space`): for each of at most eight groups of
shapes, a layout change (move, scale, rotate about the group's centre) and an OKLab
colour change (lightness, contrast, tint, saturation): a few dozen numbers, split into
coarse (layout), medium (tone) and fine (colour scheme) levels.

* Training (:func:`vecedit.plugins.deltaedit.training.train_mapper`): random edits of the
  document are rendered and encoded; every pair of renders gives (source features,
  source edit, unit image-feature delta) → edit delta. No text is used.
* Inference (:meth:`vecedit.plugins.deltaedit.mapper.TrainedMapper.apply`): the unit text delta
  (prompt vs. reference text "a photo", each averaged over the 80 ImageNet templates as
  the edit loss does) goes through the mapper from the unedited document; the predicted
  edit is written into a copy of the document. Text and image deltas have different
  scales in CLIP, so both are normalised to unit length, in training and inference.
* As a plugin (``vecedit edit … --plugin deltaedit --plugin-option mapper=M.pt``), the
  predicted document is the starting point of the usual edit run toward the prompt.

Shapes outside the edit space (not selected at training) are never written. A mapper
file records its edit space, the structure of the document it was made for (a document
of the same structure, e.g. a recoloured copy, can use it) and the encoder's identity
(probe features); another encoder or another document structure is refused.

Usage::

    vecedit deltaedit train logo.svg -o logo-mapper.pt --clip-checkpoint vitb32.pt
    vecedit deltaedit apply logo.svg --mapper logo-mapper.pt -p "red" -o logo-red.svg --clip-checkpoint vitb32.pt
    vecedit deltaedit apply logo.svg --mapper logo-mapper.pt -p "autumn" -o autumn.svg --refine 30 …
    vecedit edit logo.svg -p "autumn" -o autumn.svg --plugin deltaedit --plugin-option mapper=logo-mapper.pt

    from vecedit.plugins.deltaedit import train_mapper, load_mapper
    mapper = train_mapper(doc, encoder, samples=256)     # encoder: vecedit.losses.encoders.load_clip(…)
    mapper.save("logo-mapper.pt")
    edited, info = load_mapper("logo-mapper.pt", encoder, doc).apply(doc, "red", encoder)
"""

from __future__ import annotations

from vecedit.plugin.contract import Contribution, PluginOption
from vecedit.errors import OptionError


def _strength(text: str) -> float:
    import math

    value = float(text)
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return value


class DeltaEditPlugin:
    """Start the edit run from the mapper's one-pass prediction for the prompt."""

    name = "deltaedit"
    summary = ("start from a one-pass edit predicted by a mapper trained without text on image-feature deltas "
               "(DeltaEdit); make the mapper with `vecedit deltaedit train`")
    options = (PluginOption("mapper", "a mapper file made by `vecedit deltaedit train` for this document and encoder",
                            required=True, path=True),
               PluginOption("strength", "scale of the predicted edit (0: none, negative: the opposite)", 1.0,
                            _strength))
    command = "deltaedit"

    def contribute(self, job) -> Contribution:
        from vecedit.plugins.deltaedit.mapper import load_mapper

        prompt = job.prompt
        if prompt is None or not prompt.strip():
            raise OptionError("the deltaedit plugin maps the prompt to an edit; give one with -p TEXT")
        mapper = load_mapper(job.options["mapper"], document=job.document)
        mapper.check_encoder(job.encoder, job.options["mapper"])
        config = job.config
        edited, info = mapper.apply(job.document, prompt, job.encoder, job.options["strength"],
                                    config.reference_text, config.templates, config.background)
        ms = info["ms"]
        note = (f"predicted the start edit in {ms['total']:.0f} ms (text {ms['text']:.0f} ms, mapper "
                f"{ms['mapper']:.1f} ms) over {len(mapper.space.groups)} groups")
        return Contribution(document=edited, notes=[note])

    def add_command(self, subparsers) -> None:
        from vecedit.plugins.deltaedit.cli import add_command

        add_command(subparsers, self)


def train_mapper(*args, **kwargs):
    """See :func:`vecedit.plugins.deltaedit.training.train_mapper`."""
    from vecedit.plugins.deltaedit.training import train_mapper as train

    return train(*args, **kwargs)


def load_mapper(*args, **kwargs):
    """See :func:`vecedit.plugins.deltaedit.mapper.load_mapper`."""
    from vecedit.plugins.deltaedit.mapper import load_mapper as load

    return load(*args, **kwargs)


__all__ = ["DeltaEditPlugin", "load_mapper", "train_mapper"]
