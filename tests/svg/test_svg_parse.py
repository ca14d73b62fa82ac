import time
from pathlib import Path

import numpy as np
import pytest

from vecedit.errors import SVGError
from vecedit.svg import PatternRef, GradientRef, Group, load_svg
from vecedit.svg.transform import apply
from svgkit import svg

RED, BLUE = (1.0, 0.0, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0)


def canvas_points(shape):
    return apply(shape.ctm, np.vstack([sp.points for sp in shape.subpaths]))


def bbox(shape):
    pts = canvas_points(shape)
    return tuple(np.round(np.concatenate([pts.min(axis=0), pts.max(axis=0)]), 6))


# --- canvas size and units ------------------------------------------------------------


@pytest.mark.parametrize(
    "attrs, size",
    [
        ('width="10" height="20"', (10, 20)),
        ('width="10px" height="20px"', (10, 20)),
        ('width="72pt" height="6pc"', (96, 96)),
        ('width="25.4mm" height="2.54cm"', (96, 96)),
        ('width="1in" height="2em"', (96, 32)),
        ('width="50%" height="100%" viewBox="0 0 200 100"', (100, 100)),
        ('viewBox="0 0 40 30"', (40, 30)),  # missing width/height → the viewBox size
        ('width="80" viewBox="0 0 40 30"', (80, 60)),  # one side → aspect ratio of the viewBox
        ('height="60" viewBox="0 0 40 30"', (80, 60)),
        ("", (300, 150)),  # neither: CSS default object size
        ('width="auto" height="auto" viewBox="0 0 4 3"', (4, 3)),
    ],
)
def test_canvas_size(attrs, size):
    doc = load_svg(svg("", attrs))
    assert (doc.width, doc.height) == pytest.approx(size)


def test_viewbox_with_non_zero_origin_maps_to_canvas_origin():
    doc = load_svg(svg('<rect x="-50" y="-25" width="100" height="50"/>', 'width="200" height="100" viewBox="-50 -25 100 50"'))
    assert bbox(doc.shapes()[0]) == (0, 0, 200, 100)
    assert doc.viewbox == (-50, -25, 100, 50)


@pytest.mark.parametrize(
    "par, box",
    [
        ("xMidYMid meet", (50, 0, 150, 100)),
        ("xMinYMin meet", (0, 0, 100, 100)),
        ("xMaxYMax meet", (100, 0, 200, 100)),
        ("xMidYMid slice", (0, -50, 200, 150)),
        ("xMinYMin slice", (0, 0, 200, 200)),
        ("xMaxYMax slice", (0, -100, 200, 100)),
        ("none", (0, 0, 200, 100)),
    ],
)
def test_root_preserve_aspect_ratio(par, box):
    doc = load_svg(svg('<rect x="10" y="10" width="10" height="10"/>',
                       f'width="200" height="100" viewBox="10 10 10 10" preserveAspectRatio="{par}"'))
    assert bbox(doc.shapes()[0]) == box


def test_lengths_with_units_inside_the_drawing():
    doc = load_svg(svg('<rect x="1in" width="10mm" height="50%"/>', 'width="200" height="100"'))
    assert bbox(doc.shapes()[0]) == pytest.approx((96, 0, 96 + 10 * 96 / 25.4, 50))


def test_nested_svg_viewport():
    doc = load_svg(svg('<svg id="inner" x="10" y="20" width="50" height="50" viewBox="0 0 10 10">'
                       '<rect width="10" height="10"/></svg>'))
    (inner,) = doc.root.children
    assert isinstance(inner, Group) and inner.id == "inner"
    assert bbox(doc.shapes()[0]) == (10, 20, 60, 70)
    (holder,) = inner.children  # the content, clipped to the viewport (overflow: hidden by default)
    (edge,) = holder.clip.children
    assert bbox(edge) == (10, 20, 60, 70)
    assert not any(n.affects_picture for n in doc.notes)


def test_nested_svg_percentages_and_overflow_visible():
    doc = load_svg(svg('<svg width="50%" height="50%" overflow="visible"><rect width="100%" height="100%"/></svg>'))
    assert bbox(doc.shapes()[0]) == (0, 0, 50, 50)
    assert not any("clipping" in n.message for n in doc.notes)


