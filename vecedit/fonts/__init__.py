"""The font workflow: lay text out from a font's outlines, then stylize the glyphs toward a prompt.

``vecedit.stylize_font(...)`` is :func:`vecedit.fonts.stylize.stylize_font`. Modules:

* :mod:`~vecedit.fonts.layout` — finding fonts and laying text out as glyph paths;
* :mod:`~vecedit.fonts.stylize` — the shape-only edit with legibility terms;
* :mod:`~vecedit.fonts.ocr` — reading the result back (``--check-legibility``);
* :mod:`~vecedit.fonts.cli` — ``vecedit font``.
"""
