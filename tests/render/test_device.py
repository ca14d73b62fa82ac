"""The same code path on CUDA: results and gradients match the CPU's."""

from pathlib import Path

import pytest
import torch

from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from vecedit.svg import load_svg

CORPUS = Path(__file__).parent.parent / "corpus"
needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device here; run the suite on a GPU machine to check the CUDA path"
)


@needs_cuda
@pytest.mark.parametrize("name", ["44-stroke-curves.svg", "47-lineargradient-spread.svg", "75-clippath.svg"])
def test_cuda_matches_cpu(name):
    doc = load_svg(CORPUS / name)
    images, grads = [], []
    for device in ("cpu", "cuda"):
        scene = from_document(doc, width=128, device=device)
        scene.points.requires_grad_(True)
        image = render_scene(scene, background=(1, 1, 1))
        image.square().mean().backward()
        images.append(image.detach().cpu())
        grads.append(scene.points.grad.cpu())
    torch.testing.assert_close(images[1], images[0], atol=1e-4, rtol=0)
    torch.testing.assert_close(grads[1], grads[0], atol=1e-4, rtol=1e-3)


def test_device_follows_the_tensors():
    scene = from_document(load_svg(CORPUS / "44-stroke-curves.svg"), width=32, dtype=torch.float64)
    image = render_scene(scene)
    assert image.device == scene.points.device and image.dtype == torch.float64
