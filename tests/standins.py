"""Test stand-ins shared by the test folders (importable as ``standins``: tests/conftest.py puts
this folder on ``sys.path``).

``ColourWords`` is NOT CLIP and never stands in for it outside the tests: its image
features are the mean colour of the picture (differentiable), its text features the RGB
of the first colour word in the text ("a photo" is mid grey). Directional loss toward
"red" therefore means exactly "make the region's mean colour redder".

``build_tiny_clip`` saves a randomly initialised tiny open_clip model (a real
architecture, built through open_clip) so the real loading path can be tested offline.
"""

import json
import logging

import torch

COLOURS = {
    "red": (1.0, 0.0, 0.0),
    "green": (0.0, 1.0, 0.0),
    "blue": (0.0, 0.0, 1.0),
    "yellow": (1.0, 1.0, 0.0),
    "black": (0.0, 0.0, 0.0),
    "white": (1.0, 1.0, 1.0),
}
GREY = (0.5, 0.5, 0.5)


class ColourWords:
    """Stand-in encoder: image → mean RGB, text → the RGB of its colour word."""

    image_size = 32
    mean = (0.0, 0.0, 0.0)
    std = (1.0, 1.0, 1.0)
    description = "test stand-in (mean colour), not CLIP"

    def __init__(self):
        self.image_batches = []

    def encode_image(self, batch):
        self.image_batches.append(batch.shape[0])
        return batch.mean(dim=(2, 3))

    def encode_text(self, texts):
        rows = []
        for text in texts:
            words = [w.strip(".,").lower() for w in text.split()]
            rgb = next((COLOURS[w] for w in words if w in COLOURS), GREY)
            rows.append(rgb)
        return torch.tensor(rows, dtype=torch.float32)


TINY_CLIP = {  # a real open_clip architecture, small enough to build in a test
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "patch_size": 16, "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


def build_tiny_clip(folder):
    """Write ``vecedit-tiny-clip.json`` and ``tiny.pt`` into ``folder``; return their paths."""
    import open_clip

    config = folder / "vecedit-tiny-clip.json"
    config.write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    logging.getLogger().setLevel(logging.ERROR)
    model = open_clip.create_model("vecedit-tiny-clip", pretrained=None)
    checkpoint = folder / "tiny.pt"
    torch.save(model.state_dict(), checkpoint)
    return config, checkpoint


def half_precision_tiny_clip(config, checkpoint):
    """The tiny model as ``load_clip`` builds it on CUDA, here on the CPU: open_clip's "fp16"
    (float16 conv/linear weights, float32 embeddings and norms), as an OpenClipEncoder."""
    import open_clip

    from vecedit.losses.encoders import OpenClipEncoder

    open_clip.add_model_config(config)
    model = open_clip.create_model("vecedit-tiny-clip", pretrained=None, precision="fp16", device="cpu").eval()
    open_clip.load_checkpoint(model, str(checkpoint))
    tokenizer = open_clip.get_tokenizer("vecedit-tiny-clip")
    mean, std = open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD  # as load_clip's
    return OpenClipEncoder(model, tokenizer, mean, std, TINY_CLIP["vision_cfg"]["image_size"], "tiny fp16")
