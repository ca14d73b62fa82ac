"""DreamDistribution: soft prompts through the real (tiny) open_clip text tower, fitting, files, sampling, edits."""

import logging

import numpy as np
import pytest
import torch
from PIL import Image
from standins import ColourWords

from vecedit.plugins.dreamdistribution import distribution as dist
from vecedit.plugins.dreamdistribution.fit import fit_distribution
from vecedit.plugins.dreamdistribution.text_tower import SoftPromptTower
from vecedit.cli import main
from vecedit.edit.config import EditConfig
from vecedit.errors import InputError, OptionError
from vecedit.losses.encoders import load_clip
from vecedit.edit.loop import Editor
from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from vecedit.svg import load_svg

DOTS = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">
  <rect id="bg" width="64" height="48" fill="#ffffff"/>
  <circle id="left" cx="16" cy="24" r="10" fill="#808080"/>
  <circle id="right" cx="48" cy="24" r="10" fill="#808080"/>
</svg>"""
QUICK_EDIT = ["--iterations", "3", "--patches", "2", "-q"]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """These models are tiny: on a shared 2-core machine, waking a second thread costs more than it gains."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tiny(tiny_clip):
    config, checkpoint = tiny_clip
    return load_clip(str(config), None, str(checkpoint), "cpu")


@pytest.fixture(scope="module")
def clip_flags(tiny_clip):
    config, checkpoint = tiny_clip
    return ["--clip", str(config), "--clip-checkpoint", str(checkpoint)]


def reference_images(n=4):
    """Red-ish squares moving across a white page: a 'concept' with some variation."""
    images = []
    for i in range(n):
        image = np.ones((40, 48, 3), np.float32)
        image[5 + 3 * i : 25 + 3 * i, 10 + 2 * i : 30 + 2 * i] = (0.9, 0.2 * i, 0.1)
        images.append(image)
    return images


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    folder = tmp_path_factory.mktemp("refs")
    paths = []
    for i, image in enumerate(reference_images()):
        paths.append(folder / f"ref{i}.png")
        Image.fromarray((image * 255).astype(np.uint8)).save(paths[-1])
    return paths


@pytest.fixture(scope="module")
def concept(tiny, tmp_path_factory):
    """A distribution fitted with the tiny model and saved."""
    path = tmp_path_factory.mktemp("concept") / "concept.pt"
    fit_distribution(tiny, reference_images(), steps=15, prompts=6, lr=0.01).save(path)
    return path


@pytest.fixture
def dots(tmp_path):
    path = tmp_path / "dots.svg"
    path.write_text(DOTS)
    return path


# ----------------------------------------------------------------------------- the text tower and fitting


def test_soft_tokens_holding_real_word_embeddings_reproduce_encode_text(tiny):
    tower = SoftPromptTower(tiny)
    words = tower.embed_words("a red apple on a table", 3)[None]  # "a red apple" as three soft tokens
    through_soft = tower.encode(words, "on a table")
    assert torch.allclose(through_soft, tiny.encode_text(["a red apple on a table"]), atol=1e-5)
    other = tower.encode(words + 0.05 * torch.randn_like(words), "on a table")
    assert not torch.allclose(other, through_soft, atol=1e-3)  # the soft tokens do reach the features


def test_fitting_lowers_the_loss_and_the_orthogonality_term_acts(tiny):
    parts = []
    fitted = fit_distribution(tiny, reference_images(), steps=20, prompts=6, lr=0.01,
                              progress=lambda step, p: parts.append(p))
    assert parts[-1]["match"] < 0.5 * parts[0]["match"]
    assert parts[-1]["loss"] == pytest.approx(parts[-1]["match"] + 1e-3 * parts[-1]["orthogonality"], rel=1e-5)
    assert fitted.soft_tokens.shape == (6, 4, 64) and fitted.dim == 32 and bool((fitted.std > 0).all())
    apart = []
    fit_distribution(tiny, reference_images(), steps=20, prompts=6, lr=0.01, orthogonality=1.0,
                     progress=lambda step, p: apart.append(p))
    assert apart[-1]["orthogonality"] < 0.5 * parts[-1]["orthogonality"]  # a strong term pushes prompts apart


def test_an_encoder_without_a_text_transformer_cannot_fit():
    with pytest.raises(OptionError, match="needs an open_clip encoder"):
        fit_distribution(ColourWords(), reference_images(), steps=1)


# ----------------------------------------------------------------------------- files and samples


