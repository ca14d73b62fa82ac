"""GlyphDraw plugin: glyph paths placed in a box, the rest untouched, OCR-readable, styled by a prompt,
the CLI subcommand, the diffusers inpainting target, and every bad input."""

import json
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
from standins import ColourWords

from vecedit.plugin.contract import Job, parse_options
from vecedit.plugins.glyphdraw import GlyphDrawPlugin, place_glyphs
from vecedit.cli import main
from vecedit.edit.config import EditConfig
from vecedit.errors import InputError, OptionError
from vecedit.scene import from_document
from vecedit.svg import dumps_svg, load_svg

# 320×200 document pixels drawn from a 160×100 viewBox: the box is in document pixels
POSTER = """<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 160 100">
  <rect id="sky" width="160" height="100" fill="#9cc8f0"/>
  <circle id="sun" cx="142" cy="18" r="10" fill="#ffcc00"/>
  <path id="hill" d="M0 82 Q80 62 160 82 L160 100 L0 100 Z" fill="#3a7d44"/>
</svg>
"""
BOX = (40.0, 30.0, 200.0, 90.0)
CJK_FAMILY = "WenQuanYi Micro Hei"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def poster(tmp_path):
    path = tmp_path / "poster.svg"
    path.write_text(POSTER)
    return path


def cjk_font():
    from vecedit.fonts.layout import resolve_font

    try:
        return str(resolve_font(CJK_FAMILY).path)
    except InputError:
        pytest.skip(f"no CJK font installed: apt-get install fonts-wqy-microhei ({CJK_FAMILY})")


def glyph_points(doc, group="glyphdraw-1"):
    """Control points of the inserted glyph paths, in document pixels."""
    scene = from_document(doc)
    shapes = doc.shapes()
    rows = [np.arange(a, a + n) for s in scene.shapes if (shapes[s.element].id or "").startswith(group + "-")
            for a, n, _ in s.subpaths]
    return scene.points.detach().numpy()[np.concatenate(rows)]


def canonical(root):
    return ET.canonicalize(ET.tostring(root, encoding="unicode"), strip_text=True)


def without_group(svg_text, group_id):
    """Canonical XML of a document with the inserted group (and its empty transform wrapper) removed."""
    root = ET.fromstring(svg_text)
    parents = {child: parent for parent in root.iter() for child in parent}
    group = next(el for el in root.iter() if el.get("id") == group_id)
    parent = parents[group]
    parent.remove(group)
    if parent is not root and len(parent) == 0:
        parents[parent].remove(parent)
    return canonical(root)


def unchanged_apart_from(out_text, group_id):
    assert without_group(out_text, group_id) == canonical(ET.fromstring(POSTER))
    end = POSTER.rindex("</svg>")
    assert out_text[:end] == POSTER[:end]  # every byte before the insertion point is the input's


def job(doc, prompt=None, **options):
    config = EditConfig(prompt=prompt, plugin="glyphdraw", plugin_options=options)
    return Job(doc, config, parse_options(GlyphDrawPlugin(), options))


# ---------------------------------------------------------------------------- placement


@pytest.mark.parametrize("fit, align", [("contain", "center"), ("contain", "left"), ("stretch", "center")])
def test_glyph_paths_land_in_the_box_and_fill_it(fit, align):
    placement = place_glyphs(load_svg(POSTER), "Hello", BOX, fit=fit, align=align, max_segment=None)
    x, y, w, h = BOX
    pts = glyph_points(placement.document)
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    assert x - 1 <= x0 and y - 1 <= y0 and x1 <= x + w + 1 and y1 <= y + h + 1
    touches_w, touches_h = abs(x1 - x0 - w) < 1, abs(y1 - y0 - h) < 1
    assert (touches_w and touches_h) if fit == "stretch" else (touches_w or touches_h)
    if align == "left":
        assert abs(x0 - x) < 1
    elif fit == "contain":  # centred both ways
        assert abs((x0 + x1) / 2 - (x + w / 2)) < 1 and abs((y0 + y1) / 2 - (y + h / 2)) < 1
    ink = np.nonzero(placement.coverage() > 0)  # the rendered glyphs, not just their points
    assert ink[1].min() >= x - 1 and ink[1].max() < x + w + 1 and ink[0].min() >= y - 1 and ink[0].max() < y + h + 1
    assert [s.id for s in placement.document.shapes()][-5:] == [
        "glyphdraw-1-glyph-0-H", "glyphdraw-1-glyph-1-e", "glyphdraw-1-glyph-2-l", "glyphdraw-1-glyph-3-l",
        "glyphdraw-1-glyph-4-o"]


