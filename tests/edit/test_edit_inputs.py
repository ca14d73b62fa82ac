"""Bad input, recovery and job files: clear one-line errors, never a corrupted output."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

import vecedit.edit.loop as optimize
from vecedit.cli import main
from vecedit.edit.config import ClipConfig, EditConfig, RoiConfig, dumps_config, load_config, replace
from vecedit.errors import InputError, OptionError
from vecedit.edit.loop import EditWarning, Editor
from vecedit.scene import from_document
from vecedit.svg import dumps_svg, load_svg

from editkit import LEFT_BOX, TWO_DOTS

FAST = dict(patches=2, templates="none", iterations=4)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(prompts=""), OptionError, "the prompt is empty"),
        (dict(prompts=["red", "  "], rois=[LEFT_BOX]), OptionError, "ROI 1 has an empty prompt"),
        (dict(prompts=["red"], rois=["200,10,20,20"]), OptionError, "lies outside the 96×64 document"),
        (dict(prompts=["red"], rois=["10,10,0,20"]), OptionError, "has no area"),
        (dict(prompts=["red"], rois=["#nothing"]), OptionError, "matches no element"),
        (dict(prompts="red", select="#nothing"), OptionError, "matches no element"),
        (dict(prompts=["red"], rois=[np.ones((10, 10), bool)]), OptionError, "the mask is 10×10 but the document is 96×64"),
        (dict(prompts=["red"], rois=[np.zeros((64, 96), bool)]), OptionError, "the mask is empty"),
        (dict(prompts="red", optimize="stroke", select="#left"), InputError, "nothing to edit"),
        (dict(prompts="red", optimize="wiggle"), OptionError, "--optimize 'wiggle'"),
        (dict(), OptionError, "nothing to aim for"),
        (dict(prompts=["a", "b", "c"], rois=[LEFT_BOX]), OptionError, "3 prompts for 1 ROI;"),
        (dict(prompts="red", iterations=0), OptionError, "iterations must be"),
    ],
)
def test_bad_input_raises_a_clear_error(encoder, kwargs, error, match):
    with pytest.raises(error, match=match):
        optimize.edit(load_svg(TWO_DOTS), encoder=encoder, **{**FAST, **kwargs})


def test_masks_select_rois(encoder):
    mask = np.zeros((64, 96), bool)
    mask[18:46, 10:38] = True  # over #left
    doc = optimize.edit(load_svg(TWO_DOTS), prompts=["red"], rois=[mask], optimize="color", select="#left",
                        encoder=encoder, **FAST)
    left = dumps_svg(doc).split('id="left"')[1].split("/>")[0]
    assert 'fill="#' in left and 'fill="#808080"' not in left


def test_select_takes_a_box_tuple(encoder):
    doc = optimize.edit(load_svg(TWO_DOTS), prompts="red", optimize="color", select=(6, 14, 36, 36),
                        encoder=encoder, **FAST)
    text = dumps_svg(doc)
    assert '<circle id="right" cx="72" cy="32" r="14" fill="#808080"' in text
    assert 'id="left" cx="24" cy="32" r="14" fill="#808080"' not in text


def test_nothing_editable_in_an_empty_document(encoder):
    with pytest.raises(InputError, match="no visible shape"):
        optimize.edit(load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
                      prompts="red", encoder=encoder, **FAST)


def test_nan_step_is_rolled_back_with_a_warning(encoder):
    class Poison:
        name = "poison"

        def prepare(self, context):
            pass

        def __call__(self, context):
            scale = float("nan") if context.iteration == 1 else 0.0
            return {"poison": context.scene.points.sum() * scale}

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = optimize.edit(load_svg(TWO_DOTS), prompts="red", encoder=encoder, loss_terms=[Poison()], **FAST)
    messages = [str(w.message) for w in caught if issubclass(w.category, EditWarning)]
    assert len(messages) == 1 and "iteration 2" in messages[0] and "learning rates halved" in messages[0]
    scene = from_document(load_svg(dumps_svg(doc)))
    assert all(torch.isfinite(t).all() for t in scene.tensors().values())


def test_non_finite_parameters_roll_back(encoder):
    editor = Editor(load_svg(TWO_DOTS), EditConfig(prompt="red", **FAST), encoder=encoder)
    good = {n: t.detach().clone() for n, t in editor.params.items()}
    real_step = editor.optimizer.step

    def exploding_step():
        real_step()
        with torch.no_grad():
            editor.params["points"][0, 0] = float("inf")

    editor.optimizer.step = exploding_step
    editor.config.iterations = 1
    with pytest.warns(EditWarning, match="rolled back"):
        editor.run()
    for name, t in editor.params.items():
        assert torch.equal(t.detach(), good[name]), name
    assert editor.optimizer.param_groups[0]["lr"] == editor.optimizer.param_groups[0]["base_lr"] / 2


def test_config_round_trips_through_yaml_toml_json(tmp_path):
    config = EditConfig(
        input="in.svg", output="out.svg", prompt="Joker, Heath Ledger", iterations=7, optimize=["shape", "color"],
        select=["#face", "10,10,50,50"],
        rois=[RoiConfig("a red hat", box="1,2,3,4", weight=1.5), RoiConfig("green hair", select="#hair")],
        work_size="256", report="r.html",
    )
    config.lr.shape = 0.4
    config.clip.pretrained = None
    config.clip.checkpoint = "vit.pt"
    for fmt in ("yaml", "toml", "json"):
        path = tmp_path / f"job.{fmt}"
        path.write_text(dumps_config(config, fmt))
        assert load_config(path, resolve_paths=False) == config, fmt
    again = load_config(tmp_path / "job.yaml")
    assert again.input == str(tmp_path / "in.svg") and again.clip.checkpoint == str(tmp_path / "vit.pt")


def test_job_file_errors_name_the_key(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text("prompt: x\nitertions: 3\n")
    with pytest.raises(OptionError, match="unknown key\\(s\\) 'itertions'"):
        load_config(path)
    path.write_text("rois:\n  - {prompt: x, box: '1,1,5,5', colour: red}\n")
    with pytest.raises(OptionError, match="'colour' in ROI 1"):
        load_config(path)
    path.write_text("prompt: [unclosed\n")
    with pytest.raises(InputError, match="cannot read the job file"):
        load_config(path)


@pytest.mark.parametrize("changes, says", [
    (dict(seed=10**30), "seed must be a whole number from"),  # torch's generator raised an overflow
    (dict(patches=10**30), "patches must be at most"),  # torch raised allocating the views
    (dict(work_size="²²"), "work_size must be"),  # "²".isdigit(), but int("²") raises
    (dict(roi_weight=float("nan")), "roi_weight must be a number"),  # NaN passed "< 0": every step skipped
    (dict(patch_weight=float("inf")), "patch_weight must be a number"),
    (dict(lr=dict(shape=float("inf"))), "the shape learning rate must be"),
    (dict(rois=[RoiConfig("hat", box=LEFT_BOX, weight=float("inf"))]), "the weight of ROI 1 must be"),
    (dict(patch_size="big"), "patch_size must be a number"),  # float("big") raised
    (dict(device="mps"), "--device 'mps'"),  # torch raised moving the model
    (dict(device="meta"), "--device 'meta'"),
])
def test_validate_refuses_values_no_run_can_use(changes, says):
    config = EditConfig(prompt="red")
    for name, value in changes.items():
        if name == "lr":
            config.lr.shape = value["shape"]
        else:
            setattr(config, name, value)
    with pytest.raises(OptionError, match=re.escape(says)):
        config.validate()


@pytest.mark.parametrize("text, says", [
    ("prompt: 5", "prompt in job.yaml must be text, got 5"),  # was an AttributeError when the run started
    ("input: 5", "input in job.yaml must be text"),
    ("patch_size: big", "patch_size in job.yaml must be a number"),
    ("seed: 1.5", "seed in job.yaml must be a whole number"),
    ("optimize: 5", "optimize in job.yaml must be a list of text"),
    ("resume: 'no'", "resume in job.yaml must be true or false"),
    ("clip: {model: 5}", "model in clip in job.yaml must be text"),
    ("rois: [{prompt: hat, box: '1,1,5,5', weight: w}]", "weight in ROI 1 of job.yaml must be a number"),
])
def test_job_file_values_of_the_wrong_type_are_refused_naming_the_key(tmp_path, monkeypatch, text, says):
    monkeypatch.chdir(tmp_path)
    Path("job.yaml").write_text(text + "\n")
    with pytest.raises(OptionError, match=re.escape(says)):
        load_config("job.yaml")


def test_job_file_box_may_be_a_list(tmp_path):
    path = tmp_path / "job.yaml"
    path.write_text("rois: [{prompt: hat, box: [1, 1, 5, 5]}]\n")
    assert load_config(path).rois[0].box == "1,1,5,5"


def test_cli_bad_input_exits_2_with_one_line_and_writes_nothing(two_dots, tmp_path, capsys):
    out = tmp_path / "o.svg"
    cases = [
        ["-p", ""],
        ["-p", "red", "--roi", "500,500,10,10", "blue"],
        ["-p", "red", "--select", "#nope"],
        ["-p", "red", "--animation", str(tmp_path / "a.avi")],
        ["-p", "red", "--resume"],
    ]
    import importlib.util

    if importlib.util.find_spec("imageio_ffmpeg") is None:
        cases.append(["-p", "red", "--animation", str(tmp_path / "a.mp4")])  # says: pip install imageio-ffmpeg
    for extra in cases:
        code = main(["edit", str(two_dots), "-o", str(out), "--clip-checkpoint", str(tmp_path / "none.pt"), *extra])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and err.startswith("vecedit: error:"), (extra, err)
        assert not out.exists()
    assert main(["edit", str(two_dots), "-p", "red", "-o", str(two_dots)]) == 2
    assert "never overwrites its input" in capsys.readouterr().err


def test_cli_refuses_a_checkpoint_or_frames_path_that_is_an_input_an_output_or_a_folder(two_dots, tmp_path,
                                                                                         capsys):
    # the checkpoint is deleted when a run completes: as the input it would have removed the input
    out, folder, taken = tmp_path / "o.svg", tmp_path / "folder", tmp_path / "taken.txt"
    folder.mkdir()
    taken.write_text("not a folder")
    before = two_dots.read_bytes()
    for extra, says in [(["--checkpoint", str(two_dots)], "is the input file"),
                        (["--checkpoint", str(out)], "is also -o"),
                        (["--checkpoint", str(folder)], "is a folder"),
                        (["--checkpoint", str(tmp_path / "missing" / "c.ckpt")], "does not exist"),
                        (["--save-every", "1", "--frames", str(taken)], "is a file")]:
        code = main(["edit", str(two_dots), "-p", "red", "-o", str(out), "--clip-checkpoint",
                     str(tmp_path / "none.pt"), *extra])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and says in err, (extra, err)
        assert not out.exists() and two_dots.read_bytes() == before


def test_cli_a_run_failing_before_its_first_step_writes_nothing(two_dots, tiny_clip, tmp_path, capsys):
    # the target image is read when the run starts; its name is one the system refuses (over NAME_MAX)
    config, checkpoint = tiny_clip
    out = tmp_path / "o.svg"
    code = main(["edit", str(two_dots), "-p", "red", "-o", str(out), "--clip", str(config), "--clip-checkpoint",
                 str(checkpoint), "--iterations", "1", "--patches", "1", "-q", "--target-image",
                 str(tmp_path / ("x" * 300 + ".png"))])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith("vecedit: error:"), err
    assert not out.exists() and not (tmp_path / "o.svg.ckpt").exists()


@pytest.mark.parametrize("payload", [torch.zeros(3), [1, 2], {}, {"format": "vecedit-edit-checkpoint/1", "config": "x"},
                                     {"visual.proj": torch.zeros(2)}])
def test_resume_refuses_a_torch_file_that_is_not_an_edit_checkpoint(payload, two_dots, tmp_path, capsys):
    out = tmp_path / "o.svg"
    torch.save(payload, tmp_path / "o.svg.ckpt")
    code = main(["edit", str(two_dots), "-p", "red", "-o", str(out), "--clip-checkpoint", str(tmp_path / "none.pt"),
                 "--resume"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is not a vecedit edit checkpoint" in err, err
    assert not out.exists()


def test_cli_job_file_and_write_config(two_dots, tmp_path, capsys):
    job = tmp_path / "job.toml"
    code = main(["edit", str(two_dots), "-p", "red", "-o", str(tmp_path / "o.svg"), "--roi", LEFT_BOX, "blue",
                 "--roi-weight", "2", "--iterations", "5", "--write-config", str(job)])
    assert code == 0
    config = load_config(job)
    assert config.prompt == "red" and config.iterations == 5
    assert config.rois == [RoiConfig("blue", box=LEFT_BOX, weight=2.0)]


def test_interrupt_keeps_the_last_good_svg_and_resume_finishes_the_same(encoder, tmp_path, monkeypatch):
    from vecedit.edit.outputs import Checkpointer, load_checkpoint
    from vecedit.svg import save_svg

    config = EditConfig(prompt="red", patches=2, templates="none", iterations=6, seed=3)
    whole = Editor(load_svg(TWO_DOTS), config, encoder=encoder)
    whole.run()
    expected = dumps_svg(whole.document)

    class CtrlC:
        def on_step(self, state):
            if state.iteration == 4:
                raise KeyboardInterrupt

    ckpt = tmp_path / "o.svg.ckpt"
    first = Editor(load_svg(TWO_DOTS), config, encoder=encoder, callbacks=[CtrlC(), Checkpointer(ckpt, 0)])
    state = first.run()
    assert state.interrupted and state.iteration == 4 and ckpt.exists()
    save_svg(first.document, tmp_path / "o.svg")
    load_svg(tmp_path / "o.svg")  # the partial result is a valid SVG

    second = Editor(load_svg(TWO_DOTS), config, encoder=encoder, callbacks=[Checkpointer(ckpt, 0)])
    second.restore(load_checkpoint(ckpt))
    second.run()
    assert dumps_svg(second.document) == expected  # resumed == uninterrupted, bit for bit
    assert not ckpt.exists()
    other = Editor(load_svg(TWO_DOTS.replace("#808080", "#707070")), config, encoder=encoder)
    with pytest.raises(InputError, match="another input document"):
        other.restore(first.checkpoint())


@pytest.mark.parametrize("change, says", [
    ({"prompt": "blue"}, 'prompt ("red" there, "blue" now)'),
    ({"seed": 4}, "seed (3 there, 4 now)"),
    ({"rois": [RoiConfig(prompt="green", box="0,0,10,10")]}, 'ROIs ([] there, [{"prompt": "green"'),
    ({"roi_weight": 10.0}, "ROI loss weight (30.0 there, 10.0 now)"),
    ({"clip": ClipConfig(model="ViT-B-16")}, 'CLIP weights ({"model": "ViT-B-32"'),
])
def test_resume_refuses_a_checkpoint_of_another_run_saying_what_differs(encoder, change, says):
    """--resume took a checkpoint made with another prompt, ROIs, weights or seed and carried on
    as if it were this run's."""
    config = EditConfig(prompt="red", patches=1, templates="none", iterations=4, seed=3)
    first = Editor(load_svg(TWO_DOTS), config, encoder=encoder)
    saved = first.checkpoint()
    more = Editor(load_svg(TWO_DOTS), replace(config, iterations=8, checkpoint_every=2), encoder=encoder)
    more.restore(saved)  # more iterations, other outputs: the same run, it resumes
    other = Editor(load_svg(TWO_DOTS), replace(config, **change), encoder=encoder)
    with pytest.raises(InputError) as raised:
        other.restore(saved, where="o.svg.ckpt")
    message = str(raised.value)
    assert message.startswith("--resume: o.svg.ckpt was made with another ") and says in message
    assert "\n" not in message and message.endswith("; use the same options or run without --resume")


