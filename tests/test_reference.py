"""Tests for vecedit.render.reference: the resvg/cairosvg ground-truth renderer."""

import gzip
import shutil
from pathlib import Path

import numpy as np
import pytest

from vecedit.errors import InputError, OptionError
from vecedit.render.reference import render_reference

TESTS = Path(__file__).parent
CORPUS = sorted((TESTS / "corpus").glob("*.svg"))
UNSUPPORTED = sorted((TESTS / "corpus_unsupported").glob("*.svg"))

NS = 'xmlns="http://www.w3.org/2000/svg"'
# A 40x20 document: left half red, right half empty.
HALF_RED = f'<svg {NS} width="40" height="20"><rect width="20" height="20" fill="red"/></svg>'


def red_box(img, threshold=0.5):
    """(x0, y0, x1, y1) of the pixels that are mostly opaque red."""
    mask = (img[..., 3] > threshold) & (img[..., 0] > 0.9) & (img[..., 1] < 0.1)
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


# --- what comes out ----------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["resvg", "cairosvg"])
def test_red_rect(engine):
    img = render_reference(HALF_RED, engine=engine)
    assert img.shape == (20, 40, 4) and img.dtype == np.float32
    assert np.array_equal(img[:, :20], np.broadcast_to([1, 0, 0, 1], (20, 20, 4)))
    assert np.all(img[:, 20:, 3] == 0)


def test_straight_alpha_and_antialiasing():
    svg = f'<svg {NS} width="10" height="10"><rect x="2.5" y="0" width="5" height="10" fill="#00f" fill-opacity="0.5"/></svg>'
    img = render_reference(svg)
    assert img[5, 5].tolist() == pytest.approx([0, 0, 1, 0.5], abs=1 / 255)  # straight, not premultiplied
    assert img[5, 2, 3] == pytest.approx(0.25, abs=1 / 255)  # half-covered edge pixel
    assert img[5, 2, 2] == pytest.approx(1.0, abs=2 / 255)


# --- size handling ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["resvg", "cairosvg"])
def test_one_side_keeps_aspect(engine):
    img = render_reference(HALF_RED, width=80, engine=engine)
    assert img.shape == (40, 80, 4) and red_box(img) == (0, 0, 40, 40)
    img = render_reference(HALF_RED, height=10, engine=engine)
    assert img.shape == (10, 20, 4) and red_box(img) == (0, 0, 10, 10)


def test_both_sides_same_aspect():
    img = render_reference(HALF_RED, width=100, height=50)
    assert img.shape == (50, 100, 4) and red_box(img) == (0, 0, 50, 50)


def test_both_sides_other_aspect_stretches():
    # resvg alone would fit the document into 256x128; we promise exactly 64x64.
    img = render_reference(HALF_RED, width=64, height=64)
    assert img.shape == (64, 64, 4)
    assert red_box(img) == (0, 0, 32, 64)


def test_cairosvg_cannot_stretch():
    with pytest.raises(OptionError, match="cannot stretch"):
        render_reference(HALF_RED, width=64, height=64, engine="cairosvg")


def test_rounding_up_of_the_derived_side():
    svg = f'<svg {NS} width="100" height="30"/>'
    assert render_reference(svg, width=101).shape[:2] == (31, 101)  # 30.3 rounds up


def test_units_and_viewbox_only():
    # resvg-py's default dpi of 0 would reject these sizes; we render at 96 dpi.
    assert render_reference(f'<svg {NS} width="1in" height="72pt"/>').shape[:2] == (96, 96)
    assert render_reference(f'<svg {NS} width="80mm" height="40mm"/>').shape[:2] == (151, 302)
    assert render_reference(f'<svg {NS} viewBox="0 0 30 10"/>').shape[:2] == (10, 30)


# --- inputs ------------------------------------------------------------------------------------


def test_input_forms(tmp_path):
    expected = render_reference(HALF_RED)
    path = tmp_path / "half.svg"
    path.write_text(HALF_RED)
    (tmp_path / "half.svgz").write_bytes(gzip.compress(HALF_RED.encode()))
    for source in [
        HALF_RED.encode(),
        "\ufeff  \n" + HALF_RED,
        b"\xef\xbb\xbf" + HALF_RED.encode(),
        HALF_RED.encode("utf-16"),
        gzip.compress(HALF_RED.encode()),
        path,
        str(path),
        tmp_path / "half.svgz",
    ]:
        assert np.array_equal(render_reference(source), expected), repr(source)[:40]


def test_declared_encoding():
    svg = f'<?xml version="1.0" encoding="ISO-8859-1"?><svg {NS} width="4" height="4"><desc>caf\xe9</desc></svg>'
    assert render_reference(svg.encode("latin-1")).shape == (4, 4, 4)


