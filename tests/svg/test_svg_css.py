import time

import pytest

from vecedit.svg import load_svg
from vecedit.svg.css import parse_declarations, parse_style, parse_stylesheet
from vecedit.svg.selectors import parse_selector
from svgkit import svg

RED, GREEN, BLUE, BLACK = (1.0, 0.0, 0.0, 1.0), (0.0, 128 / 255, 0.0, 1.0), (0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.0, 1.0)


def fills(body: str, sheet: str = "") -> dict:
    style = f"<style>{sheet}</style>" if sheet else ""
    doc = load_svg(svg(style + body))
    return {s.id: s.fill for s in doc.shapes()}


def test_parse_declarations():
    decls = parse_declarations(" fill : red ; stroke:blue!important;; bogus; fill:url(data:x;y) ;/*c*/opacity:.5")
    assert [(d.name, d.value, d.important) for d in decls] == [
        ("fill", "red", False), ("stroke", "blue", True), ("fill", "url(data:x;y)", False), ("opacity", ".5", False)]


def test_parse_style_important_wins_over_later_normal():
    assert parse_style("fill:red !important; fill:blue") == {"fill": "red"}
    assert parse_style("fill:red; fill:blue") == {"fill": "blue"}


@pytest.mark.parametrize(
    "selector, specificity",
    [("*", (0, 0, 0)), ("rect", (0, 0, 1)), (".a", (0, 1, 0)), ("#x", (1, 0, 0)), ("rect.a.b", (0, 2, 1)),
     ("g > rect#x", (1, 0, 2)), ("svg g .a", (0, 1, 2)), ("[fill]", (0, 1, 0)), ('rect[id="x"]', (0, 1, 1)),
     ("rect + circle", (0, 0, 2)), ("g > rect:first-child", (0, 1, 2)), ('[class~="a"]', (0, 1, 0)), ("[lang|=en]", (0, 1, 0))],
)
def test_selector_specificity(selector, specificity):
    assert parse_selector(selector).specificity == specificity


@pytest.mark.parametrize("selector", ["a:hover", "rect:last-child", "g ~ rect", "svg|rect", "::before", "rect >", "> rect",
                                      "rect +", "g > + rect"])
def test_unsupported_selectors(selector):
    assert parse_selector(selector) is None


def test_stylesheet_skips_at_rules_and_reports():
    rules, warnings = parse_stylesheet("@import url(x.css); @media print { rect { fill: red } } .a { fill: blue }"
                                       " a:hover { fill: red } <!-- -->")
    assert [r.selector.text for r in rules] == [".a"]
    assert len(warnings) == 3


@pytest.mark.parametrize(
    "sheet, element, expected",
    [
        ("rect { fill: blue }", '<rect id="r" width="1" height="1"/>', BLUE),
        (".a { fill: blue }", '<rect id="r" class="b a" width="1" height="1"/>', BLUE),
        ("#r { fill: blue }", '<rect id="r" width="1" height="1"/>', BLUE),
        ("rect.a { fill: blue }", '<rect id="r" class="a" width="1" height="1"/>', BLUE),
        ("circle.a { fill: blue }", '<rect id="r" class="a" width="1" height="1"/>', BLACK),
        ("circle, .a { fill: blue }", '<rect id="r" class="a" width="1" height="1"/>', BLUE),
        ("* { fill: blue }", '<rect id="r" width="1" height="1"/>', BLUE),
        ("g rect { fill: blue }", '<g><g><rect id="r" width="1" height="1"/></g></g>', BLUE),
        ("svg > rect { fill: blue }", '<g><rect id="r" width="1" height="1"/></g>', BLACK),
        ('[data-x="1"] { fill: blue }', '<rect id="r" data-x="1" width="1" height="1"/>', BLUE),
        # specificity: id > class > type, regardless of order
        ("#r { fill: blue } .a { fill: red } rect { fill: green }", '<rect id="r" class="a" width="1" height="1"/>', BLUE),
        (".a { fill: red } rect { fill: green }", '<rect id="r" class="a" width="1" height="1"/>', RED),
        # equal specificity: the later rule wins
        (".a { fill: red } .b { fill: blue }", '<rect id="r" class="a b" width="1" height="1"/>', BLUE),
        # cascade: inline style > stylesheet > presentation attribute
        (".a { fill: blue }", '<rect id="r" class="a" fill="red" width="1" height="1"/>', BLUE),
        (".a { fill: blue }", '<rect id="r" class="a" style="fill:red" width="1" height="1"/>', RED),
        (".a { fill: blue !important }", '<rect id="r" class="a" style="fill:red" width="1" height="1"/>', BLUE),
        (".a { fill: blue !important }", '<rect id="r" class="a" style="fill:red !important" width="1" height="1"/>', RED),
        ("rect { fill: blue }", '<g style="fill:red"><rect id="r" width="1" height="1"/></g>', BLUE),
        ("", '<rect id="r" style="fill: red; fill: blue" width="1" height="1"/>', BLUE),
    ],
)
def test_cascade(sheet, element, expected):
    assert fills(element, sheet)["r"] == pytest.approx(expected)


