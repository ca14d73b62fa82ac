import math

import numpy as np
import pytest

from vecedit.errors import SVGError
from vecedit.svg.transform import (
    apply,
    max_scale,
    parse_preserve_aspect_ratio,
    parse_transform,
    parse_viewbox,
    viewbox_transform,
)


def mapped(transform: str, point):
    return tuple(apply(parse_transform(transform), np.array([point]))[0])


@pytest.mark.parametrize(
    "transform, point, expected",
    [
        ("", (3, 4), (3, 4)),
        ("translate(10)", (1, 1), (11, 1)),
        ("translate(10 20)", (1, 1), (11, 21)),
        ("translate(10,20)", (1, 1), (11, 21)),
        ("translate(10px, 20px)", (1, 1), (11, 21)),
        ("scale(2)", (1, 3), (2, 6)),
        ("scale(2, -1)", (1, 3), (2, -3)),
        ("rotate(90)", (1, 0), (0, 1)),
        ("rotate(90 10 10)", (20, 10), (10, 20)),
        ("rotate(0.25turn)", (1, 0), (0, 1)),
        ("skewX(45)", (0, 10), (10, 10)),
        ("skewY(45)", (10, 0), (10, 10)),
        ("matrix(1 2 3 4 5 6)", (1, 1), (9, 12)),
        ("matrix(1,2,3,4,5,6)", (1, 1), (9, 12)),
        ("matrix(1e0,2E0,+3,4.,5,.6e1)", (1, 1), (9, 12)),
        # composition: the rightmost function applies first (SVG 1.1 §7.5)
        ("translate(10) scale(2)", (1, 1), (12, 2)),
        ("scale(2) translate(10)", (1, 1), (22, 2)),
        ("translate(10,0),scale(2)", (1, 1), (12, 2)),
        ("translate(10)scale(2)", (1, 1), (12, 2)),
        ("  translate( 10 , 0 )  ,  scale( 2 )  ", (1, 1), (12, 2)),
        ("rotate(90) translate(5 0)", (0, 0), (0, 5)),
    ],
)
def test_transform_functions(transform, point, expected):
    assert mapped(transform, point) == pytest.approx(expected, abs=1e-12)


def test_rotate_about_centre_equals_translate_rotate_translate():
    a = parse_transform("rotate(30 7 -3)")
    b = parse_transform("translate(7 -3) rotate(30) translate(-7 3)")
    assert np.allclose(a, b)


@pytest.mark.parametrize(
    "bad",
    ["translate(10", "rotate(1 2)", "matrix(1 2 3)", "foo(1)", "scale()", "scale(nan)", "scale(1e999)",
     "translate(1 2 3)", "scale(2) junk"],
)
def test_bad_transforms_raise(bad):
    with pytest.raises(SVGError) as e:
        parse_transform(bad)
    assert "\n" not in str(e.value) and "transform" in str(e.value)


def test_max_scale():
    assert max_scale(parse_transform("scale(2 5) rotate(33)")) == pytest.approx(5.0)


@pytest.mark.parametrize("text", ["0 0 100 50", "0,0,100,50", " 0  0 , 100 50 "])
def test_parse_viewbox(text):
    assert parse_viewbox(text) == (0, 0, 100, 50)


@pytest.mark.parametrize("bad", ["0 0 100", "a b c d", "0 0 100 nan", "0 0 1e999 1"])
def test_bad_viewbox(bad):
    with pytest.raises(SVGError):
        parse_viewbox(bad)


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, ("xmidymid", "meet")),
        ("xMinYMax slice", ("xminymax", "slice")),
        ("defer xMaxYMid", ("xmaxymid", "meet")),
        ("none", ("none", "meet")),
        ("bogus", ("xmidymid", "meet")),
        ("xMinYMin wobble", ("xmidymid", "meet")),
    ],
)
def test_parse_preserve_aspect_ratio(text, expected):
    assert parse_preserve_aspect_ratio(text) == expected


ALIGNS = [f"x{a}Y{b}" for b in ("Min", "Mid", "Max") for a in ("Min", "Mid", "Max")]


@pytest.mark.parametrize("align", ALIGNS)
@pytest.mark.parametrize("mode", ["meet", "slice"])
def test_viewbox_transform_every_alignment(align, mode):
    # viewBox 10 20 100 50 (2:1) into a 300×300 viewport
    m = viewbox_transform((10, 20, 100, 50), 300, 300, f"{align} {mode}")
    s = 3.0 if mode == "meet" else 6.0
    free_x, free_y = 300 - 100 * s, 300 - 50 * s
    fx = {"Min": 0.0, "Mid": 0.5, "Max": 1.0}[align[1:4]]
    fy = {"Min": 0.0, "Mid": 0.5, "Max": 1.0}[align[5:8]]
    origin = apply(m, np.array([[10.0, 20.0]]))[0]
    assert origin == pytest.approx((fx * free_x, fy * free_y))
    assert m[0, 0] == pytest.approx(s) and m[1, 1] == pytest.approx(s)


def test_viewbox_transform_none_stretches():
    m = viewbox_transform((-5, -5, 10, 20), 100, 100, "none")
    assert apply(m, np.array([[-5.0, -5.0], [5.0, 15.0]])) == pytest.approx(np.array([[0, 0], [100, 100]]))


def test_viewbox_transform_viewport_offset():
    m = viewbox_transform((0, 0, 10, 10), 20, 20, None, x=5, y=7)
    assert apply(m, np.array([[0.0, 0.0]]))[0] == pytest.approx((5, 7))
    assert math.isclose(m[0, 0], 2.0)
