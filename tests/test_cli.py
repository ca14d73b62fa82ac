"""The ``vecedit`` command line, run in-process through ``main([...])`` (plus one run of
the installed console script).

Every refusal must exit 2 with exactly one stderr line ``vecedit: error: …``, write
nothing (not even a temporary file) and leave the input untouched.
"""

import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import vecedit
import vecedit.api
from vecedit.cli import main
from vecedit.cli.info import format_paint
from vecedit.imageio import composite_on, load_image, psnr
from vecedit.render.reference import render_reference

TESTS = Path(__file__).parent
CORPUS = TESTS / "corpus"
UNSUPPORTED = TESTS / "corpus_unsupported"
LANDSCAPE = CORPUS / "66-illustration-landscape.svg"

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'
GOOD = f'<svg {SVG_NS} width="16" height="8"><rect id="r" width="8" height="8" fill="#0a0"/></svg>'
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE svg [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n' for i in range(1, 10)
    )
    + f']>\n<svg {SVG_NS} width="10" height="10"><text>&lol9;</text></svg>\n'
)
BAD_INPUTS = {
    "malformed-xml": f'<svg {SVG_NS} width="10" height="10"><rect width="5" height="5"></svg>',
    "billion-laughs": BILLION_LAUGHS,
    "external-entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        f'<svg {SVG_NS} width="10" height="10"><text>&x;</text></svg>'
    ),
    "html": "<!DOCTYPE html>\n<html><head><title>x</title></head><body><p>not svg</p></body></html>\n",
    "png-renamed": None,  # written by the test: a real PNG
    "binary-garbage": bytes(range(256)) * 16,
    "empty-file": b"",
    "plain-text": "hello, this is not XML\n",
    "absurd-width": f'<svg {SVG_NS} width="1e9" height="10"/>',
    "not-svg-root": '<?xml version="1.0"?><note><to>x</to></note>',
}


def _write(path: Path, content) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _tree(folder: Path) -> dict:
    return {p.relative_to(folder): p.read_bytes() if p.is_file() else None for p in sorted(folder.rglob("*"))}


def refused(capsys, args, folder: Path, words: str = "") -> str:
    """Run ``main(args)``; assert exit 2, one ``vecedit: error:`` line, nothing changed in ``folder``."""
    before = _tree(folder)
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 2, f"exit {code}, stderr: {err!r}"
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("vecedit: error: "), err
    assert "Traceback" not in err and out == ""
    assert _tree(folder) == before, "a refused command changed files"
    assert words.lower() in err.lower(), err
    return lines[0]


def render_ok(capsys, args) -> str:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_render_refuses_bad_input(name, tmp_path, capsys):
    content = BAD_INPUTS[name]
    if name == "png-renamed":
        from PIL import Image

        Image.new("RGB", (8, 8), "red").save(tmp_path / "tmp.png")
        content = (tmp_path / "tmp.png").read_bytes()
        (tmp_path / "tmp.png").unlink()
    source = _write(tmp_path / "in.svg", content)
    start = time.process_time()
    line = refused(capsys, ["render", source, "-o", tmp_path / "out.png"], tmp_path)
    assert time.process_time() - start < 5, "a refusal must be fast (no entity expansion, no rendering)"
    assert "root:" not in line  # nothing of /etc/passwd leaks into the message
    refused(capsys, ["info", source], tmp_path)


def test_billion_laughs_is_refused_quickly(tmp_path, capsys):
    source = _write(tmp_path / "bomb.svg", BILLION_LAUGHS)
    start = time.process_time()
    refused(capsys, ["info", source], tmp_path, "entit")
    assert time.process_time() - start < 1.0