def test_transforms_compose_through_groups():
    doc = load_svg(svg('<g transform="translate(10 20)"><g transform="scale(2)">'
                       '<rect transform="rotate(90)" width="5" height="1"/></g></g>'))
    assert bbox(doc.shapes()[0]) == (8, 20, 10, 30)


def test_switch_draws_the_first_child_that_passes():
    doc = load_svg(svg('<switch><foreignObject requiredExtensions="http://ns.adobe.com/AdobeIllustrator/10.0/"/>'
                       '<rect id="fr" systemLanguage="fr" width="1" height="1"/><rect id="ok" width="1" height="1"/>'
                       '<rect id="no" width="1" height="1"/></switch>'))
    assert [s.id for s in doc.shapes()] == ["ok"]


def test_empty_document_loads():
    doc = load_svg(svg(""))
    assert doc.shapes() == [] and doc.gradients == {} and doc.root.children == []


def test_root_without_namespace_is_accepted_with_a_note():
    doc = load_svg('<svg width="10" height="10"><rect width="5" height="5"/></svg>')
    assert len(doc.shapes()) == 1
    assert any("namespace" in n.message for n in doc.notes)


def test_accepts_path_bytes_and_text(tmp_path):
    text = svg('<rect width="5" height="5"/>')
    f = tmp_path / "a.svg"
    f.write_text(text)
    for source in (f, str(f), text, text.encode(), "\n  " + text):
        assert len(load_svg(source).shapes()) == 1


def test_svgz(tmp_path):
    import gzip

    f = tmp_path / "a.svgz"
    f.write_bytes(gzip.compress(svg('<rect width="5" height="5"/>').encode()))
    assert len(load_svg(f).shapes()) == 1


def test_document_order_and_ids():
    doc = load_svg(svg('<rect id="a" class="x y" width="1" height="1"/><g id="g"><circle id="b" r="1"/></g>'
                       '<path id="c" d="M0 0 L1 1"/>'))
    assert [(s.id, s.tag) for s in doc.shapes()] == [("a", "rect"), ("b", "circle"), ("c", "path")]
    assert doc.shapes()[0].classes == ("x", "y")
    assert doc.shapes()[0].node.get("id") == "a"


# --- use --------------------------------------------------------------------------------


def test_use_of_a_shape():
    doc = load_svg(svg('<defs><rect id="r" width="10" height="10"/></defs>'
                       '<use id="u" href="#r" x="5" y="6" fill="red" transform="scale(2)"/>'))
    (group,) = doc.root.children
    assert isinstance(group, Group) and group.id == "u"
    (shape,) = doc.shapes()
    assert not shape.editable and shape.reason == "instance of #r through <use>"
    assert shape.node is doc.root_node[0][0]
    assert shape.fill == RED  # inherited from the use element
    assert bbox(shape) == (10, 12, 30, 32)  # x/y apply inside the use's transform


def test_use_of_a_visible_shape_draws_it_twice():
    doc = load_svg(svg('<rect id="r" width="10" height="10"/><use xlink:href="#r" x="20"/>'))
    a, b = doc.shapes()
    assert a.editable and not b.editable and a.node is b.node
    assert bbox(b) == (20, 0, 30, 10)


def test_use_of_a_group_and_nested_use():
    doc = load_svg(svg('<defs><g id="g" fill="blue"><rect width="1" height="1"/><circle r="1"/></g>'
                       '<g id="pair"><use href="#g"/><use href="#g" x="10"/></g></defs>'
                       '<use href="#pair" y="5"/>'))
    shapes = doc.shapes()
    assert len(shapes) == 4 and all(not s.editable for s in shapes)
    assert all(s.reason == "instance of #pair through <use>" for s in shapes)
    assert shapes[0].fill == BLUE
    assert bbox(shapes[2]) == (10, 5, 11, 6)


def test_use_of_a_symbol_with_viewbox():
    doc = load_svg(svg('<symbol id="s" viewBox="0 0 10 10"><rect width="10" height="10"/></symbol>'
                       '<use href="#s" x="10" y="10" width="40" height="20"/>'))
    (shape,) = doc.shapes()
    assert bbox(shape) == (20, 10, 40, 30)  # xMidYMid meet into 40×20


