"""Path data (``d``) and point lists (``points``) → commands, numbers and cubic subpaths.

The ``d`` grammar (SVG 1.1 §8.3 and its BNF in §8.3.9) is read here rather than by
``svgpathtools.parse_path``: svgpathtools merges a subpath that continues after ``Z``
without a ``moveto`` into the previous one and does not say which subpaths were closed
by ``Z``, and both matter (a closed subpath is filled and stroked differently, and the
model stores it differently).

Error handling follows SVG 1.1 §F.2 / SVG 2 §9.5.4: on a syntax error the path is
drawn up to the last complete command and the error is reported; a number that is not
finite (``nan``, ``inf``, ``1e999``) ends the path there too.

Speed: a document may hold 200,000 segments (``Limits.segments``), so the text is cut
into tokens by one regular-expression split (C speed) and the commands are read from
the tokens; only where the tokens are not clean (an unknown character, a non-finite
number, arc flags written together as in ``a1 1 0 11 5 5``) does the character scanner
take over, from the last complete command, so errors and their messages are the
scanner's. The geometry is built with Python floats (the same IEEE operations as on
arrays, without a NumPy call per number) and becomes arrays once per subpath.

Layout of the returned :class:`Subpath` points: see :mod:`vecedit.svg.model`.
"""

from __future__ import annotations

import math
import re
from typing import Callable, Optional

import numpy as np

from vecedit.svg.geometry import DEFAULT_TOLERANCE, endpoint_arc
from vecedit.svg.model import Subpath
from vecedit.svg.units import NUMBER

_NUMBER = re.compile(NUMBER)
_NONFINITE = re.compile(r"[+-]?(?:nan|inf)", re.IGNORECASE)
_SEP = re.compile(r"[\s,]*")
_ARITY = {"m": 2, "l": 2, "h": 1, "v": 1, "c": 6, "s": 4, "q": 4, "t": 2, "a": 7, "z": 0}
_ARITY.update({k.upper(): v for k, v in _ARITY.items()})
# One token: its separators, then a command letter or a number. Split by it, the text
# becomes [gap, separators, letter, number, gap, …, tail] (None for the alternative not
# taken): a gap that is not empty is text no token starts with.
_TOKEN = re.compile(rf"([\s,]*)(?:([MmZzLlHhVvCcSsQqTtAa])|({NUMBER}))")
_NUMBER_TOKEN = re.compile(rf"([\s,]*)({NUMBER})")
_FLAGS = ("0", "1")  # arc flags as the scanner reads them when they are tokens of their own
Commands = list[tuple[str, list[float]]]


class _Stop(Exception):
    """A syntax error: the path is rendered up to here (SVG 1.1 §F.2)."""


class _Scanner:
    def __init__(self, text: str, pos: int = 0):
        self.text = text
        self.pos = pos

    def skip(self) -> None:
        self.pos = _SEP.match(self.text, self.pos).end()

    def at_end(self) -> bool:
        self.skip()
        return self.pos >= len(self.text)

    def number(self) -> float:
        self.skip()
        m = _NUMBER.match(self.text, self.pos)
        if not m:
            if _NONFINITE.match(self.text, self.pos):
                raise _Stop(f"a number that is not finite near {self._near()}")
            raise _Stop(f"expected a number at {self._near()}")
        value = float(m.group(0))
        if not math.isfinite(value):
            raise _Stop(f"a number beyond floating-point range ({m.group(0)[:20]})")
        self.pos = m.end()
        return value

    def flag(self) -> float:
        """Arc flags are a single ``0`` or ``1`` and may touch the next number (``a1 1 0 11 5 5``)."""
        self.skip()
        if self.pos < len(self.text) and self.text[self.pos] in "01":
            self.pos += 1
            return float(self.text[self.pos - 1])
        raise _Stop(f"expected an arc flag (0 or 1) at {self._near()}")

    def _near(self) -> str:
        return repr(self.text[self.pos : self.pos + 12]) if self.pos < len(self.text) else "the end"


def tokenize(d: str) -> tuple[Commands, Optional[str]]:
    """Split path data into ``(command letter, arguments)`` with implicit repeats expanded.

    Returns the commands read and the syntax error met (``None`` when the data is clean).
    A ``moveto`` followed by extra pairs repeats as ``lineto`` (SVG 1.1 §8.3.2).

    >>> tokenize("M0 0 10 10z")
    ([('M', [0.0, 0.0]), ('L', [10.0, 10.0]), ('z', [])], None)
    """
    parts = _TOKEN.split(d)
    out: Commands = []
    stopped = _read_tokens(parts, out)
    if stopped is None:
        return out, None
    return scan_commands(d, _text_position(parts, stopped, 4), out[-1][0] if out else None, out)


