"""Input generators for the fuzzing campaign (``fuzz.py``) and the property tests.

Three families, all driven by a :class:`random.Random` so a seed replays a campaign:

* :func:`mutate_svg`: a corpus file with one to four mutations — numbers replaced by
  extreme ones, attributes and elements duplicated, deleted or swapped, references
  pointed at their own ancestors, encoding declarations, BOMs and NULs, entity
  declarations, huge repeats, truncation, byte flips;
* :func:`grammar_svg`: a random document from a small SVG grammar (shapes, paths with
  every command, groups, ``use``, clip paths, masks, patterns, markers, gradients with
  ``href`` chains, style sheets, transforms), numbers drawn from ordinary and absurd;
* :func:`image_bytes`: PNG/JPEG/GIF/BMP/WebP/DDS-like files, valid, mutated or truncated.

Half the grammar documents come from ``fuzzfamilies`` instead (text, filter graphs, style
sheets, reference chains, absurd numbers in every numeric attribute, embedded images,
containers), and a mutation can splice one of its fragments into a corpus file.
"""

from __future__ import annotations

import gzip
import io
import random
import re

from fuzzfamilies import FRAGMENTS, container, family_svg

EXTREME_NUMBERS = ["0", "-0", "1e308", "-1e308", "1e-320", "1e39", "-1e39", "3.4e38", "1e20", "1e30", "nan", "inf",
                   "-inf", "1e999", "9" * 400, "0." + "0" * 300 + "1", "1e-7", "65536", "2147483648", "-1", ".5e",
                   "1.2.3", "+-1", "1e+", "4e-310", "1E5", "0x10", "5%", "1e6%", "-1e6", "12345678901234567890"]
ORDINARY_NUMBERS = ["0", "1", "2.5", "10", "50", "-3", "0.001", "100", "33.3", "7e1", "50%", "2px", "1em", "3mm"]
UNITS = ["", "px", "%", "em", "mm", "in", "pt", "ex", "cm", "q", "vw", "xx"]
ENCODINGS = ["utf-8", "UTF-16", "iso-8859-1", "hex", "punycode", "utf-7", "bogus", "ascii", "cp1252", "utf-32",
             "base64", "idna", "shift_jis", "rot13", "utf_16_be", "zlib"]
_NUM = re.compile(rb"-?\d+(?:\.\d+)?(?:e-?\d+)?")
_ATTR = re.compile(rb'\s[\w:-]+="[^"]*"')
# Inputs are made in the campaign's own process: chained mutations (a 100,000-point path, then
# 20,000 copies of it) once grew it to 24 GB and the kernel's OOM killer ended the campaign.
MAX_INPUT_BYTES = 64 << 20
_ELEMENT = re.compile(rb"<[a-zA-Z][^<>]*/>")
_ID = re.compile(rb'id="([^"]+)"')


def _number(rng: random.Random) -> str:
    return rng.choice(EXTREME_NUMBERS) if rng.random() < 0.6 else rng.choice(ORDINARY_NUMBERS)


# --------------------------------------------------------------------------- mutations


def _replace_number(rng, data: bytes) -> bytes:
    spots = list(_NUM.finditer(data))
    if not spots:
        return data
    m = rng.choice(spots)
    return data[: m.start()] + _number(rng).encode() + data[m.end():]


def _replace_many_numbers(rng, data: bytes) -> bytes:
    value = _number(rng).encode()
    return _NUM.sub(lambda m: value if rng.random() < 0.3 else m.group(0), data)


