"""Text: font discovery (:mod:`.fontdb`), HarfBuzz shaping and fontTools outlines
(:mod:`.shaping`), SVG text content (:mod:`.content`), layout (:mod:`.layout`) and the
render-tree glyph shapes (:mod:`.build`). ``vecedit font`` and GlyphDraw lay text out
through the same modules."""
