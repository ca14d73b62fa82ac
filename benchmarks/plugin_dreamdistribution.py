"""DreamDistribution plugin: CPU timings of fitting, files and sampling with a CLIP-sized encoder.

The encoder is a randomly initialised open_clip ViT-B-32 (``pretrained=None``), wrapped
as :func:`vecedit.losses.encoders.load_clip` wraps one; timings do not depend on the
weights. Measured:

* ``soft_prompt_forward_s``: K = 32 prompts × 4 soft tokens through the text tower, cut
  after the end-of-text token (about 7 positions), against ``encode_text`` of 32 real
  77-token prompts (the full context that the cut avoids);
* ``fit_step_s``: one training step (forward, loss, backward, Adam) on 5 references,
  and the 300-step default fit extrapolated from it;
* ``reference_features_s``: preprocessing and encoding the 5 reference images;
* ``fingerprint_s``: hashing the encoder's weights (done once per load and per edit);
* ``save_s`` / ``load_s`` / file size;
* ``plugin_contribute_s``: what the plugin adds before one edit (read the file, check the
  encoder, draw a sample, encode the reference text), and ``with_text_s`` when text is
  appended (the 32 prompts re-encoded).

    python benchmarks/plugin_dreamdistribution.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout first (vecedit.plugins and vecedit.vectorizers come from `pip install -e .`)
from benchkit import random_vit_b32, timed  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

PROMPTS, TOKENS, REFERENCES, FIT_STEPS = 32, 4, 5, 300


def references(n: int = REFERENCES) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.random((256, 320, 3), dtype=np.float32) for _ in range(n)]


def measure() -> dict:
    from vecedit.plugins.dreamdistribution import distribution as dist
    from vecedit.plugins.dreamdistribution.fit import losses, reference_features
    from vecedit.plugins.dreamdistribution.text_tower import SoftPromptTower
    from vecedit.plugin.registry import run_plugin
    from vecedit.edit.config import EditConfig
    from vecedit.svg import load_svg

    encoder = random_vit_b32()
    tower = SoftPromptTower(encoder)
    out = {"encoder": "open_clip ViT-B-32, random weights, CPU float32", "torch_threads": torch.get_num_threads(),
           "prompts": PROMPTS, "tokens": TOKENS, "references": REFERENCES}

    soft = torch.randn(PROMPTS, TOKENS, tower.width) * 0.02
    with torch.no_grad():
        out["soft_prompt_forward_s"], _ = timed(lambda: tower.encode(soft))
        texts = encoder.tokenizer([f"a photo of thing number {i}" for i in range(PROMPTS)])
        out["encode_text_77_tokens_same_batch_s"], _ = timed(lambda: encoder.model.encode_text(texts))
    out["soft_prompt_positions"] = int(tower.template(TOKENS)[0].shape[1])

    out["reference_features_s"], refs = timed(lambda: reference_features(encoder, references()), repeats=1)
    trainable = soft.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([trainable], lr=1e-3)
    generator = torch.Generator().manual_seed(0)

    def step():
        noise = torch.randn(PROMPTS, refs.shape[1], generator=generator)
        parts = losses(dist.features_of(tower, trainable), refs, noise, 1e-3)
        optimizer.zero_grad()
        parts["loss"].backward()
        optimizer.step()

    out["fit_step_s"], _ = timed(step, repeats=5)
    out["fit_300_steps_s_extrapolated"] = round(out["fit_step_s"] * FIT_STEPS, 1)

    out["fingerprint_s"], identity = timed(lambda: dist.encoder_identity(encoder))
    with torch.no_grad():
        mean, std = dist.gaussian_of(dist.features_of(tower, trainable.detach()))
    fitted = dist.PromptDistribution(mean, std, trainable.detach(), "", identity, {})
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "concept.pt"
        out["save_s"], _ = timed(lambda: fitted.save(path))
        out["file_kib"] = round(path.stat().st_size / 1024, 1)
        out["load_s"], _ = timed(lambda: dist.load(path))
        document = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
                            '<rect width="64" height="64" fill="#888"/></svg>')
        config = EditConfig(prompt=None, plugin="dreamdistribution", plugin_options={"distribution": str(path)})
        out["plugin_contribute_s"], _ = timed(lambda: run_plugin(config, document, encoder))
    with torch.no_grad():
        out["with_text_s"], _ = timed(lambda: dist.with_text(fitted, tower, "in autumn"))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in out.items()}


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
