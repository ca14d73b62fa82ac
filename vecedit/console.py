"""What the commands print besides results: counts, progress, warnings.

* :func:`plural` — ``1 iteration``, ``2 iterations``.
* :func:`progress` — one progress mechanism for every long loop (edit and every command
  that runs it, font, vectorize, recolor, the plugins' training and fitting): a tqdm bar
  when stderr is a terminal; otherwise a plain line now and then (every 10 % and at the
  end), because a bar's carriage-return frames turn a log file into one unreadable line.
* :func:`show_warning` — a Python warning as one ``vecedit: warning: …`` line.
"""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

LOG_STEPS = 10
"""Lines a log-friendly progress report writes at most (plus the last one)."""


def plural(count: int, word: str, words: Optional[str] = None) -> str:
    """``"1 iteration"`` / ``"3 iterations"`` (``words``: the plural when it is not word + s)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def progress(total: Optional[int], desc: str, unit: str = "it", initial: int = 0, leave: bool = True,
             file: Optional[TextIO] = None):
    """A progress report on ``file`` (default stderr): a tqdm bar on a terminal, else :class:`LogProgress`.

    Both take ``update(n)``, ``set_postfix_str(text)``, ``set_postfix(**values)``,
    ``set_description(text)``, ``clear()``, ``refresh()`` and ``close()``, and have ``n``.
    """
    stream = file if file is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        from tqdm import tqdm

        return tqdm(total=total, initial=initial, file=stream, unit=unit, dynamic_ncols=True, leave=leave,
                    desc=desc, mininterval=0.25)
    return LogProgress(total, desc, unit, initial, stream)


class LogProgress:
    """Progress as whole lines (``edit: 30/150 it (20%), 12.4 s, loss 0.41``), for logs and pipes."""

    def __init__(self, total: Optional[int], desc: str, unit: str = "it", initial: int = 0,
                 file: Optional[TextIO] = None):
        self.total, self.desc, self.unit, self.n = total, desc, unit, initial
        self.file = file if file is not None else sys.stderr
        self.postfix = ""
        self.started = time.perf_counter()
        self.last_line = initial
        self.step = max(1, (total or 0) // LOG_STEPS) if total else None
        self.closed = False

    def update(self, n: int = 1) -> None:
        self.n += n
        if self.step is not None and self.n - self.last_line >= self.step and self.n < (self.total or 0):
            self._line()

    def set_postfix_str(self, text: str = "", refresh: bool = True) -> None:
        self.postfix = text

    def set_postfix(self, ordered_dict=None, refresh: bool = True, **values) -> None:
        values = {**(ordered_dict or {}), **values}
        self.postfix = ", ".join(f"{k} {v}" for k, v in values.items())

    def set_description(self, desc: str = "", refresh: bool = True) -> None:
        self.desc = desc

    def clear(self) -> None:
        pass

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        if not self.closed and self.n != self.last_line:
            self._line()
        self.closed = True

    def _line(self) -> None:
        self.last_line = self.n
        done = f"{self.n}/{self.total} {self.unit}" if self.total else f"{self.n} {self.unit}"
        share = f" ({100 * self.n // self.total}%)" if self.total else ""
        seconds = time.perf_counter() - self.started
        extra = f", {self.postfix}" if self.postfix else ""
        print(f"{self.desc}: {done}{share}, {seconds:.1f} s{extra}", file=self.file, flush=True)


def show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """``warnings.showwarning`` for the command line: one line, no source location."""
    text = " ".join(str(message).split())
    print(f"vecedit: warning: {text}", file=file if file is not None else sys.stderr)


__all__ = ["plural", "progress", "LogProgress", "show_warning", "LOG_STEPS"]
