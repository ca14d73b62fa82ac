"""Small path helpers shared by the commands: input/output checks and atomic writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Union

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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: Union[str, os.PathLike], data: Union[bytes, Callable[[str], None]]) -> Path:
    """Write ``data`` (bytes, or a function that writes a file name) to ``path`` atomically.

    Through a temporary file in the same folder and a rename, so a failed write never
    leaves a partial file; the file gets the usual permissions (0666 less the umask), not
    the temporary file's private 0600. An unwritable destination raises :class:`InputError`.
    """
    path = Path(os.fspath(path))
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: the folder {folder} does not exist; create it or choose another")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder; give a file name")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise InputError(f"cannot write {path}: {error.strerror or error}; choose a writable folder") from None
    try:
        with os.fdopen(fd, "wb") as file:
            if isinstance(data, (bytes, bytearray)):
                file.write(data)
        if not isinstance(data, (bytes, bytearray)):
            data(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException as error:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(error, OSError):
            raise InputError(f"cannot write {path}: {error.strerror or error}; choose a writable output path") from None
        raise
    return path


def write_text_atomic(path: Union[str, os.PathLike], text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, text.encode("utf-8"))