def test_stylesheet_in_cdata_and_several_style_elements():
    body = ('<style><![CDATA[ .a { fill: red } ]]></style><rect id="r" class="a b" width="1" height="1"/>'
            '<style>.b { fill: blue }</style>')
    assert fills(body)["r"] == BLUE


def test_unsupported_stylesheet_parts_are_noted():
    doc = load_svg(svg('<style>a:hover { fill: red } @media print { }</style>'))
    assert sum(n.tag == "style" for n in doc.notes) == 2


# --- inheritance ----------------------------------------------------------------------


def shapes(body: str):
    return {s.id: s for s in load_svg(svg(body)).shapes()}


def test_inherited_properties_flow_down_groups():
    s = shapes('<g fill="red" stroke="blue" stroke-width="3" fill-opacity=".5" stroke-opacity=".25" fill-rule="evenodd"'
               ' stroke-linecap="round" stroke-linejoin="bevel" stroke-miterlimit="7" stroke-dasharray="1 2"'
               ' stroke-dashoffset="3" paint-order="stroke"><g><rect id="r" width="1" height="1"/></g></g>')["r"]
    assert s.fill == RED and s.stroke == BLUE and s.stroke_width == 3
    assert (s.fill_opacity, s.stroke_opacity, s.fill_rule) == (0.5, 0.25, "evenodd")
    assert (s.linecap, s.linejoin, s.miterlimit) == ("round", "bevel", 7.0)
    assert s.dasharray == (1.0, 2.0) and s.dashoffset == 3.0 and s.paint_order == ("stroke", "fill")


def test_non_inherited_properties_stay_on_the_group():
    doc = load_svg(svg('<g id="g" opacity="0.5" transform="translate(10)"><rect id="r" width="1" height="1"/></g>'))
    (group,) = doc.root.children
    (rect,) = group.children
    assert group.opacity == 0.5 and rect.opacity == 1.0
    assert rect.ctm[0, 2] == 10


def test_inherit_keyword_for_a_non_inherited_property():
    doc = load_svg(svg('<g opacity="0.5"><rect id="r" opacity="inherit" width="1" height="1"/></g>'))
    assert doc.shapes()[0].opacity == 0.5


def test_current_color_uses_the_elements_own_color():
    s = shapes('<g color="red"><rect id="a" fill="currentColor" width="1" height="1"/>'
               '<rect id="b" color="blue" fill="currentColor" width="1" height="1"/></g>'
               '<g color="red" fill="currentColor"><rect id="c" color="blue" width="1" height="1"/></g>')
    assert s["a"].fill == RED and s["b"].fill == BLUE and s["c"].fill == BLUE


def test_defaults():
    s = shapes('<rect id="r" width="1" height="1"/>')["r"]
    assert s.fill == BLACK and s.stroke is None and s.stroke_width == 1.0 and s.opacity == 1.0
    assert (s.linecap, s.linejoin, s.miterlimit, s.fill_rule) == ("butt", "miter", 4.0, "nonzero")


def test_invalid_values_are_ignored_and_noted():
    doc = load_svg(svg('<g fill="red"><rect id="r" fill="notacolour" stroke-width="2x" opacity="x" width="1" height="1"/></g>'))
    s = doc.shapes()[0]
    assert s.fill == RED and s.stroke_width == 1.0 and s.opacity == 1.0
    assert sum("invalid value" in n.message for n in doc.notes) == 3


