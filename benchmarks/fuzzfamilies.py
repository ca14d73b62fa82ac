"""Document families the small grammar of ``fuzzgen`` barely reaches, each a short seeded
generator ``(rng) → SVG markup`` (a fragment for inside ``<svg>``), except
:func:`container` which wraps a whole document's bytes:

* text: tspan/textPath/tref, x/y/dx/dy/rotate lists, ``font`` shorthand, odd families and
  sizes, bidi/RTL, vertical writing, spacing extremes, ``textLength``;
* filters: every primitive with extreme, absurd or missing attributes, long chains,
  ``result``/``in`` loops, huge kernels, ``feImage`` of elements and files, CSS filter functions;
* css: big style sheets, pathological selectors, ``@import``/``@media``, ``!important``, ``var()``;
* references: deep and cyclic chains mixing use/href/pattern/marker/mask/clip/filter/gradient;
* numbers: every numeric attribute of an element set to one absurd number;
* images: ``data:`` URIs of corrupt or huge-dimension PNG/JPEG/GIF/WebP/BMP headers, nested SVG;
* containers: nested svgz, BOMs and NULs, odd XML declarations.

``fuzzgen.grammar_svg`` draws a document from one of these about half the time and
``fuzzgen.mutate_svg`` can splice a fragment into a corpus file.
"""

from __future__ import annotations

import base64
import gzip
import random
import struct
import zlib

WILD = ["1e308", "-1e308", "-0", "nan", "NaN", "inf", "-inf", "Infinity", "1e-320", "4e-310", "1e999", "-1e999",
        "9" * 330, "0." + "0" * 400 + "1", "1" + "0" * 40 + ".5", "3.4e38", "1e39", "1e20", "-1e20", "1e9", "0", "",
        "1e", "--1", "0x7f", "1,5", "2147483647", "-2147483649", "1e-7", "65535", "1e6%", "5%", "1e308px", "1e308em"]


def _wild(rng: random.Random) -> str:
    return rng.choice(WILD)


def _num(rng: random.Random) -> str:
    return _wild(rng) if rng.random() < 0.3 else str(round(rng.uniform(-10, 110), 1))


def _nums(rng: random.Random, low: int = 0, high: int = 12) -> str:
    return rng.choice([" ", ",", ", "]).join(_num(rng) for _ in range(rng.randint(low, high)))


# --------------------------------------------------------------------------- text

FAMILIES_TEXT = ["serif", "sans-serif", "monospace", "'Nonexistent Font', cursive", "DejaVu Sans, serif",
                 "&quot;a b&quot;, , ,", "fantasy, system-ui, emoji, math", ",".join(f"F{i}" for i in range(300)), "'", ""]
WORDS = ["Hello", "שלום עולם", "مرحبا بالعالم", "abc\u202edef\u202c", "日本語の縦書き", "e\u0301\u0301\u0301",
         "🙂👍🏽", "\u200b\u200d\ufeff", "a\tb\n c", "&#x10FFFF;&#x1F600;", "&amp;&lt;", "x" * 2000, "", "  "]


