"""DreamDistribution for vector graphics: learn a concept's prompt distribution from a few images, sample it.

The paper (Zhao et al., "DreamDistribution: Prompt Distribution Learning for
Text-to-Image Diffusion Models", arXiv 2312.14216) learns K soft prompts (learnable
token embeddings, e.g. 32 prompts × 4 tokens) through a frozen text encoder, models
their text features as a Gaussian (mean and per-dimension std over the K prompts),
samples it by reparameterisation, and trains so that images generated from the samples
match a few reference images, with an orthogonality term keeping the prompts apart. At
inference a sample is a new prompt embedding: a scale on the std trades faithfulness
for diversity, weighted sums of means and stds mix concepts, and text can be appended
to every prompt ("{prompts} in autumn").

Here, in the vector domain:

* **fit** (:mod:`.fit`): the soft prompts pass through open_clip's text tower
  (:mod:`.text_tower`); with no generator, the references are judged in CLIP space:
  sampled text features against the references' image features (mean ``1 − cos``),
  plus the orthogonality term (λ = 1e-3). The learned Gaussian, the soft prompts and
  the encoder's identity are saved to a ``.pt`` file (:mod:`.distribution`).
* **sample** (:mod:`.sampling`): each sample is one target for one edit of an SVG:
  the CLIP embedding the whole canvas should move toward (CLIPVG's directional loss,
  from the initial render's embedding to the sample), so N samples give N diverse,
  on-concept variants of the same drawing. ``std_scale`` 0 gives the mean every time.

Command line::

    vecedit dreamdistribution fit ref1.png ref2.png ref3.png -o concept.pt [--prompts 32] [--tokens 4]
    vecedit dreamdistribution sample in.svg --distribution concept.pt -n 4 -o variants/out.svg
    vecedit edit in.svg -o out.svg --plugin dreamdistribution --plugin-option distribution=concept.pt

Python::

    from vecedit.plugins.dreamdistribution import fit_distribution, load_distribution
    concept = fit_distribution(load_clip("ViT-B-32", "openai"), ["a.png", "b.png", "c.png"], steps=300)
    concept.save("concept.pt")
    vecedit.edit("in.svg", plugin="dreamdistribution", seed=3,
                 plugin_options={"distribution": "concept.pt", "std_scale": 1.5})

This module imports no torch: the CLI builds its parser from it for every command.
"""

from __future__ import annotations

import math

from vecedit.plugin.contract import PluginOption


def _scale(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError("must be a number ≥ 0")
    return value


def _target(text: str) -> str:
    value = text.strip().lower()
    if value not in ("image", "text"):
        raise ValueError("expected image or text")
    return value


def _optional_int(text: str):
    return None if text.strip().lower() in ("", "none") else int(text)


def _mix_files(text: str, resolve) -> str:
    """``A.pt:0.7,B.pt:0.3`` with each file name passed through ``resolve``; an item that is not
    FILE:WEIGHT is kept as written, for the run to report."""
    items = []
    for item in text.split(","):
        name, sep, weight = item.strip().rpartition(":")
        items.append(f"{resolve(name)}:{weight}" if sep and name else item)
    return ",".join(items)


class DreamDistributionPlugin:
    name = "dreamdistribution"
    summary = ("steer the edit toward a sample of a prompt distribution learned from a few reference images "
               "(DreamDistribution)")
    options = (
        PluginOption("distribution", "a .pt file from `vecedit dreamdistribution fit`", path=True),
        PluginOption("mix", "instead of distribution: FILE:WEIGHT,… whose weights sum to 1 (mixes concepts)",
                     path=_mix_files),
        PluginOption("std_scale", "scale on the std: 0 = the mean, larger = more diverse", 1.0, _scale),
        PluginOption("text", "text appended after the learned prompts, e.g. 'in autumn'", ""),
        PluginOption("sample_seed", "seed of the sample (default: the run's --seed)", None, _optional_int),
        PluginOption("weight", "weight of the sampled target's CLIP term", 1.0, float),
        PluginOption("target", "image: move the picture's CLIP embedding toward the sample; text: use the sample "
                               "minus the reference text ('a photo') as a text direction", "image", _target),
    )
    command = "dreamdistribution"

    def contribute(self, job):
        from vecedit.plugins.dreamdistribution.sampling import contribution

        return contribution(job)

    def add_command(self, subparsers):
        from vecedit.plugins.dreamdistribution.cli import add_command

        return add_command(subparsers, self)


def __getattr__(name):  # the Python API, imported on first use (it needs torch)
    if name == "fit_distribution":
        from vecedit.plugins.dreamdistribution.fit import fit_distribution

        return fit_distribution
    if name in ("PromptDistribution", "mix"):
        import vecedit.plugins.dreamdistribution.distribution as distribution

        return getattr(distribution, name)
    if name == "load_distribution":
        from vecedit.plugins.dreamdistribution.distribution import load

        return load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DreamDistributionPlugin", "PromptDistribution", "fit_distribution", "load_distribution", "mix"]
