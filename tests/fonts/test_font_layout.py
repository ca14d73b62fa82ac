"""Text layout and glyph SVGs: advances, kerning (GPOS and legacy kern), ids, CFF and TrueType, CJK, errors."""

import re
import shutil

import numpy as np
import pytest

from fontkit import build_font
from vecedit.errors import InputError, OptionError
from vecedit.fonts.layout import layout, load_font, resolve_font, text_to_svg
from vecedit.limits import LimitError
from vecedit.svg import load_svg

CJK_FAMILY = "WenQuanYi Micro Hei"


def cjk_font():
    try:
        source = resolve_font(CJK_FAMILY)
    except InputError:
        pytest.skip(f"no CJK font: install the Debian package fonts-wqy-microhei ({CJK_FAMILY})")
    return load_font(source)


def xs(font, text, **kw):
    return [g.x for g in layout(font, text, **kw).glyphs]


@pytest.mark.parametrize("kind", ["ttf", "otf"])
def test_advances_and_gpos_kerning(tmp_path, kind):
    font = load_font(build_font(tmp_path / f"k.{kind}", cff=kind == "otf", gpos_kern=-80))
    assert xs(font, "AVB", kerning=False) == [0, 600, 1300]
    assert xs(font, "AVB") == [0, 520, 1220]  # pos A V -80 moves V and everything after it
    assert xs(font, "VA") == [0, 700]  # the pair is ordered
    assert xs(font, "A V") == [0, 600, 850]  # a space breaks the pair


def test_legacy_kern_table(tmp_path):
    font = load_font(build_font(tmp_path / "legacy.ttf", legacy_kern=-120))
    assert "GPOS" not in font
    assert xs(font, "AV") == [0, 480]


def test_real_font_kerning_moves_a_pair():
    font = load_font("DejaVu Sans")
    kerned, plain = xs(font, "AV"), xs(font, "AV", kerning=False)
    assert kerned[1] < plain[1]


def test_new_lines_start_at_the_left(tmp_path):
    font = load_font(build_font(tmp_path / "f.ttf"))
    placed = layout(font, "AB\nB").glyphs
    assert [g.x for g in placed] == [0, 600, 0]
    assert placed[2].y == -1000  # ascent 800 − descent −200 + gap 0


@pytest.mark.parametrize("kind", ["ttf", "otf"])
def test_glyph_svg_ids_group_and_centring(tmp_path, kind):
    font = load_font(build_font(tmp_path / f"f.{kind}", cff=kind == "otf"))
    svg = text_to_svg("AB 1!", font, size=200, margin=0.1)
    assert re.findall(r'<path id="([^"]+)"', svg) == ["glyph-0-A", "glyph-1-B", "glyph-2-1", "glyph-3-u0021"]
    doc = load_svg(svg)
    assert doc.width == doc.height == 200
    group = doc.root.children[0]
    assert group.id == "text" and [s.id for s in group.children] == ["glyph-0-A", "glyph-1-B", "glyph-2-1",
                                                                     "glyph-3-u0021"]
    pts = np.concatenate([sp.points for s in doc.shapes() for sp in s.subpaths])
    lo, hi = pts.min(0), pts.max(0)
    assert np.allclose((lo + hi) / 2, 100, atol=1e-3)  # centred
    assert max(hi - lo) == pytest.approx(160, abs=1e-3)  # fills the canvas inside the 10% margin
    a = doc.shapes()[0]
    assert len(a.subpaths) == 2 and all(sp.closed for sp in a.subpaths)  # outline and counter
    assert all(s.fill == (0.0, 0.0, 0.0, 1.0) for s in doc.shapes())


def test_subdivision_adds_points_without_changing_the_outline(tmp_path):
    font = load_font(build_font(tmp_path / "f.ttf"))
    coarse = load_svg(text_to_svg("A", font, size=100, max_segment=0)).shapes()[0].subpaths[0].points
    fine = load_svg(text_to_svg("A", font, size=100, max_segment=5)).shapes()[0].subpaths[0].points
    assert len(fine) > 4 * len(coarse)
    on_curve = fine[::3]
    assert np.all(np.isclose(on_curve[:, None, 0], coarse[::3][None, :, 0]).any(1)
                  | np.isclose(on_curve[:, None, 1], coarse[::3][None, :, 1]).any(1))