def test_display_none_and_visibility():
    s = shapes('<g display="none"><rect id="a" width="1" height="1"/></g>'
               '<g visibility="hidden"><rect id="b" width="1" height="1"/><rect id="c" visibility="visible" width="1" height="1"/></g>'
               '<rect id="d" style="display:none" width="1" height="1"/>'
               '<g display="none"><rect id="e" display="inline" width="1" height="1"/></g>')
    assert [s[k].visible for k in "abcde"] == [False, False, True, False, False]


def test_css_transform_property_overrides_attribute():
    s = shapes('<rect id="r" transform="translate(5)" style="transform: translate(10px, 0)" width="1" height="1"/>')["r"]
    assert s.ctm[0, 2] == 10


def test_percentage_stroke_width_uses_viewport_diagonal():
    s = shapes('<rect id="r" stroke-width="10%" width="1" height="1"/>')["r"]
    assert s.stroke_width == pytest.approx(10.0)  # sqrt((100² + 100²) / 2) = 100


def test_dasharray_rules():
    s = shapes('<rect id="a" stroke="red" stroke-dasharray="1,2,3" width="1" height="1"/>'
               '<rect id="b" stroke="red" stroke-dasharray="0 0" width="1" height="1"/>'
               '<rect id="c" stroke="red" stroke-dasharray="1 -2" width="1" height="1"/>')
    assert s["a"].dasharray == (1, 2, 3, 1, 2, 3) and s["b"].dasharray is None and s["c"].dasharray is None


def test_linejoin_arcs_falls_back_to_miter_miter_clip_is_kept():
    s = shapes('<rect id="a" stroke-linejoin="arcs" width="1" height="1"/>'
               '<rect id="c" stroke-linejoin="miter-clip" width="1" height="1"/>')
    assert (s["a"].linejoin, s["c"].linejoin) == ("miter", "miter-clip")


def test_stroke_numbers_follow_resvg():
    s = shapes('<rect id="w" stroke="red" stroke-width="-5" width="1" height="1"/>'
               '<rect id="m" stroke="red" stroke-miterlimit="0.5" width="1" height="1"/>'
               '<rect id="x" stroke="red" stroke-miterlimit="abc" width="1" height="1"/>')
    assert s["w"].stroke_width == 0.0  # a negative width draws no stroke
    assert (s["m"].miterlimit, s["x"].miterlimit) == (1.0, 4.0)  # below 1 clamps, not a number is ignored


def test_large_stylesheets_stay_fast():
    rules = "".join(f".st{i}{{fill:#{i % 256:02x}0000}}" for i in range(500))
    body = "".join(f'<rect class="st{i % 500}" width="1" height="1"/>' for i in range(3000))
    start = time.process_time()
    doc = load_svg(svg(f"<style>{rules}</style>{body}"))
    assert time.process_time() - start < 3.0
    assert doc.shapes()[257].fill == pytest.approx((1 / 255, 0, 0, 1))


def test_next_sibling_and_first_child_match_as_resvg_does():
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><style>'
                   'rect:first-child { fill: blue } circle + rect { fill: green } #g > rect:first-child + rect { fill: red }'
                   '</style><g id="g"><rect id="a" width="1" height="1"/><!-- x --><rect id="b" width="1" height="1"/>'
                   '<circle r="1"/><rect id="c" width="1" height="1"/></g></svg>')
    fills = {s.id: s.fill for s in doc.shapes() if s.id}
    assert fills == {"a": (0.0, 0.0, 1.0, 1.0), "b": (1.0, 0.0, 0.0, 1.0), "c": (0.0, 128 / 255, 0.0, 1.0)}


def test_attribute_word_and_dash_matches():
    s = shapes('<style>[class~="b"] { fill: blue } [lang|=en] { stroke: blue } [id^=x] { fill: red }</style>'
               '<rect id="w" class="a b" width="1" height="1"/><rect id="p" class="ab" lang="en-GB" width="1" height="1"/>'
               '<rect id="q" lang="eng" width="1" height="1"/>')
    blue = (0.0, 0.0, 1.0, 1.0)
    assert s["w"].fill == blue and s["p"].fill != blue  # a whole word only
    assert s["p"].stroke == blue and s["q"].stroke is None  # "en" or "en-…"
