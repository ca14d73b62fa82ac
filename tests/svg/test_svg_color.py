import pytest

from vecedit.errors import SVGError
from vecedit.svg.color import NAMED_COLORS, format_color, parse_color, split_paint

R = (1.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#f00", R),
        ("#F00", R),
        ("#f008", (1.0, 0.0, 0.0, 0x88 / 255)),
        ("#ff0000", R),
        ("#FF000080", (1.0, 0.0, 0.0, 0x80 / 255)),
        ("rgb(255,0,0)", R),
        ("rgb( 255 , 0 , 0 )", R),
        ("rgb(100%, 0%, 0%)", R),
        ("rgb(255 0 0)", R),
        ("rgba(255, 0, 0, 0.5)", (1.0, 0.0, 0.0, 0.5)),
        ("rgba(255,0,0,50%)", (1.0, 0.0, 0.0, 0.5)),
        ("rgb(255 0 0 / 50%)", (1.0, 0.0, 0.0, 0.5)),
        ("rgb(255 0 0 / .25)", (1.0, 0.0, 0.0, 0.25)),
        ("rgba(255 0 0 / 1)", R),
        ("rgb(127.5, 0, 0)", (0.5, 0.0, 0.0, 1.0)),
        ("rgb(300, -5, 0)", R),  # clamped
        ("RGB(255,0,0)", R),
        ("hsl(0, 100%, 50%)", R),
        ("hsl(120deg 100% 25%)", (0.0, 0.5, 0.0, 1.0)),
        ("hsl(240 100% 50% / 0.5)", (0.0, 0.0, 1.0, 0.5)),
        ("hsla(240, 100%, 50%, 0.5)", (0.0, 0.0, 1.0, 0.5)),
        ("hsl(0.5turn 100% 50%)", (0.0, 1.0, 1.0, 1.0)),
        ("hsl(-120, 100%, 50%)", (0.0, 0.0, 1.0, 1.0)),
        ("hsl(0, 0%, 100%)", (1.0, 1.0, 1.0, 1.0)),
        ("red", R),
        ("Red", R),
        ("  red  ", R),
        ("rebeccapurple", (0x66 / 255, 0x33 / 255, 0x99 / 255, 1.0)),
        ("grey", (128 / 255,) * 3 + (1.0,)),
        ("transparent", (0.0, 0.0, 0.0, 0.0)),
        ("#CD853F icc-color(acmecmyk, 0.11, 0.48, 0.83, 0.00)", (0xCD / 255, 0x85 / 255, 0x3F / 255, 1.0)),
    ],
)
def test_color_syntaxes(text, expected):
    assert parse_color(text) == pytest.approx(expected)


def test_none_is_no_paint():
    assert parse_color("none") is None


def test_current_color_resolves_from_inherited_color():
    blue = (0.0, 0.0, 1.0, 1.0)
    assert parse_color("currentColor", blue) == blue
    assert parse_color("currentcolor", blue) == blue
    assert parse_color("currentColor") == (0.0, 0.0, 0.0, 1.0)  # color's initial value


def test_all_named_colours_match_cairosvg():
    import cairosvg.colors

    assert len(NAMED_COLORS) == 148
    for name, hexcode in NAMED_COLORS.items():
        if name == "rebeccapurple":
            continue
        ref = cairosvg.colors.COLORS[name]
        assert parse_color(name) == pytest.approx(tuple(ref[:3]) + (1.0,), abs=1e-9), name


@pytest.mark.parametrize("bad", ["#ff", "#12345", "#ggg", "rgb(1,2)", "rgb(1 2 3, 4)", "rgb(1, 2, 3 / 1)",
                                 "bogus", "", "hsl(10, 20%)", "rgb(nan, 0, 0)", "rgb(1e999, 0, 0)", "url(#a)"])
def test_bad_colours_raise_one_line(bad):
    with pytest.raises(SVGError) as e:
        parse_color(bad)
    assert "\n" not in str(e.value)
    assert "colour" in str(e.value)


@pytest.mark.parametrize(
    "rgba, text",
    [((1.0, 0.0, 0.0, 1.0), "#ff0000"), ((0.0, 0.5, 1.0, 0.3), "#0080ff"), ((2.0, -1.0, 0.2, 1.0), "#ff0033")],
)
def test_format_color(rgba, text):
    assert format_color(rgba) == text


def test_format_parse_round_trip():
    for name in ("teal", "tomato", "steelblue"):
        assert format_color(parse_color(format_color(parse_color(name)))) == format_color(parse_color(name))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("red", (None, "red")),
        ("url(#a)", ("#a", "")),
        ("url(#a) red", ("#a", "red")),
        ("url('#a') none", ("#a", "none")),
        ('url( "#a" )', ("#a", "")),
        ("none", (None, "none")),
    ],
)
def test_split_paint(text, expected):
    assert split_paint(text) == expected
