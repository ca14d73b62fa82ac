"""<text> as glyph outlines: layout facts, fonts and fallback, editing and writing back.

Pixel fidelity against resvg is tests/test_fidelity.py over tests/corpus/text/.
"""

import re
from pathlib import Path

import numpy as np
import pytest
import torch

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">{}</svg>'
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_dejavu = pytest.mark.skipif(not DEJAVU.is_file(), reason="DejaVu Sans (fonts-dejavu-core) is not installed")


def load(body, **kw):
    from vecedit.svg import load_svg

    return load_svg(SVG.format(body), **kw)


def xs(shape):
    return np.concatenate([s.points for s in shape.subpaths])[:, 0]


@needs_dejavu
def test_text_becomes_glyph_shapes_per_span_with_their_paints():
    doc = load('<text id="t" class="c" x="10" y="50" font-family="DejaVu Sans" font-size="20" fill="red">'
               'Ab <tspan fill="blue">cd</tspan></text>')
    shapes = doc.shapes()
    assert [s.tag for s in shapes] == ["text", "tspan"]
    assert shapes[0].fill == (1.0, 0.0, 0.0, 1.0) and shapes[1].fill == (0.0, 0.0, 1.0, 1.0)
    assert all(s.text is doc.root.children[0].node for s in shapes)
    assert xs(shapes[0]).max() < xs(shapes[1]).min()  # "cd" follows "Ab "
    assert 9 < xs(shapes[0]).min() < 12
    assert not [n for n in doc.notes if n.affects_picture]


@needs_dejavu
def test_anchor_middle_centres_the_advance():
    start = load('<text x="100" y="50" font-family="DejaVu Sans" font-size="20">HH</text>').shapes()[0]
    middle = load('<text x="100" y="50" font-family="DejaVu Sans" font-size="20" text-anchor="middle">HH</text>')
    from vecedit.text.fontdb import font_db
    from vecedit.text.shaping import load_face

    face = load_face(font_db().match(["DejaVu Sans"])[0])
    advance = face.shape("HH").x_advance.sum() * 20 / face.metrics.upem
    shift = xs(start).min() - xs(middle.shapes()[0]).min()
    assert abs(shift - advance / 2) < 1e-6


@needs_dejavu
def test_hebrew_is_laid_out_right_to_left():
    doc = load('<text x="10" y="50" font-family="DejaVu Sans" font-size="20">א<tspan fill="red">ב</tspan></text>')
    first, second = doc.shapes()
    assert xs(first).min() > xs(second).max()  # logical first letter drawn to the right


@needs_dejavu
def test_direction_rtl_sets_the_base_level_and_swaps_the_anchor_ends():
    # SVG 2 §11.10.1 (as browsers; resvg ignores direction): start is the right end
    doc = load('<text x="100" y="50" font-family="DejaVu Sans" font-size="20" direction="rtl">'
               'ab <tspan fill="red">אב</tspan></text>')
    latin, hebrew = doc.shapes()
    assert xs(latin).max() <= 100.5 and xs(hebrew).max() < xs(latin).min()  # RTL base: Hebrew left of "ab"


def test_missing_family_falls_back_with_one_note_and_missing_glyph_is_notdef():
    doc = load('<text x="10" y="50" font-family="No Such Family" font-size="20">Hi</text>'
               '<text x="10" y="80" font-family="No Such Family" font-size="20">\U0010FFFD\U0010FFFD</text>')
    notes = [n.message for n in doc.notes if n.affects_picture]
    assert sum("No Such Family" in m for m in notes) == 1, notes
    assert any(".notdef" in m for m in notes)
    assert all(s.subpaths for s in doc.shapes())  # both drawn: the family's default, the .notdef box


@needs_dejavu
def test_font_dirs_and_environment_variable(tmp_path, monkeypatch):
    from fontTools.ttLib import TTFont

    font = TTFont(str(DEJAVU))
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = "Vecedit Probe Sans"
    folder = tmp_path / "fonts"
    folder.mkdir()
    font.save(str(folder / "probe.ttf"))
    body = '<text x="10" y="50" font-family="Vecedit Probe Sans" font-size="20">Hi</text>'
    missing = lambda doc: [n for n in doc.notes if "Vecedit Probe Sans" in n.message]
    assert missing(load(body))
    assert not missing(load(body, font_dirs=[str(folder)]))
    monkeypatch.setenv("VECEDIT_FONT_DIRS", str(folder))
    assert not missing(load(body))