def test_symbol_is_not_drawn_by_itself():
    doc = load_svg(svg('<symbol id="s"><rect width="10" height="10"/></symbol>'))
    assert doc.shapes() == []


def test_use_of_missing_target_is_noted():
    doc = load_svg(svg('<use href="#nope"/><use href="other.svg#x"/>'))
    assert doc.shapes() == []
    assert sum("not in this file" in n.message for n in doc.notes) == 2


@pytest.mark.parametrize(
    "body",
    [
        '<use id="u" href="#u"/>',
        '<g id="g"><use href="#g"/></g>',
        '<defs><use id="a" href="#b"/><use id="b" href="#a"/></defs><use href="#a"/>',
        '<g id="a"><g><use href="#a" x="1"/></g></g>',
    ],
)
def test_use_cycles_are_not_drawn_rest_is(body):
    # As browsers and resvg do: the recursive use is not drawn (with a note), the rest is.
    doc = load_svg(svg(body + '<rect id="rest" width="1" height="1"/>'))
    assert [s.id for s in doc.shapes()] == ["rest"]
    assert any("cycle" in n.message for n in doc.notes)


def test_use_nesting_limit():
    defs = '<rect id="u0" width="1" height="1"/>' + "".join(f'<use id="u{i}" href="#u{i - 1}"/>' for i in range(1, 60))
    doc = load_svg(svg(f"<defs>{defs}</defs><use href=\"#u59\"/>"))
    assert doc.shapes() == []
    assert any("nest more than" in n.message for n in doc.notes)


def test_use_fan_out_bomb_is_refused_quickly():
    # 10 levels × 10 uses each would expand to 10^10 shapes
    defs = '<rect id="l0" width="1" height="1"/>'
    for i in range(1, 11):
        defs += f'<g id="l{i}">' + f'<use href="#l{i - 1}"/>' * 10 + "</g>"
    from vecedit.limits import LimitError, Limits

    start = time.process_time()  # CPU time, generous: wall time flakes on a loaded machine
    with pytest.raises(LimitError) as e:
        load_svg(svg(f"<defs>{defs}</defs><use href=\"#l10\"/>"))
    assert f"over the limit of {Limits().shapes:,} shapes" in str(e.value)
    assert time.process_time() - start < 10


# --- gradients --------------------------------------------------------------------------


def test_gradient_defaults_and_paint_reference():
    doc = load_svg(svg('<linearGradient id="l"><stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/>'
                       '</linearGradient><radialGradient id="r"><stop/></radialGradient>'
                       '<rect fill="url(#l)" stroke="url(#r) red" width="1" height="1"/>'))
    lin, rad = doc.gradients["l"], doc.gradients["r"]
    assert (lin.kind, lin.units, lin.spread, lin.geometry) == ("linear", "objectBoundingBox", "pad", (0, 0, 1, 0))
    assert rad.geometry == (0.5, 0.5, 0.5, 0.5, 0.5, 0)  # fx, fy default to cx, cy
    assert np.allclose(lin.transform, np.eye(3))
    shape = doc.shapes()[0]
    assert shape.fill == GradientRef("l") and shape.stroke == GradientRef("r", RED)


def test_gradient_anywhere_in_the_document():
    doc = load_svg(svg('<g><g><linearGradient id="deep"><stop/></linearGradient></g></g>'))
    assert "deep" in doc.gradients


def test_gradient_attributes_and_percentages():
    doc = load_svg(svg('<linearGradient id="l" gradientUnits="userSpaceOnUse" x1="10%" y1="20" x2="50%" y2="1in"'
                       ' gradientTransform="rotate(90)" spreadMethod="reflect"><stop/></linearGradient>'
                       '<radialGradient id="r" cx="10%" cy="20%" r="30%" fx="40%" fr="5%" spreadMethod="repeat"><stop/>'
                       '</radialGradient>', 'width="100" height="100" viewBox="0 0 200 100"'))
    lin, rad = doc.gradients["l"], doc.gradients["r"]
    assert lin.geometry == pytest.approx((20, 20, 100, 96))
    assert lin.spread == "reflect" and lin.units == "userSpaceOnUse"
    assert np.allclose(lin.transform[:2, :2], [[0, -1], [1, 0]])
    assert rad.geometry == pytest.approx((0.1, 0.2, 0.3, 0.4, 0.2, 0.05))
    assert rad.spread == "repeat"