def text(rng: random.Random) -> str:
    out = ['<path id="tp" d="M10 50 C 40 0 60 100 90 50"/>', '<text id="src">referenced</text>']
    for _ in range(rng.randint(1, 4)):
        attrs = {
            "x": _nums(rng, 1, 8), "y": _nums(rng, 1, 8), "dx": _nums(rng), "dy": _nums(rng), "rotate": _nums(rng),
            "font": rng.choice(["bold italic 12px/30px Georgia, serif", "x", f"{_num(rng)}px serif", "caption",
                                "small-caps 900 1e308px a", "italic"]),
            "font-family": rng.choice(FAMILIES_TEXT), "font-size": rng.choice([_num(rng), "xx-large", "smaller", "-3px"]),
            "font-weight": rng.choice(["100", "1000", "bolder", "0", "nan"]),
            "direction": rng.choice(["rtl", "ltr", "x"]), "unicode-bidi": rng.choice(["bidi-override", "embed", "isolate"]),
            "writing-mode": rng.choice(["tb", "vertical-rl", "tb-rl", "lr", "sideways-lr"]),
            "letter-spacing": rng.choice([_num(rng), "1e308", "-50", "normal"]),
            "word-spacing": rng.choice([_num(rng), "-1e9", "1e-320"]),
            "textLength": _num(rng), "lengthAdjust": rng.choice(["spacing", "spacingAndGlyphs", "x"]),
            "text-anchor": rng.choice(["middle", "end", "start"]), "baseline-shift": rng.choice(["super", "-1e9", "50%"]),
            "dominant-baseline": rng.choice(["hanging", "central", "text-after-edge", "x"]),
            "text-decoration": rng.choice(["underline overline line-through", "blink"]),
            "font-variant": rng.choice(["small-caps", "x"]), "font-stretch": rng.choice(["ultra-condensed", "1e9%"]),
            "xml:space": "preserve", "white-space": rng.choice(["pre", "nowrap", "pre-line"]),
            "fill": rng.choice(["red", "url(#tp)", "context-fill"]), "stroke": rng.choice(["none", "blue"]),
        }
        chosen = " ".join(f'{k}="{v}"' for k, v in rng.sample(sorted(attrs.items()), rng.randint(2, 10)))
        out.append(f"<text {chosen}>{_text_content(rng, 0)}</text>")
    return "".join(out)


def _text_content(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(1, 5)):
        r = rng.random()
        if r < 0.4 or depth > 3:
            parts.append(rng.choice(WORDS))
        elif r < 0.7:
            parts.append(f'<tspan x="{_nums(rng, 0, 4)}" dy="{_nums(rng, 0, 4)}" rotate="{_nums(rng, 0, 3)}" '
                         f'font-size="{_num(rng)}">{_text_content(rng, depth + 1)}</tspan>')
        elif r < 0.85:
            parts.append(f'<textPath href="#{rng.choice(["tp", "tp", "src", "missing", ""])}" '
                         f'startOffset="{rng.choice([_num(rng), "50%", "-1e308"])}" side="{rng.choice(["right", "left"])}" '
                         f'method="{rng.choice(["stretch", "align"])}" path="{rng.choice(["M0 0 L1e308 0", "M0 0", ""])}">'
                         f'{_text_content(rng, depth + 1)}</textPath>')
        else:
            parts.append(f'<tref href="#{rng.choice(["src", "tp", "missing"])}"/>')
    return "".join(parts)


# --------------------------------------------------------------------------- filters

PRIMITIVES = {
    "feGaussianBlur": ["stdDeviation", "edgeMode"], "feOffset": ["dx", "dy"], "feFlood": ["flood-color", "flood-opacity"],
    "feBlend": ["mode", "in2"], "feComposite": ["operator", "k1", "k2", "k3", "k4", "in2"], "feMerge": [],
    "feColorMatrix": ["type", "values"], "feComponentTransfer": [], "feConvolveMatrix":
        ["order", "kernelMatrix", "divisor", "bias", "targetX", "targetY", "edgeMode", "preserveAlpha", "kernelUnitLength"],
    "feMorphology": ["operator", "radius"], "feTile": [], "feTurbulence": ["baseFrequency", "numOctaves", "seed",
                                                                          "stitchTiles", "type"],
    "feDisplacementMap": ["scale", "xChannelSelector", "yChannelSelector", "in2"], "feImage": ["href", "preserveAspectRatio"],
    "feDiffuseLighting": ["surfaceScale", "diffuseConstant", "kernelUnitLength", "lighting-color"],
    "feSpecularLighting": ["surfaceScale", "specularConstant", "specularExponent", "kernelUnitLength"],
    "feDropShadow": ["dx", "dy", "stdDeviation", "flood-color"], "feBogus": ["x"],
}
KEYWORDS = {"edgeMode": ["duplicate", "wrap", "none", "x"], "mode": ["multiply", "screen", "hue", "luminosity", "x"],
            "operator": ["arithmetic", "xor", "in", "dilate", "erode", "lighter", "x"],
            "type": ["matrix", "saturate", "hueRotate", "luminanceToAlpha", "fractalNoise", "x", "table", "gamma"],
            "stitchTiles": ["stitch", "noStitch"], "preserveAlpha": ["true", "x"], "xChannelSelector": ["R", "A", "Q"],
            "yChannelSelector": ["G", "B", ""], "flood-color": ["red", "currentColor", "x"], "lighting-color": ["#fff", "x"],
            "href": ["#shape", "#f0", "#missing", "nope.png", "/etc/passwd", "../../x.svg", "data:image/png;base64,AAAA",
                     "file:///dev/zero", "http://example.com/x.png"],
            "preserveAspectRatio": ["xMidYMid slice", "none", "x"]}