def test_the_rest_of_the_document_is_byte_identical_and_ids_stay_unique(poster):
    first = place_glyphs(load_svg(poster), "Hi", BOX)
    text = dumps_svg(first.document)
    unchanged_apart_from(text, "glyphdraw-1")
    group = next(el for el in ET.fromstring(text).iter() if el.get("id") == "glyphdraw-1")
    assert group.get("class") == "glyphdraw" and group.get("data-text") == "Hi"
    assert [p.get("class") for p in group] == ["glyph", "glyph"]
    second = place_glyphs(first.document, "Hi", BOX)  # a second insertion gets a fresh id
    assert second.group_id == "glyphdraw-2"
    ids = [el.get("id") for el in ET.fromstring(dumps_svg(second.document)).iter() if el.get("id")]
    assert len(ids) == len(set(ids))
    taken = POSTER.replace('id="sun"', 'id="glyphdraw-1-glyph-0-H"')
    assert place_glyphs(load_svg(taken), "Hi", BOX).group_id == "glyphdraw-2"


def test_ocr_reads_the_inserted_latin_text():
    from vecedit.fonts.ocr import check_legibility

    placement = place_glyphs(load_svg(POSTER), "Hello", BOX)
    reading = check_legibility(placement.document, "Hello")
    assert reading.exact, reading.summary()


def test_ocr_reads_the_inserted_chinese_text():
    from vecedit.fonts.ocr import check_legibility

    placement = place_glyphs(load_svg(POSTER), "天空", BOX, font=cjk_font())
    assert placement.glyph_ids == ["glyphdraw-1-glyph-0-u5929", "glyphdraw-1-glyph-1-u7a7a"]
    reading = check_legibility(placement.document, "天空")
    assert reading.exact, reading.summary()


# ---------------------------------------------------------------------------- the plugin


def test_contribution_roi_mask_covers_the_glyphs_and_carries_the_prompt():
    contribution = GlyphDrawPlugin().contribute(job(load_svg(POSTER), "made of clouds", text="Hello",
                                                    box="40,30,200,90"))
    assert contribution.select == ["#glyphdraw-1"]
    [roi] = contribution.rois
    assert roi.prompt == "made of clouds" and roi.mask.shape == (200, 320)
    placement = place_glyphs(load_svg(POSTER), "Hello", BOX, max_segment=None)
    ink = placement.coverage() > 0
    assert (roi.mask[ink] == 1).all()  # every glyph pixel is inside the mask
    assert roi.mask.mean() < 0.5 * (BOX[2] * BOX[3]) / (320 * 200) * 2  # grown glyphs, not the whole box
    x0, y0, x1, y1 = roi.box
    assert x0 <= 40 and y0 <= 30 and x1 >= 240 and y1 >= 120
    assert {t.name for t in contribution.loss_terms} == {"glyph_acap", "glyph_tone"}
    boxed = GlyphDrawPlugin().contribute(job(load_svg(POSTER), text="Hello", box="40,30,200,90", prompt="neon",
                                             mask="box", legibility="false"))
    assert boxed.rois[0].mask.sum() == 200 * 90 and boxed.rois[0].prompt == "neon" and not boxed.loss_terms


def test_a_short_edit_toward_red_makes_only_the_glyphs_redder():
    from vecedit.edit.loop import Editor

    config = EditConfig(iterations=8, patches=2, seed=0, templates="none", plugin="glyphdraw",
                        plugin_options={"text": "Hi", "box": "40,30,200,90", "prompt": "red"})
    config.lr.color = 0.05
    editor = Editor(load_svg(POSTER), config, encoder=ColourWords())
    editor.run()
    out = dumps_svg(editor.document)
    unchanged_apart_from(out, "glyphdraw-1")  # sky, sun and hill bit-identical
    fills = [s.fill for s in load_svg(out).shapes() if s.id.startswith("glyphdraw-1-")]
    assert len(fills) == 2 and all(f[0] - max(f[1], f[2]) > 0.15 for f in fills)  # from black toward red
    assert {"glyph_acap", "glyph_tone"} <= set(editor.state.history[-1])


