"""Relative units (CSS Values 3 §6): em/ex/ch against the element's font-size, rem the root's, vw/vh/vmin/vmax the canvas."""

import pytest

from vecedit.errors import SVGError
from vecedit.svg import load_svg
from vecedit.svg.units import LengthContext, lengths_in, parse_length

NS = 'xmlns="http://www.w3.org/2000/svg"'


def width_of(length: str, root: str = 'font-size="20"', group: str = 'font-size="10"') -> float:
    doc = load_svg(f'<svg {NS} width="200" height="100" {root}><g {group}><rect width="{length}" height="5"/></g></svg>')
    points = doc.shapes()[0].subpaths[0].points
    return float(points[:, 0].max() - points[:, 0].min())


@pytest.mark.parametrize("length, expect", [
    ("2em", 20.0), ("2ex", 10.0), ("2ch", 10.0), ("2rem", 40.0), ("2vw", 4.0), ("2vh", 2.0), ("2vmin", 2.0),
    ("2vmax", 4.0), ("2%", 4.0), ("2mm", 2 * 96 / 25.4), ("1.5in", 144.0),
])
def test_each_unit_against_the_right_reference(length, expect):
    assert width_of(length) == pytest.approx(expect)


def test_em_follows_the_elements_own_font_size_not_the_parents():
    doc = load_svg(f'<svg {NS} width="200" height="100"><g font-size="10"><rect font-size="30" width="1em" height="1"/>'
                   f'<g font-size="150%"><rect width="1em" height="1"/></g><rect width="1em" height="1"/></g></svg>')
    widths = [float(s.subpaths[0].points[:, 0].max()) for s in doc.shapes()]
    assert widths == pytest.approx([30.0, 15.0, 10.0])


def test_viewport_units_use_the_canvas_not_the_viewbox():
    assert width_of("10vw", root='viewBox="0 0 20 10"') == pytest.approx(20.0)  # 10 % of the 200 px canvas


def test_stroke_widths_dashes_and_gradients_take_em():
    doc = load_svg(f'<svg {NS} width="200" height="100" font-size="8"><linearGradient id="g" gradientUnits="userSpaceOnUse"'
                   f' x2="2em" font-size="5"><stop/></linearGradient>'
                   f'<path d="M0 5H100" stroke="red" stroke-width="0.5em" stroke-dasharray="1em 2ex" fill="url(#g)"/></svg>')
    shape = doc.shapes()[0]
    assert shape.stroke_width == pytest.approx(4.0) and shape.dasharray == pytest.approx((8.0, 8.0))
    assert doc.gradients["g"].geometry[2] == pytest.approx(10.0)


def test_rem_in_font_size_is_the_roots():
    assert width_of("1em", root='font-size="12"', group='font-size="2rem"') == pytest.approx(24.0)


def test_the_context_is_scoped_and_unknown_units_still_fail():
    with lengths_in(font_size=7.0):
        assert parse_length("2em") == 14.0
    assert parse_length("2em") == 32.0 and LengthContext().px("vmax") == 3.0
    with pytest.raises(SVGError, match="unknown unit 'furlong'"):
        parse_length("3furlong")