def _duplicate_element(rng, data: bytes) -> bytes:
    spots = list(_ELEMENT.finditer(data))
    if not spots:
        return data
    m = rng.choice(spots)
    times = rng.choice([2, 10, 1000, 20000])
    times = max(1, min(times, MAX_INPUT_BYTES // len(m.group(0))))  # a 1 MB path × 20,000 is 20 GB
    return data[: m.end()] + m.group(0) * times + data[m.end():]


def _delete_span(rng, data: bytes) -> bytes:
    if len(data) < 2:
        return data
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.choice([1, 2, 8, 64, 512]))
    return data[:a] + data[b:]


def _flip_bytes(rng, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.choice([1, 2, 8])):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _insert_token(rng, data: bytes) -> bytes:
    tokens = [b"<", b">", b"&", b"&amp;", b"]]>", b"<!--", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b'"', b"'",
              b"url(#", b"#", b"\xed\xa0\x80", b"\xc3", b"\t\n", b"e+", b"<![CDATA[x]]>", b"<?pi x?>"]
    at = rng.randrange(len(data) + 1)
    return data[:at] + rng.choice(tokens) + data[at:]


def _attribute(rng, data: bytes) -> bytes:
    """Add an attribute with an odd value to a random element."""
    names = ["transform", "clip-path", "mask", "filter", "fill", "stroke", "stroke-width", "style", "href",
             "xlink:href", "marker-start", "marker-end", "opacity", "viewBox", "width", "height", "r", "rx", "d",
             "points", "stroke-dasharray", "font-size", "x", "y", "offset", "gradientTransform", "class", "display"]
    ids = [m.group(1).decode("latin-1") for m in _ID.finditer(data)] or ["x"]
    values = [f"url(#{rng.choice(ids)})", f"#{rng.choice(ids)}", "scale(0)", f"scale({_number(rng)})",
              f"matrix({' '.join(_number(rng) for _ in range(6))})", _number(rng), f"{_number(rng)}{rng.choice(UNITS)}",
              f"M0 0 L{_number(rng)} {_number(rng)} A{_number(rng)} {_number(rng)} 0 1 1 5 5 z", "none", "",
              "inherit", "red; stroke-width:" + _number(rng), " ".join(_number(rng) for _ in range(7)),
              f"rotate({_number(rng)}) skewX(90)", "0 0 " + _number(rng) + " " + _number(rng)]
    tags = [m for m in re.finditer(rb"<([a-zA-Z][\w:-]*)", data)]
    if not tags:
        return data
    m = rng.choice(tags)
    name = rng.choice(names)
    value = rng.choice(values).replace('"', "'")
    end = data.find(b">", m.end())
    head = data[m.end(): end if end >= 0 else len(data)]
    existing = re.search(rb'\s' + re.escape(name.encode()) + rb'="[^"]*"', head)
    if existing:  # replace the value: a duplicate attribute is only malformed XML
        at = m.end() + existing.start()
        return data[:at] + f' {name}="{value}"'.encode() + data[m.end() + existing.end():]
    return data[: m.end()] + f' {name}="{value}"'.encode("utf-8") + data[m.end():]


def _self_reference(rng, data: bytes) -> bytes:
    """Point a reference of some element at its own id or its parent's."""
    ids = [m.group(1).decode("latin-1") for m in _ID.finditer(data)]
    if not ids:
        return data
    target = rng.choice(ids)
    prop = rng.choice(["clip-path", "mask", "filter", "fill", "marker-end", "href", "xlink:href", "stroke"])
    value = f"url(#{target})" if "href" not in prop else f"#{target}"
    head = data[data.find(f'id="{target}"'.encode()):]
    if re.match(rb'[^>]*\s' + prop.encode() + rb'=', head):
        return data
    return data.replace(f'id="{target}"'.encode(), f'id="{target}" {prop}="{value}"'.encode(), 1)


def _encoding(rng, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    enc = rng.choice(ENCODINGS)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    text = f'<?xml version="1.0" encoding="{enc}"?>\n' + text
    try:
        codec = rng.choice(["utf-8", "utf-16-le", "utf-16-be", "utf-16", "latin-1", "utf-32", "utf-7"])
        out = text.encode(codec, "replace")
    except (LookupError, UnicodeError):
        out = text.encode("utf-8", "replace")
    prefix = rng.choice([b"", b"", b"\xef\xbb\xbf", b"\x00", b"\xff\xfe", b"  ", b"\xef\xbb\xbf\xef\xbb\xbf"])
    return prefix + out


def _entities(rng, data: bytes) -> bytes:
    decls = rng.choice([
        '<!ENTITY ns_svg "http://www.w3.org/2000/svg"><!ENTITY ns_xlink "http://www.w3.org/1999/xlink">',
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
        '<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;"><!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">',
        '<!ENTITY x SYSTEM "file:///etc/passwd">',
        '<!ENTITY r "&r;">',
        '<!ENTITY s "<rect width=\'5\' height=\'5\'/>">',
        '<!ENTITY % p "x">',
        '<!ENTITY big "' + "x" * 5000 + '">',
    ])
    text = data.decode("utf-8", "replace")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    m = re.search(r"<svg\b", text)
    if not m:
        return data
    use = rng.choice(["&ns_svg;", "&g;", "&x;", "&r;", "&s;", "&big;", "&undefined;"])
    body = text[m.start():]
    body = re.sub(r"(<svg\b[^>]*>)", lambda mm: mm.group(1) + f"<desc>{use}</desc>", body, count=1)
    return f"<?xml version=\"1.0\"?>\n<!DOCTYPE svg [{decls}]>\n{body}".encode("utf-8")


def _truncate(rng, data: bytes) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def _gzip(rng, data: bytes) -> bytes:
    z = gzip.compress(data)
    return z if rng.random() < 0.5 else z[: rng.randrange(2, len(z) + 1)] if rng.random() < 0.5 else _flip_bytes(rng, z)


def _deep_nesting(rng, data: bytes) -> bytes:
    n = rng.choice([50, 255, 300, 5000])
    tag = rng.choice(["g", "svg", "clipPath", "a"])
    inner = f"<{tag}>" * n + '<rect width="5" height="5"/>' + f"</{tag}>" * n
    return data.replace(b"</svg>", inner.encode() + b"</svg>", 1) if b"</svg>" in data else data


def _huge_path(rng, data: bytes) -> bytes:
    n = rng.choice([1000, 100_000])
    kind = rng.choice(["path", "polyline", "many"])
    if kind == "path":
        el = '<path d="M0 0' + "".join(f" L{rng.randrange(100)} {rng.randrange(100)}" for _ in range(n)) + '"/>'
    elif kind == "polyline":
        el = '<polyline stroke="black" points="' + " ".join(f"{i % 97},{i % 89}" for i in range(n)) + '"/>'
    else:
        el = '<path d="M0 0 L5 5 L0 5z" stroke="red"/>' * (n // 10)
    return data.replace(b"</svg>", el.encode() + b"</svg>", 1) if b"</svg>" in data else data


def _splice_family(rng, data: bytes) -> bytes:
    """A fragment of one ``fuzzfamilies`` family (text, filters, CSS, references, numbers, images) before ``</svg>``."""
    fragment = FRAGMENTS[rng.choice(sorted(FRAGMENTS))](rng).encode("utf-8")
    at = data.rfind(b"</svg>")
    return data[:at] + fragment + data[at:] if at >= 0 else data


def _container(rng, data: bytes) -> bytes:
    return container(rng, data)


MUTATIONS = [_splice_family, _splice_family, _container, _replace_number, _replace_many_numbers, _duplicate_element, _delete_span, _flip_bytes, _insert_token,
             _attribute, _attribute, _self_reference, _encoding, _entities, _truncate, _deep_nesting, _huge_path]


def mutate_svg(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 4)):
        data = rng.choice(MUTATIONS)(rng, data)[:MAX_INPUT_BYTES]
    if rng.random() < 0.03:
        data = _gzip(rng, data)
    return data


# --------------------------------------------------------------------------- grammar


class _Grammar:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.ids: list[str] = []
        self.count = 0

    def num(self) -> str:
        return _number(self.rng) if self.rng.random() < 0.25 else str(round(self.rng.uniform(-20, 120), 2))

    def new_id(self) -> str:
        self.count += 1
        name = f"i{self.count}"
        self.ids.append(name)
        return name

    def ref(self) -> str:
        return self.rng.choice(self.ids) if self.ids and self.rng.random() < 0.9 else "missing"

    def paint(self) -> str:
        r = self.rng.random()
        if r < 0.5:
            return self.rng.choice(["red", "#0a0", "none", "currentColor", "rgb(10%, 300, -5)", "hsl(120 50% 50%)",
                                    "transparent", "#12", "bogus"])
        return f"url(#{self.ref()})" + self.rng.choice(["", " red", " none"])

    def transform(self) -> str:
        fns = [f"translate({self.num()} {self.num()})", f"scale({self.num()})", f"rotate({self.num()})",
               f"skewX({self.num()})", f"matrix({' '.join(self.num() for _ in range(6))})", "scale(0)"]
        return " ".join(self.rng.choice(fns) for _ in range(self.rng.randint(1, 3)))

    def path_data(self) -> str:
        parts = [f"M{self.num()} {self.num()}"]
        for _ in range(self.rng.randint(1, 12)):
            c = self.rng.choice("LlHhVvCcSsQqTtAaZzMm")
            arity = {"L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "Z": 0, "M": 2}.get(c.upper(), 0)
            if c.upper() == "A":
                parts.append(f"{c}{self.num()} {self.num()} {self.num()} {self.rng.choice('01')} "
                             f"{self.rng.choice('01')} {self.num()} {self.num()}")
            else:
                parts.append(c + " ".join(self.num() for _ in range(arity)))
        return " ".join(parts)

    def common(self) -> str:
        out = []
        for name, make in (("transform", self.transform), ("fill", self.paint), ("stroke", self.paint),
                           ("stroke-width", self.num), ("opacity", self.num), ("clip-path", lambda: f"url(#{self.ref()})"),
                           ("mask", lambda: f"url(#{self.ref()})"), ("filter", lambda: f"url(#{self.ref()})"),
                           ("marker-end", lambda: f"url(#{self.ref()})"),
                           ("stroke-linecap", lambda: self.rng.choice(["round", "square", "butt", "x"])),
                           ("stroke-dasharray", lambda: f"{self.num()} {self.num()}"),
                           ("class", lambda: self.rng.choice(["a", "b", "a b"]))):
            if self.rng.random() < 0.15:
                out.append(f' {name}="{make()}"')
        if self.rng.random() < 0.3:
            out.append(f' id="{self.new_id()}"')
        return "".join(out)

    def shape(self) -> str:
        n = self.num
        kind = self.rng.choice(["rect", "circle", "ellipse", "line", "polyline", "polygon", "path", "path"])
        attrs = {
            "rect": f'x="{n()}" y="{n()}" width="{n()}" height="{n()}" rx="{n()}"',
            "circle": f'cx="{n()}" cy="{n()}" r="{n()}"',
            "ellipse": f'cx="{n()}" cy="{n()}" rx="{n()}" ry="{n()}"',
            "line": f'x1="{n()}" y1="{n()}" x2="{n()}" y2="{n()}"',
            "polyline": f'points="{" ".join(n() for _ in range(self.rng.randint(0, 9)))}"',
            "polygon": f'points="{" ".join(n() for _ in range(self.rng.randint(0, 9)))}"',
            "path": f'd="{self.path_data()}"',
        }[kind]
        return f"<{kind} {attrs}{self.common()}/>"

    def element(self, depth: int) -> str:
        r = self.rng.random()
        if depth > 4 or r < 0.45:
            return self.shape()
        kids = "".join(self.element(depth + 1) for _ in range(self.rng.randint(0, 4)))
        if r < 0.6:
            return f"<g{self.common()}>{kids}</g>"
        if r < 0.68:
            return f'<use href="#{self.ref()}" x="{self.num()}"{self.common()}/>'
        if r < 0.74:
            return f'<clipPath id="{self.new_id()}"{self.common()}>{kids}</clipPath>'
        if r < 0.79:
            return f'<mask id="{self.new_id()}">{kids}</mask>'
        if r < 0.83:
            return f'<pattern id="{self.new_id()}" width="{self.num()}" height="{self.num()}" href="#{self.ref()}">{kids}</pattern>'
        if r < 0.86:
            return f'<marker id="{self.new_id()}" markerWidth="{self.num()}" orient="auto">{kids}</marker>'
        if r < 0.88:
            return f'<symbol id="{self.new_id()}" viewBox="0 0 {self.num()} {self.num()}">{kids}</symbol>'
        if r < 0.9:
            return f'<svg x="{self.num()}" width="{self.num()}" viewBox="0 0 {self.num()} {self.num()}">{kids}</svg>'
        if r < 0.92:
            return f'<filter id="{self.new_id()}"><feGaussianBlur stdDeviation="{self.num()}"/></filter>'
        if r < 0.94:
            return f'<switch>{kids}</switch>'
        if r < 0.96:
            return f'<text x="{self.num()}" y="{self.num()}" font-size="{self.num()}">hi<tspan>there</tspan></text>'
        tag = self.rng.choice(["linearGradient", "radialGradient"])
        stops = "".join(f'<stop offset="{self.num()}" stop-color="{self.paint()}"/>' for _ in range(self.rng.randint(0, 3)))
        return (f'<{tag} id="{self.new_id()}" href="#{self.ref()}" x1="{self.num()}" r="{self.num()}" '
                f'gradientUnits="{self.rng.choice(["userSpaceOnUse", "objectBoundingBox"])}" '
                f'gradientTransform="{self.transform()}">{stops}</{tag}>')


def grammar_svg(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return family_svg(rng)
    g = _Grammar(rng)
    # ids first, so references may point forward, backward and at ancestors
    body = "".join(g.element(0) for _ in range(rng.randint(1, 8)))
    style = ""
    if rng.random() < 0.3:
        style = "<style>" + rng.choice([".a{fill:blue}", "g g g rect{stroke:red}", "* {stroke-width:" + g.num() + "}",
                                        "#i1{transform:scale(" + g.num() + ")}", "@media x{a{b:c}}", "/* open",
                                        "rect:hover{fill:red}"]) + "</style>"
    size = rng.choice([f'width="{g.num()}" height="{g.num()}"', 'width="100" height="100"',
                       f'viewBox="0 0 {g.num()} {g.num()}"', f'width="64" viewBox="{g.num()} 0 {g.num()} 100"'])
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {size}>'
            f"{style}{body}</svg>").encode("utf-8")


# --------------------------------------------------------------------------- images


def image_bytes(rng: random.Random) -> tuple[bytes, str]:
    """→ (bytes, file suffix): a small image in some format, maybe damaged."""
    kind = rng.choice(["png", "jpeg", "gif", "bmp", "webp", "dds", "tiff", "ico", "raw"])
    if kind in ("dds", "raw"):
        head = b"DDS |" + bytes(rng.randrange(256) for _ in range(123)) if kind == "dds" else b""
        return head + bytes(rng.randrange(256) for _ in range(rng.choice([0, 16, 512]))), rng.choice([".png", ".dds", ".jpg"])
    from PIL import Image

    w, h = rng.choice([(1, 1), (8, 8), (40, 30), (64, 64), (3, 200)])
    mode = rng.choice(["RGB", "RGBA", "L", "P", "1", "LA", "I;16", "CMYK"])
    im = Image.new("RGB", (w, h))
    im.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(w * h)])
    try:
        im = im.convert(mode)
        buf = io.BytesIO()
        im.save(buf, format=kind.upper() if kind != "jpeg" else "JPEG")
        data = buf.getvalue()
    except (OSError, ValueError, KeyError):
        buf = io.BytesIO()
        im.convert("RGB").save(buf, format="PNG")
        data, kind = buf.getvalue(), "png"
    r = rng.random()
    if r < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    elif r < 0.6:
        data = _flip_bytes(rng, data)
    suffix = "." + (kind if rng.random() < 0.8 else rng.choice(["png", "svg", "jpg"]))
    return data, suffix
