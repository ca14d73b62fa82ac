"""Everything an edit run can be told, as one dataclass that round-trips to YAML, TOML and JSON.

A job file holds the same keys as the command's flags (``vecedit edit --config job.yaml``)::

    input: portrait.svg
    output: joker.svg
    prompt: "Joker, Heath Ledger"
    iterations: 150
    optimize: [shape, color]
    rois:
      - {prompt: "a red hat", box: "120,10,200,120", weight: 1.5}
      - {prompt: "green hair", select: "#hair"}
      - {prompt: "a smile", mask: mouth-mask.png}
    lr: {shape: 0.2, color: 0.01}
    clip: {model: ViT-B-32, pretrained: openai}

Boxes are ``x,y,w,h`` in the document's pixels (its ``width``/``height``). Relative paths
in a job file are taken from the job file's folder (for ``plugin_options``, the options
a plugin marks as files, when the file is there). TOML has no null, so an empty string
stands for "not set" there (and is read back as ``None``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Optional, Union

from vecedit.errors import InputError, OptionError

OPTIMIZE_KINDS = {
    "shape": ("shape",),
    "color": ("color",),
    "colour": ("color",),
    "stroke": ("stroke_width",),
    "stroke_width": ("stroke_width",),
    "opacity": ("opacity",),
    "filter": ("filter",),
    "all": ("shape", "color", "stroke_width", "opacity", "filter"),
}
MAX_PATCHES = 1024
PATH_KEYS = ("input", "output", "animation", "report", "frames", "checkpoint", "target_image")


@dataclass
class RoiConfig:
    """A region of interest beyond the whole canvas: one of ``box``, ``mask``, ``select``."""

    prompt: str = ""
    box: Optional[str] = None  # "x,y,w,h" in document pixels
    mask: Optional[str] = None  # image file at the document's size; bright or opaque pixels are inside
    select: Optional[str] = None  # elements whose bounding box is the ROI
    weight: float = 1.0


@dataclass
class ClipConfig:
    model: str = "ViT-B-32"  # an open_clip architecture, or a JSON model config file
    pretrained: Optional[str] = "openai"  # an open_clip tag (cached or downloaded)
    checkpoint: Optional[str] = None  # a state_dict file for `model` (wins over `pretrained`)


@dataclass
class LearningRates:
    shape: float = 0.2  # control points, in document pixels per step
    color: float = 0.01  # fill/stroke RGBA and gradient stop colours
    stroke_width: float = 0.1  # in each element's user units
    opacity: float = 0.01
    stops: float = 0.01  # gradient stop offsets
    filter: float = 0.05  # filter numbers (stdDeviation, dx, matrix values …) in their own units


@dataclass
class EditConfig:
    input: Optional[str] = None
    output: Optional[str] = None
    prompt: Optional[str] = None  # the whole canvas (ROI 0)
    rois: list[RoiConfig] = field(default_factory=list)
    reference_text: str = "a photo"
    templates: str = "imagenet"  # "imagenet" (80 templates) or "none"
    optimize: Optional[list[str]] = None  # kinds that move; None: all (or a plugin's choice)
    select: Optional[list[str]] = None  # ids, classes, selectors or x,y,w,h boxes; default: all
    iterations: int = 150
    seed: int = 0
    patches: int = 64
    patch_size: float = 0.8
    distortion: float = 0.3
    crop_scale: float = 0.98
    roi_weight: float = 30.0
    patch_weight: float = 80.0
    lr: LearningRates = field(default_factory=LearningRates)
    work_size: str = "auto"  # "auto", "full", or a number: the longest side of the render, in pixels
    background: str = "white"
    device: Optional[str] = None  # default: CUDA when available, else CPU
    precision: str = "auto"  # the image encoder's: fp32, bf16 or auto (see losses.encoders.resolve_precision)
    clip: ClipConfig = field(default_factory=ClipConfig)
    target_image: Optional[str] = None  # optional raster target (image loss)
    image_loss: str = "mse"
    image_weight: float = 1.0
    save_every: int = 0
    frames: Optional[str] = None  # folder for numbered frames (default: OUTPUT stem + "-frames")
    animation: Optional[str] = None  # .gif or .mp4
    report: Optional[str] = None  # .html
    checkpoint: Optional[str] = None  # default: OUTPUT + ".ckpt"
    checkpoint_every: int = 25
    resume: bool = False
    plugin: Optional[str] = None  # a `vecedit plugins` name; it adds targets, ROIs, elements or loss terms
    plugin_options: dict = field(default_factory=dict)  # that plugin's options, key → value

    # ------------------------------------------------------------------ conversion
    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, where: str = "the configuration") -> "EditConfig":
        return _build(cls, data, where)

    def kinds(self) -> tuple[str, ...]:
        """The parameter kinds named by ``optimize`` (see :data:`OPTIMIZE_KINDS`)."""
        out: list[str] = []
        for item in self.optimize or ["all"]:
            for name in str(item).replace(",", " ").split():
                key = name.strip().lower().replace("-", "_")
                if key not in OPTIMIZE_KINDS:
                    raise OptionError(f"--optimize {name!r}: choose from all, shape, color, stroke, opacity "
                                      "(comma-separated)")
                out.extend(k for k in OPTIMIZE_KINDS[key] if k not in out)
        if not out:
            raise OptionError("--optimize names nothing; choose from all, shape, color, stroke, opacity")
        return tuple(out)

    def validate(self) -> "EditConfig":
        """Check values a run cannot work with; raise :class:`OptionError` naming the bad one."""
        def positive_int(name, value, allow_zero=False):
            if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
                raise OptionError(f"{name} must be a whole number {'>= 0' if allow_zero else '>= 1'}, got {value!r}")

        def number(name, value, low=0.0, high=math.inf):
            # NaN and infinities fail the range test: a weight or rate of inf or nan only makes every step fail
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high \
                    or not math.isfinite(value):
                bounds = f"between {low} and {high}" if math.isfinite(high) else f">= {low:g}"
                raise OptionError(f"{name} must be a number {bounds}, got {value!r}")

        positive_int("iterations", self.iterations)
        positive_int("patches", self.patches, allow_zero=True)
        if self.patches > MAX_PATCHES:  # each patch is one more image through the encoder, forward and backward
            raise OptionError(f"patches must be at most {MAX_PATCHES}, got {self.patches!r}")
        positive_int("save_every", self.save_every, allow_zero=True)
        positive_int("checkpoint_every", self.checkpoint_every, allow_zero=True)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not -2**63 <= self.seed < 2**63:
            raise OptionError(f"seed must be a whole number from -2^63 to 2^63-1, got {self.seed!r}")
        for name, low, high in (("patch_size", 0.05, 1.0), ("distortion", 0.0, 1.0), ("crop_scale", 0.5, 1.0)):
            number(name, getattr(self, name), low, high)
        for name in ("roi_weight", "patch_weight", "image_weight"):
            number(name, getattr(self, name))
        for f in fields(LearningRates):
            number(f"the {f.name} learning rate", getattr(self.lr, f.name))
        if self.prompt is not None and not str(self.prompt).strip():
            raise OptionError("the prompt is empty; give the text the picture should move toward, e.g. -p 'a red car'")
        for k, roi in enumerate(self.rois, 1):
            if not str(roi.prompt or "").strip():
                raise OptionError(f"ROI {k} has an empty prompt; give each ROI the text it should move toward")
            given = [n for n in ("box", "mask", "select") if getattr(roi, n) is not None and not (
                isinstance(getattr(roi, n), str) and not getattr(roi, n).strip())]
            if len(given) != 1:
                raise OptionError(f"ROI {k} ({roi.prompt!r}) needs exactly one of box, mask or select, "
                                  f"got {', '.join(given) or 'none'}")
            number(f"the weight of ROI {k}", roi.weight)
        if not str(self.reference_text).strip():
            raise OptionError("reference_text is empty; the default is 'a photo'")
        if self.templates not in ("imagenet", "none"):
            raise OptionError(f"templates must be 'imagenet' or 'none', got {self.templates!r}")
        work = str(self.work_size).strip().lower()
        if work not in ("auto", "full") and not (work.isdecimal() and int(work) >= 16):  # "²".isdigit() too
            raise OptionError(f"work_size must be auto, full or a number of pixels >= 16, got {self.work_size!r}")
        if str(self.precision).lower() not in ("auto", "fp32", "bf16"):
            raise OptionError(f"precision must be fp32, bf16 or auto, got {self.precision!r}")
        if self.image_loss not in ("mse", "l1"):
            raise OptionError(f"image_loss must be mse or l1, got {self.image_loss!r}")
        if self.device is not None:
            from vecedit.losses.encoders import check_device

            check_device(self.device)
        if not isinstance(self.plugin_options, dict):
            raise OptionError(f"plugin_options must be a mapping of option names to values, got "
                              f"{type(self.plugin_options).__name__}")
        if self.plugin_options and not self.plugin:
            raise OptionError("plugin options were given without a plugin; add --plugin NAME (`vecedit plugins` "
                              "lists them)")
        self.kinds()
        return self


def _build(cls, data: Any, where: str):
    if not isinstance(data, dict):
        raise OptionError(f"{where} must be a mapping of keys to values, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise OptionError(f"unknown key(s) {', '.join(map(repr, unknown))} in {where}; known keys: "
                          f"{', '.join(known)}")
    values = {}
    for name, value in data.items():
        kind = known[name].type
        if name == "rois":
            if not isinstance(value, list):
                raise OptionError(f"rois in {where} must be a list of mappings")
            value = [_build(RoiConfig, item, f"ROI {k} of {where}") for k, item in enumerate(value, 1)]
        elif name in ("lr", "clip"):
            value = _build(LearningRates if name == "lr" else ClipConfig, value, f"{name} in {where}")
        elif cls is EditConfig and name == "plugin_options":
            value = {} if value in (None, "") else value  # TOML has no null
            if not isinstance(value, dict):
                raise OptionError(f"plugin_options in {where} must be a mapping of option names to values, got "
                                  f"{type(value).__name__}")
        elif cls is EditConfig and name in ("optimize", "select") and isinstance(value, str):
            value = [value]
        elif value == "" and "Optional" in str(kind):
            value = None
        elif name == "work_size" and value is not None:
            value = str(value)
        elif cls is RoiConfig and name == "box" and isinstance(value, (list, tuple)):
            value = ",".join(map(str, value))  # [x, y, w, h] as the text form
        _check_type(name, value, str(kind), where)
        values[name] = value
    return cls(**values)


_KINDS = {"int": ((int,), "a whole number"), "float": ((int, float), "a number"), "str": ((str,), "text"),
          "bool": ((bool,), "true or false"), "list[str]": ((list,), "a list of text")}


def _check_type(name: str, value: Any, kind: str, where: str) -> None:
    """Refuse a job file's value of the wrong type (``prompt: 5``, ``seed: 1.5``) in one line naming the key."""
    optional = kind.startswith("Optional[")
    base = kind[len("Optional["):-1] if optional else kind
    if base not in _KINDS or (value is None and optional):
        return  # nested configurations and mappings are checked where they are built
    types, what = _KINDS[base]
    ok = isinstance(value, types) and (base == "bool" or not isinstance(value, bool))
    if ok and base == "list[str]":
        ok = all(isinstance(item, str) for item in value)
    if not ok:
        raise OptionError(f"{name} in {where} must be {what}, got {value!r}")


