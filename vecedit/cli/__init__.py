"""The ``vecedit`` command: assembles the subcommands, each a thin layer over one public API call.

Each workflow package holds its own subcommand (``vecedit/edit/cli.py``,
``vecedit/recolor/cli.py``, ``vecedit/fonts/cli.py``, ``vectorizers/cli.py``, ``vecedit/batch/cli.py``,
``vecedit/plugin/cli.py`` and the plugins' own); ``render`` and ``info`` are here in
:mod:`vecedit.cli.render` and :mod:`vecedit.cli.info`.

Exit codes: 0 success; 2 a problem the user can fix (a :class:`VeceditError`, printed as
one ``vecedit: error: …`` line with nothing written, or a usage error, also one line that
names the ``-h`` to read); 130 interrupted. ``vecedit`` alone prints the help and exits 0,
as pip does. Internal bugs keep their traceback. :func:`main` takes an argument list and
returns the exit code, so tests run the command in-process.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Optional, Sequence

from vecedit import __version__
from vecedit.errors import VeceditError
from vecedit.limits import NAMES as limit_names

PROG = "vecedit"
NO_FONT_DIR = {"font", "plugins"}  # commands that draw no SVG text


def run() -> None:
    """The ``vecedit`` script and ``python -m vecedit``: :func:`main`, then the process exits.

    Before it exits, every object alive is moved out of the cyclic garbage collector's view
    (``gc.freeze``): the interpreter's shutdown otherwise walks torch's 10⁵ objects in its
    final collections, 0.4 s of every command that loaded it. Exit handlers, file flushing
    and thread joins run as usual."""
    code = main()
    import gc

    gc.freeze()
    sys.exit(code)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    _tolerant_stdout()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser(argv[0] if argv else None)
        if not argv:  # as pip does: the help, not an error
            parser.print_help()
            return 0
        try:
            args = _parse(parser, argv)
        except SystemExit as exit_:  # --help, --version, usage errors (argparse exits 2)
            return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
        from vecedit.allocator import reuse_freed_memory

        reuse_freed_memory()  # the process is ours: keep freed tensors' memory for the next iteration
        if getattr(args, "limits", None):
            from vecedit.limits import use_limits

            use_limits(args.limits)
        if getattr(args, "font_dirs", None):
            from vecedit.text.fontdb import use_font_dirs

            use_font_dirs(args.font_dirs)
        with warnings.catch_warnings():
            from vecedit.console import show_warning

            warnings.showwarning = show_warning
            # numpy's floating-point notices on absurd input: the finiteness guards and clamps
            # (units, scene, filters) already turn those numbers into a picture or one error
            warnings.filterwarnings("ignore", r"(overflow|invalid value|divide by zero|underflow) encountered",
                                    RuntimeWarning)
            return args.run(args)
    except VeceditError as error:
        _error(" ".join(str(error).split("\n")).strip() or type(error).__name__)
        return 2
    except KeyboardInterrupt:
        _error("interrupted; nothing was written", prefix="")
        return 130
    except BrokenPipeError:  # `vecedit info x.svg | head`: the reader went away, not an error
        _silence_stdout()
        return 0
    except OSError as error:
        # a path the user gave that the system refuses even to look at (a name over NAME_MAX raises from
        # Path.exists() itself), wherever it is first touched; errors naming no file stay bugs
        if error.filename is None:
            raise
        name = str(error.filename)
        shown = name if len(name) <= 80 else name[:77] + "…"
        _error(f"{shown}: {error.strerror or error}; check the path")
        return 2


class Parser(argparse.ArgumentParser):
    """Usage errors as one line, ``vecedit edit: error: …; see vecedit edit -h`` (every subcommand
    parser is of this class: ``add_subparsers`` makes its parent's)."""

    def error(self, message: str):
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text}; see '{self.prog} -h'\n")


def _parse(parser: argparse.ArgumentParser, argv: list) -> argparse.Namespace:
    """Parse; flags the chosen subcommand does not know are its error, not the top level's."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        command = _chosen_parser(parser, argv)
        command.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _chosen_parser(parser: argparse.ArgumentParser, argv: list) -> argparse.ArgumentParser:
    """The innermost subcommand parser named in ``argv`` (``vecedit deltaedit train …``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for word in argv:
                if word in action.choices:
                    return _chosen_parser(action.choices[word], argv[argv.index(word) + 1:])
    return parser


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command`` (the first word typed) naming a built-in command,
    the plugins' own commands are left out: adding them imports every plugin (about 0.2 CPU-s of
    ``vecedit edit``'s start-up)."""
    parser = Parser(
        prog=PROG,
        description="Vector-graphics editing through differentiable rendering: SVG in, SVG out.",
        epilog="examples:\n"
        "  vecedit render samples/landscape.svg -o landscape.png\n"
        "  vecedit render logo.svg -o logo.png --width 1024 --background white\n"
        "  vecedit info samples/logo.svg\n\n"
        "Problems with the input or options exit with code 2 and one 'vecedit: error:' line.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", dest="command", required=True, metavar="COMMAND")
    from vecedit.cli.render import add_parser as add_render  # vecedit render: vecedit/cli/render.py

    add_render(commands)
    from vecedit.cli.info import add_parser as add_info  # vecedit info: vecedit/cli/info.py

    add_info(commands)
    from vecedit.vectorizers.cli import add_parser as add_vectorize  # vecedit vectorize: vectorizers/cli.py

    add_vectorize(commands)
    from vecedit.edit.cli import add_parser as add_edit  # vecedit edit: vecedit/edit/cli.py

    add_edit(commands)
    from vecedit.recolor.cli import add_parser as add_recolor  # vecedit recolor: vecedit/recolor/cli.py

    add_recolor(commands)
    from vecedit.fonts.cli import add_parser as add_font  # vecedit font: vecedit/fonts/cli.py

    add_font(commands)
    from vecedit.batch.cli import add_parser as add_batch  # vecedit batch: vecedit/batch/cli.py

    add_batch(commands)
    from vecedit.plugin.cli import add_parser as add_plugins, add_plugin_commands  # vecedit/plugin/cli.py

    add_plugins(commands)
    if command not in commands.choices:
        add_plugin_commands(commands)
    for name, sub in commands.choices.items():
        for leaf in _leaves(sub):  # deltaedit train, …: the option goes where the command's options are
            leaf.add_argument("--limits", metavar="NAME=N,…",
                              help="raise (or lower) the complexity budget, e.g. shapes=50000,segments=1e6; names: "
                                   f"{', '.join(limit_names)} (VECEDIT_LIMITS sets it too)")
        if name not in NO_FONT_DIR:
            sub.add_argument("--font-dir", dest="font_dirs", action="append", metavar="DIR",
                             help="a folder of fonts for <text> (searched before the installed ones; repeatable; "
                                  "VECEDIT_FONT_DIRS adds more)")
    return parser


# ----------------------------------------------------------------------------- plumbing


def _leaves(parser: argparse.ArgumentParser) -> list:
    """The parsers that take a command's options: *parser*, or its subcommands' (recursively)."""
    nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not nested:
        return [parser]
    return [leaf for action in nested for sub in action.choices.values() for leaf in _leaves(sub)]


def _error(message: str, prefix: str = "error: ") -> None:
    print(f"{PROG}: {prefix}{message}", file=sys.stderr)


def _tolerant_stdout() -> None:
    """Ids and paths may hold characters the terminal's encoding lacks: escape, don't crash."""
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="backslashreplace")
        except (ValueError, OSError):
            pass


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # python -m vecedit.cli
    sys.exit(main())