def _read_tokens(parts: list, out: Commands) -> Optional[int]:
    """Commands from clean tokens into *out*; → the token the scanner must go on from, or None at the end."""
    gaps, letters, numbers = parts[0::4], parts[2::4], parts[3::4]
    count = len(letters)
    cmd: Optional[str] = None
    i = 0
    while i < count:
        boundary = i  # everything before token i is complete commands
        if gaps[i]:
            return boundary
        letter = letters[i]
        if letter is not None:
            if not out and letter not in "Mm":
                return boundary
            cmd = letter
            i += 1
            if cmd in "Zz":
                out.append((cmd, []))
                continue
        elif cmd is None or cmd in "Zz":
            return boundary
        elif cmd in "Mm":  # implicit lineto after the first moveto pair
            cmd = "L" if cmd == "M" else "l"
        end = i + _ARITY[cmd]
        if end > count:
            return boundary
        tokens = numbers[i:end]
        if None in tokens or any(gaps[i:end]) or (cmd in "Aa" and not (tokens[3] in _FLAGS and tokens[4] in _FLAGS)):
            return boundary
        args = list(map(float, tokens))
        if not math.isfinite(sum(args)):  # a number beyond float range (or a sum that overflows: the scanner decides)
            return boundary
        out.append((cmd, args))
        i = end
    return None if _SEP.fullmatch(gaps[count]) else count


def _text_position(parts: list, token: int, width: int) -> int:
    """Where token *token* (its leading separators included) starts in the text split into *parts*."""
    return sum(len(p) for p in parts[: width * token] if p)


def scan_commands(d: str, pos: int = 0, cmd: Optional[str] = None, out: Optional[Commands] = None
                  ) -> tuple[Commands, Optional[str]]:
    """The character scanner behind :func:`tokenize`: reads *d* from *pos* with the current command *cmd*."""
    sc = _Scanner(d, pos)
    out = [] if out is None else out
    try:
        while not sc.at_end():
            ch = d[sc.pos]
            if ch in _ARITY:
                cmd = ch
                sc.pos += 1
                if not out and cmd not in "Mm":
                    raise _Stop(f"path data must start with M, not {cmd!r}")
                if cmd in "Zz":
                    out.append((cmd, []))
                    continue
            elif cmd is None or cmd in "Zz":
                raise _Stop(f"expected a command letter at {sc._near()}")
            elif cmd in "Mm":  # implicit lineto after the first moveto pair
                cmd = "L" if cmd == "M" else "l"
            if cmd in "Aa":
                args = [sc.number(), sc.number(), sc.number(), sc.flag(), sc.flag(), sc.number(), sc.number()]
            else:
                args = [sc.number() for _ in range(_ARITY[cmd])]
            out.append((cmd, args))
    except _Stop as stop:
        return out, str(stop)
    return out, None


def scan_numbers(text: str) -> tuple[list[float], Optional[str]]:
    """Numbers of a ``points`` list (SVG 1.1 §9.7.1); stops at the first error."""
    parts = _NUMBER_TOKEN.split(text)
    gaps, tokens = parts[0::3], parts[2::3]
    clean = next((i for i, gap in enumerate(gaps[:-1]) if gap), len(tokens))
    values = np.array(list(map(float, tokens[:clean])), dtype=np.float64)
    finite = np.isfinite(values)
    if not finite.all():
        clean = int(np.argmin(finite))
    elif clean == len(tokens) and _SEP.fullmatch(gaps[-1]):
        return values.tolist(), None
    return scan_numbers_from(text, _text_position(parts, clean, 3), values[:clean].tolist())


def scan_numbers_from(text: str, pos: int = 0, out: Optional[list] = None) -> tuple[list[float], Optional[str]]:
    """The character scanner's reading of the numbers from *pos* on, appended to *out*."""
    out = [] if out is None else out
    sc = _Scanner(text, pos)
    try:
        while not sc.at_end():
            out.append(sc.number())
    except _Stop as stop:
        return out, str(stop)
    return out, None


# --- subpath assembly ------------------------------------------------------------------


