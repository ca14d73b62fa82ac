"""Images in the differentiable renderer: bilinear/nearest reads, and gradients (float64) to placement and opacity."""

import base64
import io

import numpy as np
import pytest
import torch
from PIL import Image

from vecedit.render.composite import render_scene
from vecedit.render.image import sample
from vecedit.scene import ImagePaint, from_document
from vecedit.svg import load_svg
from render_scenes import weighted_render_loss


def _uri(pixels: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


PIXELS = np.random.default_rng(3).integers(0, 256, (3, 4, 4), dtype=np.uint8)
PIXELS[..., 3] = np.maximum(PIXELS[..., 3], 60)
SVG = f"""<svg xmlns="http://www.w3.org/2000/svg" width="9" height="8">
  <image x="1.3" y="0.7" width="6.4" height="5.9" opacity="0.8" preserveAspectRatio="none"
         transform="rotate(7 4 4)" href="{_uri(PIXELS)}"/>
</svg>"""


def test_sample_reads_pixel_centres_exactly_and_clamps_the_edges():
    texture = torch.as_tensor(PIXELS)
    corners = torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]], dtype=torch.float64)
    unit = np.diag([4.0, 3.0, 1.0])
    got = sample(texture, corners, unit, True, 0, 0, 4, 3)
    straight = PIXELS.astype(np.float64) / 255
    expect = np.concatenate([straight[..., :3] * straight[..., 3:], straight[..., 3:]], axis=-1)
    assert np.allclose(got.numpy(), expect)
    nearest = sample(texture, corners * 2, unit, False, 0, 0, 8, 6)  # drawn 2× larger: each pixel twice
    assert np.allclose(nearest.numpy(), np.repeat(np.repeat(expect, 2, 0), 2, 1))
    outside = sample(texture, corners, unit, True, -3, 0, 2, 1)  # left of the image: its edge column
    assert np.allclose(outside[0, 0].numpy(), expect[0, 0])


def test_an_image_scene_holds_its_pixels_once_and_draws_them():
    doc = load_svg(SVG.replace("</svg>", '<use href="#i"/></svg>').replace("<image ", '<image id="i" '))
    scene = from_document(doc)
    paints = [s.fill for s in scene.shapes if isinstance(s.fill, ImagePaint)]
    assert len(paints) == 2 and len(scene.images) == 1 and scene.images[0].dtype == torch.uint8
    image = render_scene(scene)
    assert image[3, 4, 3] > 0.4 and image[7, 0, 3] == 0


@pytest.mark.parametrize("name", ["points", "opacities"])
def test_gradients_reach_the_placement_and_the_opacity(name):
    scene = from_document(load_svg(SVG), dtype=torch.float64)
    loss, base = weighted_render_loss(scene, name, seed=5)

    values = base.clone().requires_grad_(True)
    loss(values).backward()
    assert values.grad.abs().sum() > 0
    if name == "points":  # the corners move the picture through the sampling, not only the edges
        assert values.grad[[0, 3, 9]].abs().min() > 0
    torch.autograd.gradcheck(loss, (base.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3)
