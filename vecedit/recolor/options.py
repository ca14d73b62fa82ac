"""Colour options of ``vecedit recolor``: palettes, colour maps, and the 8-bit colour key.

Pure parsing (no numpy work, no torch): every entry is a CSS colour as SVG writes them
(``#rgb``, ``#rrggbb``, ``rgb()``, ``hsl()``, names). Errors name the entry that does not
parse and say what would.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence, Union

from vecedit.errors import InputError, OptionError, VeceditError

Color = tuple[int, int, int]  # 8-bit sRGB, the key of a distinct colour


def hex_of(key: Color) -> str:
    return "#%02x%02x%02x" % key


def key_of(rgba: Sequence[float]) -> Color:
    return tuple(int(round(min(1.0, max(0.0, float(c))) * 255)) for c in rgba[:3])  # type: ignore[return-value]


def parse_palette(palette: Union[str, Sequence, os.PathLike]) -> list[Color]:
    """``"#264653,#2a9d8f"`` (commas or spaces), a list of colours, or a file of them → colours.

    A file may be plain text (colours separated by commas, spaces or new lines) or JSON (a
    list of strings). Raises :class:`OptionError` naming the entry that does not parse.
    """
    if isinstance(palette, os.PathLike) or (isinstance(palette, str) and _is_file(palette)):
        path = Path(palette)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InputError(f"cannot read the palette file {path}: {getattr(e, 'strerror', None) or e}") from None
        where = f"the palette file {path}"
        if path.suffix.lower() == ".json":
            try:
                items = json.loads(text)
            except (ValueError, RecursionError) as e:
                raise InputError(f"cannot read {where}: {e}; write a JSON list of colours") from None
            if not isinstance(items, list):
                raise OptionError(f"{where} must hold a JSON list of colours, got {type(items).__name__}")
        else:
            items = _split_list(text)
    elif isinstance(palette, str):
        items, where = _split_list(palette), "--palette"
    else:
        items, where = list(palette), "the palette"
    if not items:
        raise OptionError(f"{where} is empty; give colours such as '#264653,#2a9d8f,#e9c46a'")
    colours = [_parse_one(item, where) for item in items]
    return colours


def parse_mapping(mapping: Union[str, dict, Sequence]) -> list[tuple[Color, Color]]:
    """``"#ff0000=#00aa00,red=blue"``, a dict or a list of pairs → (source, target) colours."""
    if isinstance(mapping, str):
        pairs = []
        for item in _split_list(mapping):
            if item.count("=") != 1:
                raise OptionError(f"--map entry {item!r} is not FROM=TO; write e.g. '#ff0000=#00aa00,red=blue'")
            pairs.append(tuple(item.split("=")))
    elif isinstance(mapping, dict):
        pairs = list(mapping.items())
    else:
        pairs = [tuple(p) for p in mapping]
    if not pairs:
        raise OptionError("--map is empty; write FROM=TO pairs such as '#ff0000=#00aa00'")
    out = [(_parse_one(a, "--map"), _parse_one(b, "--map")) for a, b in pairs]
    seen: set = set()
    for source, _ in out:
        if source in seen:
            raise OptionError(f"--map lists {hex_of(source)} more than once; give one target per source colour")
        seen.add(source)
    return out


def _is_file(text: str) -> bool:
    return not text.lstrip().startswith("#") and "," not in text and len(text) < 4096 and os.path.isfile(text)


def _split_list(text: str) -> list[str]:
    """Items separated by commas, semicolons or white space outside parentheses (``rgb(1, 2, 3)`` stays
    one item), in one pass: a look-ahead for the closing parenthesis rescanned the rest of the text at
    every separator, and a list of 100,000 colours took minutes."""
    items, current, depth = [], [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif depth == 0 and (char in ",;" or char.isspace()):
            if current:
                items.append("".join(current))
            current = []
            continue
        current.append(char)
    if current:
        items.append("".join(current))
    return [item.strip() for item in items if item.strip()]


def _parse_one(item, where: str) -> Color:
    from vecedit.svg.color import parse_color

    if isinstance(item, (tuple, list)) and len(item) in (3, 4):
        try:
            values = [float(v) for v in item[:3]]
        except (TypeError, ValueError):
            raise OptionError(f"{where}: {item!r} is not a colour; give three numbers or a CSS colour") from None
        scale = 255.0 if max(values) > 1 else 1.0
        return key_of([v / scale for v in values])
    text = str(item).strip()
    try:
        rgba = parse_color(text)
    except VeceditError:
        rgba = None
    if rgba is None or text.lower() in ("currentcolor", "transparent"):
        raise OptionError(f"{where}: {text!r} is not a colour; use #rrggbb, #rgb, rgb(…), hsl(…) or a CSS name")
    return key_of(rgba)


__all__ = ["Color", "hex_of", "key_of", "parse_palette", "parse_mapping"]
