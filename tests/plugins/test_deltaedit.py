"""DeltaEdit: a mapper trained without text edits a document toward a prompt in one forward pass.

The semantic tests use the ColourWords stand-in (image features = mean colour, text
"red" = (1, 0, 0), "a photo" = grey), where "toward red" has one meaning: a redder mean
colour. The real path (open_clip, CLI, plugin, refusals) uses the tiny random open_clip model.
"""

import re

import numpy as np
import pytest
import torch
from standins import ColourWords

from vecedit.plugins.deltaedit import DeltaEditPlugin, load_mapper, train_mapper
from vecedit.plugins.deltaedit.space import EditSpace, sample_edits
from vecedit.cli import main
from vecedit.edit.config import EditConfig
from vecedit.errors import InputError, OptionError
from vecedit.edit.loop import Editor
from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from vecedit.svg import dumps_svg, load_svg

SCENE = """<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48">
  <rect id="bg" width="48" height="48" fill="#d8d8d8"/>
  <g id="sun"><circle id="disc" cx="14" cy="14" r="8" fill="#c8b040"/></g>
  <g id="hills"><path id="hill" d="M0 40 C 16 24 32 24 48 40 L 48 48 L 0 48 Z" fill="#6a8a5a"/>
    <rect id="house" x="26" y="30" width="10" height="10" fill="#806050"/></g>
  <circle id="moon" cx="36" cy="12" r="6" fill="#8080a0"/>
</svg>"""
EDITED = ["#bg", "#sun", "#hills"]  # the moon stays outside the edit space


def mean_rgb(doc) -> np.ndarray:
    with torch.no_grad():
        return render_scene(from_document(doc), (1.0, 1.0, 1.0, 1.0))[..., :3].mean((0, 1)).numpy()


def leaning(rgb: np.ndarray, channel: int) -> float:
    """How much one channel stands above the mean of the other two."""
    return float(rgb[channel] - (rgb.sum() - rgb[channel]) / 2)


def element_markup(text: str, element_id: str) -> str:
    return re.search(rf'<[^<>]*id="{element_id}"[^<>]*>', text).group(0)


@pytest.fixture(scope="module")
def colour_mapper():
    """A mapper trained on SCENE with the mean-colour stand-in (no text involved in training)."""
    return train_mapper(load_svg(SCENE), ColourWords(), samples=48, steps=250, selection=EDITED, hidden=64,
                        batch_size=64)


@pytest.fixture(scope="module")
def colour_mapper_file(colour_mapper, tmp_path_factory):
    path = tmp_path_factory.mktemp("deltaedit") / "colour.pt"
    colour_mapper.save(path)
    return path


@pytest.fixture
def scene_svg(tmp_path):
    path = tmp_path / "scene.svg"
    path.write_text(SCENE)
    return path


def clip_flags(tiny_clip, checkpoint=None):
    config, saved = tiny_clip
    return ["--clip", str(config), "--clip-checkpoint", str(checkpoint or saved)]


@pytest.fixture(scope="module")
def tiny_mapper(tiny_clip, tmp_path_factory):
    """A mapper trained through the CLI with the tiny open_clip model."""
    folder = tmp_path_factory.mktemp("deltaedit-clip")
    source = folder / "scene.svg"
    source.write_text(SCENE)
    out = folder / "tiny.pt"
    code = main(["deltaedit", "train", str(source), "-o", str(out), "--samples", "12", "--steps", "20",
                 "--hidden", "32", "--select", ",".join(EDITED), "-q", *clip_flags(tiny_clip)])
    assert code == 0
    return out


# ----------------------------------------------------------------------------- the method


def test_one_forward_pass_moves_the_picture_toward_the_prompt(colour_mapper):
    doc, encoder = load_svg(SCENE), ColourWords()
    before = mean_rgb(doc)
    red, info = colour_mapper.apply(doc, "red", encoder)
    blue, _ = colour_mapper.apply(doc, "blue", encoder)
    assert leaning(mean_rgb(red), 0) > leaning(before, 0) + 0.03  # redder
    assert leaning(mean_rgb(blue), 2) > leaning(before, 2) + 0.02  # bluer
    assert leaning(mean_rgb(blue), 0) < leaning(mean_rgb(red), 0)  # and the two prompts differ
    assert set(info["ms"]) >= {"text", "mapper", "total"} and dumps_svg(doc) == SCENE  # the input is not changed


