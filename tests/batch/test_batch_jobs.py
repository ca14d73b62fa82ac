"""A batch job is checked whole before anything runs: one line, exit 2, nothing written."""

import pytest
from batchkit import PALETTE, make_icons, write_job

from vecedit.batch.job import load_job
from vecedit.batch.plan import plan_items
from vecedit.cli import main
from vecedit.errors import VeceditError

BAD_STEPS = [
    ([{"recolour": {"palette": "#fff"}}], "unknown workflow 'recolour'"),
    ([{"recolor": {"palette": "#fff,notacolor"}}], "step 1 (recolor): --palette: 'notacolor' is not a colour"),
    ([{"recolor": {"palette": "#fff", "map": "red=blue"}}], "step 1 (recolor): argument --map: not allowed"),
    ([{"recolor": {"palete": "#fff"}}], "step 1 (recolor): unknown option 'palete'"),
    ([{"recolor": {"palette": "#fff", "output": "x.svg"}}], "output is set by the batch"),
    ([{"render": {"width": 0}}], "step 1 (render): width must be between 1"),
    ([{"render": {"width": 64}}, {"recolor": {"palette": "#fff"}}], "step 2 (recolor) takes svg but step 1"),
    ([{"vectorize": {"rounds": "10,1"}}], "step 1 (vectorize): rounds must be between 2"),
    ([{"edit": {"prompt": "a cat", "iterations": 0}}], "step 1 (edit): iterations must be a whole number >= 1"),
    ([{"edit": {"prompt": "a cat", "promt": "x"}}], "step 1 (edit): unknown key(s) 'promt'"),
    ([{"edit": {"prompt": "a cat", "output": "x.svg"}}], "output is set by the batch"),
    ([{"font": {"iterations": 3}}], "step 1 (font): give -p PROMPT"),
    ([{"stylestudio": {"prompt": "x", "bogus": 1}}], "step 1 (stylestudio): unknown option 'bogus'"),
    ([{"recolor": {"palette": "#fff"}, "keep": "yes"}], "keep must be true or false"),
    ([{"recolor": {"palette": "#fff"}, "render": {}}], "name exactly one workflow"),
]


