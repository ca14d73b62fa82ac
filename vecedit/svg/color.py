"""CSS colour values, as used by SVG paint properties.

Implements the colour syntaxes of CSS Color Level 4 that SVG files use in practice
(https://www.w3.org/TR/css-color-4/): hex (§5.2), ``rgb()``/``rgba()`` (§5.1),
``hsl()``/``hsla()`` (§7), named colours (§6.1), ``transparent`` and
``currentColor`` (§6.4). SVG 1.1's ``icc-color(...)`` suffix is accepted and ignored
(SVG 1.1 §11.2: the sRGB fallback is used).

Every colour is returned as a straight-alpha RGBA tuple of floats in [0, 1].
"""

from __future__ import annotations

import functools
import math
import re
from typing import Optional

from vecedit.errors import SVGError
from vecedit.svg.model import RGBA
from vecedit.svg.units import NUMBER

BLACK: RGBA = (0.0, 0.0, 0.0, 1.0)
WHITE: RGBA = (1.0, 1.0, 1.0, 1.0)
TRANSPARENT: RGBA = (0.0, 0.0, 0.0, 0.0)

# CSS Color 4 §6.1: the 148 named colours (147 SVG 1.1 names + rebeccapurple).
_NAMED_TABLE = """
    aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff
    beige f5f5dc bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff
    blueviolet 8a2be2 brown a52a2a burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00
    chocolate d2691e coral ff7f50 cornflowerblue 6495ed cornsilk fff8dc crimson dc143c
    cyan 00ffff darkblue 00008b darkcyan 008b8b darkgoldenrod b8860b darkgray a9a9a9
    darkgreen 006400 darkgrey a9a9a9 darkkhaki bdb76b darkmagenta 8b008b
    darkolivegreen 556b2f darkorange ff8c00 darkorchid 9932cc darkred 8b0000
    darksalmon e9967a darkseagreen 8fbc8f darkslateblue 483d8b darkslategray 2f4f4f
    darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet 9400d3 deeppink ff1493
    deepskyblue 00bfff dimgray 696969 dimgrey 696969 dodgerblue 1e90ff firebrick b22222
    floralwhite fffaf0 forestgreen 228b22 fuchsia ff00ff gainsboro dcdcdc
    ghostwhite f8f8ff gold ffd700 goldenrod daa520 gray 808080 green 008000
    greenyellow adff2f grey 808080 honeydew f0fff0 hotpink ff69b4 indianred cd5c5c
    indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa lavenderblush fff0f5
    lawngreen 7cfc00 lemonchiffon fffacd lightblue add8e6 lightcoral f08080
    lightcyan e0ffff lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90
    lightgrey d3d3d3 lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa
    lightskyblue 87cefa lightslategray 778899 lightslategrey 778899
    lightsteelblue b0c4de lightyellow ffffe0 lime 00ff00 limegreen 32cd32 linen faf0e6
    magenta ff00ff maroon 800000 mediumaquamarine 66cdaa mediumblue 0000cd
    mediumorchid ba55d3 mediumpurple 9370db mediumseagreen 3cb371
    mediumslateblue 7b68ee mediumspringgreen 00fa9a mediumturquoise 48d1cc
    mediumvioletred c71585 midnightblue 191970 mintcream f5fffa mistyrose ffe4e1
    moccasin ffe4b5 navajowhite ffdead navy 000080 oldlace fdf5e6 olive 808000
    olivedrab 6b8e23 orange ffa500 orangered ff4500 orchid da70d6 palegoldenrod eee8aa
    palegreen 98fb98 paleturquoise afeeee palevioletred db7093 papayawhip ffefd5
    peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd powderblue b0e0e6
    purple 800080 rebeccapurple 663399 red ff0000 rosybrown bc8f8f royalblue 4169e1
    saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee
    sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090
    slategrey 708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c
    teal 008080 thistle d8bfd8 tomato ff6347 turquoise 40e0d0 violet ee82ee
    wheat f5deb3 white ffffff whitesmoke f5f5f5 yellow ffff00 yellowgreen 9acd32
"""
NAMED_COLORS: dict[str, str] = dict(zip(_NAMED_TABLE.split()[::2], _NAMED_TABLE.split()[1::2]))

_NUMBER = NUMBER
_ARG = re.compile(rf"^({_NUMBER})(%|deg|grad|rad|turn)?$")
_FUNC = re.compile(r"^(rgba?|hsla?)\((.*)\)$", re.DOTALL)
_ICC = re.compile(r"\s+icc-color\(.*\)$", re.IGNORECASE | re.DOTALL)
_HEX = re.compile(r"^#([0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def _bad(text: str, why: str = "") -> SVGError:
    detail = f" ({why})" if why else ""
    return SVGError(
        f"bad colour {text!r}{detail}; use a CSS colour such as #ff0000, rgb(255 0 0), "
        "hsl(0 100% 50%) or a colour name"
    )


def _clamp01(x: float) -> float:
    return min(1.0, max(0.0, x))


def _parse_hex(digits: str) -> RGBA:
    """CSS Color 4 §5.2: #rgb, #rgba, #rrggbb, #rrggbbaa."""
    if len(digits) in (3, 4):
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255.0 for i in range(0, len(digits), 2)]
    if len(channels) == 3:
        channels.append(1.0)
    return tuple(channels)  # type: ignore[return-value]


def _split_args(body: str, text: str) -> tuple[list[str], Optional[str]]:
    """Split function arguments: legacy ``a, b, c[, d]`` or modern ``a b c [/ d]``."""
    body = body.strip()
    if "," in body:
        if "/" in body:
            raise _bad(text, "'/' cannot be mixed with commas")
        parts = [p.strip() for p in body.split(",")]
        if len(parts) == 4:
            return parts[:3], parts[3]
        return parts, None
    alpha = None
    if "/" in body:
        body, _, alpha = body.partition("/")
        alpha = alpha.strip()
    return body.split(), alpha


