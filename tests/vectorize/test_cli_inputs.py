"""Bad input and the command line: one `vecedit: error:` line, exit 2, nothing written."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from vecedit.cli import main
from vecedit.errors import InputError
from vecedit.vectorizers.image import MAX_SIDE, read_image

from .conftest import png_bytes


def bad_files(tmp_path):
    good = tmp_path / "good.png"
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise).save(good)  # incompressible, so cutting it in half cuts the pixel data
    data = good.read_bytes()
    cases = {
        "corrupt.png": b"\x89PNG\r\n\x1a\n" + b"garbage" * 20,
        "truncated.png": data[: len(data) // 2],
        "notimage.png": b"hello, world\n",
        "zero.png": png_bytes(0, 8),
        "onepixel.png": png_bytes(1, 1),
        "rgb16.png": png_bytes(8, 8, bit_depth=16, color_type=2),
        "rgba16.png": png_bytes(8, 8, bit_depth=16, color_type=6),
        "grey16.png": png_bytes(8, 8, bit_depth=16, color_type=0),
        # headers only: refused before decoding
        "huge.png": png_bytes(MAX_SIDE + 1, 2, data=b""),
        "hugearea.png": png_bytes(12000, 12000, data=b""),
    }
    paths = {}
    for name, content in cases.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(content)
    paths["cmyk.jpg"] = tmp_path / "cmyk.jpg"
    Image.new("CMYK", (16, 16), (10, 20, 30, 40)).save(paths["cmyk.jpg"])
    paths["folder"] = tmp_path / "folder.png"
    paths["folder"].mkdir()
    paths["missing"] = tmp_path / "missing.png"
    return paths


EXPECTED = {
    "corrupt.png": "damaged or truncated|not an image",
    "truncated.png": "damaged or truncated",
    "notimage.png": "not an image",
    "zero.png": "not an image|zero",
    "onepixel.png": "too small",
    "rgb16.png": "16 bits",
    "rgba16.png": "16 bits",
    "grey16.png": "16 bits",
    "huge.png": "more than vecedit vectorize reads",
    "hugearea.png": "more than vecedit vectorize reads",
    "cmyk.jpg": "CMYK",
    "folder": "is a folder",
    "missing": "not found",
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, case):
    import re

    path = bad_files(tmp_path)[case]
    out = tmp_path / "out" / "result.svg"
    out.parent.mkdir()
    code = main(["vectorize", str(path), "-o", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("vecedit: error: ") and err.count("\n") == 1, err
    assert re.search(EXPECTED[case], err), err
    assert "Traceback" not in err
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_bad_input_raises_input_error(tmp_path, case):
    with pytest.raises(InputError):
        read_image(bad_files(tmp_path)[case])


@pytest.mark.parametrize(
    "array",
    [np.zeros((0, 5, 3), np.uint8), np.zeros((1, 1, 3), np.uint8), np.zeros((4, 4, 3), np.uint16),
     np.full((4, 4, 3), 2.0), np.zeros((4, 4, 2), np.uint8)],
)
def test_bad_arrays(array):
    with pytest.raises(InputError):
        read_image(array)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "LA", "1"])
def test_accepted_modes(tmp_path, mode):
    path = tmp_path / f"img-{mode}.png"
    Image.new(mode, (6, 4)).save(path)
    rgb = read_image(path)
    assert rgb.shape == (4, 6, 3) and rgb.dtype == np.uint8


def test_transparency_is_flattened_on_white():
    rgba = np.zeros((4, 4, 4), np.uint8)
    assert (read_image(rgba) == 255).all()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rounds", "1"], "rounds must be between 2"),
        (["--rounds", "a,b"], "whole number"),
        (["--extra-round", "1,2,3"], "cannot read extra round"),
        (["--backend", "potrace"], None),  # argparse usage error
        (["--refine", "x"], None),
    ],
)
def test_bad_options_exit_2(tmp_path, image_file, capsys, args, message):
    out = tmp_path / "o.svg"
    assert main(["vectorize", str(image_file), "-o", str(out), *args]) == 2
    err = capsys.readouterr().err
    if message:
        assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_output_checks(tmp_path, image_file, capsys):
    assert main(["vectorize", str(image_file), "-o", str(tmp_path / "x.png")]) == 2
    assert "ending in .svg" in capsys.readouterr().err
    assert main(["vectorize", str(image_file), "-o", str(tmp_path / "nope" / "x.svg")]) == 2
    assert "does not exist" in capsys.readouterr().err
    same = tmp_path / "in.svg"
    same.write_text("<svg/>")
    assert main(["vectorize", str(same), "-o", str(same)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert same.read_text() == "<svg/>"


def test_cli_writes_a_layered_svg(tmp_path, image_file, capsys):
    from vecedit.svg import load_svg

    out = tmp_path / "out.svg"
    code = main(["vectorize", str(image_file), "-o", str(out), "--rounds", "3,6", "--backend", "skimage",
                 "--refine", "2", "--max-paths", "20"])
    assert code == 0
    line = capsys.readouterr().out
    assert line.startswith(f"wrote {out} (48×40 px") and "refined 2 iterations" in line
    doc = load_svg(out)
    assert [g.id for g in doc.root.children] == ["round-0", "round-1"]
    assert len(doc.shapes()) <= 20
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file left


def test_counts_of_one_are_singular_and_progress_is_lines_off_a_terminal(tmp_path, image_file, capsys):
    """"refined 1 iterations"; and the tracing bar's carriage returns in a log."""
    out = tmp_path / "out.svg"
    assert main(["vectorize", str(image_file), "-o", str(out), "--rounds", "2", "--backend", "skimage",
                 "--refine", "1", "--max-paths", "1"]) == 0
    captured = capsys.readouterr()
    assert "(48×40 px, 1 path: 1 by round, skimage, " in captured.out and "; refined 1 iteration, " in captured.out
    assert "\r" not in captured.err and captured.err.splitlines()[-1].startswith("refining: 2/2 step (100%)")
