"""The steps of a batch job: vecedit's workflows, each with its options as its own command takes them.

A step is one mapping in the job's ``steps:`` list: one workflow key with its options, and
optionally ``keep: true`` (also write this step's output) and ``name:`` (the label of a
kept file, default the workflow's name)::

    - recolor: {palette: "#264653,#2a9d8f", keep: "#ffffff"}   # keep: a --keep colour list
      keep: true                                               # keep: the step's file
    - render: {width: 256, background: white}

* ``vectorize``, ``recolor``, ``font`` and ``render`` take their command's flags
  (``lr_color`` or ``lr-color`` for ``--lr-color``; ``true`` for a switch; a list for a
  repeatable flag). The options are parsed by the command's own argument parser and
  checked by the command's own checks, so a step accepts exactly what the command does.
  ``font`` stylises each input as lettering (``vecedit font --from-svg``).
* ``edit`` takes the keys of an edit job file (``vecedit edit --config``), read by
  :class:`~vecedit.edit.config.EditConfig`.
* any installed plugin by its name takes edit job-file keys plus its own options (an
  option named like an edit key goes under ``plugin_options:``).

Relative file names are taken from the job file's folder. Everything is checked here,
before any item runs; every error is one line naming the step.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from vecedit.errors import OptionError, VeceditError

SVG, PNG, RASTER = "svg", "png", "raster"
FLAG_STEPS = {  # workflow → (module with add_parser, what it takes, what it makes)
    "vectorize": ("vecedit.vectorizers.cli", (RASTER,), SVG),
    "recolor": ("vecedit.recolor.cli", (SVG,), SVG),
    "font": ("vecedit.fonts.cli", (SVG,), SVG),
    "render": ("vecedit.cli.render", (SVG,), PNG),
}
SET_BY_BATCH = {"input", "output", "in_place", "jobs", "report", "dry_run", "quiet", "text", "font", "from_svg",
                "save_initial", "check_legibility", "layout_only", "config", "write_config"}
EDIT_SET_BY_BATCH = {"input", "output", "frames", "animation", "report", "checkpoint", "checkpoint_every",
                     "resume", "save_every"}
PATH_FLAGS = {"palette", "keep", "clip", "clip_checkpoint"}  # taken from the job's folder when the file is there


@dataclass(frozen=True)
class Step:
    """One checked step. ``argv`` (flag steps) or ``config`` (edit and plugins) is what the worker runs."""

    kind: str
    name: str
    keep: bool
    takes: tuple
    makes: str
    uses_clip: bool
    argv: tuple = ()
    config: Optional[dict] = None
    options: dict = field(default_factory=dict)  # as written in the job file, for messages


def parse_steps(entries, base: Path) -> list[Step]:
    """The job's ``steps:`` list → checked :class:`Step` objects (raises one-line :class:`OptionError`)."""
    if not isinstance(entries, list) or not entries:
        raise OptionError("steps: give a list of workflows, e.g. [{recolor: {palette: '#264653,#2a9d8f'}}, "
                          "{render: {width: 256}}]")
    steps = [parse_step(entry, k, base) for k, entry in enumerate(entries, 1)]
    for k, (before, after) in enumerate(zip(steps, steps[1:]), 2):
        if before.makes not in after.takes:
            raise OptionError(f"step {k} ({after.kind}) takes {' or '.join(after.takes)} but step {k - 1} "
                              f"({before.kind}) makes {before.makes}; reorder the steps")
    names = [s.name for s in steps if s.keep]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise OptionError(f"two kept steps are named {twice!r}; give one a `name:` so their files differ")
    return steps