def test_a_resumed_edit_keeps_the_legibility_references_of_the_inserted_glyphs():
    from vecedit.edit.loop import Editor

    def editor(iterations):
        config = EditConfig(iterations=iterations, patches=2, seed=0, templates="none", plugin="glyphdraw",
                            plugin_options={"text": "Hi", "box": "40,30,200,90", "prompt": "red"})
        return Editor(load_svg(POSTER), config, encoder=ColourWords())

    first = editor(3)
    first.run()
    fresh, resumed = editor(5), editor(5)
    resumed.restore(first.checkpoint())  # the glyphs have moved: the terms must still measure the placed ones
    resumed.run()
    fresh.run()
    tones = [next(t for t in e.terms if t.name == "glyph_tone") for e in (fresh, resumed)]
    angles = [next(t for t in e.terms if t.name == "glyph_acap") for e in (fresh, resumed)]
    assert torch.equal(tones[0].target, tones[1].target) and torch.equal(angles[0].initial, angles[1].initial)
    assert resumed.state.iteration == 5 and len(resumed.state.history) == 5


def test_cli_runs_an_edit_with_a_tiny_open_clip_model(tiny_clip, poster, tmp_path, capsys):
    config, checkpoint = tiny_clip
    out = tmp_path / "clouds.svg"
    code = main(["glyphdraw", str(poster), "--text", "Hi", "--box", "40,30,200,90", "-p", "made of clouds",
                 "--clip", str(config), "--clip-checkpoint", str(checkpoint), "--iterations", "2", "--patches", "1",
                 "--templates", "none", "-o", str(out), "-q"])
    assert code == 0, capsys.readouterr().err
    text = out.read_text()
    unchanged_apart_from(text, "glyphdraw-1")
    before = glyph_points(place_glyphs(load_svg(POSTER), "Hi", BOX, max_segment=None).document)
    after = glyph_points(load_svg(text))
    assert before.shape == after.shape and not np.allclose(before, after)  # the encoder's gradients moved them


def test_cli_insert_only_writes_the_outlines_and_the_conditioning_images(poster, tmp_path, capsys):
    from vecedit.imageio import load_image

    out, glyphs, mask = tmp_path / "hello.svg", tmp_path / "glyphs.png", tmp_path / "mask.png"
    assert main(["glyphdraw", str(poster), "--text", "Hello", "--box", "40,30,200,90", "--color", "#c00000",
                 "--insert-only", "--glyph-image", str(glyphs), "--position-mask", str(mask), "-o", str(out)]) == 0
    assert "inserted 'Hello' (DejaVu Sans, 5 glyph paths) as #glyphdraw-1" in capsys.readouterr().out
    text = out.read_text()
    unchanged_apart_from(text, "glyphdraw-1")
    assert 'fill="#c00000"' in text and text.count(" C") < 200  # the font's own segments, not subdivided
    ink = load_image(glyphs)[..., :3].mean(-1) < 0.5  # black text on white
    inside = load_image(mask)[..., :3].mean(-1) > 0.5
    assert ink.shape == inside.shape == (200, 320) and ink.any() and inside[ink].all()


def test_insert_only_takes_input_output_and_options_from_a_job_file(poster, tmp_path, capsys):
    job_file = tmp_path / "job.yaml"
    job_file.write_text("input: poster.svg\noutput: sign.svg\nplugin: glyphdraw\n"
                        "plugin_options: {text: Hello, box: '40,30,200,90', color: '#c00000'}\n")
    mask = tmp_path / "mask.png"
    assert main(["glyphdraw", "--config", str(job_file), "--insert-only", "--text", "Hi",
                 "--position-mask", str(mask), "-q"]) == 0, capsys.readouterr().err
    text = (tmp_path / "sign.svg").read_text()
    unchanged_apart_from(text, "glyphdraw-1")
    assert 'data-text="Hi"' in text and 'fill="#c00000"' in text  # the flag over the job file, the rest from it
    assert mask.is_file()