def _filter_value(rng: random.Random, name: str, results: list[str]) -> str:
    if name in ("in", "in2"):
        return rng.choice(results + ["SourceGraphic", "SourceAlpha", "BackgroundImage", "FillPaint", "StrokePaint", "nope"])
    if name in KEYWORDS and rng.random() < 0.7:
        return rng.choice(KEYWORDS[name])
    if name == "kernelMatrix":
        return _nums(rng, 0, rng.choice([4, 9, 10, 400]))
    if name == "order":
        return rng.choice(["3", "0", "-1", "1e9", "300", "2 1e9", "3.5", _num(rng)])
    if name == "values":
        return _nums(rng, 0, 22)
    if name in ("stdDeviation", "radius", "baseFrequency"):
        return rng.choice(["1e9", "1e9 1e9", "-1", "0", "1e308", "0 5", "1e-320", _num(rng), f"{_num(rng)} {_num(rng)}"])
    if name == "numOctaves":
        return rng.choice(["1", "100", "1e9", "-1", "nan"])
    return _num(rng)


def _primitive(rng: random.Random, index: int, results: list[str]) -> str:
    name = rng.choice(sorted(PRIMITIVES))
    attrs = {a: _filter_value(rng, a, results) for a in PRIMITIVES[name] if rng.random() < 0.8}
    attrs.update({a: rng.choice([_num(rng), "50%", "-1e308"]) for a in ("x", "y", "width", "height") if rng.random() < 0.2})
    if rng.random() < 0.6:
        attrs["in"] = _filter_value(rng, "in", results)
    # a result named like a later primitive's, or like the input it reads: loops through names
    attrs["result"] = rng.choice([f"r{index}", f"r{index + 1}", "SourceGraphic", f"r{max(0, index - 1)}"])
    results.append(attrs["result"])
    kids = ""
    if name == "feMerge":
        kids = "".join(f'<feMergeNode in="{_filter_value(rng, "in", results)}"/>' for _ in range(rng.randint(0, 30)))
    elif name == "feComponentTransfer":
        kids = "".join(f'<feFunc{c} type="{rng.choice(KEYWORDS["type"])}" tableValues="{_nums(rng, 0, 300)}" '
                       f'slope="{_num(rng)}" exponent="{_num(rng)}" amplitude="{_num(rng)}"/>' for c in "RGBA" if rng.random() < 0.6)
    elif "Lighting" in name:
        kids = rng.choice([f'<feDistantLight azimuth="{_num(rng)}" elevation="{_num(rng)}"/>',
                           f'<fePointLight x="{_num(rng)}" y="{_num(rng)}" z="{_num(rng)}"/>',
                           f'<feSpotLight x="{_num(rng)}" z="{_num(rng)}" pointsAtX="{_num(rng)}" '
                           f'specularExponent="{_num(rng)}" limitingConeAngle="{_num(rng)}"/>', ""])
    return f"<{name} {' '.join(f'{k}={chr(34)}{v}{chr(34)}' for k, v in attrs.items())}>{kids}</{name}>"