def test_save_load_round_trip_gives_identical_samples(concept, tiny, tmp_path):
    loaded = dist.load(concept)
    again = tmp_path / "again.pt"
    loaded.save(again)
    reloaded = dist.load(again)
    assert torch.equal(loaded.sample(5, 1.0, seed=3), reloaded.sample(5, 1.0, seed=3))
    assert torch.equal(loaded.soft_tokens, reloaded.soft_tokens)
    assert loaded.encoder == dist.encoder_identity(tiny) and loaded.encoder["name"] == "vecedit-tiny-clip"
    assert torch.equal(loaded.sample(3, seed=7)[1], loaded.draw(seed=8))  # sample i is seed + i


def test_std_scale_sets_the_spread_of_samples(concept):
    loaded = dist.load(concept)

    def spread(scale):
        samples = loaded.sample(8, scale, seed=0)
        return float(torch.cdist(samples, samples).mean())

    assert spread(0) == 0 and torch.equal(loaded.sample(2, 0)[0], loaded.mean)
    assert 0 < spread(0.5) < spread(1) < spread(3)
    assert spread(3) == pytest.approx(3 * spread(1), rel=1e-5)


def test_mixing_validates_weights_and_a_one_zero_mix_is_the_first(concept, tiny, tmp_path):
    other = tmp_path / "other.pt"
    fit_distribution(tiny, reference_images()[::-1], steps=3, prompts=4, seed=1).save(other)
    first, second = dist.load(concept), dist.load(other)
    single = dist.mix([first, second], [1.0, 0.0])
    assert torch.equal(single.sample(4, 1.5, seed=2), first.sample(4, 1.5, seed=2))
    half = dist.mix([first, second], [0.5, 0.5])
    assert torch.allclose(half.mean, (first.mean + second.mean) / 2) and torch.allclose(
        half.std, (first.std + second.std) / 2)
    assert dist.parse_mix(f"{concept}:0.7,{other}:0.3") == [(str(concept), 0.7), (str(other), 0.3)]
    for text, message in ((f"{concept}:0.7,{other}:0.2", "sum to 1"), (f"{concept}:lots", "FILE:WEIGHT"),
                          (f"{concept}", "FILE:WEIGHT"), (f"{concept}:1.5,{other}:-0.5", "≥ 0")):
        with pytest.raises(OptionError, match=message):
            dist.parse_mix(text)


def test_a_file_from_another_encoder_is_refused(concept, tiny_clip, dots, tmp_path, capsys):
    import open_clip

    config, _ = tiny_clip
    torch.manual_seed(1)  # same architecture, other weights
    logging.getLogger().setLevel(logging.ERROR)
    other = tmp_path / "other-weights.pt"
    torch.save(open_clip.create_model("vecedit-tiny-clip", pretrained=None).state_dict(), other)
    out = tmp_path / "v" / "out.svg"
    out.parent.mkdir()
    code = main(["dreamdistribution", "sample", str(dots), "--distribution", str(concept), "-n", "2", "-o", str(out),
                 "--clip", str(config), "--clip-checkpoint", str(other), *QUICK_EDIT])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "was fitted with vecedit-tiny-clip (weights" in err and "fit it again" in err
    assert list(out.parent.iterdir()) == []
    mine = dist.load(concept)
    with pytest.raises(InputError, match="cannot mix distributions fitted with different encoders"):
        dist.mix([mine, dist.PromptDistribution(mine.mean, mine.std, encoder={**mine.encoder, "fingerprint": "x"})],
                 [0.5, 0.5])


# ----------------------------------------------------------------------------- the commands


def test_fit_command_writes_a_distribution(references, clip_flags, tmp_path, capsys):
    out = tmp_path / "c.pt"
    code = main(["dreamdistribution", "fit", *map(str, references), "-o", str(out), "--prompts", "4",
                 "--steps", "3", *clip_flags])
    assert code == 0, capsys.readouterr().err
    assert "wrote" in capsys.readouterr().out
    saved = torch.load(out, weights_only=True)
    assert saved["soft_tokens"].shape == (4, 4, 64) and saved["info"]["references"] == 4


