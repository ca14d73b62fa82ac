"""The plugin interface: raster methods that feed the vector edit loop.

A plugin receives a :class:`Job` (the document, the run's options, its own parsed
options, and on demand the run's encoder) and returns a :class:`Contribution` holding
any of:

* ``document``: the document to edit instead of the job's (an initial document, or the
  job's with elements inserted),
* ``target_image`` (+ ``target_mask``, ``image_weight``, ``image_loss``): a raster target
  in document pixels, pulled toward with an image loss,
* ``rois``: :class:`~vecedit.losses.clip_loss.ClipRoi` regions in document pixels, with a
  prompt, or ``target_features`` / ``direction`` in the encoder's feature space (used in
  place of a text direction), optionally with a mask,
* ``loss_terms``: extra :class:`~vecedit.losses.terms.LossTerm` objects,
* ``select`` / ``optimize``: what may move (e.g. only the inserted glyphs, only shape).

Plugins are classes registered in the ``vecedit.plugins`` entry-point group (the built-in
four register the same way a third party does, in ``pyproject.toml``)::

    [project.entry-points."vecedit.plugins"]
    sepia = "my_package.sepia:SepiaPlugin"

    class SepiaPlugin:
        name = "sepia"
        summary = "pull the picture toward a sepia toning of itself"
        options = (PluginOption("strength", "weight of the image loss", 1.0, float),)

        def contribute(self, job):
            image = job.render_initial()          # (H, W, 3) numpy, document pixels
            grey = image.mean(-1, keepdims=True)
            sepia = grey * np.array([1.07, 0.74, 0.43])
            return Contribution(target_image=sepia.clip(0, 1), image_weight=job.options["strength"])

A plugin may also add its own subcommand with ``add_command(subparsers)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Protocol, Sequence, Union, runtime_checkable

import numpy as np

from vecedit.errors import OptionError


@dataclass(frozen=True)
class PluginOption:
    """One ``--plugin-option key=value``: its name, help, default and parser (``str → value``)."""

    name: str
    help: str
    default: Any = None
    parse: Callable[[str], Any] = str
    required: bool = False
    # Names files, whose relative values in a job file are taken from the job's folder (when the file is
    # there). True: the value is one file name. A function ``(value, resolve) → value``: the value holds
    # several (e.g. ``a.pt:0.7,b.pt:0.3``), and the function passes each name through ``resolve``.
    path: Union[bool, Callable[[Any, Callable[[str], str]], Any]] = False


@dataclass
class Job:
    """What a plugin is given. ``document`` is in document pixels (``width × height``)."""

    document: Any  # vecedit.svg.Document
    config: Any  # vecedit.edit.config.EditConfig: prompt, rois, seed, device, clip …
    options: dict = field(default_factory=dict)  # this plugin's options, parsed, defaults filled in
    encoder_loader: Optional[Callable[[], Any]] = None
    _encoder: Any = None

    @property
    def width(self) -> int:
        from vecedit.scene import document_pixels

        return document_pixels(self.document)[0]

    @property
    def height(self) -> int:
        from vecedit.scene import document_pixels

        return document_pixels(self.document)[1]

    @property
    def prompt(self) -> Optional[str]:
        return self.config.prompt

    @property
    def encoder(self):
        """The run's image/text encoder (CLIP unless a caller gave another), loaded once."""
        if self._encoder is None:
            if self.encoder_loader is None:
                raise OptionError("this plugin needs an image/text encoder, and none was given")
            self._encoder = self.encoder_loader()
        return self._encoder

    @property
    def encoder_loaded(self) -> bool:
        return self._encoder is not None

    def render_initial(self, document=None) -> np.ndarray:
        """The document (default: the job's) rendered at document pixels on the run's background, (H, W, 3)."""
        import torch

        from vecedit.imageio import to_rgba
        from vecedit.render.composite import render_scene
        from vecedit.scene import from_document

        scene = from_document(document or self.document, self.width, self.height)
        with torch.no_grad():
            image = render_scene(scene, to_rgba(self.config.background))[..., :3]
        return image.cpu().numpy()


@dataclass
class Contribution:
    """What a plugin hands to the edit loop (every field optional; see the module docstring)."""

    document: Any = None
    target_image: Optional[np.ndarray] = None  # (H, W, 3|4) in [0, 1], document pixels
    target_mask: Optional[np.ndarray] = None  # (H, W) weights of the image loss
    image_weight: float = 1.0
    image_loss: str = "mse"
    rois: list = field(default_factory=list)  # ClipRoi in document pixels
    loss_terms: list = field(default_factory=list)
    select: Optional[list] = None  # ids, classes, selectors or boxes that may move
    optimize: Optional[list] = None  # parameter kinds that may move (shape, color, …)
    notes: list = field(default_factory=list)  # one-line messages for the user


@runtime_checkable
class Plugin(Protocol):
    name: str
    summary: str
    options: Sequence[PluginOption]

    def contribute(self, job: Job) -> Contribution:
        ...


def parse_options(plugin: Plugin, given: Optional[dict]) -> dict:
    """``{key: "value"}`` from the command line (or values from a job file) → the plugin's typed options.

    Unknown keys and values that do not parse raise :class:`OptionError` naming the key.
    Numbers and booleans (from a job file or Python) are parsed as their text, so they get
    the same checks; lists and mappings go to the parser as they are (a box, a list of
    elements); other objects (a loaded file, a path) are kept.
    """
    known = {o.name: o for o in plugin.options}
    out = {}
    for key, value in (given or {}).items():
        option = known.get(key.replace("-", "_"))
        if option is None:
            names = ", ".join(sorted(known)) or "none"
            raise OptionError(f"plugin {plugin.name}: unknown option {key!r} (its options: {names}; "
                              "`vecedit plugins` lists them)")
        try:
            out[option.name] = _parsed(option, value)
        except (TypeError, ValueError) as error:
            raise OptionError(f"plugin {plugin.name}: option {key}={value!r}: {error}") from None
    for option in plugin.options:
        if option.name not in out:
            if option.required:
                raise OptionError(f"plugin {plugin.name} needs --plugin-option {option.name}=… ({option.help})")
            out[option.name] = option.default
    return out


def _parsed(option: PluginOption, value):
    if isinstance(value, (bool, int, float)):
        value = str(value)  # a job file's -1 gets the check a typed -1 gets
    if isinstance(value, str):
        return option.parse(value)
    if isinstance(value, (list, tuple, dict)):
        if option.parse is str:
            raise ValueError(f"expected one value, not a {type(value).__name__}")
        try:
            return option.parse(value)
        except (TypeError, AttributeError):  # a parser of single values
            raise ValueError(f"expected one value, not a {type(value).__name__}") from None
    return value


def split_option(text: str) -> tuple[str, str]:
    """``"key=value"`` → ``("key", "value")``; anything else raises :class:`OptionError`."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise OptionError(f"--plugin-option {text!r}: write it as key=value")
    return key.strip(), value


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


__all__ = ["Contribution", "Job", "Plugin", "PluginOption", "parse_bool", "parse_options", "split_option"]