def parse_step(entry, k: int, base: Path) -> Step:
    if not isinstance(entry, dict):
        raise OptionError(f"step {k}: write a mapping such as {{recolor: {{palette: '#264653'}}}}, got {entry!r}")
    extra = {key: entry[key] for key in ("keep", "name") if key in entry}
    kinds = [key for key in entry if key not in extra]
    if len(kinds) != 1:
        raise OptionError(f"step {k}: name exactly one workflow (vectorize, recolor, edit, font, render or a "
                          f"plugin), got {', '.join(map(str, kinds)) or 'none'}")
    kind = str(kinds[0])
    options = entry[kind] if entry[kind] is not None else {}
    if not isinstance(options, dict):
        raise OptionError(f"step {k} ({kind}): its options must be a mapping of option names to values")
    options = {str(key).replace("-", "_"): value for key, value in options.items()}
    keep = extra.get("keep", False)
    if not isinstance(keep, bool):
        raise OptionError(f"step {k} ({kind}): keep must be true or false, got {keep!r}")
    name = str(extra.get("name", kind))
    if not name or any(c in name for c in "/\\.") or name.strip() != name:
        raise OptionError(f"step {k} ({kind}): name {name!r} must be a plain word (it goes into file names)")
    where = f"step {k} ({kind})"
    try:
        if kind in FLAG_STEPS:
            return _flag_step(kind, name, keep, options, base, where)
        return _edit_step(kind, name, keep, options, base, where)
    except VeceditError as error:
        message = " ".join(str(error).split())
        raise type(error)(message if message.startswith(where) else f"{where}: {message}") from None


# ----------------------------------------------------------------------- flag steps


class _StepParser(argparse.ArgumentParser):
    """A command's parser that raises instead of printing usage and exiting."""

    def error(self, message):
        raise OptionError(message)


def command_parser(kind: str) -> argparse.ArgumentParser:
    """The argument parser of ``vecedit KIND`` (built by the command's own ``add_parser``)."""
    import importlib

    module, _, _ = FLAG_STEPS[kind]
    commands = argparse.ArgumentParser(prog="vecedit").add_subparsers(parser_class=_StepParser)
    importlib.import_module(module).add_parser(commands)
    return commands.choices[kind]


def parse_flags(kind: str, argv) -> argparse.Namespace:
    return command_parser(kind).parse_args(list(argv))


def _flag_step(kind: str, name: str, keep: bool, options: dict, base: Path, where: str) -> Step:
    _, takes, makes = FLAG_STEPS[kind]
    parser = command_parser(kind)
    actions = {a.dest: a for a in parser._actions if a.option_strings and a.dest != "help"}
    known = sorted(set(actions) - SET_BY_BATCH)
    argv: list[str] = {"font": ["--from-svg", "ITEM.svg"]}.get(kind, ["ITEM"])
    argv += ["-o", f"OUT.{makes}"]
    for key, value in options.items():
        if key in SET_BY_BATCH:
            raise OptionError(f"{key} is set by the batch (inputs:, output:); leave it out of the step")
        if key not in actions:
            raise OptionError(f"unknown option {key!r}; `vecedit {kind}` takes {', '.join(known)}")
        if key in PATH_FLAGS and isinstance(value, str):
            value = _from_job_folder(value, base)
        argv += _flag_args(actions[key], value, key)
    args = parser.parse_args(argv)
    _check(kind, args)
    uses_clip = kind == "font" or (kind == "recolor" and args.prompt is not None)
    return Step(kind, name, keep, takes, makes, uses_clip, argv=tuple(argv), options=options)


def _flag_args(action: argparse.Action, value, key: str) -> list[str]:
    flag = next((s for s in action.option_strings if s.startswith("--")), action.option_strings[0])
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if not isinstance(value, bool):
            raise OptionError(f"{key} is a switch; give true or false, got {value!r}")
        return [flag] if value else []
    if value is None or isinstance(value, dict):
        raise OptionError(f"{key}: give a value (text, a number or a list), got {value!r}")
    if isinstance(action, argparse._AppendAction):
        values = value if isinstance(value, list) else [value]
        return [part for v in values for part in (flag, _text(v))]
    if action.nargs in ("+", "*"):
        return [flag, *map(_text, value if isinstance(value, list) else [value])]
    if isinstance(value, list):  # rounds: [10, 30], palette: ["#fff", "#000"]: the flag's comma list
        value = ",".join(map(_text, value))
    return [flag, _text(value)]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _from_job_folder(value: str, base: Path) -> str:
    if value and not os.path.isabs(value) and (base / value).is_file():
        return str((base / value).resolve())
    return value


