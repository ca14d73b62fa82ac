import math

import numpy as np
import pytest

from vecedit.errors import SVGError
from vecedit.svg import load_svg
from vecedit.svg.geometry import endpoint_arc, format_number, subpaths_to_d
from vecedit.svg.model import Subpath
from vecedit.svg.pathdata import path_to_subpaths, tokenize
from svgkit import svg


def subpaths(d):
    sps, err = path_to_subpaths(d)
    assert err is None, err
    return sps


def same(a, b, tol=1e-9):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.closed == y.closed
        assert x.points.shape == y.points.shape
        assert np.allclose(x.points, y.points, atol=tol)


# Each command, absolute vs relative (picosvg-style pairs).
@pytest.mark.parametrize(
    "absolute, relative",
    [
        ("M10 10 L20 30", "m10 10 l10 20"),
        ("M10 10 H30", "m10 10 h20"),
        ("M10 10 V30", "m10 10 v20"),
        ("M10 10 C20 0 30 0 40 10", "m10 10 c10 -10 20 -10 30 0"),
        ("M10 10 C20 0 30 0 40 10 S60 20 70 10", "m10 10 c10 -10 20 -10 30 0 s20 10 30 0"),
        ("M10 10 Q20 0 30 10", "m10 10 q10 -10 20 0"),
        ("M10 10 Q20 0 30 10 T50 10", "m10 10 q10 -10 20 0 t20 0"),
        ("M10 10 A10 5 30 1 0 30 20", "m10 10 a10 5 30 1 0 20 10"),
        ("M10 10 L20 10 Z M30 30 L40 30 Z", "m10 10 l10 0 z m20 20 l10 0 z"),
        ("M10 10 L20 20 L30 10", "M10 10 20 20 30 10"),  # implicit lineto after moveto
        ("M10 10 L20 20 L30 10", "m10 10 10 10 10 -10"),
        ("M0 0 L10 0 L10 10", "M0,0L10,0,10,10"),
    ],
)
def test_absolute_and_relative_forms_agree(absolute, relative):
    same(subpaths(absolute), subpaths(relative))


def test_lines_are_exact_cubics():
    (sp,) = subpaths("M0 0 L30 60")
    assert np.allclose(sp.points, [[0, 0], [10, 20], [20, 40], [30, 60]])


def test_quadratic_is_raised_exactly():
    (sp,) = subpaths("M0 0 Q30 60 90 0")
    p0, c1, c2, p1 = sp.points
    q = np.array([30, 60])
    for t in np.linspace(0, 1, 11):
        quad = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * q + t**2 * p1
        cubic = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t**2 * c2 + t**3 * p1
        assert np.allclose(quad, cubic)


def test_smooth_cubic_reflects_previous_control():
    (sp,) = subpaths("M0 0 C0 10 10 10 10 0 S20 -10 20 0")
    assert np.allclose(sp.points[4], [10, -10])


def test_smooth_cubic_without_previous_cubic_uses_current_point():
    (sp,) = subpaths("M0 0 L10 0 S20 10 30 0")
    assert np.allclose(sp.points[4], [10, 0])


def test_smooth_quadratic_reflection_and_fallback():
    same(subpaths("M0 0 Q10 10 20 0 T40 0"), subpaths("M0 0 Q10 10 20 0 Q30 -10 40 0"))
    same(subpaths("M0 0 L10 0 T20 0"), subpaths("M0 0 L10 0 Q10 0 20 0"))


@pytest.mark.parametrize(
    "compact, spaced",
    [
        ("M.5.5L-1-1", "M 0.5 0.5 L -1 -1"),
        ("M1e1,2E-1l+3.,-.5", "M 10 0.2 l 3 -0.5"),
        ("M0 0a10 10 0 0010 0", "M0 0 a10 10 0 0 0 10 0"),
        ("M0 0a10 10 0 1110 0", "M0 0 a10 10 0 1 1 10 0"),
        ("M0 0a10,10,0,1,1,10,0", "M0 0 a10 10 0 1 1 10 0"),
        ("\n\tM 0 0\r\n L 5 5 ", "M0 0 L5 5"),
    ],
)
def test_number_and_flag_syntax(compact, spaced):
    same(subpaths(compact), subpaths(spaced))


def test_drawing_after_close_starts_at_subpath_start():
    sps = subpaths("M0 0 L10 0 L10 10 Z L5 5 M20 20 l5 0 z")
    assert [s.closed for s in sps] == [True, False, True]
    assert np.allclose(sps[1].points[0], [0, 0]) and np.allclose(sps[1].points[-1], [5, 5])


def test_closed_layout_adds_closing_segment():
    (sp,) = subpaths("M0 0 L10 0 L10 10 Z")
    assert sp.closed and sp.num_segments == 3 and len(sp.points) == 9
    assert np.allclose(sp.points[7:], [[20 / 3, 20 / 3], [10 / 3, 10 / 3]])  # line back to row 0


