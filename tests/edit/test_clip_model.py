"""The real CLIP loading path, with a tiny open_clip model saved to a file in the test."""

import numpy as np
import pytest
import torch

from vecedit.cli import main
from vecedit.errors import InputError, OptionError
from vecedit.losses import encoders
from vecedit.losses.clip_loss import Augmentation, ClipLoss, ClipRoi
from vecedit.losses.encoders import load_clip
from vecedit.losses.terms import Context
from vecedit.scene import from_document
from vecedit.svg import load_svg

from editkit import TWO_DOTS
from standins import half_precision_tiny_clip


def test_checkpoint_loads_once_as_an_encoder(tiny_clip):
    config, checkpoint = tiny_clip
    encoder = load_clip(str(config), checkpoint=checkpoint, device="cpu")
    assert load_clip(str(config), checkpoint=checkpoint, device="cpu") is encoder  # shared, loaded once
    assert encoder.image_size == 64 and len(encoder.mean) == 3
    assert next(encoder.model.parameters()).dtype == torch.float32  # CPU stays float32
    assert all(not p.requires_grad for p in encoder.model.parameters())
    # the weights are the saved ones, not a fresh random init
    saved = torch.load(checkpoint, weights_only=True)
    assert torch.equal(encoder.model.state_dict()["visual.conv1.weight"], saved["visual.conv1.weight"])
    assert encoder.encode_text(["a photo", "a cat"]).shape == (2, 32)


def test_a_checkpoint_build_draws_no_random_weights_and_makes_the_tokenizer_at_first_use(tiny_clip, monkeypatch):
    config, checkpoint = tiny_clip
    monkeypatch.setattr(encoders, "_LOADED", {})  # a fresh build
    draws = []
    for name in ("uniform_", "normal_"):
        drawing = getattr(torch.Tensor, name)
        monkeypatch.setattr(torch.Tensor, name, lambda t, *a, _f=drawing, **k: draws.append(t.shape) or _f(t, *a, **k))
    encoder = load_clip(str(config), checkpoint=checkpoint, device="cpu")
    assert draws == []  # also MultiheadAttention's, whose module binds xavier_uniform_ by name
    assert encoder.tokenizer._made is None
    assert encoder.encode_text(["a cat"]).shape == (1, 32) and encoder.tokenizer.context_length == 77


def test_text_features_run_only_up_to_the_end_token_and_equal_the_full_encoding(tiny_clip):
    from vecedit.losses.encoders import OpenClipEncoder

    config, checkpoint = tiny_clip
    shared = load_clip(str(config), checkpoint=checkpoint, device="cpu")
    encoder = OpenClipEncoder(shared.model, shared.tokenizer, shared.mean, shared.std, 64, "tiny")
    texts = ["a photo", "a photo of a very small red car parked in front of an old house", "x"]
    full = encoder.model.encode_text(encoder.tokenizer(texts)).float()
    assert torch.allclose(encoder.encode_text(texts), full, atol=1e-5)  # the first call checks the cut once
    assert encoder._cut_matches is True
    lengths = []
    handle = encoder.model.transformer.register_forward_hook(lambda m, i, o: lengths.append(i[0].shape[1]))
    try:
        cut = encoder.encode_text(texts)
    finally:
        handle.remove()
    assert torch.allclose(cut, full, atol=1e-5)
    assert lengths == [17]  # up to the longest text's end token; the padding after it never ran


def test_a_half_precision_model_takes_float32_batches_and_gives_float32_features(tiny_clip):
    half = half_precision_tiny_clip(*tiny_clip)
    assert next(half.model.parameters()).dtype == torch.float32  # so the input dtype cannot come from it
    full = load_clip(str(tiny_clip[0]), checkpoint=tiny_clip[1], device="cpu")
    batch = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    features = half.encode_image(batch)
    assert half.dtype == torch.float16 and features.dtype == torch.float32
    assert torch.allclose(features, full.encode_image(batch), atol=0.05)
    features.sum().backward()
    assert batch.grad is not None and torch.isfinite(batch.grad).all()


