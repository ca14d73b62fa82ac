"""Small path checks shared by the commands."""

from __future__ import annotations

import os
from pathlib import Path

from vecedit.errors import InputError, OptionError


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (existing or not), so an input is never overwritten."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
        return a.resolve() == b.resolve()
    except OSError:
        return False


def check_output(source: Path, output: Path, given: str, suffix: str, command: str, writes: str) -> None:
    """Refuse, before any work, an output that could never be written or would clobber the input.

    ``given`` is the -o value as typed, ``suffix`` the required extension (".png"),
    ``command`` the subcommand and ``writes`` what it writes ("PNG images only").
    """
    if same_file(source, output):
        raise OptionError(f"-o {given} is the input file; vecedit never overwrites its input, choose another name")
    if output.suffix.lower() != suffix:
        raise OptionError(f"-o {given}: vecedit {command} writes {writes}; give a file name ending in {suffix}")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {given}: the folder {folder} does not exist; create it or choose another -o")
    if output.is_dir():
        raise InputError(f"cannot write {given}: it is a folder; give a file name ending in {suffix}")
