"""Finding plugins (the ``vecedit.plugins`` entry-point group) and running one before an edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Optional

from vecedit.plugin.contract import Contribution, Job, Plugin, parse_options
from vecedit.errors import OptionError

GROUP = "vecedit.plugins"


def available() -> dict[str, Any]:
    """``{name: entry point}`` of every installed plugin, sorted by name (nothing is imported)."""
    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    return dict(sorted(found.items()))


def load(name: str) -> Plugin:
    """An instance of the plugin registered as ``name``; :class:`OptionError` if there is none."""
    found = available()
    if name not in found:
        names = ", ".join(found) or "none are installed"
        raise OptionError(f"no plugin named {name!r} (installed: {names}; `vecedit plugins` lists them)")
    try:
        factory = found[name].load()
    except Exception as error:  # a third party's broken package: say which, in one line
        raise OptionError(f"plugin {name!r} could not be loaded ({found[name].value}): "
                          f"{type(error).__name__}: {error}") from None
    plugin = factory() if isinstance(factory, type) else factory
    for attribute in ("name", "summary", "options", "contribute"):
        if not hasattr(plugin, attribute):
            raise OptionError(f"plugin {name!r} ({found[name].value}) has no {attribute!r}; it does not follow "
                              "the plugin interface (vecedit/plugin/contract.py)")
    return plugin


@dataclass
class PluginEdit:
    """What the edit loop takes from a plugin: the document and the Editor's extra arguments."""

    document: Any
    rois: list = field(default_factory=list)
    loss_terms: list = field(default_factory=list)
    select: Optional[list] = None
    optimize: Optional[list] = None
    encoder: Any = None  # the encoder the plugin loaded, shared with the loop
    notes: list = field(default_factory=list)


def run_plugin(config, document, encoder=None, plugin: Optional[Plugin] = None) -> PluginEdit:
    """Run ``config.plugin`` (or ``plugin``) on ``document`` and turn its contribution into edit inputs."""
    plugin = plugin or load(config.plugin)
    options = parse_options(plugin, config.plugin_options)

    def load_encoder():
        from vecedit.losses.encoders import default_device, load_clip

        clip = config.clip
        return load_clip(clip.model, clip.pretrained, clip.checkpoint, config.device or default_device())

    job = Job(document, config, options, load_encoder, encoder)
    contribution = plugin.contribute(job)
    if not isinstance(contribution, Contribution):
        raise OptionError(f"plugin {plugin.name} returned {type(contribution).__name__}, not a Contribution")
    return to_edit(contribution, job)


def to_edit(contribution: Contribution, job: Job) -> PluginEdit:
    from vecedit.losses.image_loss import ImageLoss

    terms = list(contribution.loss_terms)
    if contribution.target_image is not None:
        mask = contribution.target_mask
        terms.append(ImageLoss(contribution.target_image, contribution.image_loss, contribution.image_weight,
                               mask=mask, name="plugin_image"))
    return PluginEdit(contribution.document if contribution.document is not None else job.document,
                      list(contribution.rois), terms, contribution.select, contribution.optimize,
                      job._encoder, list(contribution.notes))


__all__ = ["GROUP", "PluginEdit", "available", "load", "run_plugin", "to_edit"]