def test_a_job_file_s_prompt_means_what_p_means_in_glyphdraw_and_keeps_the_edit_s_meaning_in_edit(poster, tmp_path,
                                                                                                    capsys):
    from vecedit.edit.config import load_config

    job_file = tmp_path / "job.yaml"
    job_file.write_text("input: poster.svg\noutput: out.svg\nprompt: red\nplugin: glyphdraw\n"
                        "plugin_options: {text: Hi, box: '40,30,200,90'}\n")

    def written(*command):
        """The configuration the edit would run (vecedit writes it with --write-config and stops)."""
        target = tmp_path / f"written-{len(list(tmp_path.glob('written-*')))}.yaml"
        assert main([*command, "--write-config", str(target), "-q"]) == 0, capsys.readouterr().err
        config = load_config(target)
        return config.prompt, config.plugin_options

    from_flags = written("glyphdraw", str(poster), "--text", "Hi", "--box", "40,30,200,90", "-p", "red",
                         "-o", str(tmp_path / "out.svg"))
    assert from_flags == (None, {"text": "Hi", "box": "40,30,200,90", "prompt": "red"})
    assert written("glyphdraw", "--config", str(job_file)) == from_flags
    assert written("glyphdraw", "--config", str(job_file), "-p", "blue") == (
        None, {"text": "Hi", "box": "40,30,200,90", "prompt": "blue"})  # the flag wins, and no canvas prompt stays
    assert written("edit", "--config", str(job_file)) == ("red", {"text": "Hi", "box": "40,30,200,90"})
    # the job file may not give the glyphs two prompts
    job_file.write_text("input: poster.svg\noutput: out.svg\nprompt: red\nplugin: glyphdraw\n"
                        "plugin_options: {text: Hi, box: '40,30,200,90', prompt: gold}\n")
    assert main(["glyphdraw", "--config", str(job_file), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert "both prompt and plugin_options.prompt" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "out.svg").exists()
    assert "prompt: is the glyphs'" in " ".join(main_help(capsys, "glyphdraw").split())


def main_help(capsys, command) -> str:
    assert main([command, "-h"]) == 0
    return capsys.readouterr().out


# ---------------------------------------------------------------------------- Stable Diffusion inpainting


@pytest.fixture(scope="module")
def tiny_inpainting(tmp_path_factory):
    """A randomly initialised, tiny StableDiffusionInpaintPipeline saved with save_pretrained (no download)."""
    diffusers = pytest.importorskip("diffusers", reason="the sd_model path needs diffusers (extra 'diffusion')")
    transformers = pytest.importorskip("transformers", reason="the sd_model path needs transformers")
    folder = tmp_path_factory.mktemp("tiny-sd")
    letters = list("abcdefghijklmnopqrstuvwxyz0123456789.,'!")
    vocab = {c: i for i, c in enumerate(letters + [c + "</w>" for c in letters])}
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = transformers.CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"),
                                           model_max_length=16)
    torch.manual_seed(0)
    unet = diffusers.UNet2DConditionModel(
        block_out_channels=(8, 16), layers_per_block=1, sample_size=16, in_channels=9, out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"), up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=16, attention_head_dim=2, norm_num_groups=4)
    vae = diffusers.AutoencoderKL(block_out_channels=(8, 16), in_channels=3, out_channels=3, latent_channels=4,
                                  down_block_types=("DownEncoderBlock2D",) * 2,
                                  up_block_types=("UpDecoderBlock2D",) * 2, norm_num_groups=4, sample_size=32)
    text_encoder = transformers.CLIPTextModel(transformers.CLIPTextConfig(
        bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"], pad_token_id=1, hidden_size=16,
        intermediate_size=32, num_attention_heads=2, num_hidden_layers=2, vocab_size=len(vocab)))
    scheduler = diffusers.DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                                        clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    pipe = diffusers.StableDiffusionInpaintPipeline(unet=unet, vae=vae, text_encoder=text_encoder,
                                                    tokenizer=tokenizer, scheduler=scheduler, safety_checker=None,
                                                    feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(folder / "model")
    return folder / "model"


def test_the_inpainting_target_has_the_document_size_and_feeds_the_image_loss(tiny_inpainting):
    from vecedit.edit.loop import Editor

    options = {"text": "Hi", "box": "40,30,200,90", "sd_model": str(tiny_inpainting), "sd_steps": "2",
               "sd_size": "64", "image_weight": "5"}
    the_job = job(load_svg(POSTER), "clouds", **options)
    contribution = GlyphDrawPlugin().contribute(the_job)
    target, mask = contribution.target_image, contribution.target_mask
    assert target.shape == (200, 320, 3) and mask.shape == (200, 320) and contribution.image_weight == 5
    initial = the_job.render_initial(contribution.document)
    assert np.abs(target - initial)[mask > 0].mean() > 0.01  # repainted where the glyphs are
    assert np.array_equal(target[:, :8], initial[:, :8])  # far from the box: the render itself
    again = GlyphDrawPlugin().contribute(job(load_svg(POSTER), "clouds", **options))
    assert np.array_equal(again.target_image, target)  # seeded

    config = EditConfig(prompt=None, iterations=2, patches=1, plugin="glyphdraw",
                        plugin_options={**options, "prompt": "red"})
    editor = Editor(load_svg(POSTER), config, encoder=ColourWords())
    editor.run()
    [term] = [t for t in editor.terms if t.name == "plugin_image"]
    assert term.target.shape == (editor.scene.height, editor.scene.width, 3) and term.mask is not None
    assert all(np.isfinite(h["plugin_image"]) and h["plugin_image"] > 0 for h in editor.state.history)


# ---------------------------------------------------------------------------- bad input


def fake_model(folder, class_name="StableDiffusionInpaintPipeline", channels=9):
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"_class_name": class_name, "unet": ["diffusers", "X"]}))
    (folder / "unet" / "config.json").write_text(json.dumps({"in_channels": channels}))
    return folder