def _check(kind: str, args: argparse.Namespace) -> None:
    """The command's own checks of its options, without touching any file."""
    if kind == "recolor":
        from vecedit.recolor.cli import options_from

        options_from(args)
    elif kind == "vectorize":
        from vecedit.vectorizers.api import check_options

        check_options(args.rounds, args.backend, args.refine, args.max_paths, args.size, args.extra_round, args.seed)
    elif kind == "font":
        from vecedit.fonts.cli import check_args

        check_args(args)
    elif kind == "render":
        from vecedit.api import check_render_options

        check_render_options(args.width, args.height, args.background, args.renderer)
    checkpoint = getattr(args, "clip_checkpoint", None)
    if checkpoint and not os.path.isfile(checkpoint):
        raise OptionError(f"clip_checkpoint {checkpoint}: no such file")


# ----------------------------------------------------------------- edit and plugins


def _edit_step(kind: str, name: str, keep: bool, options: dict, base: Path, where: str) -> Step:
    """An ``edit`` step (edit job-file keys, ``plugin:`` included) or a plugin's (edit keys + its options)."""
    from vecedit.edit.config import EditConfig, resolve_config_paths
    from vecedit.plugin.registry import available, load

    fields = set(EditConfig.__dataclass_fields__)
    for key in sorted(set(options) & (EDIT_SET_BY_BATCH | ({"plugin"} if kind != "edit" else set()))):
        raise OptionError(f"{key} is set by the batch (inputs:, output:, the step's workflow); leave it out")
    own = {key: value for key, value in options.items() if key in fields}
    if kind != "edit":
        if kind not in available():
            raise OptionError(f"unknown workflow {kind!r}; steps are vectorize, recolor, edit, font, render or a "
                              f"plugin ({', '.join(available()) or 'none installed'})")
        plugin_keys = {o.name for o in load(kind).options}
        given = dict(own.pop("plugin_options", None) or {})
        for key in sorted(set(options) - fields):
            if key not in plugin_keys:
                raise OptionError(f"unknown option {key!r}; a {kind} step takes edit job-file keys and the "
                                  f"plugin's options ({', '.join(sorted(plugin_keys)) or 'none'})")
            given[key] = options[key]
        own.update(plugin=kind, plugin_options=given)
    elif set(options) - fields:
        unknown = sorted(set(options) - fields)
        raise OptionError(f"unknown key(s) {', '.join(map(repr, unknown))}; an edit step takes the keys of an edit "
                          "job file (see `vecedit edit --write-config`)")
    config = resolve_config_paths(EditConfig.from_dict(own, where=where), base).validate()
    if config.plugin:
        from vecedit.plugin.contract import parse_options

        parse_options(load(config.plugin), config.plugin_options)
    elif not config.prompt and not config.rois and not config.target_image:
        raise OptionError("nothing to aim for: give prompt, rois with prompts, or target_image")
    if config.clip.checkpoint and not os.path.isfile(config.clip.checkpoint):
        raise OptionError(f"clip checkpoint {config.clip.checkpoint}: no such file")
    takes = (SVG, RASTER) if kind == "edit" else (SVG,)
    return Step(kind, name, keep, takes, SVG, True, config=config.to_dict(), options=options)


def edit_config(step: Step):
    """The :class:`~vecedit.edit.config.EditConfig` of an edit or plugin step (in a worker)."""
    from vecedit.edit.config import EditConfig

    return EditConfig.from_dict(step.config, where=f"the {step.kind} step")


__all__ = ["Step", "parse_steps", "parse_step", "parse_flags", "command_parser", "edit_config", "SVG", "PNG",
           "RASTER", "FLAG_STEPS"]