class Pen:
    """Cubic rows of the subpath being drawn, as (x, y) pairs; arrays once per subpath. The one pen of
    the project: path data here, basic shapes in :mod:`vecedit.svg.shapes`."""

    def __init__(self) -> None:
        self.subpaths: list[Subpath] = []
        self.rows: list[tuple[float, float]] = []
        self.segments: list[int] = []  # first cubic of each segment added (the marker vertices)
        self.closed_here = False  # nothing drawn since the last close

    def move_to(self, x: float, y: float) -> None:
        self.finish_open()
        self.rows = [(x, y)]
        self.segments = []
        self.closed_here = False

    def line(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """A line as an exact cubic: controls at 1/3 and 2/3 (``geometry.line_controls``)."""
        dx, dy = x1 - x0, y1 - y0
        self.segments.append((len(self.rows) - 1) // 3)
        self.rows += ((x0 + dx / 3.0, y0 + dy / 3.0), (x0 + dx * (2.0 / 3.0), y0 + dy * (2.0 / 3.0)), (x1, y1))
        self.closed_here = False

    def add(self, rows: list) -> None:
        """Append one segment's cubic rows ``c1, c2, end`` (any multiple of three)."""
        if rows:
            self.segments.append((len(self.rows) - 1) // 3)
            self.rows += rows
            self.closed_here = False

    def undo_segment(self, rows: int) -> None:
        """Take back the segment just added, which started at row *rows*."""
        if len(self.rows) > rows:
            del self.rows[rows:]
            self.segments.pop()

    def close(self) -> None:
        """Close per the model layout: drop a duplicate end point or add a closing line."""
        rows = self.rows
        if not rows or self.closed_here:  # "Z Z": the second one closes nothing
            return
        start, last = rows[0], rows[-1]
        added = not (len(rows) > 1 and _same_point(start, last))
        if added:
            self.line(last[0], last[1], start[0], start[1])
            rows = self.rows[:-1]
        else:
            rows = rows[:-1]
        self.subpaths.append(Subpath(np.array(rows, dtype=np.float64), closed=True,
                                     segment_starts=np.array(self.segments, dtype=np.int64), close_line=added))
        self.rows = [start]  # drawing may continue from the start point (§8.3.3)
        self.segments = []
        self.closed_here = True

    def finish_open(self) -> None:
        if len(self.rows) > 1:
            self.subpaths.append(Subpath(np.array(self.rows, dtype=np.float64), closed=False,
                                         segment_starts=np.array(self.segments, dtype=np.int64)))
        self.rows = []
        self.segments = []

    def finish(self) -> list[Subpath]:
        self.finish_open()
        return self.subpaths


def _same_point(a: tuple[float, float], b: tuple[float, float]) -> bool:
    scale = max(1.0, abs(a[0]), abs(a[1]), abs(b[0]), abs(b[1]))
    return max(abs(a[0] - b[0]), abs(a[1] - b[1])) <= 1e-9 * scale


def path_to_subpaths(d: str, tolerance: float = DEFAULT_TOLERANCE,
                     on_count: Optional[Callable[[int], None]] = None) -> tuple[list[Subpath], Optional[str]]:
    """Parse ``d`` into cubic subpaths (user units) → ``(subpaths, syntax error or None)``.

    *tolerance* bounds the error of arc approximations, in user units (pass
    ``0.1 / max_scale(ctm)`` for 0.1 canvas pixel). *on_count* is told the number of
    commands before any is turned into geometry (a budget check may refuse there).
    """
    commands, error = tokenize(d)
    if on_count is not None:
        on_count(len(commands))
    pen = Pen()
    x = y = start_x = start_y = 0.0
    cubic_c2: Optional[tuple[float, float]] = None  # the previous C/S second control (§8.3.6)
    quad_q: Optional[tuple[float, float]] = None  # the previous Q/T control (§8.3.7)
    for index, (cmd, a) in enumerate(commands):
        op = cmd.lower()
        bx, by = (x, y) if cmd == op else (0.0, 0.0)
        last_c2, last_q = cubic_c2, quad_q
        cubic_c2 = quad_q = None
        if op == "m":
            x, y = bx + a[0], by + a[1]
            if not _finite_rows([(x, y)]):
                return pen.finish(), _beyond_range(index, cmd)
            start_x, start_y = x, y
            pen.move_to(x, y)
            continue
        if op == "z":
            if pen.rows and not _closable(pen.rows):
                return pen.finish(), _beyond_range(index, cmd)
            pen.close()
            x, y = start_x, start_y
            continue
        if not pen.rows:  # drawing after Z without a moveto (§8.3.3)
            pen.move_to(x, y)
        drawn = len(pen.rows)
        if op == "l":
            ex, ey = bx + a[0], by + a[1]
            pen.line(x, y, ex, ey)
        elif op == "h":
            ex, ey = a[0] + (x if cmd == op else 0.0), y
            pen.line(x, y, ex, ey)
        elif op == "v":
            ex, ey = x, a[0] + (y if cmd == op else 0.0)
            pen.line(x, y, ex, ey)
        elif op == "c" or op == "s":
            if op == "c":
                c1, a = (bx + a[0], by + a[1]), a[2:]
            else:
                c1 = (2 * x - last_c2[0], 2 * y - last_c2[1]) if last_c2 is not None else (x, y)
            cubic_c2, (ex, ey) = (bx + a[0], by + a[1]), (bx + a[2], by + a[3])
            pen.add([c1, cubic_c2, (ex, ey)])
        elif op == "q" or op == "t":
            if op == "q":
                quad_q, a = (bx + a[0], by + a[1]), a[2:]
            else:
                quad_q = (2 * x - last_q[0], 2 * y - last_q[1]) if last_q is not None else (x, y)
            ex, ey = bx + a[0], by + a[1]
            qx, qy = quad_q  # degree elevation (exact): c1 = p0 + 2/3 (q - p0), c2 = p1 + 2/3 (q - p1)
            pen.add([(x + (qx - x) * (2.0 / 3.0), y + (qy - y) * (2.0 / 3.0)),
                     (ex + (qx - ex) * (2.0 / 3.0), ey + (qy - ey) * (2.0 / 3.0)), (ex, ey)])
        else:  # "a"
            ex, ey = bx + a[5], by + a[6]
            rows = endpoint_arc(np.array([x, y]), a[0], a[1], a[2], bool(a[3]), bool(a[4]), np.array([ex, ey]),
                                tolerance)
            pen.add([(float(r[0]), float(r[1])) for r in rows])
        # Every number is finite, but sums of them may not be (relative steps of 1e308, an arc's
        # radius scaled up to reach): stop there, as at a syntax error, rather than keep NaN.
        if not math.isfinite(sum(map(sum, pen.rows[drawn:]))) and not _finite_rows(pen.rows[drawn:]):
            pen.undo_segment(drawn)
            return pen.finish(), _beyond_range(index, cmd)
        x, y = ex, ey
    return pen.finish(), error


def _finite_rows(rows: list) -> bool:
    """Each coordinate finite (the sum of finite ones may still overflow: checked one by one)."""
    return all(math.isfinite(x) and math.isfinite(y) for x, y in rows)


def _closable(rows: list) -> bool:
    """Whether the line back to the subpath's start stays in float range (its controls lie between)."""
    (sx, sy), (lx, ly) = rows[0], rows[-1]
    return math.isfinite(sx - lx) and math.isfinite(sy - ly)


def _beyond_range(index: int, cmd: str) -> str:
    return f"command {index + 1} ({cmd}) reaches coordinates beyond the range of numbers"


def closed_cubic_points(rows: np.ndarray) -> np.ndarray:
    """A subpath's cubic rows (start, then three per segment, in user units) closed as ``Z`` closes
    them (:meth:`Pen.close`): a last row on the start is dropped, else a closing line's controls added."""
    start, last = tuple(rows[0].tolist()), tuple(rows[-1].tolist())
    if len(rows) > 1 and _same_point(start, last):
        return rows[:-1]
    (sx, sy), (lx, ly) = start, last
    dx, dy = sx - lx, sy - ly
    return np.concatenate([rows, [(lx + dx / 3.0, ly + dy / 3.0), (lx + dx * (2.0 / 3.0), ly + dy * (2.0 / 3.0))]])


def polyline_subpath(points: np.ndarray, closed: bool) -> Subpath:
    """Points (n ≥ 2, 2) joined by lines, as one subpath; *closed*: as ``Z`` closes it (``Pen.close``)."""
    p0, p1 = points[:-1], points[1:]
    rows = np.empty((3 * len(p0) + 1, 2))
    rows[0] = points[0]
    rows[1::3] = p0 + (p1 - p0) / 3.0
    rows[2::3] = p0 + (p1 - p0) * (2.0 / 3.0)
    rows[3::3] = p1
    segments = np.arange(len(p0), dtype=np.int64)
    if not closed:
        return Subpath(rows, closed=False, segment_starts=segments)
    loop = closed_cubic_points(rows)
    added = len(loop) > len(rows)  # a closing line, not a last point on the start
    return Subpath(loop, closed=True, segment_starts=np.append(segments, len(p0)) if added else segments,
                   close_line=added)