def test_a_config_keeps_its_iterations_and_seed_unless_the_call_overrides_them(encoder):
    steps = []
    config = EditConfig(prompt="red", patches=2, templates="none", iterations=3, seed=7)
    optimize.edit(load_svg(TWO_DOTS), config=config, encoder=encoder, callbacks=[lambda state: steps.append(state.iteration)])
    assert len(steps) == 3
    steps.clear()
    optimize.edit(load_svg(TWO_DOTS), config=config, iterations=2, encoder=encoder,
                  callbacks=[lambda state: steps.append(state.iteration)])
    assert len(steps) == 2 and config.iterations == 3


@pytest.mark.parametrize(
    "size, regions, mode, expected",
    [
        ((512, 512), [], "auto", (512, 512)),  # no ROI: the document's size
        ((103, 65536), [], "auto", (2, 1024)),  # … but never a longest side over 1024 (fuzz: 13 CPU-s)
        ((4000, 2000), [], "auto", (1024, 512)),
        ((103, 65536), [], "full", (103, 65536)),  # full and a number still ask for more
        ((4000, 2000), [], "2000", (2000, 1000)),
        ((512, 512), [(0, 0, 512, 512)], "auto", (229, 229)),  # a whole-canvas ROI: what CLIP needs
        ((8000, 8000), [(0, 0, 100, 100)], "auto", (1024, 1024)),  # a small ROI on a huge page: capped
    ],
)
def test_auto_work_size_sees_each_roi_and_stays_bounded(size, regions, mode, expected):
    from vecedit.edit.setup import Region, work_canvas

    doc = load_svg(f'<svg xmlns="http://www.w3.org/2000/svg" width="{size[0]}" height="{size[1]}">'
                   '<rect width="10" height="10"/></svg>')
    rois = [Region(box, "red", 1.0, "roi") for box in regions]
    assert work_canvas(EditConfig(work_size=mode), doc, rois, 224) == expected