def _damaged_font(folder, family):
    """DejaVu Sans renamed to *family* with its cmap table overwritten by garbage: the font
    database still reads its names, fontTools fails on its character map."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(DEJAVU))
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
    folder.mkdir()
    path = folder / "damaged.ttf"
    font.save(str(path))
    entry = TTFont(str(path), lazy=True).reader.tables["cmap"]
    data = bytearray(path.read_bytes())
    data[entry.offset:entry.offset + entry.length] = b"\xff" * entry.length
    path.write_bytes(bytes(data))
    return folder


@needs_dejavu
def test_damaged_font_leaves_its_text_undrawn_with_a_note_and_is_skipped_by_fallback(tmp_path):
    folder = str(_damaged_font(tmp_path / "fonts", "Vecedit Damaged"))
    doc = load('<text x="10" y="50" font-family="Vecedit Damaged" font-size="20">Hi</text>', font_dirs=[folder])
    assert not doc.shapes()
    assert any("its font could not be used (TTLibError" in n.message and n.affects_picture for n in doc.notes)
    # U+10FFFD is in no font: the fallback search reads every face, the damaged one too
    doc = load('<text x="10" y="50" font-size="20">Hi \U0010FFFD</text>', font_dirs=[folder])
    assert len(doc.shapes()) == 1
    assert not [n for n in doc.notes if "could not be used" in n.message]


def test_a_layout_bug_is_not_reported_as_a_font_error(monkeypatch):
    import vecedit.text.build as build

    def broken(*_args):
        raise ZeroDivisionError("a bug in the layout")

    monkeypatch.setattr(build, "layout_text", broken)
    with pytest.raises(ZeroDivisionError):
        load('<text x="10" y="50">Hi</text>')


def test_shaping_and_outlines_are_cached():
    from vecedit.text.fontdb import font_db
    from vecedit.text.shaping import load_face

    info, _ = font_db().match(["sans-serif"])
    face = load_face(info)
    assert face.shape("cache me") is face.shape("cache me")
    gid = int(face.shape("g").glyphs[0])
    assert face.outline(gid) is face.outline(gid)


@needs_dejavu
def test_colour_only_edit_keeps_every_text_element_as_text():
    from vecedit.scene import from_document, write_back
    from vecedit.svg import dumps_svg

    source = SVG.format('<text id="a" x="10" y="40" font-family="DejaVu Sans" font-size="20" fill="#ff0000">One '
                        '<tspan fill="#0000ff">two</tspan></text><text x="10" y="80" font-size="20">Three</text>')
    from vecedit.svg import load_svg

    doc = load_svg(source)
    assert dumps_svg(doc) == source  # unedited: byte for byte
    scene = from_document(doc)
    with torch.no_grad():
        scene.colors[:, 1] = 0.5
    write_back(scene, doc)
    out = dumps_svg(doc)
    assert out.count("<text") == 2 and out.count("<tspan") == 1 and "<path" not in out
    assert "One " in out and ">two</tspan>" in out and "Three" in out
    fills = [shape.fill for shape in load_svg(out).shapes()]
    assert all(abs(f[1] - 0.5) < 0.01 for f in fills)


@needs_dejavu
def test_moved_glyphs_write_a_group_of_paths_keeping_id_class_and_string():
    from vecedit.scene import from_document, write_back
    from vecedit.svg import dumps_svg, load_svg

    doc = load('<text id="t" class="title" x="10" y="40" font-family="DejaVu Sans" font-size="20" fill="#f00">'
               'Hi <tspan fill="#00f">there</tspan></text>')
    scene = from_document(doc)
    with torch.no_grad():
        scene.points[:4] += 2.0
    write_back(scene, doc)
    out = dumps_svg(doc)
    assert "<text" not in out
    group = re.search(r"<g [^>]*>", out).group(0)
    assert 'id="t"' in group and 'class="title"' in group and 'aria-label="Hi there"' in group
    assert 'x="10"' not in group
    assert out.count("<path") == 2 and 'fill="#0000ff"' in out
    assert dumps_svg(doc) == out  # idempotent
    again = load_svg(out)
    assert len(again.shapes()) == 2


@needs_dejavu
def test_glyph_points_get_gradients_through_the_renderer():
    from vecedit.render.composite import render_scene
    from vecedit.scene import from_document

    scene = from_document(load('<text x="10" y="60" font-family="DejaVu Sans" font-size="40">Ow</text>'),
                          dtype=torch.float64)
    scene.points.requires_grad_(True)
    image = render_scene(scene)
    image[..., 3].sum().backward()
    assert scene.points.grad is not None and scene.points.grad.abs().sum() > 0


@needs_dejavu
def test_textpath_places_glyphs_along_the_path_and_hides_overflow():
    doc = load('<path id="p" d="M10 80 L60 80"/><text font-family="DejaVu Sans" font-size="10">'
               '<textPath href="#p">a long line that does not fit</textPath></text>')
    shape = [s for s in doc.shapes() if s.text is not None][0]
    pts = np.concatenate([s.points for s in shape.subpaths])
    assert pts[:, 0].max() < 64 and pts[:, 1].max() < 83  # overflowing glyphs are not drawn


@needs_dejavu
def test_decoration_is_not_drawn_under_glyphs_off_the_text_path():
    doc = load('<path id="p" d="M10 80 L60 80"/><text font-family="DejaVu Sans" font-size="10" '
               'text-decoration="underline"><textPath href="#p">a long line that does not fit</textPath></text>')
    underline, glyphs = [s for s in doc.shapes() if s.text is not None]  # the line is drawn before the glyphs
    # was: the glyphs past the path's end lengthened the last piece of the line to x = 145
    assert np.concatenate([s.points for s in underline.subpaths])[:, 0].max() < 63
    assert np.concatenate([s.points for s in glyphs.subpaths])[:, 0].max() < 62


@needs_dejavu
@pytest.mark.parametrize("rotate", ["1e999", "nan", "inf 5", "5 -1e400"])
def test_rotate_list_with_a_non_finite_number_is_dropped_and_the_text_drawn(rotate):
    # was: rotate="1e999" reached math.cos and the whole <text> was dropped as "its font could not be used"
    doc = load(f'<text x="10" y="50" font-family="DejaVu Sans" font-size="20" rotate="{rotate}">Ab</text>')
    plain = load('<text x="10" y="50" font-family="DejaVu Sans" font-size="20">Ab</text>')
    assert not [n for n in doc.notes if n.affects_picture]
    assert np.allclose(xs(doc.shapes()[0]), xs(plain.shapes()[0]))


@needs_dejavu
def test_glyphs_scaled_beyond_float_range_are_dropped_with_a_note_not_drawn_as_nan():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's overflow warnings too: the layout expects them
        doc = load('<text x="10" y="50" font-size="20" text-decoration="underline">ok'
                   '<tspan font-size="1e308em">&amp;</tspan></text>')
    points = np.concatenate([s.points for shape in doc.shapes() for s in shape.subpaths])
    assert np.isfinite(points).all() and len(points)  # "ok" and its underline are drawn
    assert any("beyond the range of numbers" in n.message and n.affects_picture for n in doc.notes)


def test_font_shorthand_expands_to_longhands():
    from vecedit.svg.css import parse_font_shorthand

    assert parse_font_shorthand('italic bold 12px/1.5 "DejaVu Sans", serif') == {
        "font-style": "italic", "font-variant": "normal", "font-weight": "bold", "font-stretch": "normal",
        "font-size": "12px", "font-family": '"DejaVu Sans", serif'}
    assert parse_font_shorthand("bold") == {}


def test_white_space_pre_keeps_spaces():
    from vecedit.svg.css import Cascade  # noqa: F401 (the render tree's cascade resolves white-space)
    from vecedit.text.content import _collapse, _trim

    nodes = [[None, 0, _collapse("  a   b ", True), True]]
    _trim(nodes)
    assert nodes[0][2] == "  a   b "
    nodes = [[None, 0, _collapse("  a   b ", False), False]]
    _trim(nodes)
    assert nodes[0][2] == "a b"


@needs_dejavu
def test_recolor_changes_text_colours_and_keeps_text(tmp_path):
    from vecedit.cli import main

    source = tmp_path / "in.svg"
    source.write_text(SVG.format('<text x="10" y="50" font-family="DejaVu Sans" font-size="20" fill="#ff0000">'
                                 'Sale <tspan fill="#0000ff">now</tspan></text>'))
    out = tmp_path / "out.svg"
    assert main(["recolor", str(source), "--map", "#ff0000=#00aa00", "-o", str(out), "-q"]) == 0
    text = out.read_text()
    assert "<text" in text and ">now</tspan>" in text and "<path" not in text
    assert "#00aa00" in text.lower() and "#ff0000" not in text.lower() and 'fill="#0000ff"' in text


def test_font_dir_option_refuses_a_missing_folder(tmp_path, capsys):
    from vecedit.cli import main

    source = tmp_path / "in.svg"
    source.write_text(SVG.format('<text x="10" y="50">x</text>'))
    code = main(["render", str(source), "-o", str(tmp_path / "o.png"), "--font-dir", str(tmp_path / "nope")])
    assert code == 2 and "--font-dir" in capsys.readouterr().err and not (tmp_path / "o.png").exists()


@needs_dejavu
@pytest.mark.parametrize("d, same", [("M10 50 L190 50", True), ("M10 80 Q100 -20 190 80", False)])
def test_textpath_stretch_bends_glyphs_and_equals_align_on_a_line(d, same):
    def points(method):
        doc = load(f'<path id="p" d="{d}"/><text font-family="DejaVu Sans" font-size="20">'
                   f'<textPath href="#p" method="{method}" startOffset="20">Bend</textPath></text>')
        shape = [s for s in doc.shapes() if s.text is not None][0]
        return np.concatenate([s.points for s in shape.subpaths])

    assert np.allclose(points("align"), points("stretch"), atol=1e-6) == same


def test_unicode_bidi_levels_for_each_value():
    # CSS Writing Modes 3 §2.2 through UAX #9: an isolate or embedding is its own sequence one
    # level up, an override forces its direction, plaintext takes the first strong character's.
    from vecedit.text.bidi import bidi_levels

    text = "ab cd ef"
    inner = [()] * 3 + [None] * 2 + [()] * 3

    def levels(kind, rtl=True, base_rtl=False, paragraph="normal", source=text):
        context = (object(), kind, rtl)
        return bidi_levels(source, base_rtl, [c if c == () else (context,) for c in inner], paragraph)

    assert levels("isolate") == [0, 0, 0, 2, 2, 0, 0, 0]  # Latin inside an RTL isolate: level 2
    assert levels("embed", rtl=False) == [0, 0, 0, 2, 2, 0, 0, 0]  # next even level above 0
    assert levels("bidi-override") == [0, 0, 0, 1, 1, 0, 0, 0]  # forced RTL: the letters reverse
    # in an RTL paragraph Latin goes to level 2, and the neutral isolate between Latin words with it
    assert levels("isolate-override", rtl=False, base_rtl=True) == [2] * 8
    # plaintext ignores its direction (ltr here) for its first strong character's: RTL, level 1;
    # an ltr isolate puts the same Hebrew at level 2 + 1
    assert levels("plaintext", rtl=False, source="ab אב ef")[3:5] == [1, 1]
    assert levels("isolate", rtl=False, source="ab אב ef")[3:5] == [3, 3]
    assert bidi_levels("אב cd", False, paragraph="plaintext") == [1, 1, 1, 2, 2]
    assert bidi_levels("ab cd", True, paragraph="bidi-override") == [1] * 5


@needs_dejavu
def test_rtl_isolate_on_a_tspan_reverses_its_words_but_not_the_text():
    body = ('<text x="10" y="50" font-family="DejaVu Sans" font-size="20">A <tspan unicode-bidi="{}" '
            'direction="rtl"><tspan fill="red">bc</tspan> <tspan fill="blue">de</tspan></tspan> F</text>')
    a, b, d, f = load(body.format("isolate")).shapes()
    assert xs(a).max() < xs(d).min() and xs(d).max() < xs(b).min() and xs(b).max() < xs(f).min()
    a, b, d, f = load(body.format("normal")).shapes()  # without a context: the logical order
    assert xs(a).max() < xs(b).min() and xs(b).max() < xs(d).min() and xs(d).max() < xs(f).min()
