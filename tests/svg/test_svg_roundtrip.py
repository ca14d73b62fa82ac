"""Writing back: unedited documents byte for byte; edits change only what was edited."""

import difflib
import os
from pathlib import Path

import numpy as np
import pytest

from vecedit.errors import InputError, SVGError
from vecedit.svg import GradientRef, Stop, dumps_svg, load_svg, path_to_subpaths, save_svg
from svgkit import svg

CORPUS = sorted((Path(__file__).resolve().parents[1] / "corpus").rglob("*.svg")) + sorted(
    (Path(__file__).resolve().parents[1] / "corpus_unsupported").glob("*.svg"))

INKSCAPE = """<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->

<svg
   width="210mm"
   height="297mm"
   viewBox="0 0 210 297"
   version="1.1"
   id="svg5"
   inkscape:version="1.2.2 (b0a8486541, 2022-12-01)"
   sodipodi:docname="drawing.svg"
   xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns="http://www.w3.org/2000/svg"
   xmlns:svg="http://www.w3.org/2000/svg">
  <sodipodi:namedview
     id="namedview7"
     pagecolor="#ffffff"
     inkscape:zoom="0.7" />
  <defs
     id="defs2" />
  <g
     inkscape:label="Layer 1"
     inkscape:groupmode="layer"
     id="layer1">
    <rect
       style="fill:#ff0000;stroke-width:0.264583"
       id="rect111"
       width="50"
       height="30"
       x="20"
       y="40" />
    <svg:circle id="c" cx="5" cy="5" r="3" />
  </g>
</svg>
"""

TRICKY = [
    INKSCAPE,
    # single quotes, entity and character references, CDATA, comments, PIs, DOCTYPE, no final newline
    "<?xml version='1.0'?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
    "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<?xml-stylesheet href='a.css'?>"
    "<svg xmlns='http://www.w3.org/2000/svg' width='10'  height = \"10\" ><!--a--><?pi x?>"
    "<style><![CDATA[ g > .a { fill: red } ]]></style><title>A &amp; B &#x41; &lt;</title>"
    "<rect class='a' width='5' height='5' data-x=\"&quot;q&quot; &#10;\" />"
    "<g></g ><path d='M0 0 L1 1'></path></svg>",
    # other prefixes, xlink, xml:space, unknown namespaced attributes and elements
    '<svg:svg xmlns:svg="http://www.w3.org/2000/svg" xmlns:xl="http://www.w3.org/1999/xlink" '
    'xmlns:my="urn:my" my:attr="1" xml:space="preserve"><svg:defs><svg:rect id="r" width="1" height="1"/>'
    '</svg:defs><svg:use xl:href="#r" my:x="2"/><my:thing><my:inner a="b">text</my:inner></my:thing>'
    '<svg:g xmlns="urn:default"><foo/></svg:g></svg:svg>\n\n',
    # CRLF line endings and tabs
    '<svg xmlns="http://www.w3.org/2000/svg"\r\n\twidth="10" height="10">\r\n\t<rect width="5"\r\n\t height="5"/>\r\n</svg>\r\n',
    # a namespace declared on an inner element, unicode text
    '<svg xmlns="http://www.w3.org/2000/svg"><g xmlns:x="urn:x" x:a="é"><text>héllo ✓ 日本</text></g></svg>',
]


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_unedited_text_round_trips_byte_for_byte(text):
    assert dumps_svg(load_svg(text)) == text


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_round_trips_byte_for_byte(path, tmp_path):
    doc = load_svg(path)
    out = tmp_path / "out.svg"
    save_svg(doc, out)
    assert out.read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    "data",
    [
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n<svg xmlns="http://www.w3.org/2000/svg"><desc>caf\xe9</desc></svg>\n'.encode("latin-1"),
        b"\xef\xbb\xbf" + svg("<desc>\xc3\xa9</desc>").encode("latin-1"),
        svg("<desc>\u00e9</desc>").encode("utf-16"),
    ],
    ids=["latin-1", "utf-8-bom", "utf-16"],
)
def test_encodings_round_trip(data, tmp_path):
    doc = load_svg(data)
    assert doc.root_node[0].text == "caf\xe9" if b"caf" in data else "\u00e9" in doc.root_node[0].text
    out = tmp_path / "out.svg"
    save_svg(doc, out)
    assert out.read_bytes() == data


