"""Font stylisation through the edit loop: shapes move, colours stay bit-identical; the command line."""

import json
import re

import numpy as np
import pytest

from fontkit import build_font
from vecedit.cli import main
from vecedit.errors import OptionError
from vecedit.fonts.stylize import stylize_font
from vecedit.svg import dumps_svg, load_svg

FAST = {"iterations": 6, "patches": 2, "templates": "none", "seed": 3}


def paths(text):
    return dict(re.findall(r'<path id="([^"]+)"[^>]*? d="([^"]+)"', text))


def paint_attributes(text):
    return re.findall(r'\b(?:fill|stroke|style|opacity|fill-opacity|stroke-width)="[^"]*"', text)


def ink_centre_y(doc):
    pts = np.concatenate([sp.points for s in doc.shapes() for sp in s.subpaths])
    return pts[:, 1].mean()


def test_shape_only_edit_keeps_colours_bit_identical(ttf, ink_encoder):
    from vecedit.fonts.stylize import glyph_document

    start = glyph_document("AV", ttf, size=64, color="#336699")
    before = dumps_svg(start)
    doc = stylize_font("AV", ttf, "ink at the top", size=64, color="#336699", encoder=ink_encoder, **FAST)
    after = dumps_svg(doc)
    assert paint_attributes(after) == paint_attributes(before)  # colours written exactly as they were
    for a, b in zip(start.shapes(), load_svg(after).shapes()):
        assert a.fill == b.fill and a.stroke == b.stroke and a.fill_opacity == b.fill_opacity
    assert paths(after).keys() == paths(before).keys() and paths(after) != paths(before)
    assert ink_centre_y(load_svg(after)) < ink_centre_y(start)  # "top": the ink moved up


def test_only_the_chosen_glyph_moves(ttf, ink_encoder):
    from vecedit.fonts.stylize import glyph_document

    before = paths(dumps_svg(glyph_document("AVB", ttf, size=64)))
    after = paths(dumps_svg(stylize_font("AVB", ttf, "top", size=64, glyphs="V", encoder=ink_encoder, **FAST)))
    assert after["glyph-0-A"] == before["glyph-0-A"] and after["glyph-2-B"] == before["glyph-2-B"]
    assert after["glyph-1-V"] != before["glyph-1-V"]


def test_glyph_prompts_make_regions(ttf, ink_encoder):
    from vecedit.fonts.stylize import glyph_document

    before = paths(dumps_svg(glyph_document("AVB", ttf, size=64)))
    seen = []
    doc = stylize_font("AVB", ttf, size=64, glyph_prompts=["top", "-", "bottom"], encoder=ink_encoder,
                       callbacks=[lambda s: seen.append(sorted(s.losses))], **FAST)
    assert seen[0] == ["acap", "roi1", "roi2", "tone", "total"]
    after = paths(dumps_svg(doc))
    assert after["glyph-1-V"] == before["glyph-1-V"]  # no prompt, outside the other regions: untouched
    assert after["glyph-0-A"] != before["glyph-0-A"] and after["glyph-2-B"] != before["glyph-2-B"]


def test_designer_lettering_from_svg(ink_encoder):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
           '<path id="L" d="M8 8 H20 V44 H36 V56 H8 Z" fill="#c0392b" stroke="#222" stroke-width="2"/>'
           '<path d="M40 8 C60 8 60 30 40 30 Z" fill="rgba(0,0,255,0.5)"/></svg>')
    doc = stylize_font(from_svg=svg, prompt="top", encoder=ink_encoder, **FAST)
    out = dumps_svg(doc)
    assert paint_attributes(out) == paint_attributes(svg)
    assert 'id="L"' in out and out != svg


def test_bad_stylize_options(ttf, ink_encoder):
    from vecedit.errors import OptionError

    with pytest.raises(OptionError, match="give -p PROMPT"):
        stylize_font("AV", ttf, encoder=ink_encoder)
    with pytest.raises(OptionError, match="3 glyph prompts for 2 glyphs"):
        stylize_font("AV", ttf, glyph_prompts=["a", "b", "c"], encoder=ink_encoder)
    with pytest.raises(OptionError, match="--glyphs 'Q' matches no glyph"):
        stylize_font("AV", ttf, "top", glyphs="Q", encoder=ink_encoder)
    with pytest.raises(OptionError, match="--acap-weight must be >= 0"):
        stylize_font("AV", ttf, "top", acap_weight=-1, encoder=ink_encoder)