def test_missing_file_and_directory(tmp_path, capsys):
    refused(capsys, ["render", tmp_path / "nope.svg", "-o", tmp_path / "out.png"], tmp_path, "no such file")
    refused(capsys, ["info", tmp_path / "nope.svg"], tmp_path, "no such file")
    (tmp_path / "folder.svg").mkdir()
    refused(capsys, ["render", tmp_path / "folder.svg", "-o", tmp_path / "out.png"], tmp_path, "directory")
    refused(capsys, ["info", tmp_path], tmp_path, "directory")


def test_output_must_not_be_the_input(tmp_path, capsys):
    source = _write(tmp_path / "in.svg", GOOD)
    refused(capsys, ["render", source, "-o", source], tmp_path, "input file")
    disguised = _write(tmp_path / "picture.png", GOOD)  # an SVG that happens to be named .png
    refused(capsys, ["render", disguised, "-o", disguised], tmp_path, "input file")
    os.chdir(tmp_path)  # the same file reached by another spelling
    refused(capsys, ["render", "picture.png", "-o", "./sub/../picture.png"], tmp_path, "input file")
    (tmp_path / "link.png").symlink_to(disguised)
    refused(capsys, ["render", disguised, "-o", tmp_path / "link.png"], tmp_path, "input file")
    assert disguised.read_text() == GOOD


@pytest.mark.parametrize(
    "output, words",
    [("out.jpg", "PNG"), ("out.svg", "PNG"), ("out", "PNG"), ("missing-folder/out.png", "does not exist"),
     ("a-file/out.png", "does not exist"), ("a-folder.png", "folder")],
)
def test_render_refuses_bad_output(output, words, tmp_path, capsys):
    source = _write(tmp_path / "in.svg", GOOD)
    _write(tmp_path / "a-file", "x")
    (tmp_path / "a-folder.png").mkdir()
    refused(capsys, ["render", source, "-o", tmp_path / output], tmp_path, words)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write into a read-only folder")
def test_render_refuses_unwritable_folder(tmp_path, capsys):
    source = _write(tmp_path / "in.svg", GOOD)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refused(capsys, ["render", source, "-o", locked / "out.png"], tmp_path, "cannot write")
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc, where no one can create files")
def test_render_refuses_folder_where_files_cannot_be_created(tmp_path, capsys):
    source = _write(tmp_path / "in.svg", GOOD)
    refused(capsys, ["render", source, "-o", "/proc/vecedit-test-out.png"], tmp_path, "cannot write")
    assert not Path("/proc/vecedit-test-out.png").exists()


@pytest.mark.parametrize(
    "options, words",
    [
        (["--width", "100000"], "between 1 and"),
        (["--width", "0"], "between 1 and"),
        (["--height", "-3"], "between 1 and"),
        (["--width", "16000", "--height", "16000"], "at most"),
        (["--background", "no-such-colour"], "colour"),
        (["--background", "rgba(0,0,0)"], "colour"),
    ],
)
def test_render_refuses_bad_options(options, words, tmp_path, capsys):
    source = _write(tmp_path / "in.svg", GOOD)
    refused(capsys, ["render", source, "-o", tmp_path / "out.png", *options], tmp_path, words)


def test_render_refuses_a_document_too_large_to_render(tmp_path, capsys):
    source = _write(tmp_path / "in.svg", f'<svg {SVG_NS} width="90000" height="90000"/>')
    refused(capsys, ["render", source, "-o", tmp_path / "out.png"], tmp_path, "smaller width or height")


def test_diffvg_without_pydiffvg_says_how_to_get_it(tmp_path, capsys):
    if importlib.util.find_spec("pydiffvg") is not None:
        pytest.skip("pydiffvg is installed here")
    source = _write(tmp_path / "in.svg", GOOD)
    line = refused(capsys, ["render", source, "-o", tmp_path / "out.png", "--renderer", "diffvg"], tmp_path)
    assert line == (
        "vecedit: error: the diffvg renderer needs pydiffvg, which is not installed; build it from "
        "https://github.com/BachiLi/diffvg or use --renderer builtin"
    )