def test_closed_layout_drops_duplicate_end_point():
    (sp,) = subpaths("M0 0 L10 0 L10 10 L0 0 Z")
    assert sp.num_segments == 3 and len(sp.points) == 9
    (sp,) = subpaths("m0.1 0.1 l0.2 0 l-0.1 0.3 l-0.1 -0.3 z")  # float drift from relative moves
    assert sp.num_segments == 3


def test_closed_curve_ends_at_row_zero():
    (sp,) = subpaths("M0 0 C10 -10 20 -10 30 0 C20 10 10 10 0 0 Z")
    assert len(sp.points) == 6 and np.allclose(sp.points[0], [0, 0])


def test_degenerate_subpaths():
    assert subpaths("M5 5") == []  # a lone moveto draws nothing
    (sp,) = subpaths("M5 5 Z")
    assert sp.closed and np.allclose(sp.points, [[5, 5]] * 3)
    assert len(subpaths("M0 0 L1 0 Z Z")) == 1


@pytest.mark.parametrize(
    "d, segments, error",
    [
        ("M0 0 L10 10 L5", 1, "expected a number"),
        ("L10 10", 0, "must start with M"),
        ("M0 0 L10 10 X 5", 1, "expected a number"),
        ("M0 0 L10 10 Z 5", 2, "command letter"),
        ("M0 0 A1 1 0 2 0 5 5", 0, "arc flag"),
    ],
)
def test_syntax_errors_render_up_to_the_error(d, segments, error):
    sps, err = path_to_subpaths(d)
    assert sum(s.num_segments for s in sps) == segments
    assert error in err


@pytest.mark.parametrize("d", ["M0 0 L nan 5", "M0 0 L inf 5", "M0 0 L1e999 5", "M NaN 0", "M0 0 L-inf 0"])
def test_non_finite_numbers_end_the_path_data_like_any_error(d):
    _, err = path_to_subpaths(d)
    assert "finite" in err or "range" in err


def test_tokenize_expands_implicit_repeats():
    cmds, err = tokenize("m0 0 1 1 2 2 c1 1 2 2 3 3 4 4 5 5 6 6")
    assert err is None
    assert [c for c, _ in cmds] == ["m", "l", "l", "c", "c"]


# --- arcs ---------------------------------------------------------------------------


