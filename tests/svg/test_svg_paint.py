"""Paint resolution in the render tree: context paint through ``use``, fallbacks of paint servers."""

from vecedit.svg import load_svg

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="100">'
BLUE, GREEN, RED = (0.0, 0.0, 1.0, 1.0), (0.0, 128 / 255, 0.0, 1.0), (1.0, 0.0, 0.0, 1.0)


def shape(doc, ident=None):
    return next(s for s in doc.shapes() if ident is None or s.id == ident)


def test_context_paint_in_use_content_is_the_use_elements_paint():
    doc = load_svg(HEAD + """<defs><rect id="r" width="10" height="10" fill="context-stroke" stroke="context-fill"/></defs>
      <use xlink:href="#r" fill="blue" stroke="green"/></svg>""")
    rect = shape(doc)
    assert (rect.fill, rect.stroke) == (GREEN, BLUE)
    assert not any("context" in n.message for n in doc.notes)


def test_context_paint_through_nested_uses_takes_the_outer_paint():
    doc = load_svg(HEAD + """<defs><rect id="r" width="10" height="10" fill="context-stroke" stroke="context-fill"/></defs>
      <use id="inner" xlink:href="#r" fill="context-fill" stroke="context-stroke"/>
      <use xlink:href="#inner" fill="blue" stroke="red"/></svg>""")
    drawn = [s for s in doc.shapes() if s.visible]
    assert [(s.fill, s.stroke) for s in drawn] == [(None, None), (RED, BLUE)]  # the first use has no context


def test_a_gradient_without_stops_paints_the_fallback_colour_or_nothing():
    doc = load_svg(HEAD + """<linearGradient id="g"/>
      <rect id="a" width="10" height="10" fill="url(#g) red"/><rect id="b" width="10" height="10" fill="url(#g)"/></svg>""")
    assert shape(doc, "a").fill == RED
    assert shape(doc, "b").fill is None