# ------------------------------------------------------------------ command line


def test_cli_layout_only_and_legibility(tmp_path, capsys):
    pytest.importorskip("rapidocr_onnxruntime", reason="--check-legibility needs rapidocr-onnxruntime")
    out = tmp_path / "hello.svg"
    assert main(["font", "Hello", "--font", "DejaVu Sans", "--layout-only", "-o", str(out),
                 "--check-legibility"]) == 0
    printed = capsys.readouterr().out
    assert "wrote" in printed and "legibility: OCR reads 'Hello' (confidence" in printed
    assert "matches the text" in printed
    assert [s.id for s in load_svg(out).shapes()] == ["glyph-0-H", "glyph-1-e", "glyph-2-l", "glyph-3-l", "glyph-4-o"]


def test_cli_runs_the_real_loading_path(tmp_path, capsys):
    """A tiny open_clip model saved to a file, loaded through --clip/--clip-checkpoint, as a user would."""
    open_clip = pytest.importorskip("open_clip")
    import torch

    config = {"embed_dim": 32, "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16,
                                              "head_width": 16},
              "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}
    (tmp_path / "fonttiny.json").write_text(json.dumps(config))
    torch.manual_seed(0)
    model = open_clip.model.CLIP(**config)
    torch.save(model.state_dict(), tmp_path / "fonttiny.pt")
    font = build_font(tmp_path / "f.ttf")
    out = tmp_path / "av.svg"
    argv = ["font", "AV", "--font", str(font), "-p", "a tiger", "-o", str(out), "--size", "64", "--iterations", "2",
            "--patches", "1", "--clip", str(tmp_path / "fonttiny.json"), "--clip-checkpoint",
            str(tmp_path / "fonttiny.pt"), "--save-initial", str(tmp_path / "start.svg"), "-q", "--device", "cpu"]
    assert main(argv) == 0, capsys.readouterr().err
    assert capsys.readouterr().err == ""  # -q: no progress, and no ResourceWarning about the font file
    start, done = (tmp_path / "start.svg").read_text(), out.read_text()
    assert paint_attributes(done) == paint_attributes(start) and paths(done) != paths(start)


def test_a_loaded_font_holds_no_open_file(tmp_path):
    """`vecedit font -p` printed "unclosed file <…DejaVuSans.ttf>" even with -q: the lazily
    loaded TTFont kept its file open until garbage collection."""
    import gc
    import warnings

    from vecedit.fonts.layout import load_font, text_to_document

    font_file = build_font(tmp_path / "f.ttf")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        text_to_document("AV", str(font_file), size=64)
        font = load_font(str(font_file))
        font.getGlyphSet()
        del font
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize("argv, message", [
    (["Aé天", "--font", "{ttf}", "--layout-only"], "Vectest has no glyph for 'é' (U+00E9), '天' (U+5929)"),
    (["AV", "--font", "{tmp}/missing.ttf", "--layout-only"], "no such font file"),
    (["AV", "--font", "{tmp}/fake.ttf", "--layout-only"], "not a readable font file"),
    (["  ", "--font", "{ttf}", "--layout-only"], "the text is empty"),
    (["AV", "--layout-only"], "give --font"),
    (["AV", "--font", "{ttf}"], "give -p PROMPT"),
    (["AV", "--font", "No Such Family 42", "-p", "x"], "no installed font"),
    (["AV", "--font", "{ttf}", "-p", "x", "--acap-weight", "-2"], "--acap-weight must be >= 0"),
])
def test_cli_refusals_exit_2_with_one_line(tmp_path, capsys, argv, message):
    ttf = build_font(tmp_path / "t.ttf")
    (tmp_path / "fake.ttf").write_text("not a font")
    listing = sorted(p.name for p in tmp_path.iterdir())
    argv = [a.format(ttf=ttf, tmp=tmp_path) for a in argv]
    assert main(["font", *argv, "-o", str(tmp_path / "out.svg")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == listing  # nothing written


@pytest.mark.parametrize("sigma", [float("inf"), 1e9, float("nan")])
def test_tone_sigma_beyond_the_canvas_is_refused(ttf, ink_encoder, sigma):
    # inf raised an OverflowError building the kernel; 1e9 took 16 GB
    with pytest.raises(OptionError, match="--tone-sigma must be > 0 and at most the canvas side"):
        stylize_font("A", ttf, "top", size=64, tone_sigma=sigma, encoder=ink_encoder, **FAST)