@pytest.mark.parametrize("steps, message", BAD_STEPS, ids=[m.split(":")[0][:40] for _, m in BAD_STEPS])
def test_a_bad_step_is_one_line_exit_2_and_nothing_is_written(tmp_path, capsys, steps, message):
    make_icons(tmp_path / "icons", 2)
    job = write_job(tmp_path / "job.yaml", "icons", "out", steps)
    assert main(["batch", str(job)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("vecedit: error: ") and message in err, err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("data, message", [
    ({"inputs": "icons", "steps": [{"recolor": {"palette": "#fff"}}]}, "has no output:"),
    ({"inputs": "nowhere", "output": "out", "steps": [{"recolor": {"palette": "#fff"}}]}, "inputs: nowhere: no such"),
    ({"inputs": "icons/*.png", "output": "out", "steps": [{"recolor": {"palette": "#fff"}}]}, "matches no file"),
    ({"inputs": "icons", "output": "out", "steps": []}, "has no steps:"),
    ({"inputs": "icons", "output": "out", "steps": [{"recolor": {"palette": "#fff"}}], "jobs": 3}, "unknown key"),
    ({"inputs": "icons", "output": "icons", "steps": [{"recolor": {"palette": "#fff"}}]}, "holds the inputs"),
])
def test_a_bad_job_cannot_start(tmp_path, capsys, data, message):
    import yaml

    make_icons(tmp_path / "icons", 2)
    (tmp_path / "job.yaml").write_text(yaml.safe_dump(data))
    assert main(["batch", str(tmp_path / "job.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_options_are_the_commands_flags_and_relative_files_start_at_the_job(tmp_path):
    (tmp_path / "brand.txt").write_text("\n".join(PALETTE))
    make_icons(tmp_path / "icons", 3)
    job = write_job(tmp_path / "job.yaml", "icons", "out", [
        {"recolor": {"palette": "brand.txt", "keep": ["#ffffff"], "shading": True}, "keep": True, "name": "brand"},
        {"render": {"width": 32, "height": 32, "background": "#336699"}}])
    loaded = load_job(job)
    recolor, render = loaded.steps
    assert recolor.argv[recolor.argv.index("--palette") + 1] == str(tmp_path / "brand.txt")
    assert "--shading" in recolor.argv and recolor.argv[recolor.argv.index("--keep") + 1] == "#ffffff"
    assert render.makes == "png" and not recolor.uses_clip
    items = plan_items(loaded)
    assert [item.rel for item in items] == ["icon000.svg", "icon002.svg", "sub/icon001.svg"]
    assert [path for _, path in items[2].outputs] == [str(tmp_path / "out/sub/icon001.brand.svg"),
                                                       str(tmp_path / "out/sub/icon001.png")]
    before = load_job(job).digest
    (tmp_path / "brand.txt").write_text("\n".join(reversed(PALETTE)))  # a file an option names is in the digest
    assert load_job(job).digest != before


def test_inputs_from_a_glob_or_a_list_file(tmp_path):
    make_icons(tmp_path / "icons", 4)
    steps = [{"recolor": {"palette": "#fff"}}]
    by_glob = plan_items(load_job({"inputs": str(tmp_path / "icons/**/icon00[12].svg"), "output": str(tmp_path / "o"),
                                   "steps": steps}))
    assert [item.rel for item in by_glob] == ["icon002.svg", "sub/icon001.svg"]
    (tmp_path / "list.txt").write_text("# two of them\nicons/icon000.svg\n\nicons/sub/icon003.svg\n")
    listed = plan_items(load_job({"inputs": str(tmp_path / "list.txt"), "output": str(tmp_path / "o"),
                                  "steps": steps}))
    assert [item.rel for item in listed] == ["icon000.svg", "sub/icon003.svg"]
    (tmp_path / "list.txt").write_text("icons/missing.svg\n")
    with pytest.raises(VeceditError, match="line 1: icons/missing.svg: no such file"):
        plan_items(load_job({"inputs": str(tmp_path / "list.txt"), "output": str(tmp_path / "o"), "steps": steps}))


def test_dry_run_writes_nothing(tmp_path, capsys):
    make_icons(tmp_path / "icons", 3)
    job = write_job(tmp_path / "job.yaml", "icons", "out", [{"recolor": {"palette": "#264653"}}])
    assert main(["batch", str(job), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.count("run   ") == 3 and "3 to run, 0 done already" in out
    assert not (tmp_path / "out").exists()


def test_engine_options_are_checked(tmp_path, capsys):
    make_icons(tmp_path / "icons", 1)
    job = write_job(tmp_path / "job.yaml", "icons", "out", [{"recolor": {"palette": "#264653"}}])
    assert main(["batch", str(job), "--address", "auto"]) == 2
    assert "--address is for --engine ray" in capsys.readouterr().err
    assert main(["batch", str(job), "-j", "-1"]) == 2
    assert not (tmp_path / "out").exists()


def test_clip_steps_are_known_and_take_their_options(tmp_path, tiny_clip):
    config, checkpoint = tiny_clip
    make_icons(tmp_path / "icons", 1)
    job = load_job({"inputs": str(tmp_path / "icons"), "output": str(tmp_path / "out"), "steps": [
        {"font": {"prompt": "vines", "iterations": 2, "clip": str(config), "clip_checkpoint": str(checkpoint)}},
        {"recolor": {"prompt": "autumn", "iterations": 2, "lr_color": 0.05, "clip_checkpoint": str(checkpoint)}},
        {"edit": {"prompt": "a cat", "rois": [{"prompt": "a hat", "box": "0,0,8,8"}], "seed": 3}}]})
    font, recolor, edit = job.steps
    assert font.uses_clip and recolor.uses_clip and edit.uses_clip
    assert font.argv[:2] == ("--from-svg", "ITEM.svg") and "--lr-color" in recolor.argv
    assert edit.config["seed"] == 3 and edit.config["rois"][0]["box"] == "0,0,8,8"
