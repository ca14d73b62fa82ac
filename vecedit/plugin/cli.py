"""``vecedit plugins`` (list plugins and their options) and the plugins' own subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from vecedit.plugin.registry import available, load
from vecedit.errors import OptionError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "plugins", help="list the raster-method plugins and their options",
        description="List the installed plugins (entry-point group vecedit.plugins): what each adds to an edit "
                    "and its options, given as `vecedit edit … --plugin NAME --plugin-option KEY=VALUE`.")
    p.add_argument("--json", action="store_true", help="print the same as JSON")
    p.set_defaults(run=run)


def add_plugin_commands(subparsers) -> None:
    """Let each installed plugin with an ``add_command(subparsers)`` add its own subcommand.

    A plugin that fails to load adds nothing here (``vecedit plugins`` says why); one whose
    ``add_command`` raises adds nothing and is named in a warning, so the rest still works.
    """
    for name in available():
        try:
            plugin = load(name)
        except OptionError:
            continue
        add_command = getattr(plugin, "add_command", None)
        if add_command is None:
            continue
        try:
            add_command(subparsers)
        except Exception as error:  # one broken plugin must not take the whole command line down
            print(f"vecedit: warning: plugin {name!r} could not add its command: {type(error).__name__}: {error}",
                  file=sys.stderr)


def add_edit_command(subparsers, plugin, name: str, help: str, description: str,
                     add_own_arguments: Callable[[argparse.ArgumentParser], None], examples: str = ""):
    """A plugin's own subcommand that runs one edit: its own flags plus every ``vecedit edit`` flag.

    ``add_own_arguments`` adds the plugin's flags; each flag whose ``dest`` is one of the
    plugin's option names becomes that option (``--text`` → ``text``). The command then
    runs exactly as ``vecedit edit … --plugin NAME --plugin-option …`` would.
    """
    from vecedit.edit.cli import add_arguments

    p = subparsers.add_parser(name, help=help, description=description, epilog=examples,
                              formatter_class=argparse.RawDescriptionHelpFormatter, argument_default=None)
    own = p.add_argument_group(f"{plugin.name} options")
    add_own_arguments(own)
    add_arguments(p)
    p.set_defaults(run=lambda args: run_as_edit(args, plugin))
    return p


def run_as_edit(args: argparse.Namespace, plugin) -> int:
    from vecedit.edit.cli import run as run_edit

    if args.plugin not in (None, plugin.name):
        raise OptionError(f"--plugin {args.plugin}: this command runs the {plugin.name} plugin; use vecedit edit "
                          "for another")
    args.plugin = plugin.name
    args.plugin_values = {o.name: getattr(args, o.name) for o in plugin.options
                          if getattr(args, o.name, None) is not None}
    return run_edit(args)


def describe_all() -> list[dict]:
    out = []
    for name, entry in available().items():
        try:
            plugin = load(name)
        except OptionError as error:
            out.append({"name": name, "entry_point": entry.value, "error": str(error)})
            continue
        options = [{"name": o.name, "help": o.help, "default": _plain(o.default), "required": o.required}
                   for o in plugin.options]
        out.append({"name": name, "entry_point": entry.value, "summary": plugin.summary,
                    "command": getattr(plugin, "command", None), "options": options})
    return out


def run(args: argparse.Namespace) -> int:
    described = describe_all()
    if args.json:
        print(json.dumps(described, indent=2, ensure_ascii=False))
        return 0
    if not described:
        print("no plugins installed (entry-point group vecedit.plugins)")
        return 0
    for item in described:
        if "error" in item:
            print(f"{item['name']}: cannot be loaded: {item['error']}\n")
            continue
        command = f"  (also: vecedit {item['command']})" if item.get("command") else ""
        print(f"{item['name']}: {item['summary']}{command}")
        for option in item["options"]:
            if option["required"]:
                note = " (required)"
            elif "default" in option["help"]:  # the help already says what happens when it is not given
                note = ""
            else:
                note = f" (default {option['default']!r})"
            print(f"    {option['name']:<16} {option['help']}{note}")
        print()
    print("use: vecedit edit IN.svg -o OUT.svg --plugin NAME --plugin-option KEY=VALUE …")
    return 0


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