def filters(rng: random.Random) -> str:
    out = ['<rect id="shape" width="20" height="20" fill="green"/>']
    for f in range(rng.randint(1, 3)):
        results: list[str] = []
        n = rng.choice([1, 2, 5, 40, 300])
        body = "".join(_primitive(rng, i, results) for i in range(n))
        region = " ".join(f'{a}="{rng.choice([_num(rng), "-10%", "120%", "1e308"])}"' for a in ("x", "y", "width", "height")
                          if rng.random() < 0.4)
        units = rng.choice(["", 'filterUnits="userSpaceOnUse"', 'primitiveUnits="objectBoundingBox"'])
        href = f' href="#f{rng.randrange(3)}"' if rng.random() < 0.2 else ""
        out.append(f'<filter id="f{f}" {region} {units}{href} filterRes="{_num(rng)}">{body}</filter>')
    css = ["blur(1e9px)", "drop-shadow(1e308px 0 2px red)", "grayscale(1e308)", "hue-rotate(nan deg)", "invert(-1)",
           "contrast(1e999%)", "url(#f0) url(#f1) blur(2px)", "brightness()", "opacity(50%) sepia(1) saturate(1e9)",
           "blur(", "url(#missing)", "drop-shadow(red)"]
    for _ in range(rng.randint(1, 4)):
        value = rng.choice(css + [f"url(#f{rng.randrange(3)})"] * 3)
        target = rng.choice(['<rect width="30" height="30" fill="blue"', '<circle cx="30" cy="30" r="20"',
                             '<g><rect width="0" height="0"/></g', '<text x="5" y="20">filtered</text'])
        if target.endswith("</g") or target.endswith("</text"):
            head, _, tail = target.partition(">")
            out.append(f'{head} style="filter:{value}">{tail}>')
        else:
            out.append(f'{target} filter="{value}" transform="{rng.choice(["", "scale(1e-9)", "rotate(30)", "scale(1e9)"])}"/>')
    return "".join(out)


# --------------------------------------------------------------------------- css


def css(rng: random.Random) -> str:
    rules = []
    for i in range(rng.choice([1, 10, 200, 3000])):
        selector = rng.choice([
            "rect", "g > rect", "* * * * * * * * * * rect", ":not(:not(:not(rect)))", "[id^=a][id$=b][id*=c]",
            "rect:nth-child(2n+1):nth-last-of-type(-n+3)", "a ~ b + c > d", ".a.b.c.d.e.f", "#i" + str(i),
            "svg|rect", "rect::before", ":is(g, rect):where(circle)", ":has(> rect)", "[fill=\"red\" i]",
            "g " * 60 + "rect", "rect, , circle", "\\31 x", "*:hover:focus:active", "@@@", "rect:nth-child(99999999999n)"])
        decl = rng.choice([
            f"fill:{rng.choice(['red', 'var(--c)', 'var(--c, var(--d, blue))', 'rgb(1e308 0 0)', 'url(#x)'])}",
            f"stroke-width:{_num(rng)} !important", "--c: var(--c)", "--d: var(--c)", "--c:" + "x" * 5000,
            f"transform:scale({_num(rng)}) rotate({_num(rng)}deg)", "opacity:-1e308", "fill:red !important !important",
            "display:none", "visibility:collapse", f"font:{_num(rng)}px/{_num(rng)} serif", "filter:blur(1e9px)",
            "stroke:var(--missing)", "mask:url(#m)", "clip-path:circle(1e308px)", "fill:" + "var(--a," * 200 + "red" + ")" * 200])
        rules.append(f"{selector} {{ {decl} }}")
    head = rng.choice(["", "@import url(other.css);", "@import 'x.css' screen;", "@charset \"utf-8\";",
                       "@media (min-width: 1e308px) { rect { fill: red } }", "@font-face { font-family: x; src: url(/etc/passwd) }",
                       "@supports (fill: red) { rect { fill: blue } }", "@namespace svg url(http://www.w3.org/2000/svg);",
                       "@media screen {" * 100 + "rect{fill:red}" + "}" * 100, "/*" + "*" * 5000, "<!-- c -->", "}}}}{{{{"])
    sheet = head + "\n".join(rules)
    style = f"<style>{sheet}</style>" if rng.random() < 0.7 else f"<style><![CDATA[{sheet}]]></style>"
    shapes = "".join(f'<g class="a b c d e f"><rect id="i{i}" width="10" height="10" style="--c: green; fill: var(--c)" '
                     f'class="a"/><circle cx="5" cy="5" r="3"/></g>' for i in range(rng.choice([1, 5, 50])))
    return style + shapes