def test_stops_offsets_colours_and_opacity():
    doc = load_svg(svg('<style>.s { stop-color: blue }</style><linearGradient id="l">'
                       '<stop offset="-1" stop-color="red"/><stop offset="50%" stop-color="red" stop-opacity="0.5"/>'
                       '<stop offset="0.2" style="stop-color: lime; stop-opacity: 25%"/><stop offset="2" class="s"/>'
                       '<stop offset="0.9" stop-color="rgba(0,0,255,0.5)" stop-opacity="0.5"/></linearGradient>'))
    stops = doc.gradients["l"].stops
    assert [s.offset for s in stops] == [0, 0.5, 0.5, 1, 1]  # clamped and monotone
    assert stops[1].color == (1, 0, 0, 0.5) and stops[2].color == (0, 1, 0, 0.25)
    assert stops[3].color == BLUE and stops[4].color == (0, 0, 1, 0.25)
    assert len(doc.gradients["l"].stop_nodes) == 5


def test_href_inheritance_of_stops_and_attributes():
    doc = load_svg(svg('<linearGradient id="base" x1="0.2" gradientUnits="userSpaceOnUse" spreadMethod="repeat">'
                       '<stop offset="0" stop-color="red"/><stop offset="1" stop-color="blue"/></linearGradient>'
                       '<linearGradient id="a" xlink:href="#base" x2="0.7"/>'
                       '<linearGradient id="b" href="#a" y1="3"><stop stop-color="lime"/></linearGradient>'
                       '<radialGradient id="c" href="#a" r="0.3"/>'))
    a, b, c = doc.gradients["a"], doc.gradients["b"], doc.gradients["c"]
    assert a.geometry == pytest.approx((0.2, 0, 0.7, 0)) and a.units == "userSpaceOnUse" and a.spread == "repeat"
    assert [s.color for s in a.stops] == [RED, BLUE] and a.stop_nodes[0].get("stop-color") == "red"
    assert a.node.get("id") == "a"
    assert b.geometry == pytest.approx((0.2, 3, 0.7, 0)) and len(b.stops) == 1
    assert c.kind == "radial" and c.units == "userSpaceOnUse" and c.geometry[2] == pytest.approx(0.3)
    assert len(c.stops) == 2


def test_gradient_href_cycle_is_cut():
    doc = load_svg(svg('<linearGradient id="a" href="#b"><stop/></linearGradient>'
                       '<linearGradient id="b" href="#a" x1="0.5"/>'))
    assert doc.gradients["b"].geometry[0] == 0.5 and len(doc.gradients["b"].stops) == 1
    assert any("cycle" in n.message for n in doc.notes)


def test_paint_edge_cases():
    doc = load_svg(svg('<linearGradient id="empty"/><pattern id="p"/>'
                       '<rect id="a" fill="url(#missing)" width="1" height="1"/>'
                       '<rect id="b" fill="url(#missing) blue" width="1" height="1"/>'
                       '<rect id="c" fill="url(#empty) blue" width="1" height="1"/>'
                       '<rect id="d" fill="url(#p)" width="1" height="1"/>'
                       '<rect id="e" fill="url(#a)" width="1" height="1"/>'))
    fills = {s.id: s.fill for s in doc.shapes()}
    # an empty pattern is kept as the paint (the writer keeps url(#p)) but has no tile: it paints nothing;
    # a gradient without stops gives way to the fallback colour (as resvg and browsers)
    assert fills == {"a": None, "b": BLUE, "c": BLUE, "d": PatternRef("p"), "e": None}
    messages = " | ".join(n.message for n in doc.notes)
    assert "'#missing', which is not in this file; drawn as none" in messages
    assert "not a paint server" in messages


# --- notes ------------------------------------------------------------------------------