@pytest.mark.parametrize("flags, message", [
    ({"--font": "/no/such/font.ttf"}, "no such font file"),
    ({"--font": "No Such Family Anywhere"}, "No Such Family Anywhere"),
    ({"--text": "天空 sky"}, "has no glyph for '天' (U+5929), '空' (U+7A7A); use a CJK font"),
    ({"--box": "300,150,100,100"}, "does not lie inside the 320×200 document"),
    ({"--box": "10,10,0,20"}, "has no area"),
    ({"--box": "10,10,20"}, "x,y,w,h in document pixels"),
    ({"--text": "   "}, "the text is empty"),
    ({"--color": "blurple"}, "bad colour 'blurple'"),
    ({"--padding": "50"}, "leaves no room"),
    ({"--sd-model": "{tmp}/nowhere"}, "no such folder"),
    ({"--sd-model": "{tmp}/poster.svg"}, "is a file, not a model folder"),
    ({"--sd-model": "{tmp}"}, "not a diffusers model folder (no model_index.json)"),
    ({"--sd-model": "{tmp}/txt2img"}, "4-channel UNet is a text-to-image model, not an inpainting one"),
    ({"--sd-strength": "1.5"}, "sd_strength must be in (0, 1]"),
    ({"-p": None}, "nothing to style the text toward"),
    ({"--insert-only": True}, "--insert-only places the outlines only"),
    ({"--glyph-image": "{tmp}/g.jpg"}, "give a file name ending in .png"),
    ({"--text": None}, "vecedit glyphdraw needs --text"),
    ({"--box": None, "--insert-only": True, "-p": None}, "vecedit glyphdraw needs --box"),
])
def test_bad_input_fails_in_one_line_and_writes_nothing(poster, tmp_path, capsys, flags, message):
    fake_model(tmp_path / "txt2img", "StableDiffusionPipeline", channels=4)
    given = {"--text": "Hello", "--box": "40,30,200,90", "-p": "made of clouds", **flags}
    argv = ["glyphdraw", str(poster), "-o", str(tmp_path / "out.svg"), "-q"]
    for flag, value in given.items():
        if value is not None:
            argv += [flag] if value is True else [flag, value.replace("{tmp}", str(tmp_path))]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["poster.svg", "txt2img"]  # nothing written


def test_a_model_folder_that_diffusers_cannot_load_is_one_line(tiny_inpainting, tmp_path):
    from vecedit.plugins.glyphdraw.inpaint import load_pipeline

    broken = fake_model(tmp_path / "broken")  # looks like an inpainting model, holds no weights
    with pytest.raises(InputError, match="cannot load it as a diffusers inpainting pipeline") as caught:
        load_pipeline(broken, "cpu")
    assert "\n" not in str(caught.value)


def test_without_diffusers_the_sd_path_says_what_to_install(tmp_path, monkeypatch):
    from vecedit.plugins.glyphdraw.inpaint import load_pipeline

    monkeypatch.setitem(sys.modules, "diffusers", None)  # as if the extra were not installed
    with pytest.raises(InputError, match=r"needs diffusers and transformers: pip install 'vecedit\[diffusion\]'"):
        load_pipeline(fake_model(tmp_path / "model"), "cpu")


def test_api_errors_name_the_problem():
    doc = load_svg(POSTER)
    with pytest.raises(OptionError, match="fit 'squash'"):
        place_glyphs(doc, "Hi", BOX, fit="squash")
    with pytest.raises(OptionError, match="unknown option 'size'"):
        parse_options(GlyphDrawPlugin(), {"text": "Hi", "box": "1,1,9,9", "size": "3"})
    with pytest.raises(OptionError, match="needs --plugin-option text"):
        parse_options(GlyphDrawPlugin(), {"box": "1,1,9,9"})
    with pytest.raises(OptionError, match=r"box \(1, 2\): give the box as x,y,w,h"):
        place_glyphs(doc, "Hi", (1, 2))
