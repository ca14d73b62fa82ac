"""``vecedit recolor`` from the command line: files, folders, workers, report, refusals, no torch."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vecedit.cli import main
from vecedit.svg import format_color, load_svg

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PALETTE = "#264653,#2a9d8f,#e9c46a,#f4a261,#e76f51"


@pytest.fixture
def icons(tmp_path):
    folder = tmp_path / "icons"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(CORPUS / "62-icon-stroke-home.svg", folder / "home.svg")
    shutil.copy(CORPUS / "64-icon-filled-heart-check.svg", folder / "sub" / "heart.svg")
    (folder / "broken.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect")
    (folder / "notes.txt").write_text("not an svg")
    return folder


def snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_folder_with_one_bad_file(icons, tmp_path, capsys, jobs):
    before = snapshot(icons)
    out = tmp_path / "out"
    assert main(["recolor", str(icons), "--palette", PALETTE, "-o", str(out), "--jobs", jobs]) == 0
    printed = capsys.readouterr().out
    assert "error      broken.svg" in printed and "recolored  home.svg" in printed
    assert "recoloured 2 of 3 file(s) (1 error(s), 0 unchanged)" in printed
    assert snapshot(icons) == before
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.svg")) == ["home.svg", "sub/heart.svg"]
    report = json.loads((out / "recolor-report.json").read_text())
    assert report["summary"] == {**report["summary"], "files": 3, "recolored": 2, "error": 1}
    assert report["files"]["broken.svg"]["status"] == "error"
    assert "not well-formed" in report["files"]["broken.svg"]["message"]
    heart = report["files"]["sub/heart.svg"]
    assert heart["status"] == "recolored" and set(heart["mapping"]) == {"#e11d48", "#16a34a"}
    written = {format_color(s.fill) for s in load_svg(out / "sub" / "heart.svg").shapes()}
    assert written == set(heart["mapping"].values())


def test_folder_of_only_bad_files_exits_2(tmp_path, capsys):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "a.svg").write_text("nope")
    assert main(["recolor", str(folder), "--palette", PALETTE, "-o", str(tmp_path / "out")]) == 2
    assert "nothing was recoloured" in capsys.readouterr().err


def test_map_that_matches_nothing_writes_nothing(tmp_path, capsys):
    out = tmp_path / "o.svg"
    assert main(["recolor", str(CORPUS / "64-icon-filled-heart-check.svg"), "--map", "#123456=#000", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "none of the --map colours occur" in err[0]
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("argv, message", [
    (["--palette", "#264653,#zz", "-o", "{tmp}/o.svg"], "'#zz' is not a colour"),
    (["--map", "red", "-o", "{tmp}/o.svg"], "is not FROM=TO"),
    (["--palette", PALETTE], "give -o OUT"),
    (["--palette", PALETTE, "-o", "{src}"], "never overwrites inputs"),
    (["--map", "red=blue", "--tolerance", "-1", "-o", "{tmp}/o.svg"], "--tolerance must be"),
    (["--map", "red=blue", "--shading", "-o", "{tmp}/o.svg"], "--shading works with --palette only"),
    (["--prompt", "  ", "-o", "{tmp}/o.svg"], "the prompt is empty"),
    # the report is written after the work: its place is checked before (o.svg was written, then an error)
    (["--palette", PALETTE, "-o", "{tmp}/o.svg", "--report", "{tmp}/nodir/r.json"], "nodir does not exist"),
])
def test_refusals_exit_2_with_one_line(tmp_path, capsys, argv, message):
    src = tmp_path / "in.svg"
    shutil.copy(CORPUS / "64-icon-filled-heart-check.svg", src)
    before = src.read_bytes()
    argv = [a.format(tmp=tmp_path, src=src) for a in argv]
    assert main(["recolor", str(src), *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert src.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["in.svg"]


def test_in_place_and_output_folder_refusal(icons, tmp_path):
    assert main(["recolor", str(icons), "--palette", PALETTE, "-o", str(icons)]) == 2
    home = icons / "home.svg"
    before = home.read_bytes()
    assert main(["recolor", str(home), "--map", "#1e293b=#ff0000", "--in-place", "-q"]) == 0
    assert home.read_bytes() != before
    assert format_color(load_svg(home).shapes()[0].stroke) == "#ff0000"


def test_palette_mode_never_imports_torch(tmp_path):
    code = (
        "import sys\n"
        "from vecedit.cli import main\n"
        f"rc = main(['recolor', {str(CORPUS / '68-logo-gradient.svg')!r}, '--palette', {PALETTE!r}, "
        f"'-o', {str(tmp_path / 'logo.svg')!r}, '-q'])\n"
        f"rc += main(['recolor', {str(CORPUS / '64-icon-filled-heart-check.svg')!r}, '--map', '#e11d48=#000', "
        f"'-o', {str(tmp_path / 'heart.svg')!r}, '-q'])\n"
        "import vecedit\n"
        "vecedit.recolor(open(sys.argv[1]).read(), palette='#000,#fff')\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'open_clip', 'torchvision'))\n"
        "print(rc, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(CORPUS / "72-map-polygons.svg")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0 []"


def test_prompt_through_the_command_line_with_a_checkpoint(tmp_path, capsys):
    """--prompt with a tiny open_clip model saved to a file (the real loading path): shapes untouched."""
    open_clip = pytest.importorskip("open_clip")
    import re

    import torch

    config = {"embed_dim": 32, "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 16,
                                              "head_width": 16},
              "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1}}
    (tmp_path / "recolortiny.json").write_text(json.dumps(config))
    torch.manual_seed(0)
    torch.save(open_clip.model.CLIP(**config).state_dict(), tmp_path / "recolortiny.pt")
    src, out = CORPUS / "70-emoji-face.svg", tmp_path / "emoji.svg"
    argv = ["recolor", str(src), "--prompt", "autumn leaves", "-o", str(out), "--iterations", "2", "--patches", "1",
            "--clip", str(tmp_path / "recolortiny.json"), "--clip-checkpoint", str(tmp_path / "recolortiny.pt"),
            "--device", "cpu", "-q"]
    assert main(argv) == 0, capsys.readouterr().err
    geometry = re.compile(r'\b(?:d|cx|cy|r|rx|ry|x|y|width|height|points|transform|stroke-width)="[^"]*"')
    assert geometry.findall(out.read_text()) == geometry.findall(src.read_text())
    assert out.read_text() != src.read_text()


def test_a_folder_run_whose_model_fails_to_load_creates_no_output_folder(icons, tmp_path, capsys):
    out = tmp_path / "recoloured"
    assert main(["recolor", str(icons), "-p", "autumn", "--clip-checkpoint", str(tmp_path / "nope.pt"),
                 "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err and not out.exists()