def _bezier(rows, start, n=64):
    pts = np.vstack([start, rows])
    t = np.linspace(0, 1, n)[:, None]
    out = []
    for i in range(len(rows) // 3):
        p0, c1, c2, p1 = pts[3 * i : 3 * i + 4]
        out.append((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * c1 + 3 * (1 - t) * t**2 * c2 + t**3 * p1)
    return np.vstack(out)


def _distance_to_ellipse(points, center, rx, ry, phi):
    """Exact-enough distance to an ellipse by local dense search around each point's angle."""
    c, s = math.cos(phi), math.sin(phi)
    local = (points - center) @ np.array([[c, -s], [s, c]])  # rotate by -phi
    theta0 = np.arctan2(local[:, 1] / ry, local[:, 0] / rx)
    dt = np.linspace(-0.02, 0.02, 801)
    th = theta0[:, None] + dt[None, :]
    ex, ey = rx * np.cos(th), ry * np.sin(th)
    return np.sqrt((ex - local[:, :1]) ** 2 + (ey - local[:, 1:]) ** 2).min(axis=1)


@pytest.mark.parametrize("phi_deg", [0.0, 30.0])
def test_large_arc_is_within_a_tenth_of_a_canvas_pixel(phi_deg):
    # viewBox 0 0 100 100 drawn at 4000 px: 40 canvas px per user unit, so the
    # approximation must be within 0.0025 user units; radii 1800 × 900 canvas px.
    phi = math.radians(phi_deg)
    rx, ry, cx, cy = 45.0, 22.5, 50.0, 50.0
    u = np.array([math.cos(phi), math.sin(phi)])
    start, end = np.array([cx, cy]) + rx * u, np.array([cx, cy]) - rx * u
    d = f"M{float(start[0])!r} {float(start[1])!r} A{rx} {ry} {phi_deg} 1 1 {float(end[0])!r} {float(end[1])!r}"
    doc = load_svg(svg(f'<path d="{d}"/>', 'width="4000" height="4000" viewBox="0 0 100 100"'))
    (shape,) = doc.shapes()
    (sp,) = shape.subpaths
    scale = shape.ctm[0, 0]
    curve = _bezier(sp.points[1:], sp.points[0])
    err_px = _distance_to_ellipse(curve, np.array([cx, cy]), rx, ry, phi).max() * scale
    assert err_px <= 0.1
    assert sp.num_segments >= 3  # a 1800 px half ellipse needs more than 2 segments


@pytest.mark.parametrize(
    "large, sweep, centre",
    # sweep=1 runs with increasing angle (clockwise on screen, y down)
    [(0, 1, (0, 10)), (1, 0, (0, 10)), (0, 0, (10, 0)), (1, 1, (10, 0))],
)
def test_arc_flags_select_the_centre(large, sweep, centre):
    # From (0,0) to (10,10) with r = 10 the two centres are (10,0) and (0,10).
    rows = endpoint_arc(np.array([0.0, 0.0]), 10, 10, 0, bool(large), bool(sweep), np.array([10.0, 10.0]))
    curve = _bezier(rows, np.array([0.0, 0.0]))
    assert np.allclose(np.hypot(*(curve - centre).T), 10, atol=0.01)
    assert np.allclose(rows[-1], [10, 10])
    assert (len(rows) // 3 > 2) == bool(large)  # 270° needs more segments than 90°


def test_arc_radii_too_small_are_scaled_up():
    rows = endpoint_arc(np.array([0.0, 0.0]), 1, 1, 0, False, True, np.array([10.0, 0.0]))
    curve = _bezier(rows, np.array([0.0, 0.0]))
    assert np.allclose(np.hypot(curve[:, 0] - 5, curve[:, 1]), 5, atol=0.01)  # half circle, r = 5


def test_arc_zero_radius_is_a_line_and_same_endpoints_are_omitted():
    same(subpaths("M0 0 A0 5 0 0 1 10 10"), subpaths("M0 0 L10 10"))
    sps = subpaths("M0 0 L5 0 A5 5 0 0 1 5 0")
    assert sps[0].num_segments == 1


def test_negative_radii_use_absolute_values():
    same(subpaths("M0 0 A-5 -5 0 0 1 10 0"), subpaths("M0 0 A5 5 0 0 1 10 0"))


# --- writing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, decimals, text",
    [(1.0, 3, "1"), (-0.0001, 3, "0"), (1.23456, 3, "1.235"), (-2.5, 3, "-2.5"), (1e6, 3, "1000000"), (0.1, 1, "0.1")],
)
def test_format_number(value, decimals, text):
    assert format_number(value, decimals) == text


@pytest.mark.parametrize(
    "d, expected",
    [
        ("M0 0 L10 0 L10 10 Z", "M0 0 L10 0 L10 10 Z"),
        ("M0 0 L10 0 L10 10 L0 0 Z", "M0 0 L10 0 L10 10 L0 0 Z"),  # the written line back stays (a marker vertex)
        ("m1 1 h5 v5", "M1 1 L6 1 L6 6"),
        ("M0 0 C1 2 3 4 5 6", "M0 0 C1 2 3 4 5 6"),
        ("M0 0 Q3 3 6 0", "M0 0 C2 2 4 2 6 0"),
        ("M0 0 C1 1 2 1 3 0 C2 -1 1 -1 0 0 Z", "M0 0 C1 1 2 1 3 0 C2 -1 1 -1 0 0 Z"),
        ("M5 5 Z", "M5 5 Z"),
        ("M0 0 L1 1 M2 2 L3 3", "M0 0 L1 1 M2 2 L3 3"),
    ],
)
def test_subpaths_to_d(d, expected):
    assert subpaths_to_d(subpaths(d)) == expected


@pytest.mark.parametrize(
    "d",
    ["M10 10 A20 10 30 1 1 40 40 Z", "M0 0 Q5 9 10 0 T20 0 T30 0", "M1 2 L3 4 Z M5 5 C6 7 8 9 1 1", "M0 0 L1 0 Z L0 1 Z"],
)
def test_d_round_trip_through_subpaths(d):
    first = subpaths(d)
    same(subpaths(subpaths_to_d(first, decimals=10)), first, tol=1e-8)


@pytest.mark.parametrize("decimals", [0, 1, 3, 6])
def test_subpaths_to_d_writes_each_number_as_format_number_does(decimals):
    """Curves only (no segment written as L, no line left to Z): the numbers written are every
    point in order, each exactly as :func:`format_number` writes it (the array-wide formatting)."""
    rng = np.random.default_rng(decimals)
    values = np.concatenate([rng.normal(size=400) * 10.0 ** rng.integers(-4, 7, 400),
                             [0.0, -0.0, -0.0004, 0.0005, 2.675, 1e15, -1e-9, 100.0, -10.05]])
    points = np.concatenate([values, values[:1]])[: 3 * ((len(values) // 2 - 1) // 3) * 2 + 2].reshape(-1, 2)
    for closed in (False, True):
        rows = points if not closed else points[:-1]
        d = subpaths_to_d([Subpath(rows, closed)], decimals)
        numbers = d.replace("M", " ").replace("C", " ").replace("Z", " ").split()
        written = np.concatenate([rows, rows[:1]]) if closed else rows  # a closed curve ends on its start
        assert numbers == [format_number(v, decimals) for v in written.ravel().tolist()]


def test_subpaths_to_d_refuses_nan():
    (sp,) = subpaths("M0 0 L1 1")
    sp.points[1, 0] = np.nan
    with pytest.raises(SVGError):
        subpaths_to_d([sp])