def test_kept_elements_are_noted():
    doc = load_svg(svg(
        '<title>t</title><desc>d</desc><metadata><x/></metadata><text id="t">hi</text><image id="i" href="a.png"/>'
        '<foreignObject/><defs><filter id="f"><feOffset dx="1"/></filter><mask id="m"/><clipPath id="cp"/><pattern id="pp"/>'
        '<marker id="mk"/><filter id="unused"/></defs><blink id="b"/><animate/>'
        '<sodipodi:namedview xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"/>'
        '<g filter="url(#f)" mask="url(#m)" clip-path="url(#cp)"><path d="M0 0 L1 1" marker-end="url(#mk)"'
        ' fill="url(#pp)"/></g>'))
    notes = {(n.tag, n.id): n for n in doc.notes if n.tag not in ("g", "path")}
    text = notes[("text", "t")]  # drawn from glyph outlines (vecedit.text)
    assert not text.affects_picture and "drawn from glyph outlines" in text.message
    assert notes[("image", "i")].affects_picture
    assert notes[("foreignObject", None)].affects_picture
    for tag, i in (("pattern", "pp"), ("marker", "mk"), ("mask", "m")):  # drawn by the builtin renderer
        assert not notes[(tag, i)].affects_picture, tag
    assert not notes[("clipPath", "cp")].affects_picture  # the builtin renderer clips by it
    assert not notes[("filter", "f")].affects_picture  # the builtin renderer applies it
    assert not notes[("filter", "unused")].affects_picture
    for tag, i in (("title", None), ("desc", None), ("metadata", None), ("blink", "b"), ("animate", None),
                   ("namedview", None)):
        assert not notes[(tag, i)].affects_picture, tag
    text_group, group = doc.root.children
    assert text_group.node.get("id") == "t"
    assert group.clip_path == "cp" and group.mask == "m"
    messages = [n.message for n in doc.notes if n.tag in ("g", "path")]
    assert any("clip-path on a <g> is drawn" in m for m in messages)
    assert any("mask on a <g> is drawn" in m for m in messages)
    assert not any("filter" in m or "markers" in m for m in messages)  # both drawn by the builtin renderer


def test_clip_path_on_a_shape_wraps_it_in_a_group():
    doc = load_svg(svg('<clipPath id="c"><rect width="1" height="1"/></clipPath>'
                       '<rect id="r" clip-path="url(#c)" width="5" height="5"/>'))
    (wrapper,) = doc.root.children
    assert isinstance(wrapper, Group) and wrapper.clip_path == "c" and wrapper.children[0].id == "r"
    assert len(doc.shapes()) == 1  # the clipPath's own rect is not drawn
    (clip_rect,) = wrapper.clip.children  # but it is resolved, as clip content
    assert not clip_rect.editable and clip_rect.fill == (1.0, 1.0, 1.0, 1.0)
    assert any(n.message.startswith("clip-path on #r is drawn") for n in doc.notes)


def test_clip_path_units_follow_the_clipped_element():
    doc = load_svg(svg('<clipPath id="u"><rect width="2" height="2"/></clipPath>'
                       '<clipPath id="b" clipPathUnits="objectBoundingBox"><rect width="0.5" height="1"/></clipPath>'
                       '<g clip-path="url(#u)" transform="translate(10 0)"><rect width="4" height="4"/></g>'
                       '<rect clip-path="url(#b)" x="20" y="0" width="8" height="4"/>'))
    user, bbox = doc.root.children
    (r,) = user.clip.children
    assert r.ctm[0, 2] == 10  # in the user space of the clipped (translated) group
    (b,) = bbox.clip.children
    corners = b.subpaths[0].points @ b.ctm[:2, :2].T + b.ctm[:2, 2]
    assert corners[:, 0].min() == 20 and corners[:, 0].max() == 24  # half of the 8-wide box


def test_dasharray_is_kept_and_drawn():
    doc = load_svg(svg('<path id="p" d="M0 0 L10 0" stroke="red" stroke-dasharray="2 1"/>'))
    assert doc.shapes()[0].dasharray == (2, 1)
    assert not any("dash" in n.message for n in doc.notes)


def test_corpus_files_load(tmp_path):
    corpus = Path(__file__).resolve().parents[1] / "corpus"
    files = sorted(corpus.glob("*.svg"))
    if not files:
        pytest.skip("no corpus")
    for f in files:
        doc = load_svg(f)
        assert doc.shapes(), f.name
        for s in doc.shapes():
            for sp in s.subpaths:
                assert np.isfinite(sp.points).all()
                assert len(sp.points) % 3 == (0 if sp.closed else 1)