# ---------------------------------------------------------------------------- files


def load_config(path: Union[str, os.PathLike], resolve_paths: bool = True) -> EditConfig:
    """Read a job file (``.yaml``/``.yml``, ``.toml`` or ``.json``) into an :class:`EditConfig`."""
    path = Path(path)
    config = EditConfig.from_dict(read_job_file(path), where=str(path))
    if resolve_paths:
        resolve_config_paths(config, path.parent)
    return config


def read_job_file(path: Union[str, os.PathLike], flag: str = "--config") -> Any:
    """The data of a ``.yaml``/``.yml``, ``.toml`` or ``.json`` job file; one-line errors naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{flag} {path}: no such job file")
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".toml", ".json"):
        raise OptionError(f"{flag} {path}: use a .yaml, .toml or .json job file")
    try:
        text = path.read_text(encoding="utf-8")
        if suffix == ".toml":
            import tomllib

            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
        import yaml

        return yaml.safe_load(text) or {}
    except Exception as error:  # the parsers' own errors: say where, in one line
        first = " ".join(str(error).split())[:200]
        raise InputError(f"cannot read the job file {path}: {first}") from None


def resolve_config_paths(config: EditConfig, base: Path) -> EditConfig:
    """Take a job file's relative paths (files, ROI masks, CLIP files, plugin files) from its folder ``base``."""
    for key in PATH_KEYS:
        value = getattr(config, key)
        if value and not os.path.isabs(value):
            setattr(config, key, str(base / value))
    for roi in config.rois:
        if roi.mask and isinstance(roi.mask, str) and not os.path.isabs(roi.mask):
            roi.mask = str(base / roi.mask)
    _resolve_plugin_paths(config, base)
    if config.clip.checkpoint and not os.path.isabs(config.clip.checkpoint):
        config.clip.checkpoint = str(base / config.clip.checkpoint)
    if config.clip.model.endswith(".json") and not os.path.isabs(config.clip.model):
        config.clip.model = str(base / config.clip.model)
    return config