def test_strength_scales_the_edit_and_zero_changes_nothing(colour_mapper):
    doc, encoder = load_svg(SCENE), ColourWords()
    half, _ = colour_mapper.apply(doc, "red", encoder, strength=0.5)
    full, _ = colour_mapper.apply(doc, "red", encoder, strength=1.0)
    assert leaning(mean_rgb(load_svg(SCENE)), 0) < leaning(mean_rgb(half), 0) < leaning(mean_rgb(full), 0)
    none, _ = colour_mapper.apply(doc, "red", encoder, strength=0.0)
    assert dumps_svg(none) == SCENE


def test_shapes_outside_the_edit_space_stay_bit_identical(colour_mapper):
    red, _ = colour_mapper.apply(load_svg(SCENE), "red", ColourWords())
    text = dumps_svg(red)
    assert element_markup(text, "moon") == element_markup(SCENE, "moon")
    assert element_markup(text, "bg") != element_markup(SCENE, "bg")
    assert colour_mapper.space.names == EDITED


def test_save_then_load_gives_identical_predictions(colour_mapper, colour_mapper_file):
    loaded = load_mapper(colour_mapper_file, ColourWords(), load_svg(SCENE))
    generator = torch.Generator().manual_seed(3)
    source, delta = torch.rand(5, 3, generator=generator), torch.randn(5, 3, generator=generator)
    assert torch.equal(loaded.predict(source, delta), colour_mapper.predict(source, delta))
    doc = load_svg(SCENE)
    assert dumps_svg(loaded.apply(doc, "red", ColourWords())[0]) == dumps_svg(colour_mapper.apply(doc, "red",
                                                                                                   ColourWords())[0])
    torch.load(colour_mapper_file, weights_only=True)  # plain data: safe to load


def test_a_document_of_the_same_structure_is_accepted_another_is_refused(colour_mapper_file):
    recoloured = load_svg(SCENE.replace("#d8d8d8", "#a0a0a0"))  # same family: recomputes its own features
    mapper = load_mapper(colour_mapper_file, ColourWords(), recoloured)
    red, _ = mapper.apply(recoloured, "red", ColourWords())
    assert leaning(mean_rgb(red), 0) > leaning(mean_rgb(recoloured), 0) + 0.03
    other = load_svg(SCENE.replace('<circle id="moon" cx="36" cy="12" r="6" fill="#8080a0"/>', ""))
    with pytest.raises(InputError, match="another document"):
        load_mapper(colour_mapper_file, document=other)


def test_edit_space_groups_and_random_edits():
    doc = load_svg(SCENE)
    space = EditSpace.build(doc, max_groups=2)  # four top-level units merged into two by k-means
    assert len(space.groups) == 2 and sorted(sum(space.groups, [])) == list(range(len(doc.shapes())))
    edits = sample_edits(EditSpace.build(doc, kinds=("color",)), 30, np.random.default_rng(0))
    assert not edits[0].any() and edits[1:].any(axis=(1, 2)).all()
    assert not edits[:, :, :4].any()  # colour-only space: no layout columns


def test_text_encoding_cut_after_the_end_token_equals_encode_text(tiny_clip):
    from vecedit.plugins.deltaedit.features import encode_texts
    from vecedit.losses.encoders import load_clip

    encoder = load_clip(str(tiny_clip[0]), None, str(tiny_clip[1]), "cpu")
    texts = ["a photo of a red house.", "a bad photo of the a photo.", "red"]
    assert torch.allclose(encode_texts(encoder, texts), encoder.encode_text(texts), atol=1e-4)


# ----------------------------------------------------------------------------- plugin and CLI


