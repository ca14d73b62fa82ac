"""Shared pieces for the edit tests: a stand-in encoder of known meaning, tiny documents.

``ColourWords`` is NOT CLIP and never stands in for it outside these tests: its image
features are the mean colour of the picture (differentiable), its text features the RGB
of the first colour word in the text ("a photo" is mid grey). Directional loss toward
"red" therefore means exactly "make the region's mean colour redder".
"""

import numpy as np
import pytest
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


TWO_DOTS = """<svg xmlns="http://www.w3.org/2000/svg" width="96" height="64">
  <rect id="bg" width="96" height="64" fill="#ffffff"/>
  <circle id="left" cx="24" cy="32" r="14" fill="#808080"/>
  <circle id="right" cx="72" cy="32" r="14" fill="#808080" stroke="#404040" stroke-width="2"/>
</svg>"""

LEFT_BOX = "6,14,36,36"  # around #left (document px)
RIGHT_BOX = "54,14,36,36"


@pytest.fixture
def encoder():
    return ColourWords()


@pytest.fixture
def two_dots(tmp_path):
    path = tmp_path / "dots.svg"
    path.write_text(TWO_DOTS)
    return path


def mean_rgb(image, box):
    """Mean RGB of an (H, W, 3|4) image over an x,y,w,h box."""
    x, y, w, h = (int(float(v)) for v in box.split(","))
    return np.asarray(image)[y : y + h, x : x + w, :3].reshape(-1, 3).mean(0)


TINY_CLIP = {  # a real open_clip architecture, small enough to build in a test
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "patch_size": 16, "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    """(config.json, checkpoint.pt) of a randomly initialised tiny open_clip model."""
    import json
    import logging

    import open_clip

    folder = tmp_path_factory.mktemp("tiny-clip")
    config = folder / "vecedit-tiny-clip.json"
    config.write_text(json.dumps(TINY_CLIP))
    open_clip.add_model_config(config)
    torch.manual_seed(0)
    logging.getLogger().setLevel(logging.ERROR)
    model = open_clip.create_model("vecedit-tiny-clip", pretrained=None)
    checkpoint = folder / "tiny.pt"
    torch.save(model.state_dict(), checkpoint)
    return config, checkpoint