def test_gradients_reach_scene_parameters(tiny_clip):
    config, checkpoint = tiny_clip
    encoder = load_clip(str(config), checkpoint=checkpoint, device="cpu")
    doc = load_svg(TWO_DOTS)
    scene = from_document(doc)
    scene.points.requires_grad_(True)
    scene.colors.requires_grad_(True)
    from vecedit.render.composite import render_scene

    with torch.no_grad():
        initial = render_scene(scene, background=(1, 1, 1))[..., :3]
    loss = ClipLoss(encoder, [ClipRoi((0, 0, 96, 64), "a red apple")], Augmentation(n_patches=3), templates="none")
    context = Context(scene, initial, initial, 0, torch.Generator().manual_seed(0))
    loss.prepare(context)
    context.image = render_scene(scene, background=(1, 1, 1))[..., :3]
    parts = loss(context)
    sum(parts.values()).backward()
    for grad in (scene.points.grad, scene.colors.grad):
        assert grad is not None and torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_full_cli_run_writes_a_valid_svg_and_its_outputs(tiny_clip, two_dots, tmp_path, capsys):
    config, checkpoint = tiny_clip
    out = tmp_path / "out.svg"
    code = main(["edit", str(two_dots), "-p", "a red apple", "-o", str(out), "--clip", str(config),
                 "--clip-checkpoint", str(checkpoint), "--iterations", "3", "--patches", "2",
                 "--save-every", "2", "--animation", str(tmp_path / "run.gif"), "--report", str(tmp_path / "r.html"),
                 "--work-size", "full", "-q"])
    assert code == 0, capsys.readouterr().err
    edited = load_svg(out)
    assert [s.id for s in edited.shapes()] == ["bg", "left", "right"]
    before, after = from_document(load_svg(TWO_DOTS)), from_document(edited)
    assert not torch.equal(before.points, after.points)  # the gradients reached the SVG's geometry
    from vecedit.render.reference import render_reference

    assert render_reference(out.read_text()).shape == (64, 96, 4)
    frames = sorted(p.name for p in (tmp_path / "out-frames").iterdir())
    assert frames == ["frame-0000.png", "frame-0000.svg", "frame-0002.png", "frame-0002.svg",
                      "frame-0003.png", "frame-0003.svg"]
    from PIL import Image

    with Image.open(tmp_path / "run.gif") as gif:
        assert gif.n_frames == 3  # iterations 0 and 2 (--save-every 2), and the result
    page = (tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") == 2 and "<polyline" in page and "vecedit-tiny-clip" in page
    assert not (tmp_path / "out.svg.ckpt").exists()  # a finished run leaves no checkpoint


def test_missing_weights_fail_fast_with_one_line(two_dots, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(encoders, "_reachable", lambda host, timeout=3.0: False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.cache/clip
    import huggingface_hub.constants as hf

    monkeypatch.setattr(hf, "HF_HUB_CACHE", str(tmp_path / "hub"))
    code = main(["edit", str(two_dots), "-p", "a cat", "-o", str(tmp_path / "o.svg")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("vecedit: error: no CLIP weights for open_clip ViT-B-32 'openai'")
    assert "--clip-checkpoint FILE" in err
    assert not (tmp_path / "o.svg").exists()


def test_checkpoint_errors_say_what_to_do(tiny_clip, tmp_path):
    config, checkpoint = tiny_clip
    with pytest.raises(InputError, match="no such file"):
        load_clip(str(config), checkpoint=tmp_path / "nope.pt", device="cpu")
    with pytest.raises(InputError, match=r"does not fit open_clip ViT-B-32: .*shape mismatch"):
        load_clip("ViT-B-32", checkpoint=checkpoint, device="cpu")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(InputError, match="cannot read .* as a checkpoint"):
        load_clip(str(config), checkpoint=junk, device="cpu")
    with pytest.raises(OptionError, match="not an open_clip architecture"):
        load_clip("ViT-B-99", checkpoint=checkpoint, device="cpu")


@pytest.mark.parametrize("text, message", [("{bad", "cannot read it as a JSON model config"),
                                           ("[1]", "not an open_clip model config"),
                                           ('{"embed_dim": 8}', "not an open_clip model config"),
                                           ("[" * 100_000, "cannot read it as a JSON model config")])
def test_a_model_config_that_is_not_one_is_one_line(tiny_clip, tmp_path, text, message):
    # was: open_clip's JSONDecodeError as a traceback from --clip X.json
    config = tmp_path / "model.json"
    config.write_text(text)
    with pytest.raises(InputError, match=message):
        load_clip(str(config), checkpoint=tiny_clip[1], device="cpu")


def _tiny_args(tiny_clip):
    config, checkpoint = tiny_clip
    return ["--clip", str(config), "--clip-checkpoint", str(checkpoint), "--patches", "1", "--templates", "none",
            "-q"]


def test_ctrl_c_keeps_the_last_good_svg_and_resume_continues(tiny_clip, two_dots, tmp_path, monkeypatch, capsys):
    from vecedit.edit.loop import Editor

    out = tmp_path / "out.svg"
    real = Editor._iteration

    def interrupted(self, bar):
        if self.state.iteration == 2:
            raise KeyboardInterrupt
        real(self, bar)

    monkeypatch.setattr(Editor, "_iteration", interrupted)
    args = ["edit", str(two_dots), "-p", "a red apple", "-o", str(out), "--iterations", "4", *_tiny_args(tiny_clip)]
    assert main(args) == 130
    assert "interrupted at iteration 2" in capsys.readouterr().err
    load_svg(out)  # the last good result, a valid SVG
    assert (tmp_path / "out.svg.ckpt").exists()
    monkeypatch.setattr(Editor, "_iteration", real)
    other = [a if a != "a red apple" else "a green pear" for a in args]
    assert main(other + ["--resume", "--seed", "5"]) == 2  # another run's checkpoint: refused, untouched
    assert capsys.readouterr().err == (
        f"vecedit: error: --resume: {tmp_path / 'out.svg.ckpt'} was made with another prompt (\"a red apple\" "
        'there, "a green pear" now); seed (0 there, 5 now); use the same options or run without --resume\n')
    assert main(args + ["--resume"]) == 0
    assert not (tmp_path / "out.svg.ckpt").exists()


def test_raster_input_is_vectorized_first(tiny_clip, tmp_path, capsys):
    pytest.importorskip("vecedit.vectorizers.api")
    from vecedit.imageio import save_png

    image = np.ones((32, 48, 4), np.float32)
    image[8:24, 8:40, :3] = (0.1, 0.3, 0.8)
    save_png(image, tmp_path / "photo.png")
    out = tmp_path / "out.svg"
    code = main(["edit", str(tmp_path / "photo.png"), "-p", "a red apple", "-o", str(out), "--iterations", "1",
                 *_tiny_args(tiny_clip)])
    assert code == 0, capsys.readouterr().err
    vectorized = load_svg(tmp_path / "out-vectorized.svg")
    assert len(vectorized.shapes()) >= 1 and load_svg(out).width == 48