def test_the_plugin_starts_the_edit_run_from_the_predicted_edit(colour_mapper_file, scene_svg):
    config = EditConfig(prompt="red", iterations=1, patches=1, plugin="deltaedit",
                        plugin_options={"mapper": str(colour_mapper_file)})
    editor = Editor(str(scene_svg), config, encoder=ColourWords())
    start = editor.initial.mean((0, 1)).numpy()
    assert leaning(start, 0) > leaning(mean_rgb(load_svg(SCENE)), 0) + 0.03
    assert editor.plugin_notes and "ms" in editor.plugin_notes[0]
    with pytest.raises(OptionError, match="give one with -p"):
        Editor(str(scene_svg), EditConfig(target_image=None, rois=[], plugin="deltaedit",
                                          plugin_options={"mapper": str(colour_mapper_file)}),
               encoder=ColourWords(), plugin=DeltaEditPlugin())


def test_cli_train_apply_and_refine_with_open_clip(tiny_clip, tiny_mapper, scene_svg, tmp_path, capsys):
    out = tmp_path / "red.svg"
    code = main(["deltaedit", "apply", str(scene_svg), "--mapper", str(tiny_mapper), "-p", "a red house",
                 "-o", str(out), "--strength", "3", *clip_flags(tiny_clip)])
    assert code == 0, capsys.readouterr().err
    assert "one-pass edit in" in capsys.readouterr().out
    edited = load_svg(out)
    assert dumps_svg(edited) != SCENE and element_markup(dumps_svg(edited), "moon") == element_markup(SCENE, "moon")
    refined = tmp_path / "refined.svg"
    code = main(["deltaedit", "apply", str(scene_svg), "--mapper", str(tiny_mapper), "-p", "a red house",
                 "-o", str(refined), "--refine", "2", "--patches", "2", "-q", *clip_flags(tiny_clip)])
    assert code == 0, capsys.readouterr().err
    assert refined.exists()