# --- background ----------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["resvg", "cairosvg"])
def test_background(engine):
    img = render_reference(HALF_RED, background="white", engine=engine)
    assert np.all(img[..., 3] == 1.0)
    assert img[0, 39].tolist() == [1, 1, 1, 1] and img[0, 0].tolist() == [1, 0, 0, 1]
    img = render_reference(HALF_RED, background=(0.0, 0.0, 1.0))
    assert img[0, 39].tolist() == [0, 0, 1, 1]
    img = render_reference(HALF_RED, background="rgba(0, 0, 255, 0.5)")
    assert img[0, 39].tolist() == pytest.approx([0, 0, 1, 0.5]) and img[0, 0].tolist() == [1, 0, 0, 1]


def test_background_blends_translucent_pixels():
    svg = f'<svg {NS} width="2" height="2"><rect width="2" height="2" fill="black" fill-opacity="0.5"/></svg>'
    img = render_reference(svg, background="#ffffff")
    assert img[0, 0].tolist() == pytest.approx([0.5, 0.5, 0.5, 1.0], abs=1 / 255)


# --- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, message",
    [
        ("", "empty"),
        ("   \n", "empty"),
        (b"", "empty"),
        ("<svg", "resvg cannot render"),
        ("<html><body/></html>", "resvg cannot render"),
        ("not svg\nat all", "neither SVG markup"),
        (f'<svg {NS} width="0" height="10"/>', "invalid size"),
        (b"\xff\xfe\xfd<svg", "not valid UTF-8"),
        (b"<svg \xff\xff/>", "not valid UTF-8"),
        (b"\x1f\x8b\x08garbage", "gzip"),
    ],
)
def test_bad_svg_raises_input_error(source, message):
    with pytest.raises(InputError, match=message):
        render_reference(source)


def test_a_resvg_panic_is_an_input_error():
    # resvg 0.48 panics (index out of bounds) on a spot light over a 3 px element; pyo3 raises
    # that as a BaseException, which must not escape past the one error of a bad reference
    tiny = (f'<svg {NS} viewBox="0 0 200 200"><filter id="f"><feDiffuseLighting><feSpotLight/>'
            '</feDiffuseLighting></filter><path d="M 0 0.9 h 9 v 9" filter="url(#f)" '
            'transform="translate(100 100) scale(0.3)"/></svg>')
    try:
        image = render_reference(tiny)
    except InputError as e:
        assert "resvg cannot render" in str(e)
    else:  # a resvg without the bug renders it
        assert image.shape == (200, 200, 4)


def test_bad_files_raise_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        render_reference(tmp_path / "missing.svg")
    with pytest.raises(InputError, match="not found"):
        render_reference(str(tmp_path / "missing.svg"))
    with pytest.raises(InputError, match="folder"):
        render_reference(tmp_path)
    (tmp_path / "bad.svg").write_text("<svg><unclosed></svg>")
    with pytest.raises(InputError, match="bad.svg"):
        render_reference(tmp_path / "bad.svg")
    with pytest.raises(InputError, match="cairosvg cannot render"):
        render_reference(tmp_path / "bad.svg", engine="cairosvg")


@pytest.mark.parametrize(
    "kwargs",
    [dict(width=0), dict(height=-3), dict(width=1.5), dict(width=True), dict(width="256"),
     dict(width=100_000), dict(width=16384, height=16384), dict(engine="skia"), dict(background="nope")],
)
def test_bad_options_raise_option_error(kwargs):
    with pytest.raises(OptionError):
        render_reference(HALF_RED, **kwargs)


def test_bad_type():
    with pytest.raises(OptionError, match="svg must be"):
        render_reference(42)


# --- the corpora render ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", CORPUS + UNSUPPORTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_renders(path):
    img = render_reference(path, width=256)
    assert img.shape[1] == 256 and img[..., 3].max() == 1.0


def test_corpus_size():
    assert len(CORPUS) >= 48
    assert {p.name for p in UNSUPPORTED} == {"clippath.svg", "foreign-object.svg", "mask.svg", "text.svg"}


@pytest.mark.skipif(shutil.which("fc-match") is None, reason="needs fontconfig to find a font")
def test_text_uses_an_installed_font():
    # resvg-py's default generic families (Arial, ...) are often missing: text would vanish.
    img = render_reference(TESTS / "corpus_unsupported" / "text.svg", background="white")
    glyphs = img[40:90, 20:236, :3].mean(-1) < 0.6  # dark brown text on pale yellow
    assert glyphs.sum() > 200
