"""Palette and map recolouring (no model): lightness order, determinism, neighbours, tolerance, paints kept."""

import itertools
import re

import numpy as np
import pytest

from vecedit.colorspace import delta_e2000, oklab_to_srgb, srgb_to_lab, srgb_to_oklab
from vecedit.errors import InputError, OptionError
from vecedit.recolor.api import recolor
from vecedit.recolor.palette import parse_mapping, parse_palette
from vecedit.svg import dumps_svg, format_color, load_svg

PALETTE = "#264653,#2a9d8f,#e9c46a,#f4a261,#e76f51"


def rects(colours, size=16, gap=8):
    """One rect per colour in a row, far enough apart that none touch."""
    body = "".join(f'<rect id="r{i}" x="{i * (size + gap)}" y="0" width="{size}" height="{size}" fill="{c}"/>'
                   for i, c in enumerate(colours))
    width = len(colours) * (size + gap)
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{size}">{body}</svg>'


def lightness(hex_colour):
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return float(srgb_to_oklab(rgb)[0])


def fills(doc):
    return [format_color(s.fill) for s in doc.shapes()]


@pytest.mark.parametrize("shading", [False, True])
def test_palette_keeps_lightness_order(shading):
    rng = np.random.default_rng(3)
    colours = ["#%02x%02x%02x" % tuple(rng.integers(0, 256, 3)) for _ in range(14)]
    out = fills(recolor(rects(colours), palette=PALETTE, shading=shading))
    before = [lightness(c) for c in colours]
    after = [lightness(c) for c in out]
    for i, j in itertools.permutations(range(len(colours)), 2):
        if before[i] < before[j]:
            assert after[i] <= after[j] + 2e-3, (colours[i], colours[j], out[i], out[j])
    if not shading:
        assert set(out) <= set(PALETTE.split(","))
        assert len(set(out)) == 5  # more colours than the palette: every palette colour is used


def test_palette_is_deterministic_and_ignores_palette_order():
    svg = load_svg(open(__file__.replace("recolor/test_recolor_palette.py", "corpus/72-map-polygons.svg")).read())
    text = dumps_svg(svg)
    outs = {dumps_svg(recolor(load_svg(text), palette=p)) for p in
            (PALETTE, ",".join(reversed(PALETTE.split(","))), PALETTE)}
    assert len(outs) == 1


def test_palette_fewer_colours_than_palette_maps_each_to_its_own():
    out = fills(recolor(rects(["#111111", "#777777", "#eeeeee"]), palette=PALETTE))
    assert len(set(out)) == 3
    assert lightness(out[0]) < lightness(out[1]) < lightness(out[2])


@pytest.mark.parametrize("penalty, apart", [(None, True), (0.0, False)])
def test_neighbours_stay_apart_when_the_palette_allows(monkeypatch, penalty, apart):
    # Two overlapping circles, red and green of near-equal lightness, on a white card, plus a large
    # lilac tile far away. Three palette colours for four source colours: two runs must merge. By
    # colour distance alone the neighbours merge (penalty 0, the control); with the neighbour
    # penalty the far tile merges instead and the circles stay apart.
    import vecedit.recolor.palette

    if penalty is not None:
        monkeypatch.setattr(vecedit.recolor.palette, "NEIGHBOUR_PENALTY", penalty)
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">'
           '<rect id="card" width="100" height="100" fill="#ffffff"/>'
           '<circle id="red" cx="35" cy="50" r="22" fill="#d62728"/>'
           '<circle id="green" cx="65" cy="50" r="22" fill="#3a9a3a"/>'
           '<rect id="tile" x="150" y="10" width="80" height="80" fill="#c0a0ff"/></svg>')
    out = dict(zip(["card", "red", "green", "tile"], fills(recolor(svg, palette="#1d3557,#e63946,#f1faee"))))
    assert (out["red"] != out["green"]) == apart
    assert out["card"] not in (out["red"], out["green"])


def test_keep_alpha_opacity_and_gradient_stops():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
           '<defs><linearGradient id="g"><stop offset="0" stop-color="#102030" stop-opacity="0.5"/>'
           '<stop offset="1" stop-color="#f0e0d0"/></linearGradient></defs>'
           '<rect width="20" height="10" fill="url(#g)"/>'
           '<rect y="10" width="20" height="10" fill="rgba(255,0,0,0.5)" stroke="#fff" stroke-opacity="0.3"/></svg>')
    doc = recolor(svg, palette="#000000,#ff00ff,#eeeeee,#00ffff")
    again = load_svg(dumps_svg(doc))
    stops = again.gradients["g"].stops
    assert stops[0].color[3] == pytest.approx(0.5) and stops[1].color[3] == pytest.approx(1.0)
    rect = again.shapes()[1]
    assert rect.fill[3] * rect.fill_opacity == pytest.approx(0.5, abs=1e-3)
    assert rect.stroke_opacity == pytest.approx(0.3)
    assert format_color(rect.fill) != "#ff0000"
    assert doc.recolor_result.paints == 4


def test_keep_leaves_listed_colours():
    out = fills(recolor(rects(["#ffffff", "#ff0000", "#000000"]), palette="#264653,#e9c46a", keep="#fff,#000"))
    assert out[0] == "#ffffff" and out[2] == "#000000" and out[1] in ("#264653", "#e9c46a")


def test_use_instances_follow_their_definition():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">'
           '<defs><path id="p" d="M0 0H10V10H0Z" fill="#ff0000"/></defs>'
           '<use xlink:href="#p"/><use xlink:href="#p" x="20" fill="#00ff00"/>'
           '<g fill="#0000ff"><use xlink:href="#q"/></g><circle id="q" cx="5" cy="15" r="3"/></svg>')
    doc = recolor(svg, mapping="#ff0000=#123456,#000000=#654321")
    again = load_svg(dumps_svg(doc))
    assert {format_color(s.fill) for s in again.shapes() if s.id == "p"} == {"#123456"}
    assert not doc.recolor_result.warnings