def _resolve_plugin_paths(config: EditConfig, base: Path) -> None:
    """Take the job file's relative values of the plugin's file options from the job's folder.

    Only options the plugin marks as files (``PluginOption.path``: ``True`` for one file name,
    or a function that maps a value naming several through the resolver), and only the names
    whose file is there (a font option may also name an installed family). A plugin that
    cannot be loaded is reported when the run starts, not here.
    """
    if not config.plugin or not config.plugin_options:
        return
    from vecedit.plugin.registry import load

    try:
        plugin = load(config.plugin)
    except OptionError:
        return

    def resolve(name: str) -> str:
        if name and not os.path.isabs(name) and (base / name).exists():
            return str(base / name)
        return name

    file_options = {o.name: o.path for o in plugin.options if getattr(o, "path", False)}
    for key, value in config.plugin_options.items():
        path = file_options.get(key.replace("-", "_"))
        if path and isinstance(value, str):
            config.plugin_options[key] = path(value, resolve) if callable(path) else resolve(value)


def dumps_config(config: EditConfig, fmt: str = "yaml") -> str:
    """The configuration as ``yaml``, ``toml`` or ``json`` text (what :func:`load_config` reads)."""
    data = config.to_dict()
    if fmt in ("yaml", "yml"):
        import yaml

        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if fmt == "toml":
        return _toml(data)
    raise OptionError(f"unknown configuration format {fmt!r}; use yaml, toml or json")