def _arg(token: str, text: str) -> tuple[float, Optional[str]]:
    m = _ARG.match(token.strip().lower())
    if not m:
        raise _bad(text, f"{token!r} is not a number")
    value = float(m.group(1))
    if not math.isfinite(value):
        raise _bad(text, "numbers must be finite")
    return value, m.group(2)


def _alpha(token: Optional[str], text: str) -> float:
    if token is None:
        return 1.0
    value, unit = _arg(token, text)
    if unit not in (None, "%"):
        raise _bad(text, "alpha takes a number or a percentage")
    return _clamp01(value / 100.0 if unit == "%" else value)


def _parse_rgb(args: list[str], alpha: Optional[str], text: str) -> RGBA:
    """CSS Color 4 §5.1: channels are numbers in 0..255 or percentages."""
    if len(args) != 3:
        raise _bad(text, "rgb() takes three channels")
    out = []
    for token in args:
        value, unit = _arg(token, text)
        if unit not in (None, "%"):
            raise _bad(text, "rgb() channels are numbers or percentages")
        out.append(_clamp01(value / 100.0 if unit == "%" else value / 255.0))
    return (out[0], out[1], out[2], _alpha(alpha, text))


def _hue_degrees(token: str, text: str) -> float:
    value, unit = _arg(token, text)
    scale = {None: 1.0, "deg": 1.0, "grad": 0.9, "rad": 180.0 / math.pi, "turn": 360.0}
    if unit not in scale:
        raise _bad(text, "hue is a number or an angle")
    return (value * scale[unit]) % 360.0


def _percent(token: str, text: str) -> float:
    value, unit = _arg(token, text)
    if unit not in (None, "%"):  # CSS Color 4 allows bare numbers in modern syntax
        raise _bad(text, "saturation and lightness are percentages")
    return _clamp01(value / 100.0)


def hsl_to_rgb(h: float, s: float, l: float) -> tuple[float, float, float]:
    """CSS Color 4 §7.1 sample code: hue in degrees, saturation/lightness in [0, 1]."""

    def f(n: float) -> float:
        k = (n + h / 30.0) % 12.0
        a = s * min(l, 1.0 - l)
        return l - a * max(-1.0, min(k - 3.0, 9.0 - k, 1.0))

    return (_clamp01(f(0)), _clamp01(f(8)), _clamp01(f(4)))


def _parse_hsl(args: list[str], alpha: Optional[str], text: str) -> RGBA:
    if len(args) != 3:
        raise _bad(text, "hsl() takes hue, saturation and lightness")
    r, g, b = hsl_to_rgb(_hue_degrees(args[0], text), _percent(args[1], text), _percent(args[2], text))
    return (r, g, b, _alpha(alpha, text))


def parse_color(text: str, current_color: Optional[RGBA] = None) -> Optional[RGBA]:
    """Parse one CSS colour; ``none`` gives ``None``.

    ``currentColor`` resolves to *current_color* (the inherited ``color`` property;
    black, its initial value, when not given). Raises :class:`SVGError` on anything
    that is not a colour.

    >>> parse_color("#f00")
    (1.0, 0.0, 0.0, 1.0)
    >>> parse_color("rgb(0 0 255 / 50%)")
    (0.0, 0.0, 1.0, 0.5)
    """
    # Shapes repeat a few colours: short texts are parsed once (the result is an immutable tuple).
    if len(text) <= 64 and (current_color is None or type(current_color) is tuple):
        return _parse_color_cached(text, current_color)
    return _parse_color(text, current_color)


def _parse_color(text: str, current_color: Optional[RGBA] = None) -> Optional[RGBA]:
    raw = text
    text = _ICC.sub("", text.strip())
    low = text.lower()
    if low == "none":
        return None
    if low == "transparent":
        return TRANSPARENT
    if low == "currentcolor":
        return current_color if current_color is not None else BLACK
    if low in NAMED_COLORS:
        return _parse_hex(NAMED_COLORS[low])
    m = _HEX.match(text)
    if m:
        return _parse_hex(m.group(1))
    m = _FUNC.match(low)
    if m:
        args, alpha = _split_args(m.group(2), raw)
        if m.group(1).startswith("rgb"):
            return _parse_rgb(args, alpha, raw)
        return _parse_hsl(args, alpha, raw)
    raise _bad(raw)


_parse_color_cached = functools.lru_cache(maxsize=1024)(_parse_color)


def format_color(rgba: RGBA) -> str:
    """``#rrggbb`` for writing (SVG 1.1 has no alpha in colours: write it as an opacity).

    >>> format_color((1.0, 0.5, 0.0, 1.0))
    '#ff8000'
    """
    return "#" + "".join(f"{round(_clamp01(float(c)) * 255):02x}" for c in rgba[:3])


_URL = re.compile(r"^url\(\s*(['\"]?)(.*?)\1\s*\)\s*(.*)$", re.DOTALL | re.IGNORECASE)


def split_paint(text: str) -> tuple[Optional[str], str]:
    """Split an SVG paint (SVG 1.1 §11.2) into ``(url, rest)``.

    ``url(#a) red`` gives ``("#a", "red")``; ``red`` gives ``(None, "red")``;
    ``url(#a)`` gives ``("#a", "")``.
    """
    m = _URL.match(text.strip())
    if not m:
        return None, text.strip()
    return m.group(2).strip(), m.group(3).strip()
