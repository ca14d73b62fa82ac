"""Basic shapes against the equivalent path data of SVG 2 §10 (before/after pairs)."""

import numpy as np
import pytest

from vecedit.errors import SVGError
from vecedit.svg import load_svg
from vecedit.svg.pathdata import path_to_subpaths
from svgkit import svg


def shape_of(element: str, attrs: str = 'width="100" height="100"'):
    doc = load_svg(svg(element, attrs))
    return doc.shapes(), doc.notes


def assert_same_as_path(element: str, d: str):
    (shape,), _ = shape_of(element)
    expected, err = path_to_subpaths(d)
    assert err is None
    assert len(shape.subpaths) == len(expected)
    for a, b in zip(shape.subpaths, expected):
        assert a.closed == b.closed
        assert a.points.shape == b.points.shape, (a.points, b.points)
        assert np.allclose(a.points, b.points, atol=1e-9)


@pytest.mark.parametrize(
    "element, d",
    [
        ('<rect x="10" y="20" width="30" height="40"/>', "M10 20 H40 V60 H10 Z"),
        ('<rect width="30" height="40"/>', "M0 0 H30 V40 H0 Z"),
        ('<rect x="10" y="20" width="30" height="40" rx="5"/>',  # ry = auto = rx
         "M15 20 H35 A5 5 0 0 1 40 25 V55 A5 5 0 0 1 35 60 H15 A5 5 0 0 1 10 55 V25 A5 5 0 0 1 15 20 Z"),
        ('<rect width="30" height="40" ry="5"/>',
         "M5 0 H25 A5 5 0 0 1 30 5 V35 A5 5 0 0 1 25 40 H5 A5 5 0 0 1 0 35 V5 A5 5 0 0 1 5 0 Z"),
        ('<rect width="30" height="40" rx="100" ry="4"/>',  # rx clamps to width/2
         "M15 0 A15 4 0 0 1 30 4 V36 A15 4 0 0 1 15 40 A15 4 0 0 1 0 36 V4 A15 4 0 0 1 15 0 Z"),
        ('<rect width="30" height="40" rx="0" ry="5"/>', "M0 0 H30 V40 H0 Z"),
        ('<rect width="30" height="40" rx="-5" ry="5"/>',  # negative rx is invalid → auto
         "M5 0 H25 A5 5 0 0 1 30 5 V35 A5 5 0 0 1 25 40 H5 A5 5 0 0 1 0 35 V5 A5 5 0 0 1 5 0 Z"),
        ('<rect width="50%" height="10%" x="1mm"/>', f"M{96 / 25.4!r} 0 h50 v10 h-50 Z"),
        ('<circle cx="50" cy="40" r="10"/>', "M60 40 A10 10 0 0 1 50 50 A10 10 0 0 1 40 40 A10 10 0 0 1 50 30 A10 10 0 0 1 60 40 Z"),
        ('<ellipse cx="50" cy="40" rx="20" ry="10"/>',
         "M70 40 A20 10 0 0 1 50 50 A20 10 0 0 1 30 40 A20 10 0 0 1 50 30 A20 10 0 0 1 70 40 Z"),
        ('<ellipse cx="50" cy="40" rx="20"/>',  # ry auto = rx (SVG 2)
         "M70 40 A20 20 0 0 1 50 60 A20 20 0 0 1 30 40 A20 20 0 0 1 50 20 A20 20 0 0 1 70 40 Z"),
        ('<ellipse cx="50" cy="40" ry="20" rx="auto"/>',
         "M70 40 A20 20 0 0 1 50 60 A20 20 0 0 1 30 40 A20 20 0 0 1 50 20 A20 20 0 0 1 70 40 Z"),
        ('<line x1="1" y1="2" x2="30" y2="40"/>', "M1 2 L30 40"),
        ('<line x2="30"/>', "M0 0 L30 0"),
        ('<polyline points="0,0 10,0 10,10"/>', "M0 0 L10 0 L10 10"),
        ('<polyline points="0 0,10 0-10 10"/>', "M0 0 L10 0 L-10 10"),
        ('<polygon points="0,0 10,0 10,10"/>', "M0 0 L10 0 L10 10 Z"),
        ('<polygon points="0,0 10,0 10,10 0,0"/>', "M0 0 L10 0 L10 10 Z"),
        ('<polygon points="0,0 10,0 10,10 7"/>', "M0 0 L10 0 L10 10 Z"),  # odd count: last dropped
    ],
)
def test_basic_shape_equals_path(element, d):
    assert_same_as_path(element, d)