def test_chinese_ids_use_code_points():
    font = cjk_font()
    svg = text_to_svg("天空 之城", font)
    assert re.findall(r'<path id="([^"]+)"', svg) == ["glyph-0-u5929", "glyph-1-u7a7a", "glyph-2-u4e4b",
                                                       "glyph-3-u57ce"]
    advances = [g.advance for g in layout(font, "天空").glyphs]
    assert advances[0] == advances[1] > 0  # CJK ideographs are full-width


def test_family_names_resolve_through_fontconfig():
    if shutil.which("fc-match") is None:
        pytest.skip("fontconfig (fc-match) is not installed")
    source = resolve_font("DejaVu Serif")
    assert source.path.name == "DejaVuSerif.ttf" and source.family == "DejaVu Serif"
    assert resolve_font("monospace").path.suffix in (".ttf", ".otf", ".ttc")  # generic names take any match


@pytest.mark.parametrize("spec, message", [
    ("/no/such/font.ttf", "no such font file"),
    ("Surely No Such Family 42", "no installed font"),
    ("", "--font is empty"),
])
def test_unresolvable_fonts(spec, message):
    with pytest.raises((InputError, OptionError), match=message):
        load_font(spec)


def test_files_that_are_not_fonts(tmp_path):
    bad = tmp_path / "fake.ttf"
    bad.write_text("this is not a font")
    with pytest.raises(InputError, match="not a readable font file"):
        load_font(bad)
    with pytest.raises(InputError, match="is a folder"):
        load_font(tmp_path)


def test_missing_characters_are_named(ttf):
    font = load_font(ttf)
    with pytest.raises(InputError, match=r"Vectest has no glyph for 'é' \(U\+00E9\), '天' \(U\+5929\)"):
        layout(font, "Aé天é")


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text(ttf, text):
    with pytest.raises(OptionError, match="the text is empty"):
        text_to_svg(text, load_font(ttf))


def test_size_must_be_sane(ttf):
    with pytest.raises(OptionError, match="--size"):
        text_to_svg("A", load_font(ttf), size=3)


@pytest.mark.parametrize("max_segment, error, says", [
    (-1, OptionError, "--max-segment must be a length >= 0"),
    (float("nan"), OptionError, "--max-segment must be a length >= 0"),
    (1e-300, LimitError, "over the limit"),  # split into ~1e302 pieces: memory ran out before
])
def test_max_segment_is_checked_before_splitting(ttf, max_segment, error, says):
    with pytest.raises(error, match=re.escape(says)):
        text_to_svg("A", load_font(ttf), size=100, max_segment=max_segment)


def test_font_not_found_says_when_the_family_list_is_cut(monkeypatch):
    """The message listed the first 8 installed families as if they were all of them."""
    import shutil

    import pytest

    from vecedit.errors import InputError
    from vecedit.fonts import layout

    if not shutil.which("fc-match"):
        pytest.skip("needs fontconfig's fc-match, which the message is about")
    families = sorted([f"Family {k:02d}" for k in range(40)] + ["DejaVu Sans", "DejaVu Serif"])
    monkeypatch.setattr(layout, "installed_families", lambda: families)
    with pytest.raises(InputError) as raised:
        layout.resolve_font("Dejavu Sanz Nonesuch")
    message = str(raised.value)
    assert "one of the 42 installed families (`fc-list : family` lists them all), e.g. DejaVu Sans" in message
    monkeypatch.setattr(layout, "installed_families", lambda: ["DejaVu Sans", "DejaVu Serif"])
    with pytest.raises(InputError, match=r"or pick one of: DejaVu Sans, DejaVu Serif$"):
        layout.resolve_font("Dejavu Sanz Nonesuch")
