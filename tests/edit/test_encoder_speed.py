"""The encoder's faster layout and its precision choice: same features and gradients as open_clip builds them."""

import copy

import pytest
import torch

from vecedit.cli import main
from vecedit.errors import OptionError
from vecedit.losses import encoders
from vecedit.losses.encoders import BatchFirstAttention, PatchEmbedding, as_built, load_clip, resolve_precision


def _features_and_grad(encoder, batch):
    batch = batch.clone().requires_grad_(True)
    features = encoder.encode_image(batch)
    (features * torch.linspace(-1, 1, features.shape[1])).sum().backward()
    return features.detach(), batch.grad


def test_fast_layout_gives_open_clips_features_and_gradients(tiny_clip):
    config, checkpoint = tiny_clip
    encoder = load_clip(str(config), checkpoint=checkpoint, device="cpu", precision="fp32")
    visual = encoder.model.visual
    assert isinstance(visual.conv1, PatchEmbedding)
    assert all(isinstance(block.attn, BatchFirstAttention) for block in visual.transformer.resblocks)
    assert not any(isinstance(m, BatchFirstAttention) for m in encoder.model.transformer.modules())  # text: as built
    assert type(visual).__name__ == "ClassTokenTower"  # its last block runs at the class token only
    batch = torch.rand(3, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    fast = _features_and_grad(encoder, batch)
    with as_built(visual):
        assert type(visual.conv1) is torch.nn.Conv2d and type(visual).__name__ == "VisionTransformer"
        plain = _features_and_grad(encoder, batch)
    assert isinstance(visual.conv1, PatchEmbedding) and type(visual).__name__ == "ClassTokenTower"  # restored
    for new, old in zip(fast, plain):
        torch.testing.assert_close(new, old, rtol=1e-4, atol=1e-5 * float(old.abs().max()))
    saved = torch.load(checkpoint, weights_only=True)
    assert set(encoder.model.state_dict()) == set(saved)  # same weights under the same names


def test_precision_choice():
    native = encoders.native_bf16_cpu()
    assert resolve_precision("auto", "cpu") == ("bf16" if native else "fp32")
    assert resolve_precision("fp32", "cpu") == "fp32" and resolve_precision("BF16", "cpu") == "bf16"
    assert resolve_precision("fp32", "cuda", torch.float16) == "fp16"  # a half-precision model keeps its own
    with pytest.raises(OptionError, match="precision"):
        resolve_precision("int8", "cpu")


def test_bf16_autocast_shares_the_model_and_stays_close(tiny_clip):
    config, checkpoint = tiny_clip
    fp32 = load_clip(str(config), checkpoint=checkpoint, device="cpu", precision="fp32")
    bf16 = fp32.with_precision("bf16")
    assert bf16.model is fp32.model and bf16.precision == "bf16" and fp32.precision == "fp32"
    assert load_clip(str(config), checkpoint=checkpoint, device="cpu", precision="bf16").model is fp32.model
    batch = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    (f32, g32), (f16, g16) = _features_and_grad(fp32, batch), _features_and_grad(bf16, batch)
    assert f16.dtype == torch.float32  # features come back float32
    assert torch.nn.functional.cosine_similarity(f16, f32).min() > 0.99
    assert torch.nn.functional.cosine_similarity(g16.flatten(1), g32.flatten(1)).min() > 0.9
    assert not torch.equal(f16, f32)  # it did run in bfloat16


def test_precision_flag_is_checked(tmp_path, capsys):
    svg = tmp_path / "in.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="4" height="4"/></svg>')
    assert main(["edit", str(svg), "-p", "x", "-o", str(tmp_path / "out.svg"), "--precision", "int8"]) == 2
    assert "--precision" in capsys.readouterr().err
    assert not (tmp_path / "out.svg").exists()


def test_class_token_tower_is_exact_in_float64(tiny_clip):
    """The last block at the class token alone: the same features and input gradients to rounding."""
    config, checkpoint = tiny_clip
    encoder = load_clip(str(config), checkpoint=checkpoint, device="cpu", precision="fp32")
    visual = copy.deepcopy(encoder.model.visual).double()
    batch = torch.rand(2, 3, 64, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(2))

    def run():
        x = batch.clone().requires_grad_(True)
        features = visual(x)
        (features * torch.linspace(-1, 1, features.shape[1], dtype=torch.float64)).sum().backward()
        return features.detach(), x.grad

    fast = run()
    with as_built(visual):
        plain = run()
    for new, old in zip(fast, plain):
        torch.testing.assert_close(new, old, rtol=1e-12, atol=1e-12 * float(old.abs().max()))
    # the token maps StyleStudio reads come from the base class, the last block's included
    last = len(visual.transformer.resblocks) - 1
    maps = visual.forward_intermediates(batch, indices=[last], intermediates_only=True)["image_intermediates"][0]
    assert maps.shape[-2:] == (64 // visual.patch_size[0], 64 // visual.patch_size[1])


def test_class_token_tower_only_where_the_output_is_the_class_token(tiny_clip):
    config, checkpoint = tiny_clip
    visual = copy.deepcopy(load_clip(str(config), checkpoint=checkpoint, device="cpu", precision="fp32").model.visual)
    with as_built(visual):
        assert encoders._reads_class_token_only(visual)
        visual.pool_type = "avg"  # pooled over every token: the last block's outputs are all read
        assert not encoders._reads_class_token_only(visual)