def test_circle_arcs_follow_ctm_scale():
    big = 'width="4000" height="4000" viewBox="0 0 10 10"'
    (small,), _ = shape_of('<circle cx="5" cy="5" r="4"/>')
    (large,), _ = shape_of('<circle cx="5" cy="5" r="4"/>', big)
    assert large.subpaths[0].num_segments > small.subpaths[0].num_segments == 4


@pytest.mark.parametrize(
    "element",
    [
        '<rect width="0" height="10"/>',
        '<rect width="10"/>',
        '<circle r="0"/>',
        '<circle cx="5"/>',
        '<ellipse rx="0" ry="5"/>',
        '<ellipse cx="5"/>',
        '<polyline points="5 5"/>',
        '<polygon points=""/>',
    ],
)
def test_shapes_that_are_not_rendered_have_no_subpaths(element):
    (shape,), _ = shape_of(element)
    assert shape.subpaths == []


@pytest.mark.parametrize(
    "element, message",
    [
        ('<rect width="-10" height="10"/>', "negative width"),
        ('<circle r="-1"/>', "negative r"),
        ('<ellipse rx="-1" ry="2"/>', "negative radius"),
        ('<polygon points="0,0 10,0 10,10 7"/>', "odd number"),
        ('<polyline points="0,0 10,0 x 10,10"/>', "bad points"),
        ('<path d="M0 0 L10 10 L5"/>', "path data error"),
    ],
)
def test_shape_problems_are_noted(element, message):
    (shape,), notes = shape_of(element)
    assert any(message in n.message for n in notes), notes


@pytest.mark.parametrize(
    "element",
    ['<rect width="nan" height="10"/>', '<circle r="inf"/>', '<line x1="1e999"/>', '<rect width="ten" height="1"/>',
     '<rect width="10furlongs" height="1"/>', '<path d="M0 0 L NaN 1"/>'],
)
def test_bad_numbers_are_ignored_with_a_note(element):
    doc = load_svg(svg(element.replace("/>", ' id="culprit"/>')))
    notes = [n for n in doc.notes if n.id == "culprit"]
    assert notes and all("\n" not in n.message for n in notes)


@pytest.mark.parametrize("d, kept, command", [
    ("M0 0 L5 5 l1e308 0 l1e308 0 L9 9", 2, "command 4 (l)"),  # relative steps past float range
    ("M0 0 L10 3.4e38 A1e308 5 0 1 0 3.4e38 9 Z", 1, "command 3 (A)"),  # radius scaled up to reach: inf
    ("M0 0 A1e-320 1e-320 0 0 1 1e300 1e300 L5 5", 0, "command 2 (A)"),
    ("M-1.7e308 0 L0 0 L1.7e308 0 Z", 2, "command 4 (Z)"),  # the closing line's controls overflow
    ("m1e308 0 m1e308 0 l1 1", 0, "command 2 (m)"),
])
def test_path_geometry_beyond_float_range_stops_there_like_a_syntax_error(d, kept, command):
    subpaths, error = path_to_subpaths(d)
    assert command in error and "beyond the range of numbers" in error
    assert sum(s.num_segments for s in subpaths) == kept
    assert all(np.isfinite(s.points).all() for s in subpaths)


def test_large_but_finite_path_geometry_is_kept():
    subpaths, error = path_to_subpaths("M0 0 l1e308 0 L1e308 1e308 Z")  # the sums overflow, no coordinate does
    assert error is None and subpaths[0].num_segments == 3 and np.isfinite(subpaths[0].points).all()
    subpaths, error = path_to_subpaths("M1e308 1e308 L0 1e308")  # a move to x + y > float max
    assert error is None and subpaths[0].num_segments == 1 and np.isfinite(subpaths[0].points).all()


@pytest.mark.parametrize("element, segments, closed", [
    ('<polyline points="0,0 5,5 1.7e308,0 -1.7e308,0 9,9"/>', 2, False),
    ('<polygon points="-1.7e308,0 0,0 1.7e308,0"/>', 2, False),  # its closing side overflows
])
def test_point_lists_beyond_float_range_are_drawn_up_to_there(element, segments, closed):
    doc = load_svg(svg(element))
    (sub,) = doc.shapes()[0].subpaths
    assert (sub.num_segments, sub.closed) == (segments, closed) and np.isfinite(sub.points).all()
    assert any("beyond the range of numbers" in n.message for n in doc.notes)