# --------------------------------------------------------------------------- references

KINDS = ["use", "pattern", "marker", "mask", "clip", "filter", "gradient", "symbol", "image"]


def _ref_node(rng: random.Random, kind: str, me: str, target: str) -> str:
    link = f'<use href="#{target}"/>'
    return {
        "use": f'<use id="{me}" href="#{target}" x="1"/>',
        "pattern": f'<pattern id="{me}" width="5" height="5" patternUnits="userSpaceOnUse" '
                   f'{rng.choice(["href", "xlink:href"])}="#{target}"><rect width="3" height="3" fill="url(#{target})"/></pattern>',
        "marker": f'<marker id="{me}" markerWidth="5" markerHeight="5" orient="auto-start-reverse">'
                  f'<path d="M0 0 L5 5" stroke="black" marker-end="url(#{target})" fill="url(#{target})"/></marker>',
        "mask": f'<mask id="{me}" mask="url(#{target})"><rect width="50" height="50" fill="white"/>{link}</mask>',
        "clip": f'<clipPath id="{me}" clip-path="url(#{target})"><rect width="40" height="40"/>{link}</clipPath>',
        "filter": f'<filter id="{me}" href="#{target}"><feImage href="#{target}"/><feOffset dx="1"/></filter>',
        "gradient": f'<linearGradient id="{me}" href="#{target}"><stop offset="0" stop-color="red"/></linearGradient>',
        "symbol": f'<symbol id="{me}" viewBox="0 0 10 10"><rect width="5" height="5" filter="url(#{target})"/>{link}</symbol>',
        "image": f'<image id="{me}" href="#{target}" width="10" height="10"/>',
    }[kind]


def references(rng: random.Random) -> str:
    n = rng.choice([2, 5, 40, 200, 1200])
    kinds = [rng.choice(KINDS) for _ in range(n)]
    loop = rng.random() < 0.5
    nodes = []
    for i, kind in enumerate(kinds):
        target = f"n{i + 1}" if i + 1 < n else ("n0" if loop else "leaf")
        if rng.random() < 0.05:
            target = f"n{rng.randrange(n)}"
        nodes.append(_ref_node(rng, kind, f"n{i}", target))
    uses = ['<path id="leaf" d="M5 5 L30 30 L5 30z" stroke="red" fill="blue"/>']
    for prop in rng.sample(["fill", "stroke", "clip-path", "mask", "filter", "marker-start", "marker-mid", "marker-end"],
                           rng.randint(1, 4)):
        stroke = "" if prop == "stroke" else ' stroke="blue"'
        uses.append(f'<path d="M5 5 L30 30 L5 30 L40 2" {prop}="url(#n0)"{stroke}/>')
    uses.append('<use href="#n0"/>')
    return "<defs>" + "".join(nodes) + "</defs>" + "".join(uses)


# --------------------------------------------------------------------------- numbers

NUMERIC = {
    "rect": "x y width height rx ry", "circle": "cx cy r", "ellipse": "cx cy rx ry", "line": "x1 y1 x2 y2",
    "image": "x y width height", "use": "x y width height",
    "linearGradient": "x1 y1 x2 y2", "radialGradient": "cx cy r fx fy fr",
    "text": "x y dx dy rotate textLength font-size",
    "svg": "x y width height", "pattern": "x y width height",
    "marker": "refX refY markerWidth markerHeight orient",
}
COMMON_NUMERIC = ["stroke-width", "stroke-miterlimit", "stroke-dashoffset", "opacity", "fill-opacity", "stroke-opacity",
                  "stop-opacity", "font-size", "letter-spacing"]