def test_ids_classes_order_and_unknown_content_survive_an_edit():
    doc = load_svg(INKSCAPE)
    shape = doc.shapes()[0]
    shape.fill = (0.0, 0.0, 1.0, 1.0)
    shape.edited.add("fill")
    out = dumps_svg(doc)
    diff = [line for line in difflib.unified_diff(INKSCAPE.splitlines(), out.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert diff == ['-       style="fill:#ff0000;stroke-width:0.264583"',
                    '+       style="fill:#0000ff;stroke-width:0.264583"']


# --- edits ------------------------------------------------------------------------------


def edit(text, fn):
    doc = load_svg(text)
    fn(doc)
    out = dumps_svg(doc)
    assert dumps_svg(doc) == out  # writing is idempotent
    return out, load_svg(out)


def test_rect_geometry_edit_becomes_a_path_with_same_id_class_style():
    text = svg('<rect id="r" class="a b" x="10" y="10" width="20" height="10" rx="2" style="fill:red" data-k="v"'
               ' transform="translate(1 2)"/>')

    def fn(doc):
        s = doc.shapes()[0]
        s.subpaths[0].points[:, 0] += 5
        s.edited.add("geometry")

    out, doc2 = edit(text, fn)
    node = doc2.root_node[0]
    assert node.tag.endswith("}path") and node.get("id") == "r" and node.get("class") == "a b"
    assert node.get("style") == "fill:red" and node.get("data-k") == "v" and node.get("transform") == "translate(1 2)"
    for attr in ("x", "y", "width", "height", "rx", "ry"):
        assert node.get(attr) is None
    s = doc2.shapes()[0]
    assert s.tag == "path" and s.fill == (1, 0, 0, 1)
    xs = np.vstack([sp.points for sp in s.subpaths])[:, 0]
    assert xs.min() == pytest.approx(15) and xs.max() == pytest.approx(35)
    assert '<path id="r" class="a b"' in out


def test_geometry_edit_of_a_path_keeps_everything_else():
    text = svg('<path id="p" d="M 0 0 L 10 0 L 10 10 Z" fill="red"/>')

    def fn(doc):
        doc.shapes()[0].subpaths = path_to_subpaths("M0 0 L20 0 L10 10 Z")[0]
        doc.shapes()[0].edited.add("geometry")

    out, _ = edit(text, fn)
    assert out == svg('<path id="p" d="M0 0 L20 0 L10 10 Z" fill="red"/>')


def test_type_selector_styles_are_pinned_when_a_rect_becomes_a_path():
    text = svg('<style>rect { fill: blue } path { stroke: red; fill: green }</style>'
               '<rect id="r" width="10" height="10"/>')

    def fn(doc):
        doc.shapes()[0].edited.add("geometry")

    out, doc2 = edit(text, fn)
    s = doc2.shapes()[0]
    assert s.fill == (0, 0, 1, 1) and s.stroke is None


@pytest.mark.parametrize(
    "attrs, fill, style",
    [
        ('fill="red"', (0.0, 0.0, 1.0, 1.0), 'fill="#0000ff"'),  # an attribute stays an attribute
        ('style="stroke:red;fill:red"', (0.0, 0.0, 1.0, 1.0), 'style="stroke:red;fill:#0000ff"'),
        ('style="stroke: red; "', (0.0, 0.0, 1.0, 1.0), 'style="stroke: red; fill:#0000ff"'),
        ('fill="red" style="opacity:1"', GradientRef("g"), 'fill="url(#g)" style="opacity:1"'),
        ('', GradientRef("g", (1.0, 0.0, 0.0, 1.0)), 'style="fill:url(#g) #ff0000"'),
        ('', None, 'style="fill:none"'),
        ('', (0.0, 0.0, 1.0, 0.5), 'style="fill:#0000ff;fill-opacity:0.5"'),
    ],
)
def test_fill_edit_keeps_the_form_it_was_written_in(attrs, fill, style):
    text = svg(f'<linearGradient id="g"><stop/></linearGradient><rect width="1" height="1"{" " + attrs if attrs else ""}/>')

    def fn(doc):
        doc.shapes()[0].fill = fill
        doc.shapes()[0].edited.add("fill")

    out, doc2 = edit(text, fn)
    assert f'<rect width="1" height="1" {style}/>' in out
    assert doc2.shapes()[0].fill == fill if not isinstance(fill, tuple) or fill[3] == 1 else True


def test_fill_edit_beats_an_important_stylesheet_rule():
    text = svg('<style>.a { fill: red !important }</style><rect class="a" width="1" height="1"/>')

    def fn(doc):
        doc.shapes()[0].fill = (0.0, 0.0, 1.0, 1.0)
        doc.shapes()[0].edited.add("fill")

    out, doc2 = edit(text, fn)
    assert doc2.shapes()[0].fill == (0, 0, 1, 1)
    assert "fill:#0000ff !important" in out


def test_other_paint_edits():
    text = svg('<rect width="1" height="1" stroke="red" stroke-width="2" opacity=".5" fill="rgba(255,0,0,0.5)"/>')

    def fn(doc):
        s = doc.shapes()[0]
        s.stroke, s.stroke_width, s.opacity, s.fill_opacity, s.stroke_opacity = (0.0, 1.0, 0.0, 1.0), 4.5, 0.25, 0.8, 0.5
        s.edited.update({"stroke", "stroke_width", "opacity", "fill_opacity", "stroke_opacity"})

    out, doc2 = edit(text, fn)
    s = doc2.shapes()[0]
    assert s.stroke == (0, 1, 0, 1) and s.stroke_width == 4.5 and s.opacity == 0.25 and s.stroke_opacity == 0.5
    # the colour's own alpha (0.5) is folded into fill-opacity so SVG 1.1 readers see the same
    assert s.fill == (1, 0, 0, 1) and s.fill_opacity == pytest.approx(0.4)
    # attributes stay attributes (the writer's promise); what was not written goes into style
    rect = doc2.root_node[0]
    assert (rect.get("stroke"), rect.get("stroke-width"), rect.get("opacity")) == ("#00ff00", "4.5", "0.25")
    assert rect.get("fill") == "#ff0000" and "fill-opacity" in rect.get("style")


def test_use_instances_are_never_written():
    text = svg('<rect id="r" width="1" height="1"/><use href="#r" x="5"/>')

    def fn(doc):
        instance = doc.shapes()[1]
        instance.fill = (0.0, 0.0, 1.0, 1.0)
        instance.edited.update({"fill", "geometry"})

    out, _ = edit(text, fn)
    assert out == text


def test_gradient_stop_edit_updates_stop_nodes():
    text = svg('<style>.s { stop-color: red }</style><linearGradient id="g">'
               '<stop offset="0" style="stop-color:red; stop-opacity: 1"/>\n  <stop class="s" offset="1"/>'
               '</linearGradient><rect fill="url(#g)" width="1" height="1"/>')

    def fn(doc):
        g = doc.gradients["g"]
        g.stops[0] = Stop(0.25, (0.0, 1.0, 0.0, 0.5))
        g.stops[1] = Stop(0.75, (0.0, 0.0, 1.0, 1.0))
        g.edited.add("stops")

    out, doc2 = edit(text, fn)
    assert '<stop offset="0.25" stop-color="#00ff00" stop-opacity="0.5"/>' in out
    stops = doc2.gradients["g"].stops
    assert [s.offset for s in stops] == [0.25, 0.75]
    assert stops[0].color == (0, 1, 0, 0.5) and stops[1].color == (0, 0, 1, 1)  # the .s rule is overridden inline


def test_gradient_stop_count_can_change():
    text = svg('<linearGradient id="g">\n<stop offset="0"/>\n<stop offset="1"/>\n</linearGradient>')

    def add(doc):
        doc.gradients["g"].stops.append(Stop(1.0, (1.0, 0.0, 0.0, 1.0)))
        doc.gradients["g"].edited.add("stops")

    def remove(doc):
        del doc.gradients["g"].stops[1:]
        doc.gradients["g"].edited.add("stops")

    assert len(edit(text, add)[1].gradients["g"].stops) == 3
    assert len(edit(text, remove)[1].gradients["g"].stops) == 1


def test_gradient_geometry_and_transform_edit():
    text = svg('<radialGradient id="g" cx="0.5"><stop/></radialGradient>')

    def fn(doc):
        g = doc.gradients["g"]
        g.geometry = (0.1, 0.2, 0.3, 0.4, 0.5, 0.0)
        g.transform = np.array([[2.0, 0, 1], [0, 1, 0], [0, 0, 1]])
        g.edited.update({"geometry", "transform"})

    out, doc2 = edit(text, fn)
    g = doc2.gradients["g"]
    assert g.geometry == pytest.approx((0.1, 0.2, 0.3, 0.4, 0.5, 0.0))
    assert np.allclose(g.transform, [[2, 0, 1], [0, 1, 0], [0, 0, 1]])
    assert 'fr=' not in out


def test_non_finite_edit_is_refused():
    doc = load_svg(svg('<rect width="1" height="1"/>'))
    doc.shapes()[0].opacity = float("nan")
    doc.shapes()[0].edited.add("opacity")
    with pytest.raises(SVGError):
        dumps_svg(doc)


# --- saving -----------------------------------------------------------------------------


def test_save_is_atomic_and_leaves_no_temp_files(tmp_path, monkeypatch):
    out = tmp_path / "out.svg"
    out.write_text("old")
    doc = load_svg(svg('<rect width="1" height="1"/>'))

    def boom(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError) as e:
        save_svg(doc, out)
    assert "No space left" in str(e.value)
    assert out.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]
    monkeypatch.undo()
    save_svg(doc, out)
    assert out.read_text() == svg('<rect width="1" height="1"/>')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.svg"]


def test_save_to_missing_folder_or_directory(tmp_path):
    doc = load_svg(svg(""))
    with pytest.raises(InputError) as e:
        save_svg(doc, tmp_path / "missing" / "out.svg")
    assert "does not exist" in str(e.value)
    with pytest.raises(InputError):
        save_svg(doc, tmp_path)


@pytest.mark.parametrize("namespaces", [{"": "http://www.w3.org/2000/svg"}, {}])
def test_document_built_in_code_is_written(namespaces):
    from xml.etree.ElementTree import Element, SubElement

    from vecedit.svg import Document, Group, Shape

    ns = "http://www.w3.org/2000/svg"
    root = Element(f"{{{ns}}}svg", {"width": "10", "height": "10"})
    node = SubElement(SubElement(root, f"{{{ns}}}g"), f"{{{ns}}}path")
    shape = Shape(node=node, tag="path", id=None, classes=(), subpaths=path_to_subpaths("M0 0 L5 0 L5 5 Z")[0],
                  ctm=np.eye(3), fill=(1.0, 0.0, 0.0, 1.0), stroke=None, edited={"geometry", "fill"})
    doc = Document(root_node=root, namespaces=namespaces, width=10, height=10, viewbox=(0, 0, 10, 10),
                   root=Group(node=root, id=None, children=[shape]), gradients={})
    out = dumps_svg(doc)
    assert out == ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g>'
                   '<path d="M0 0 L5 0 L5 5 Z" style="fill:#ff0000"/></g></svg>')
    assert load_svg(out).shapes()[0].fill == (1, 0, 0, 1)