@pytest.mark.parametrize(
    "args, help_of",
    [(["render"], "vecedit render"), (["render", "in.svg"], "vecedit render"), (["paint", "in.svg"], "vecedit"),
     (["render", "in.svg", "-o", "o.png", "--width", "1e9"], "vecedit render"),
     (["render", "in.svg", "-o", "o.png", "--renderer", "cairo"], "vecedit render"),
     (["info", "in.svg", "--bogus"], "vecedit info"), (["dreamdistribution"], "vecedit dreamdistribution"),
     (["deltaedit", "train", "in.svg", "-o", "m.pt", "--bogus"], "vecedit deltaedit train")],
)
def test_usage_errors_exit_2_with_one_line(args, help_of, tmp_path, capsys, monkeypatch):
    """One stderr line that names the help to read (the subcommand's, for its own flags)."""
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "in.svg", GOOD)
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith(f"{help_of}: error: ") and err.endswith(f"see '{help_of} -h'\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.svg"]


def test_bare_vecedit_prints_the_help(capsys):
    """As pip does (git exits 1): the help on stdout, exit 0, nothing on stderr."""
    assert main([]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("usage: vecedit") and "commands:" in out and err == ""


def test_keyboard_interrupt_exits_130(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(vecedit.api, "render", interrupted)
    source = _write(tmp_path / "in.svg", GOOD)
    assert main(["render", str(source), "-o", str(tmp_path / "out.png")]) == 130
    out, err = capsys.readouterr()
    assert err.splitlines() == ["vecedit: interrupted; nothing was written"]
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("bug", [ZeroDivisionError, OSError])  # an OSError naming no file is a bug too
def test_internal_bugs_keep_their_traceback(tmp_path, monkeypatch, bug):
    def broken(*args, **kwargs):
        raise bug("a bug")

    monkeypatch.setattr(vecedit.api, "render", broken)
    source = _write(tmp_path / "in.svg", GOOD)
    with pytest.raises(bug):
        main(["render", str(source), "-o", str(tmp_path / "out.png")])


@pytest.mark.parametrize("command", [
    ["render", "IN", "-o", "LONG.png"], ["render", "IN", "-o", "LONG/out.png"], ["render", "IN", "-o", "o.png", "--font-dir", "LONG"],
    ["edit", "LONG.svg", "-o", "o.svg", "-p", "red"], ["edit", "IN", "-o", "LONG.svg", "-p", "red"],
    ["edit", "--config", "LONG.yaml"], ["vectorize", "LONG.png", "-o", "o.svg"], ["batch", "LONG.yaml"],
    ["recolor", "LONG.svg", "-o", "o.svg", "--palette", "#000,#fff"], ["font", "Hi", "--font", "LONG.ttf", "-o", "o.svg",
                                                                       "--layout-only"],
])
def test_a_file_name_the_system_refuses_is_one_line_not_a_traceback(command, tmp_path, capsys, monkeypatch):
    # Path.exists() raises for a name longer than NAME_MAX (ENAMETOOLONG) instead of answering False
    monkeypatch.chdir(tmp_path)
    source = _write(tmp_path / "in.svg", GOOD)
    argv = [str(source) if word == "IN" else word.replace("LONG", "x" * 300) for word in command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vecedit: error: xxx") and "check the path" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.svg"]


def test_version_and_help(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"vecedit {vecedit.__version__}"
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "render" in out and "info" in out
    assert main(["render", "--help"]) == 0
    assert "--background" in capsys.readouterr().out


def test_version_matches_the_package_metadata():
    try:
        assert importlib.metadata.version("vecedit") == vecedit.__version__
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("vecedit is not installed (pip install -e .)")


# ----------------------------------------------------------------------------- render


def test_render_writes_a_png_matching_the_reference(tmp_path, capsys):
    out = tmp_path / "landscape.png"
    printed = render_ok(capsys, ["render", LANDSCAPE, "-o", out])
    assert printed.startswith(f"wrote {out} (320×200 px, builtin renderer")
    image = load_image(out)
    reference = render_reference(LANDSCAPE)
    assert image.shape == reference.shape == (200, 320, 4)
    assert psnr(composite_on(image), composite_on(reference)) >= 35.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["landscape.png"]  # no temporary left behind


def test_render_with_the_reference_renderer(tmp_path, capsys):
    out = tmp_path / "logo.png"
    render_ok(capsys, ["render", CORPUS / "68-logo-gradient.svg", "-o", out, "--renderer", "reference",
                       "--width", "100"])
    image = load_image(out)
    reference = render_reference(CORPUS / "68-logo-gradient.svg", width=100)
    assert image.shape == reference.shape
    assert psnr(composite_on(image), composite_on(reference)) >= 50.0


def test_render_size_background_quiet_and_overwrite(tmp_path, capsys):
    source = _write(tmp_path / "in.svg", GOOD)
    out = tmp_path / "out.png"
    out.write_bytes(b"old")  # an existing output (not the input) is replaced
    assert render_ok(capsys, ["render", source, "-o", out, "--height", "4", "--background", "white", "-q"]) == ""
    image = load_image(out)
    assert image.shape == (4, 8, 4) and np.all(image[..., 3] == 1.0)
    assert image[0, 0].tolist() == pytest.approx([0.0, 0xAA / 255, 0.0, 1.0])
    assert image[0, 7].tolist() == [1.0, 1.0, 1.0, 1.0]


def test_empty_document_renders_transparent_or_white(tmp_path, capsys):
    source = _write(tmp_path / "empty.svg", f'<svg {SVG_NS} width="12" height="6"/>')
    render_ok(capsys, ["render", source, "-o", tmp_path / "clear.png"])
    render_ok(capsys, ["render", source, "-o", tmp_path / "white.png", "--background", "#fff"])
    clear, white = load_image(tmp_path / "clear.png"), load_image(tmp_path / "white.png")
    assert clear.shape == white.shape == (6, 12, 4)
    assert np.all(clear == 0.0) and np.all(white == 1.0)


def test_render_warns_about_what_the_builtin_renderer_skips(tmp_path, capsys):
    main(["render", str(UNSUPPORTED / "foreign-object.svg"), "-o", str(tmp_path / "c.png"), "--width", "32"])
    out, err = capsys.readouterr()
    assert "vecedit: warning:" in err and 'foreignObject id="html"' in err and "vecedit info" in err
    main(["render", str(UNSUPPORTED / "foreign-object.svg"), "-o", str(tmp_path / "c.png"), "--width", "32",
          "--renderer", "reference"])
    assert capsys.readouterr().err == ""
    for drawn in ("clippath.svg", "mask.svg"):  # clip paths and masks are drawn: nothing to warn about
        main(["render", str(UNSUPPORTED / drawn), "-o", str(tmp_path / "c.png"), "--width", "32"])
        assert capsys.readouterr().err == "", drawn


# ----------------------------------------------------------------------------- info


def test_info_lists_size_shapes_and_paints(capsys):
    out = render_ok(capsys, ["info", LANDSCAPE])
    assert "320 × 200 px" in out and "viewBox    0 0 320 200" in out
    assert "sky (linear)" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:5] == ["id", "kind", "fill", "stroke", "status"])
    first = lines[header + 1].split()
    assert first == ["#0", "rect", "url(#sky)", "none", "editable"]
    assert any("not editable: instance of #pine through <use>" in line for line in lines)


@pytest.mark.parametrize(
    "name, ids, kept",
    [("foreign-object", ["under", "plain"], 'foreignObject id="html"')],
)
def test_info_flags_what_the_builtin_renderer_does_not_apply(name, ids, kept, capsys):
    out = render_ok(capsys, ["info", UNSUPPORTED / f"{name}.svg"])
    section = out.split("NOT APPLIED by the builtin renderer", 1)
    assert len(section) == 2, out
    assert f"! {kept}" in section[1]
    for shape_id in ids:
        assert any(line.split()[:1] == [shape_id] for line in section[0].splitlines()), shape_id


def test_info_says_text_is_drawn_from_glyphs_and_how_an_edit_writes_it(capsys):
    out = render_ok(capsys, ["info", UNSUPPORTED / "text.svg"])
    assert "NOT APPLIED" not in out
    assert 'text id="label"' in out and "drawn from glyph outlines" in out and "aria-label" in out
    assert any(line.split()[:2] == ["label", "text"] for line in out.splitlines())


def test_info_lists_masks_as_drawn_but_not_editable(capsys):
    out = render_ok(capsys, ["info", UNSUPPORTED / "mask.svg"])
    assert "NOT APPLIED" not in out
    assert 'mask id="m"' in out and "draws it where it is used" in out
    assert "mask on #faded is drawn" in out


def test_info_lists_clip_paths_as_drawn_but_not_editable(capsys):
    out = render_ok(capsys, ["info", UNSUPPORTED / "clippath.svg"])
    assert "NOT APPLIED" not in out
    assert 'clipPath id="round"' in out and "clips by it" in out


def test_info_json(capsys):
    report = json.loads(render_ok(capsys, ["info", UNSUPPORTED / "clippath.svg", "--json"]))
    assert report["width"] == 256 and report["viewbox"] == [0, 0, 256, 256]
    assert [(s["label"], s["kind"], s["fill"], s["stroke"]) for s in report["shapes"]] == [
        ("#0", "rect", "#1f77b4", "none"), ("#1", "path", "none", "#ffffff"), ("plain", "rect", "#ff7f0e", "none")]
    assert report["shapes"][2]["id"] == "plain" and report["shapes"][0]["id"] is None
    assert {(n["tag"], n["id"]) for n in report["notes"]} == {("clipPath", "round"), ("g", "clipped")}
    assert not any(n["affects_picture"] for n in report["notes"])  # clip paths are drawn
    assert report["summary"] == {"shapes": 3, "editable": 3, "hidden": 0, "not_applied_by_builtin_renderer": 0}


def test_info_on_an_empty_document_and_kept_metadata(tmp_path, capsys):
    source = _write(tmp_path / "e.svg", f'<svg {SVG_NS} width="4" height="4"><title>t</title></svg>')
    out = render_ok(capsys, ["info", source])
    assert "shapes     0 (0 editable)" in out and "no effect on the picture (1)" in out
    assert "NOT APPLIED" not in out


def test_format_paint():
    from vecedit.svg.model import GradientRef

    assert format_paint(None) == "none"
    assert format_paint((1.0, 0.5, 0.0, 1.0)) == "#ff8000"
    assert format_paint((0.0, 0.0, 0.0, 0.5)) == "#00000080"
    assert format_paint(GradientRef("g1")) == "url(#g1)"
    assert format_paint((1.0, 0.0, 0.0, 1.0), 0.5) == "#ff000080"
    assert format_paint(GradientRef("g1"), 0.25) == "url(#g1)@25%"


def test_info_colours_include_fill_and_stroke_opacity(tmp_path, capsys):
    """`vecedit info` showed #ff0000 for a fill-opacity 0.5 red, and black for a <line>'s fill."""
    source = _write(tmp_path / "o.svg", f"""<svg {SVG_NS} width="16" height="16">
      <rect id="a" width="9" height="9" fill="#ff0000" fill-opacity="0.5" stroke="#00f" stroke-opacity="0.25"/>
      <rect id="b" width="9" height="9" fill="rgba(0,255,0,0.5)" style="fill-opacity:0.5"/>
      <line id="c" x1="0" y1="0" x2="9" y2="9" stroke="black"/></svg>""")
    out = render_ok(capsys, ["info", source])
    rows = {line.split()[0]: line.split()[2:4] for line in out.splitlines()[6:9]}
    assert rows == {"a": ["#ff000080", "#0000ff40"], "b": ["#00ff0040", "none"], "c": ["none", "#000000"]}


# ----------------------------------------------------------------------------- the real script


def test_console_script_reports_errors_in_one_line(tmp_path):
    try:
        importlib.metadata.distribution("vecedit")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("vecedit is not installed, so there is no console script (pip install -e .)")
    script = shutil.which("vecedit", path=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    assert script, "vecedit is installed but its console script is not on PATH"
    source = _write(tmp_path / "bad.svg", BAD_INPUTS["malformed-xml"])
    result = subprocess.run([script, "render", str(source), "-o", str(tmp_path / "out.png")],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 2
    assert result.stdout == "" and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("vecedit: error: ") and "not well-formed" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.svg"]


def test_written_files_follow_the_umask_not_the_temporary_files_0600(tmp_path):
    import os
    import stat

    from vecedit.paths import write_atomic

    old = os.umask(0o022)
    try:
        out = tmp_path / "landscape.png"
        assert main(["render", str(LANDSCAPE), "-o", str(out), "-q"]) == 0
        svg = write_atomic(tmp_path / "a.svg", b"<svg/>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert stat.S_IMODE(svg.stat().st_mode) == 0o644


@pytest.mark.parametrize("name", ["photo.png", "photo.svg"])  # also a PNG under an .svg name
@pytest.mark.parametrize("command", [["render", "{in}", "-o", "{tmp}/o.png"], ["info", "{in}"],
                                     ["recolor", "{in}", "--palette", "#000,#fff", "-o", "{tmp}/o.svg"],
                                     ["font", "--from-svg", "{in}", "--layout-only", "-o", "{tmp}/o.svg"]])
def test_an_image_where_an_svg_belongs_is_named_and_pointed_to_vectorize(name, command, tmp_path, capsys):
    """`vecedit render some.png` said "not valid utf-8 text"; every command that reads an SVG
    (they all read it through load_svg) says what the file is and what to run instead."""
    from PIL import Image

    source = tmp_path / name
    Image.new("RGB", (8, 8), (200, 30, 30)).save(source, format="PNG")
    before = source.read_bytes()
    argv = [a.replace("{in}", str(source)).replace("{tmp}", str(tmp_path)) for a in command]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"vecedit: error: {source} is a PNG image, not an SVG; turn it into one with " \
                  f"`vecedit vectorize {source} -o OUT.svg` (`vecedit edit` takes images directly)\n"
    assert source.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_vectorize_given_an_svg_says_it_is_vector_already(tmp_path, capsys):
    source = _write(tmp_path / "in.svg", GOOD)
    assert main(["vectorize", str(source), "-o", str(tmp_path / "o.svg")]) == 2
    assert capsys.readouterr().err == (f"vecedit: error: {source} is an SVG, already vector: render, edit or "
                                       "recolor it directly (vecedit vectorize takes PNG, JPEG, WebP … images)\n")


def test_the_script_entry_exits_with_mains_code_and_skips_the_final_collections(tmp_path):
    """``vecedit.cli.run`` (the script, ``python -m vecedit``): main's exit code; objects frozen before shutdown."""
    code = ("import atexit, gc, sys; atexit.register(lambda: print('frozen', gc.get_freeze_count() > 0)); "
            "sys.argv = ['vecedit'] + sys.argv[1:]; from vecedit.cli import run; run()")
    missing = subprocess.run([sys.executable, "-c", code, "render", str(tmp_path / "none.svg"), "-o",
                              str(tmp_path / "x.png")], capture_output=True, text=True)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert missing.stdout.strip() == "frozen True"
    assert not (tmp_path / "x.png").exists()
