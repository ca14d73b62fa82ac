"""transform-origin, <switch> conditions, display and visibility rules, paint-order in full."""

import numpy as np
import pytest

from vecedit.svg import load_svg
from vecedit.svg.properties import paint_layers, transform_origin

NS = 'xmlns="http://www.w3.org/2000/svg"'


def shapes(body: str, size: str = 'width="200" height="100"'):
    return load_svg(f"<svg {NS} {size}>{body}</svg>").shapes()


@pytest.mark.parametrize("text, expect", [
    ("10 20", (10, 20)), ("center", (100, 50)), ("left top", (0, 0)), ("right bottom", (200, 100)),
    ("bottom left", (0, 100)), ("top", (100, 0)), ("25% 10%", (50, 10)), ("2em 1px", (32, 1)),
])
def test_transform_origin_values(text, expect):
    assert transform_origin(text, (200, 100)) == pytest.approx(expect)


def test_the_transform_turns_about_its_origin():
    rect = shapes('<rect x="20" y="20" width="40" height="30" transform="rotate(90)" transform-origin="40 35"/>')[0]
    centre = rect.ctm @ np.array([40, 35, 1.0])
    assert centre[:2] == pytest.approx((40, 35))
    plain = shapes('<rect width="4" height="3" transform="rotate(90)"/>')[0]
    assert (plain.ctm @ np.array([1.0, 0, 1]))[:2] == pytest.approx((0, 1))


def test_an_invalid_origin_is_ignored_with_a_note():
    doc = load_svg(f'<svg {NS} width="9" height="9"><rect width="4" height="3" transform="scale(2)" '
                   'transform-origin="nowhere x"/></svg>')
    assert doc.shapes()[0].ctm[0, 0] == 2 and any("transform-origin" in n.message for n in doc.notes)


@pytest.mark.parametrize("langs, chosen", [
    ("en", "a"), ("en-GB", "a"), ("fr, EN-us", "a"), ("fr", "b"), ("english", "b"), ("", "b"),
])
def test_switch_system_language_is_english_by_prefix(langs, chosen):
    found = shapes(f'<switch><rect id="a" systemLanguage="{langs}" width="5" height="5"/>'
                   '<rect id="b" width="5" height="5"/></switch>')
    assert [s.id for s in found] == [chosen]


def test_switch_required_extensions_fail_features_pass_and_display_does_not_matter():
    found = shapes('<switch><rect id="x" requiredExtensions="" width="5" height="5"/>'
                   '<rect id="f" requiredFeatures="http://www.w3.org/TR/SVG11/feature#Shape" width="5" height="5"/></switch>'
                   '<switch><rect id="hidden" display="none" width="5" height="5"/><rect id="no" width="5" height="5"/></switch>')
    assert [(s.id, s.visible) for s in found] == [("f", True), ("hidden", False)]


def test_visibility_is_inherited_and_children_override_it():
    found = shapes('<g visibility="hidden"><rect id="a" width="5" height="5"/><rect id="b" visibility="visible" '
                   'width="5" height="5"/><g visibility="inherit"><rect id="c" width="5" height="5"/></g></g>'
                   '<rect id="d" visibility="collapse" width="5" height="5"/>')
    assert {s.id: s.visible for s in found} == {"a": False, "b": True, "c": False, "d": False}


def test_display_none_hides_subtrees_and_used_elements_but_not_symbols():
    found = shapes('<defs><rect id="r" display="none" width="5" height="5"/><symbol id="s" display="none">'
                   '<rect id="in-symbol" width="5" height="5"/></symbol></defs><use href="#r"/><use href="#s"/>'
                   '<g display="none"><rect id="g" display="inline" width="5" height="5"/></g>'
                   '<rect id="upper" style="display: NONE" width="5" height="5"/>')
    assert {s.id: s.visible for s in found} == {"r": False, "in-symbol": True, "g": False, "upper": False}


@pytest.mark.parametrize("text, expect", [
    ("normal", ("fill", "stroke", "markers")), ("stroke", ("stroke", "fill", "markers")),
    ("markers", ("markers", "fill", "stroke")), ("stroke markers", ("stroke", "markers", "fill")),
    ("fill stroke fill", ("fill", "stroke", "markers")), ("fill bogus", ("fill", "stroke", "markers")),
])
def test_paint_order_in_full(text, expect):
    assert paint_layers(text) == expect


def test_paint_order_reaches_shapes_and_invalid_values_are_normal():
    found = shapes('<rect id="a" paint-order="stroke" width="5" height="5" stroke="red"/>'
                   '<rect id="b" paint-order="stroke fill stroke" width="5" height="5" stroke="red"/>')
    assert [s.paint_order for s in found] == [("stroke", "fill"), ("fill", "stroke")]


def test_a_foreign_object_a_switch_passes_over_does_not_count_as_not_drawn():
    doc = load_svg(f'<svg {NS} width="9" height="9"><switch><foreignObject requiredExtensions="http://x" width="5" '
                   'height="5"/><rect width="5" height="5"/></switch></svg>')
    assert not [n for n in doc.notes if n.affects_picture] and [s.tag for s in doc.shapes()] == ["rect"]


def test_switch_required_features_hold_only_for_features_drawn_here():
    # draw.io: HTML in a foreignObject asking for #Extensibility, a <text> fallback after it
    feature = "http://www.w3.org/TR/SVG11/feature#"
    found = shapes(f'<switch><foreignObject requiredFeatures="{feature}Extensibility" width="5" height="5"/>'
                   '<rect id="fallback" width="5" height="5"/></switch>'
                   f'<switch><rect id="no" requiredFeatures="{feature}Shape {feature}Font" width="5" height="5"/>'
                   f'<rect id="both" requiredFeatures="{feature}Shape {feature}Gradient" width="5" height="5"/></switch>')
    assert [s.id for s in found] == ["fallback", "both"]
    doc = load_svg(f'<svg {NS} width="9" height="9"><switch><foreignObject requiredFeatures="{feature}Extensibility" '
                   'width="5" height="5"/><rect width="5" height="5"/></switch></svg>')
    assert not [n for n in doc.notes if n.affects_picture]