def test_apply_takes_the_clip_model_from_a_job_file(tiny_clip, tiny_mapper, scene_svg, tmp_path, capsys):
    config, checkpoint = tiny_clip
    job = tmp_path / "job.yaml"
    job.write_text(f"input: {scene_svg}\noutput: red.svg\nprompt: a red house\n"
                   f"clip: {{model: {config}, checkpoint: {checkpoint}, pretrained: null}}\n")
    code = main(["deltaedit", "apply", "--config", str(job), "--mapper", str(tiny_mapper), "-q"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "red.svg").is_file()


def test_one_pass_apply_takes_mapper_and_strength_from_a_job_file_under_the_flags(tiny_clip, tiny_mapper,
                                                                                   scene_svg, tmp_path, monkeypatch,
                                                                                   capsys):
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "m.pt").write_bytes(tiny_mapper.read_bytes())
    job = jobs / "job.yaml"
    job.write_text(f"input: {scene_svg}\nprompt: a red house\nplugin: deltaedit\n"
                   "plugin_options: {mapper: m.pt, strength: 1.5}\n")
    monkeypatch.chdir(tmp_path)  # the job's m.pt is found from its folder, not from here

    def apply(name, *flags):
        code = main(["deltaedit", "apply", *flags, "-o", str(tmp_path / name), "-q", *clip_flags(tiny_clip)])
        assert code == 0, capsys.readouterr().err
        return (tmp_path / name).read_text()

    from_job = apply("job.svg", "--config", str(job))
    assert from_job == apply("flags.svg", str(scene_svg), "-p", "a red house", "--mapper", str(tiny_mapper),
                             "--strength", "1.5")
    assert from_job != apply("default.svg", str(scene_svg), "-p", "a red house", "--mapper", str(tiny_mapper))
    # a flag wins over the job file
    assert apply("job-3.svg", "--config", str(job), "--strength", "3") == apply(
        "flags-3.svg", str(scene_svg), "-p", "a red house", "--mapper", str(tiny_mapper), "--strength", "3")
    # no mapper anywhere: one line, exit 2, nothing written
    code = main(["deltaedit", "apply", str(scene_svg), "-p", "red", "-o", str(tmp_path / "none.svg"),
                 *clip_flags(tiny_clip)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "--mapper MAPPER.pt" in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "none.svg").exists()


def test_a_mapper_from_another_encoder_is_refused(tiny_clip, tiny_mapper, colour_mapper_file, scene_svg, tmp_path,
                                                  capsys):
    state = torch.load(tiny_clip[1], weights_only=True)
    generator = torch.Generator().manual_seed(1)
    other = tmp_path / "other-weights.pt"
    torch.save({k: v + 0.5 * v.std() * torch.randn(v.shape, generator=generator) if v.is_floating_point() and
                v.numel() > 1 else v for k, v in state.items()}, other)
    out = tmp_path / "out.svg"
    for mapper, flags, message in ((tiny_mapper, clip_flags(tiny_clip, other), "computes other features"),
                                   (colour_mapper_file, clip_flags(tiny_clip), "3-dim features")):
        code = main(["deltaedit", "apply", str(scene_svg), "--mapper", str(mapper), "-p", "red", "-o", str(out),
                     *flags])
        err = capsys.readouterr().err.strip()
        assert code == 2 and message in err and len(err.splitlines()) == 1, err
        assert not out.exists()


@pytest.mark.parametrize("flags", [["--report", "r.html"], ["--iterations", "20"], ["--select", "#sun"]])
def test_edit_run_flags_without_refine_are_refused_not_ignored(flags, colour_mapper_file, scene_svg, tiny_clip,
                                                               tmp_path, capsys):
    out = tmp_path / "out.svg"
    code = main(["deltaedit", "apply", str(scene_svg), "--mapper", str(colour_mapper_file), "-p", "red",
                 "-o", str(out), *[f if f.startswith(("-", "#")) or f.isdigit() else str(tmp_path / f) for f in flags],
                 *clip_flags(tiny_clip)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and f"{flags[0]} applies to an edit run: add --refine N" in err and len(err.splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize("case, message", [
    ("missing", "no such mapper file"),
    ("corrupt", "cannot read"),
    ("foreign", "not a deltaedit mapper"),
    ("empty-prompt", "the prompt is empty"),
    ("other-document", "another document"),
])
def test_bad_inputs_exit_2_with_one_line(case, message, colour_mapper_file, scene_svg, tiny_clip, tmp_path, capsys):
    mapper, source, prompt = colour_mapper_file, scene_svg, "red"
    if case == "missing":
        mapper = tmp_path / "nowhere.pt"
    elif case == "corrupt":
        mapper = tmp_path / "corrupt.pt"
        mapper.write_bytes(colour_mapper_file.read_bytes()[:300])
    elif case == "foreign":
        mapper = tmp_path / "foreign.pt"
        torch.save({"weights": torch.zeros(3)}, mapper)
    elif case == "empty-prompt":
        prompt = ""
    else:
        source = tmp_path / "other.svg"
        source.write_text(SCENE.replace('fill="#8080a0"/>', 'fill="#8080a0"/><rect width="4" height="4"/>'))
    out = tmp_path / "out.svg"
    code = main(["deltaedit", "apply", str(source), "--mapper", str(mapper), "-p", prompt, "-o", str(out),
                 *clip_flags(tiny_clip)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err
    assert not out.exists()


@pytest.mark.parametrize("args, message", [
    (["-o", "{tmp}/m.svg"], "ending in .pt"),
    (["-o", "{tmp}/m.pt", "--kinds", "sound"], "--kinds 'sound'"),
    (["-o", "{tmp}/m.pt", "--samples", "2"], "--samples must be"),
    (["-o", "{tmp}/m.pt", "--select", "#nothing"], "matches no element"),
])
def test_bad_training_options_exit_2(args, message, scene_svg, tiny_clip, tmp_path, capsys):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code = main(["deltaedit", "train", str(scene_svg), *args, "-q", *clip_flags(tiny_clip)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1, err
    assert not list(tmp_path.glob("m.*"))


def test_training_leaves_the_callers_random_state_alone():
    from vecedit.plugins.deltaedit.training import _own_random_state

    @_own_random_state
    def seeds():
        torch.manual_seed(123)
        return torch.rand(1)

    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    seeds()
    assert torch.equal(torch.rand(3), expected)
