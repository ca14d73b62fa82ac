"""Test helpers: fonts built in the test (fontTools FontBuilder), so metrics and kerning are known exactly,
and a stand-in encoder of known meaning for shape edits (NOT CLIP, test code only)."""

from pathlib import Path


GLYPHS = {  # name: (code point, advance, box drawn inside the advance: x0, y0, x1, y1)
    ".notdef": (None, 500, (50, 0, 450, 700)),
    "space": (32, 250, None),
    "A": (65, 600, (50, 0, 550, 700)),
    "V": (86, 700, (60, 0, 640, 700)),
    "B": (66, 650, (80, 0, 600, 700)),
    "one": (49, 500, (200, 0, 300, 700)),
    "exclam": (33, 300, (120, 200, 180, 700)),
}


def build_font(path: Path, cff: bool = False, gpos_kern: int | None = None, legacy_kern: int | None = None) -> Path:
    """A tiny font: each glyph a rectangle (with a square hole in A) inside its advance box."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    order = list(GLYPHS)
    fb = FontBuilder(1000, isTTF=not cff)
    fb.setupGlyphOrder(order)
    fb.setupCharacterMap({cp: name for name, (cp, _, _) in GLYPHS.items() if cp is not None})
    drawn, metrics = {}, {}
    for name, (_, advance, box) in GLYPHS.items():
        pen = T2CharStringPen(advance, None) if cff else TTGlyphPen(None)
        if box is not None:
            x0, y0, x1, y1 = box
            pen.moveTo((x0, y0)); pen.lineTo((x0, y1)); pen.lineTo((x1, y1)); pen.lineTo((x1, y0)); pen.closePath()
            if name == "A":  # a counter, drawn the other way round
                pen.moveTo((250, 300)); pen.lineTo((350, 300)); pen.lineTo((350, 400)); pen.lineTo((250, 400))
                pen.closePath()
        drawn[name] = pen.getCharString() if cff else pen.glyph()
        metrics[name] = (advance, box[0] if box else 0)
    if cff:
        fb.setupCFF("VectestCFF", {"FullName": "Vectest CFF"}, drawn, {})
    else:
        fb.setupGlyf(drawn)
    fb.setupHorizontalMetrics(metrics)
    fb.setupHorizontalHeader(ascent=800, descent=-200)
    fb.setupNameTable({"familyName": "Vectest", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    fb.setupPost()
    if gpos_kern is not None:
        fb.addOpenTypeFeatures(f"languagesystem DFLT dflt;\nfeature kern {{ pos A V {gpos_kern}; }} kern;\n")
    if legacy_kern is not None:
        from fontTools.ttLib import newTable
        from fontTools.ttLib.tables._k_e_r_n import KernTable_format_0

        table = newTable("kern")
        sub = KernTable_format_0()
        sub.version, sub.coverage, sub.kernTable = 0, 1, {("A", "V"): legacy_kern}
        table.version, table.kernTables = 0, [sub]
        fb.font["kern"] = table
    fb.save(str(path))
    return path


class InkPosition:
    """Stand-in encoder: image → ink (1 − grey) pooled over a 2×2 grid; text → where ink should be.

    "top" means ink in the upper cells, "bottom" in the lower ones; anything else is even.
    A directional loss toward "top" therefore means exactly "move ink upward".
    """

    image_size = 32
    mean = (0.0, 0.0, 0.0)
    std = (1.0, 1.0, 1.0)
    description = "test stand-in (ink position), not CLIP"

    def encode_image(self, batch):
        import torch

        ink = 1.0 - batch.mean(1, keepdim=True)
        return torch.nn.functional.adaptive_avg_pool2d(ink, 2).flatten(1)

    def encode_text(self, texts):
        import torch

        rows = []
        for text in texts:
            words = text.lower().split()
            rows.append([1.0, 1.0, 0.0, 0.0] if "top" in words else [0.0, 0.0, 1.0, 1.0] if "bottom" in words
                        else [0.5, 0.5, 0.5, 0.5])
        return torch.tensor(rows)