@pytest.mark.parametrize("case, message", [
    ("two", "at least 3 reference images"),
    ("unreadable", "cannot read"),
    ("missing", "not found"),
    ("one prompt", "--prompts must be at least 2"),
    ("bad output", "ending in .pt"),
])
def test_fit_command_refuses_bad_input_with_exit_2(case, message, references, clip_flags, tmp_path, capsys):
    refs, out, extra = [str(p) for p in references], tmp_path / "c.pt", []
    if case == "two":
        refs = refs[:2]
    elif case == "unreadable":
        (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
        refs.append(str(tmp_path / "broken.png"))
    elif case == "missing":
        refs.append(str(tmp_path / "nowhere.png"))
    elif case == "one prompt":
        extra = ["--prompts", "1"]
    else:
        out = tmp_path / "c.txt"
    code = main(["dreamdistribution", "fit", *refs, "-o", str(out), "--steps", "2", *extra, *clip_flags])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert not out.exists()


def sample_variants(folder, concept, dots, clip_flags, scale, n=3, seed=0):
    """Run the sample command into ``folder``; return the variants' SVG texts and their renders."""
    folder.mkdir()
    code = main(["dreamdistribution", "sample", str(dots), "--distribution", str(concept), "-n", str(n),
                 "--std-scale", str(scale), "-o", str(folder / "out.svg"), "--seed", str(seed), *clip_flags,
                 *QUICK_EDIT])
    assert code == 0
    paths = [folder / f"out-{i}.svg" for i in range(n)]
    assert sorted(folder.iterdir()) == paths
    with torch.no_grad():
        renders = np.stack([render_scene(from_document(load_svg(p)), (1.0, 1.0, 1.0))[..., :3].numpy()
                            for p in paths])
    return [p.read_text() for p in paths], float(np.abs(renders - renders.mean(0)).mean())


def test_sample_command_writes_n_variants_whose_spread_follows_the_std_scale(concept, clip_flags, dots, tmp_path):
    wide, wide_spread = sample_variants(tmp_path / "wide", concept, dots, clip_flags, 3, seed=5)
    assert len(set(wide)) == 3
    narrow, narrow_spread = sample_variants(tmp_path / "narrow", concept, dots, clip_flags, 0.3, seed=5)
    same, same_spread = sample_variants(tmp_path / "same", concept, dots, clip_flags, 0, n=2)
    assert same[0] == same[1] and same_spread == 0
    assert 0 < narrow_spread < 0.5 * wide_spread

    # `vecedit edit --plugin` draws one sample with the run's seed: the sample command's first variant
    one = tmp_path / "one.svg"
    code = main(["edit", str(dots), "-o", str(one), "--plugin", "dreamdistribution", "--plugin-option",
                 f"distribution={concept}", "--plugin-option", "std_scale=3", "--seed", "5", *clip_flags, *QUICK_EDIT])
    assert code == 0
    assert one.read_text() == wide[0]


def test_a_given_sample_seed_is_the_first_variant_s_and_the_next_ones_follow(concept, clip_flags, dots, tmp_path):
    folder = tmp_path / "seeded"
    folder.mkdir()
    code = main(["dreamdistribution", "sample", str(dots), "--distribution", str(concept), "-n", "2", "--std-scale",
                 "3", "--plugin-option", "sample_seed=7", "-o", str(folder / "out.svg"), *clip_flags, *QUICK_EDIT])
    assert code == 0
    first, second = (folder / "out-0.svg").read_text(), (folder / "out-1.svg").read_text()
    assert first != second  # not the same sample twice
    one = tmp_path / "one.svg"
    code = main(["edit", str(dots), "-o", str(one), "--plugin", "dreamdistribution", "--plugin-option",
                 f"distribution={concept}", "--plugin-option", "std_scale=3", "--plugin-option", "sample_seed=7",
                 *clip_flags, *QUICK_EDIT])
    assert code == 0 and one.read_text() == first


@pytest.mark.parametrize("flags, message", [
    (["--mix", "{c}:0.6,{c}:0.3"], "sum to 1"),
    (["--mix", "{c}=0.5"], "FILE:WEIGHT"),
    (["--mix", "{c}:0.5,{missing}:0.5"], "no such distribution file"),
    (["--distribution", "{dots}"], "cannot read"),
    (["--distribution", "{c}", "--mix", "{c}:1"], "exactly one of"),
    (["--distribution", "{c}", "--std-scale", "-1"], "must be a number ≥ 0"),
    ([], "exactly one of"),
    (["--distribution", "{c}", "--write-config", "{missing}"], "write a job file with vecedit edit"),
])
def test_sample_command_refuses_bad_distributions_with_exit_2(flags, message, concept, clip_flags, dots, tmp_path,
                                                             capsys):
    names = {"c": concept, "missing": tmp_path / "missing.pt", "dots": dots}
    out = tmp_path / "out.svg"
    code = main(["dreamdistribution", "sample", str(dots), *[f.format(**names) for f in flags], "-n", "2",
                 "-o", str(out), *clip_flags, *QUICK_EDIT])
    err = capsys.readouterr().err.strip()
    assert code == 2 and message in err and len(err.splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dots.svg"]


def test_mixing_on_the_command_line_with_weight_one_equals_the_single_file(concept, clip_flags, dots, tmp_path,
                                                                          capsys):
    other = tmp_path / "other.pt"
    dist.PromptDistribution(-dist.load(concept).mean, dist.load(concept).std * 2,
                            encoder=dist.load(concept).encoder).save(other)
    single, mixed = tmp_path / "single.svg", tmp_path / "mixed.svg"
    for out, flags in ((single, ["--distribution", str(concept)]), (mixed, ["--mix", f"{concept}:1,{other}:0"])):
        code = main(["dreamdistribution", "sample", str(dots), *flags, "-n", "1", "-o", str(out), *clip_flags,
                     *QUICK_EDIT])
        assert code == 0, capsys.readouterr().err
    assert (tmp_path / "single-0.svg").read_text() == (tmp_path / "mixed-0.svg").read_text()


def test_text_after_the_prompts_changes_the_distribution(concept, tiny):
    loaded = dist.load(concept)
    tower = SoftPromptTower(tiny)
    autumn = dist.with_text(loaded, tower, "in autumn")
    assert autumn.text == "in autumn" and not torch.allclose(autumn.mean, loaded.mean)
    expected = dist.gaussian_of(dist.features_of(tower, loaded.soft_tokens, "in autumn"))
    assert torch.allclose(autumn.mean, expected[0]) and torch.allclose(autumn.std, expected[1])
    with pytest.raises(OptionError, match="needs the soft prompts"):
        dist.with_text(dist.mix([loaded], [1.0]), tower, "in autumn")


# ----------------------------------------------------------------------------- meaning, with the stand-in encoder


def edit_with(distribution, dots, scale, seed, target="image"):
    """One edit through the plugin with ColourWords (features = mean RGB; 'a photo' = grey)."""
    config = EditConfig(iterations=15, patches=2, seed=0, optimize=["color"], plugin="dreamdistribution",
                        plugin_options={"distribution": distribution, "std_scale": scale, "sample_seed": seed,
                                        "target": target})
    config.lr.color = 0.05
    editor = Editor(str(dots), config, encoder=ColourWords())
    (roi,) = [r for r in editor.terms[0].rois if r.name == "dreamdistribution"]
    assert (roi.direction is not None) == (target == "text") and (roi.target_features is not None) == (
        target == "image")
    editor.run()
    editor.write_back()
    return {s.id: np.array(s.fill[:3]) for s in editor.document.shapes()}


@pytest.mark.parametrize("target", ["image", "text"])
def test_a_distribution_centred_on_red_turns_every_variant_red(dots, target):
    red = dist.PromptDistribution(mean=[0.8, 0.1, 0.1], std=[0.25, 0.25, 0.25])  # in the stand-in's RGB space
    for scale, seed in ((0.0, 0), (1.0, 1), (1.0, 2)):
        edited = edit_with(red, dots, scale, seed, target)
        for dot in ("left", "right"):
            r, g, b = edited[dot]
            assert r - g > 0.2 and r - b > 0.2, (scale, seed, dot)  # grey dots moved toward the concept


def test_a_job_file_s_mix_takes_its_files_from_the_job_folder(concept, clip_flags, dots, tmp_path, monkeypatch):
    from vecedit.edit.config import load_config

    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "a.pt").write_bytes(concept.read_bytes())
    (jobs / "b.pt").write_bytes(concept.read_bytes())
    job = jobs / "job.yaml"
    job.write_text(f"plugin: dreamdistribution\nplugin_options: {{mix: 'a.pt:0.7, b.pt:0.3', "
                   f"distribution: a.pt}}\n")
    options = load_config(job).plugin_options
    assert options["mix"] == f"{jobs / 'a.pt'}:0.7,{jobs / 'b.pt'}:0.3"
    assert options["distribution"] == str(jobs / "a.pt")
    # names with no file there, absolute names and malformed items stay as written
    job.write_text(f"plugin: dreamdistribution\nplugin_options: {{mix: 'missing.pt:0.5,{concept}:0.5,junk'}}\n")
    assert load_config(job).plugin_options["mix"] == f"missing.pt:0.5,{concept}:0.5,junk"
    # and the run finds them from another working folder
    job.write_text("plugin: dreamdistribution\nplugin_options: {mix: 'a.pt:1,b.pt:0'}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "out.svg"
    assert main(["dreamdistribution", "sample", str(dots), "--config", str(job), "-n", "1", "-o", str(out),
                 *clip_flags, *QUICK_EDIT]) == 0
    assert (tmp_path / "out-0.svg").is_file()
