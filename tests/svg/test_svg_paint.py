"""Paint resolution in the render tree: context paint through ``use``, fallbacks of paint servers."""

import numpy as np
import pytest

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


def test_context_paint_servers_stay_in_the_context_elements_space_and_box():
    doc = load_svg(HEAD + """<linearGradient id="g"><stop offset="0"/><stop offset="1" stop-color="red"/></linearGradient>
      <defs><g id="pair"><rect width="10" height="10" fill="context-fill"/><rect x="30" width="10" height="40"
      fill="context-fill" transform="rotate(10)"/></g>
      <marker id="m"><rect width="3" height="3" fill="context-fill"/></marker></defs>
      <use xlink:href="#pair" x="5" fill="url(#g)"/>
      <path id="p" d="M0 60 L50 60 L50 90" fill="url(#g)" marker-mid="url(#m)"/></svg>""")
    used = [s for s in doc.shapes() if s.tag == "rect" and s.reason and "use" in s.reason]
    assert len(used) == 2 and used[0].fill.space is used[1].fill.space  # one context element for both
    space = used[0].fill.space
    # the use's user space, and its box (the rotated rect reaches y = 40 cos 10° + 30 sin 10° + … ≈ 46.34)
    assert space.ctm[0, 2] == 5 and space.box[1] == 0 and space.box[3] == pytest.approx(46.338, abs=1e-3)
    marked = [s for s in doc.shapes() if s.reason and "marker" in s.reason][0]
    assert marked.fill.space.box == (0.0, 60.0, 50.0, 90.0) and marked.fill.space.ctm[1, 2] == 0  # the path's


def test_the_root_background_color_is_a_backdrop_under_the_root_group():
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10" viewBox="0 0 10 10" opacity="0.5"'
                   ' style="background-color: #00f"><rect width="2" height="2" fill="red"/></svg>')
    backdrop, drawing = doc.root.children
    assert backdrop.fill == BLUE and not backdrop.editable and drawing.node is doc.root_node
    assert backdrop.ctm[0, 2] == 5  # the viewBox area, centred by preserveAspectRatio
    from vecedit.render.api import render_document

    image = render_document(doc)
    assert image[5, 1].tolist() == [0.0, 0.0, 0.0, 0.0] and image[5, 10, 2] == 1.0  # outside / inside the viewBox
    assert image[5, 10, 3] == 1.0  # the root's opacity does not fade the backdrop
    assert len(load_svg(HEAD + '<rect width="1" height="1"/></svg>').root.children) == 1  # no backdrop, no wrapper


def test_a_singular_gradient_transform_is_ignored_with_a_note():
    doc = load_svg(HEAD + """<radialGradient id="g" gradientTransform="matrix(0 0 0 0 0 0)">
      <stop offset="0" stop-color="white"/><stop offset="1" stop-color="green"/></radialGradient>
      <rect id="a" width="10" height="10" fill="url(#g)"/></svg>""")
    gradient = doc.gradients[shape(doc, "a").fill.id]
    assert (gradient.transform == np.eye(3)).all()  # as resvg draws it: the plain gradient
    assert any("gradientTransform is not invertible" in n.message for n in doc.notes)