def numbers(rng: random.Random) -> str:
    out = []
    for tag, names in sorted(NUMERIC.items()):
        if rng.random() < 0.5:
            continue
        value = _wild(rng) if rng.random() < 0.8 else None
        attrs = {a: _wild(rng) for a in COMMON_NUMERIC if rng.random() < 0.3}
        attrs.update({a: value if value is not None else _wild(rng) for a in names.split()})
        attrs.update({"id": f"{tag}1", "stroke-dasharray": _nums(rng, 0, 6), "viewBox": _nums(rng, 4, 4), "stroke": "red",
                      "transform": f"matrix({_nums(rng, 6, 6)})"})
        kids = {"linearGradient": f'<stop offset="{_wild(rng)}" stop-color="red"/><stop offset="{_wild(rng)}"/>',
                "radialGradient": f'<stop offset="{_wild(rng)}" stop-color="blue"/>', "text": "123",
                "svg": '<rect width="5" height="5"/>', "pattern": '<rect width="5" height="5"/>',
                "marker": '<rect width="5" height="5"/>'}.get(tag, "")
        out.append(f"<{tag} {' '.join(f'{k}={chr(34)}{v}{chr(34)}' for k, v in attrs.items())}>{kids}</{tag}>")
    paints = "".join(f'<path d="M{_wild(rng)} 0 L10 {_wild(rng)} A{_wild(rng)} 5 {_wild(rng)} 1 0 {_wild(rng)} 9z" '
                     f'fill="url(#{g}1)" marker-mid="url(#marker1)" stroke="url(#pattern1)"/>'
                     for g in ("linearGradient", "radialGradient"))
    return "".join(out) + paints


# --------------------------------------------------------------------------- embedded images


def _png(width: int, height: int, rng: random.Random) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, rng.choice([1, 8, 16, 3]), rng.choice([0, 2, 3, 6, 7]), 0, 0,
                       rng.choice([0, 1]))
    idat = zlib.compress(b"\x00" * rng.choice([0, 4, 100])) if rng.random() < 0.7 else b"\x78\x9c\xff\xff"
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _jpeg(width: int, height: int, rng: random.Random) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height & 0xFFFF, width & 0xFFFF, 1) + b"\x01\x11\x00"
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof + b"\xff\xda" + bytes(rng.randrange(256) for _ in range(20))


def _gif(width: int, height: int, rng: random.Random) -> bytes:
    return (b"GIF89a" + struct.pack("<HH", width & 0xFFFF, height & 0xFFFF) + b"\xf0\x00\x00" + b"\x00" * 6
            + b"\x2c\x00\x00\x00\x00" + struct.pack("<HH", width & 0xFFFF, height & 0xFFFF) + b"\x00\x02\x02\x44\x01\x00;")


def _webp(width: int, height: int, rng: random.Random) -> bytes:
    w, h = (min(width, 1 << 24) - 1) & 0xFFFFFF, (min(height, 1 << 24) - 1) & 0xFFFFFF
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x10\x00\x00\x00" + w.to_bytes(3, "little") + h.to_bytes(3, "little")
    body = vp8x + b"VP8L" + struct.pack("<I", 5) + b"\x2f" + bytes(rng.randrange(256) for _ in range(4)) + b"\x00"
    return b"RIFF" + struct.pack("<I", len(body) + 4) + b"WEBP" + body


def _bmp(width: int, height: int, rng: random.Random) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width & 0x7FFFFFFF, rng.choice([-1, 1]) * (height & 0x7FFFFFFF), 1,
                       rng.choice([1, 24, 32, 0, 64]), rng.choice([0, 1, 3, 99]), 0, 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + 16, 0, 0, 54) + info + bytes(16)


def image_uri(rng: random.Random) -> str:
    size = rng.choice([(1, 1), (0, 0), (65535, 65535), (100000, 1), (1 << 30, 1 << 30), (2**31 - 1, 2), (40000, 40000)])
    maker = rng.choice([_png, _jpeg, _gif, _webp, _bmp])
    data = maker(*size, rng)
    if rng.random() < 0.3:
        data = data[: rng.randrange(len(data) + 1)]
    mime = rng.choice(["image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/svg+xml", "text/plain", ""])
    encoded = base64.b64encode(data).decode()
    if rng.random() < 0.1:
        encoded = encoded[:-1] + "!"
    return f"data:{mime};base64,{encoded}"


