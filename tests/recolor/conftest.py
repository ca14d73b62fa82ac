"""A stand-in encoder of known meaning for the recolour and font tests (NOT CLIP, test code only).

Image features are the mean RGB of the picture (differentiable), text features the RGB of
the first colour word in the text ("a photo" and anything without a colour word is mid
grey). A directional loss toward "red" therefore means exactly "make the picture redder".
"""

import pytest
import torch

COLOURS = {"red": (1.0, 0.0, 0.0), "green": (0.0, 1.0, 0.0), "blue": (0.0, 0.0, 1.0),
           "yellow": (1.0, 1.0, 0.0), "black": (0.0, 0.0, 0.0), "white": (1.0, 1.0, 1.0)}


class MeanColourWords:
    image_size = 32
    mean = (0.0, 0.0, 0.0)
    std = (1.0, 1.0, 1.0)
    description = "test stand-in (mean colour), not CLIP"

    def encode_image(self, batch):
        return batch.mean(dim=(2, 3))

    def encode_text(self, texts):
        rows = []
        for text in texts:
            words = [w.strip(".,").lower() for w in text.split()]
            rows.append(next((COLOURS[w] for w in words if w in COLOURS), (0.5, 0.5, 0.5)))
        return torch.tensor(rows, dtype=torch.float32)


@pytest.fixture
def colour_encoder():
    return MeanColourWords()