def test_map_exact_and_tolerance():
    svg = rects(["#ff0000", "#fe0101", "#00ff00"])
    assert fills(recolor(svg, mapping="#ff0000=#0000ff")) == ["#0000ff", "#fe0101", "#00ff00"]
    near = float(delta_e2000(srgb_to_lab(np.array([1.0, 0, 0])), srgb_to_lab(np.array([254, 1, 1]) / 255)))
    assert 0 < near < 2
    assert fills(recolor(svg, mapping="red=blue", tolerance=2)) == ["#0000ff", "#0000ff", "#00ff00"]
    assert fills(recolor(svg, mapping={"#f00": "#0000ff", "lime": "black"})) == ["#0000ff", "#fe0101", "#000000"]


def test_map_leaves_the_rest_of_the_file_byte_for_byte():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">\n  <!-- note -->\n'
           '  <rect  x="0" width="4" height="4" fill="red"/>\n  <rect x="4" width="4" height="4" fill="#00f"/>\n</svg>')
    out = dumps_svg(recolor(svg, mapping="red=#00aa00"))
    assert out == svg.replace('fill="red"', 'fill="#00aa00"')  # the attribute stays an attribute


@pytest.mark.parametrize("bad, message", [
    ("#12345", "'#12345' is not a colour"),
    ("", "is empty"),
    ("#fff,banana", "'banana' is not a colour"),
])
def test_palette_strings_that_do_not_parse(bad, message):
    with pytest.raises(OptionError, match=message):
        parse_palette(bad)


@pytest.mark.parametrize("bad, message", [
    ("#f00", "is not FROM=TO"),
    ("#f00=#0f0,red=#00f", "more than once"),
    ("#f00=nope", "'nope' is not a colour"),
])
def test_map_strings_that_do_not_parse(bad, message):
    with pytest.raises(OptionError, match=message):
        parse_mapping(bad)


@pytest.mark.parametrize("text, error, says", [
    ("{not json", InputError, "cannot read the palette file"),  # the JSONDecodeError was a traceback
    ("[" * 100000 + "]" * 100000, InputError, "cannot read the palette file"),  # RecursionError
    ("5", OptionError, "must hold a JSON list of colours, got int"),  # iterating an int raised
    ('[["a", "b", "c"]]', OptionError, "is not a colour"),  # float("a") raised
])
def test_palette_json_files_that_do_not_parse(tmp_path, text, error, says):
    path = tmp_path / "palette.json"
    path.write_text(text)
    with pytest.raises(error, match=re.escape(says)):
        parse_palette(str(path))


def test_recolor_needs_exactly_one_mode():
    with pytest.raises(OptionError, match="exactly one"):
        recolor(rects(["#fff"]), palette=PALETTE, mapping="#fff=#000")
    with pytest.raises(OptionError, match="exactly one"):
        recolor(rects(["#fff"]))


def test_colour_space_round_trip_and_reference_values():
    rgb = np.random.default_rng(0).random((200, 3))
    assert np.abs(oklab_to_srgb(srgb_to_oklab(rgb)) - rgb).max() < 1e-9
    # Sharma, Wu & Dalal (2005), test pairs 1 and 17
    assert delta_e2000(np.array([50, 2.6772, -79.7751]), np.array([50, 0, -82.7485])) == pytest.approx(2.0425, abs=1e-4)
    assert delta_e2000(np.array([50, 2.5, 0]), np.array([73, 25, -18])) == pytest.approx(27.1492, abs=1e-4)


def test_palette_files(tmp_path):
    (tmp_path / "brand.txt").write_text("#264653\n#2a9d8f, rgb(233, 196, 106)\n")
    (tmp_path / "brand.json").write_text('["#264653", "#2a9d8f", "#e9c46a"]')
    expected = [(0x26, 0x46, 0x53), (0x2a, 0x9d, 0x8f), (0xe9, 0xc4, 0x6a)]
    assert parse_palette(str(tmp_path / "brand.txt")) == expected
    assert parse_palette(tmp_path / "brand.json") == expected


def test_an_svg_image_s_own_gradients_are_not_offered_for_rewriting():
    import base64

    from vecedit.recolor.palette import inventory
    from vecedit.svg import load_svg

    inner = ('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><linearGradient id="g">'
             '<stop stop-color="#123456"/></linearGradient><rect width="4" height="4" fill="url(#g)"/></svg>')
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="4" height="4" '
                   'fill="red"/><image x="4" width="4" height="4" href="data:image/svg+xml;base64,'
                   + base64.b64encode(inner.encode()).decode() + '"/></svg>')
    assert not [u for u in inventory(doc).uses if u.kind == "stop"]


def test_long_colour_lists_are_split_in_linear_time():
    """100,000 colours (and 50,000 pairs with a repeat at the end) were minutes: a look-ahead
    rescanned the rest of the list at every comma, and the repeat check was quadratic."""
    import time

    from vecedit.errors import OptionError
    from vecedit.recolor.options import parse_mapping, parse_palette

    start = time.process_time()
    assert len(parse_palette(",".join(f"#{i:06x}" for i in range(100_000)))) == 100_000
    pairs = ",".join(f"#{i:06x}=#000000" for i in range(50_000)) + ",#000001=#ffffff"
    with pytest.raises(OptionError, match="more than once"):
        parse_mapping(pairs)
    assert time.process_time() - start < 15
    assert parse_palette("rgb(1, 2, 3); #fff  red\thsl(120, 50%, 50%)")[1:3] == parse_palette("#fff,red")