def images(rng: random.Random) -> str:
    out = []
    nested = ('<svg xmlns="http://www.w3.org/2000/svg" width="1e308" height="5"><image href="data:image/svg+xml;base64,'
              'PHN2Zy8+" width="5" height="5"/></svg>')
    for _ in range(rng.randint(1, 4)):
        href = rng.choice([image_uri(rng)] * 4 + [
            "data:image/svg+xml;base64," + base64.b64encode(nested.encode()).decode(),
            "data:image/svg+xml;utf8,&lt;svg xmlns='http://www.w3.org/2000/svg'&gt;&lt;image href='data:,'/&gt;&lt;/svg&gt;",
            "data:image/png;base64,", "data:", "missing.png", "/dev/zero", "file:///etc/passwd", "#self"])
        out.append(f'<image id="self" href="{href}" x="{_num(rng)}" width="{rng.choice(["20", _num(rng), "auto", ""])}" '
                   f'height="{rng.choice(["20", _num(rng)])}" preserveAspectRatio="{rng.choice(["none", "xMaxYMax slice", "x"])}" '
                   f'image-rendering="{rng.choice(["pixelated", "optimizeSpeed", "auto"])}"/>')
    if rng.random() < 0.3:
        out.append(f'<pattern id="ip" width="5" height="5"><image href="{image_uri(rng)}" width="5" height="5"/></pattern>'
                   '<rect width="30" height="30" fill="url(#ip)"/>')
    return "".join(out)


# --------------------------------------------------------------------------- containers

DECLARATIONS = ['<?xml version="1.0"?>', '<?xml version="1.1" encoding="UTF-8" standalone="yes"?>',
                '<?xml version="2.0"?>', '<?xml encoding="utf-8"?>', '<?xml version="1.0" encoding=""?>',
                "<?xml version='1.0' encoding='UTF-16'?>", '<?xml version="1.0" encoding="latin1" ?>',
                '<?xml version="1.0" encoding="x-mac-roman"?>', '<?xml   ?>', '<?xml version="1.0"?><?xml version="1.0"?>',
                '<?xml-stylesheet href="x.css" type="text/css"?>', "<!DOCTYPE svg>", "<!-- lead -->" * 3, ""]


def container(rng: random.Random, document: bytes) -> bytes:
    """Wrap a whole document: an odd XML declaration, BOMs/NULs, gzip (maybe nested, maybe damaged)."""
    text = document.decode("utf-8", "replace")
    if not text.lstrip().startswith("<?xml"):
        text = rng.choice(DECLARATIONS) + rng.choice(["", "\n", "\r\n", "\x0c"]) + text
    codec = rng.choice(["utf-8", "utf-8", "utf-16", "utf-16-le", "utf-32", "latin-1"])
    data = text.encode(codec, "replace")
    data = rng.choice([b"", b"", b"\xef\xbb\xbf", b"\x00", b"\x00\x00\xfe\xff", b"\xfe\xff", b"\xef\xbb\xbf\x00"]) + data
    if rng.random() < 0.1:
        data += rng.choice([b"\x00", b"\x00" * 100, b"<trailing/>", b"\x1f\x8b"])
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        data = gzip.compress(data, compresslevel=rng.choice([1, 9]))
        if rng.random() < 0.15:
            data = data[: rng.randrange(2, len(data) + 1)]
    return data


# --------------------------------------------------------------------------- the catalogue

FRAGMENTS = {"text": text, "filters": filters, "css": css, "references": references, "numbers": numbers, "images": images}


def family_svg(rng: random.Random) -> bytes:
    """A whole document from one or two fragment families, maybe wrapped by :func:`container`."""
    names = rng.sample(sorted(FRAGMENTS), rng.choice([1, 1, 2]))
    body = "".join(FRAGMENTS[name](rng) for name in names)
    size = rng.choice(['width="100" height="100"', 'viewBox="0 0 100 100"', f'width="{_num(rng)}" height="64"'])
    doc = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" {size}>'
           f"{body}</svg>").encode("utf-8")
    return container(rng, doc) if rng.random() < 0.15 else doc