def save_config(config: EditConfig, path: Union[str, os.PathLike]) -> None:
    path = Path(path)
    fmt = {".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".json": "json"}.get(path.suffix.lower())
    if fmt is None:
        raise OptionError(f"{path}: use a .yaml, .toml or .json file name")
    from vecedit.paths import write_text_atomic

    write_text_atomic(path, dumps_config(config, fmt))


def _toml(data: dict) -> str:
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict) and not _is_table_list(v)}
    lines = [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", f"[{key}]"] + [f"{k} = {_toml_value(v)}" for k, v in value.items()]
    for key, value in data.items():
        if _is_table_list(value):
            for item in value:
                lines += ["", f"[[{key}]]"] + [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def _is_table_list(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_value(value) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


RUN_CONTROL = ("input", "output", "iterations", "save_every", "frames", "animation", "report", "checkpoint",
               "checkpoint_every", "resume", "device")
"""Keys a resumed run may change: where things go, how long it runs, on which device. Every
other key shapes the run itself (its objective, its steps, its random stream)."""
_FILE_KEYS = ("target_image", "clip.checkpoint", "clip.model", "rois.mask")
_NAMES = {"prompt": "prompt", "rois": "ROIs", "seed": "seed", "clip": "CLIP weights", "roi_weight": "ROI loss weight",
          "patch_weight": "patch loss weight", "image_weight": "image loss weight", "lr": "learning rates",
          "optimize": "--optimize", "select": "--select", "plugin_options": "plugin options"}


def resume_differences(saved: dict, config: EditConfig, ignore: tuple = ()) -> list[str]:
    """What makes ``config`` a different run from the one that wrote a checkpoint (whose
    ``config`` dict is ``saved``): ``["seed (0 there, 3 now)", …]``; empty when it may resume.

    Keys in :data:`RUN_CONTROL` and ``ignore`` may differ; file names compare as absolute paths.
    """
    now = config.to_dict()
    out = []
    for key, value in now.items():
        if key in RUN_CONTROL or key in ignore:
            continue
        before = saved.get(key, value)
        if _comparable(key, before) != _comparable(key, value):
            name = _NAMES.get(key, key.replace("_", " "))
            out.append(f"{name} ({_short(before)} there, {_short(value)} now)")
    return out


def _comparable(key: str, value):
    if isinstance(value, dict):
        return {k: _comparable(f"{key}.{k}", v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(key, v) for v in value]
    if isinstance(value, str) and key in _FILE_KEYS and (os.sep in value or "." in value):
        return os.path.abspath(value)
    return value


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "…"


def replace(config: EditConfig, **changes) -> EditConfig:
    return dataclasses.replace(config, **changes)


__all__ = ["EditConfig", "RoiConfig", "ClipConfig", "LearningRates", "OPTIMIZE_KINDS", "load_config",
           "read_job_file", "resolve_config_paths", "dumps_config", "save_config", "resume_differences",
           "RUN_CONTROL"]
