"""Text features kept on disk between runs (vecedit.losses.text_cache), with the real loader."""

import os

import numpy as np
import torch

from vecedit.losses import text_cache
from vecedit.losses.clip_loss import template_text_features
from vecedit.losses.encoders import OpenClipEncoder, load_clip

TEMPLATES = ["a photo of {}", "a drawing of {}"]


def fresh_encoder(tiny_clip):
    """The shared tiny model through a new encoder object (so nothing is remembered in memory)."""
    config, checkpoint = tiny_clip
    shared = load_clip(str(config), checkpoint=checkpoint, device="cpu")
    encoder = OpenClipEncoder(shared.model, shared.tokenizer, shared.mean, shared.std, 64, "tiny")
    encoder.cache_identity = shared.cache_identity
    calls = []
    plain = encoder.encode_text
    encoder.encode_text = lambda texts: calls.append(list(texts)) or plain(texts)
    return encoder, calls


def entries(folder):
    return sorted((folder / "text-features").glob("*.npz"))


def test_second_run_reads_the_features_back_without_encoding(tiny_clip, private_cache):
    first, first_calls = fresh_encoder(tiny_clip)
    written = template_text_features(first, "a red car", TEMPLATES)
    assert len(first_calls) == 1 and len(entries(private_cache)) == 1
    second, second_calls = fresh_encoder(tiny_clip)
    read = template_text_features(second, "a red car", TEMPLATES)
    assert second_calls == []  # nothing encoded
    assert torch.equal(read, written.cpu())
    # another text or another template set is another entry
    template_text_features(second, "a blue car", TEMPLATES)
    template_text_features(second, "a red car", TEMPLATES[:1])
    assert len(second_calls) == 2 and len(entries(private_cache)) == 3


def test_identity_names_the_weights_file_and_changes_with_it(tiny_clip, tmp_path):
    config, checkpoint = tiny_clip
    identity = load_clip(str(config), checkpoint=checkpoint, device="cpu").cache_identity
    assert str(checkpoint.resolve()) in identity and "cpu" in identity
    copy = tmp_path / "copy.pt"
    copy.write_bytes(checkpoint.read_bytes())
    before = text_cache.file_identity(str(copy))
    os.utime(copy, ns=(1, 1))
    assert text_cache.file_identity(str(copy)) != before


def test_corrupt_or_foreign_entries_are_recomputed_and_rewritten(tiny_clip, private_cache):
    encoder, calls = fresh_encoder(tiny_clip)
    good = template_text_features(encoder, "a red car", TEMPLATES)
    (path,) = entries(private_cache)
    path.write_bytes(path.read_bytes()[:40])  # truncated
    assert torch.allclose(template_text_features(encoder, "a red car", TEMPLATES).cpu(), good.cpu())
    assert len(calls) == 2
    with np.load(path) as entry:  # rewritten whole
        assert np.allclose(entry["features"], good.cpu().numpy())
    np.savez(path, key=np.array("another key"), features=np.ones(3, np.float32))  # a colliding name
    template_text_features(encoder, "a red car", TEMPLATES)
    assert len(calls) == 3
    np.savez(path, key=np.array(text_cache.entry_key(encoder.cache_identity, "a red car", TEMPLATES)),
             features=np.full(good.shape, np.nan, np.float32))
    assert torch.isfinite(template_text_features(encoder, "a red car", TEMPLATES)).all()
    assert len(calls) == 4


def test_cache_off_or_unwritable_costs_nothing_but_the_write(tiny_clip, tmp_path, monkeypatch):
    encoder, calls = fresh_encoder(tiny_clip)
    monkeypatch.setenv("VECEDIT_CACHE_DIR", "")
    template_text_features(encoder, "a red car", TEMPLATES)
    template_text_features(encoder, "a red car", TEMPLATES)
    assert len(calls) == 2
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VECEDIT_CACHE_DIR", str(blocker))
    assert template_text_features(encoder, "a red car", TEMPLATES).shape == (32,)


def test_default_location_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("VECEDIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert text_cache.cache_root() == tmp_path / "vecedit"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert text_cache.cache_root() == text_cache.Path.home() / ".cache" / "vecedit"
