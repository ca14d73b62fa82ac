"""The compositor's layer mechanism (vecedit/render/layers.py): masks, clips, blend modes, region-sized layers."""

import numpy as np
import pytest
import torch

import vecedit.render.layers as layers
from vecedit.render.composite import render_scene
from vecedit.scene import from_document
from vecedit.svg import load_svg
from render_scenes import weighted_render_loss

NS = 'xmlns="http://www.w3.org/2000/svg"'


def _svg(body: str, size: int = 8) -> str:
    return f'<svg {NS} width="{size}" height="{size}">{body}</svg>'


def _render(text: str, **kw) -> np.ndarray:
    with torch.no_grad():
        return render_scene(from_document(load_svg(text), dtype=torch.float64), **kw).numpy()


@pytest.mark.parametrize("kind, expect", [
    ("luminance", 0.2125 * 0.2 + 0.7154 * 0.6 + 0.0721 * 1.0),  # sRGB values, as resvg
    ("alpha", 0.5),
])
def test_mask_value_is_luminance_or_alpha(kind, expect):
    mask = (f'<mask id="m" mask-type="{kind}" maskUnits="userSpaceOnUse" x="0" y="0" width="8" height="8">'
            '<rect width="8" height="8" fill="rgb(51,153,255)" fill-opacity="0.5"/></mask>')
    image = _render(_svg(mask + '<rect width="8" height="8" fill="white" mask="url(#m)"/>'))
    lum = expect * (0.5 if kind == "luminance" else 1.0)  # luminance of the premultiplied colour
    assert image[4, 4, 3] == pytest.approx(lum, abs=1e-6)


def test_mask_region_clips_and_masks_multiply():
    body = ('<mask id="inner" maskUnits="userSpaceOnUse" x="0" y="0" width="8" height="8">'
            '<rect width="8" height="8" fill="#808080"/></mask>'
            '<mask id="m" mask="url(#inner)" maskUnits="userSpaceOnUse" x="2" y="0" width="4" height="8">'
            '<rect width="8" height="8" fill="white"/></mask>'
            '<rect width="8" height="8" fill="black" mask="url(#m)"/>')
    alpha = _render(_svg(body))[..., 3]
    assert alpha[:, :2].max() == 0 and alpha[:, 6:].max() == 0  # outside the region
    assert alpha[:, 2:6] == pytest.approx(np.full((8, 4), 128 / 255), abs=1e-6)  # the inner mask's grey


def test_a_mask_costs_its_region_not_the_canvas(monkeypatch):
    body = ('<mask id="m" maskUnits="userSpaceOnUse" x="10" y="10" width="20" height="20">'
            '<rect width="400" height="400" fill="white"/></mask>'
            '<rect width="400" height="400" fill="red" mask="url(#m)"/>')
    sizes = []
    real = layers.layer_ops

    def spy(comp, group):
        ops = real(comp, group)
        sizes.extend(layers.source_size(src) for _, src in ops)
        return ops

    monkeypatch.setattr(layers, "layer_ops", spy)
    import vecedit.render.composite as composite

    monkeypatch.setattr(composite, "layer_ops", spy)
    image = _render(_svg(body, 400))
    assert sizes and max(h * w for h, w in sizes) <= 21 * 21  # the masked layer and the mask's own
    assert image[20, 20, 3] == 1 and image[5, 5, 3] == 0 and image[35, 35, 3] == 0


def test_a_scene_without_layers_takes_no_layer_step(monkeypatch):
    import vecedit.render.composite as composite

    def refuse(comp, group):
        raise AssertionError("layer step taken")

    monkeypatch.setattr(composite, "layer_ops", refuse)
    monkeypatch.setattr(layers, "layer_ops", refuse)
    _render(_svg('<g><rect width="4" height="4" fill="red"/><circle cx="4" cy="4" r="3" fill="blue"/></g>'))


MASKED = _svg(
    '<mask id="m" maskUnits="userSpaceOnUse" x="0" y="0" width="8" height="8">'
    '<path d="M1.3 1.2 L6.6 2.1 L5.7 6.8 Z" fill="rgb(200,120,60)"/></mask>'
    '<rect x="0.5" y="0.5" width="7" height="7" fill="#3070c0" mask="url(#m)"/>')


CLIPPED = _svg(
    '<clipPath id="c"><path d="M1.3 1.2 L6.6 2.1 L5.7 6.8 Z"/></clipPath>'
    '<rect x="0.5" y="0.5" width="7" height="7" fill="#3070c0" fill-opacity="0.8" clip-path="url(#c)"/>')


@pytest.mark.parametrize("text, name", [(MASKED, "points"), (MASKED, "colors"), (CLIPPED, "points")])
def test_gradients_reach_the_mask_and_clip_content(text, name):
    scene = from_document(load_svg(text), dtype=torch.float64)
    content = [i for i, s in enumerate(scene.shapes) if not s.editable and s.fill is not None and s.subpaths
               and len(s.subpaths[0]) and scene.shapes[i].element == -1]
    base = scene.tensors()[name].detach().clone()
    if name == "points":  # the content's triangle (3 segments: 9 points), not the region's rectangle
        rows = [r for i in content for a, n, _ in scene.shapes[i].subpaths if n == 9 for r in range(a, a + n)]
    else:
        rows = [scene.shapes[i].fill.color for i in content if scene.colors[scene.shapes[i].fill.color, 0] < 1]
    assert rows
    rows = torch.tensor(rows)
    loss, start = weighted_render_loss(scene, name, seed=3, rows=rows)
    values = start.clone().requires_grad_(True)
    loss(values).backward()
    assert values.grad.abs().sum() > 0
    torch.autograd.gradcheck(loss, (start.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3)


@pytest.mark.parametrize("mode", ["multiply", "soft-light", "color-burn", "hue", "luminosity"])
def test_blend_modes_are_differentiable(mode):
    text = _svg('<rect width="8" height="8" fill="rgb(90,160,60)" fill-opacity="0.9"/>'
                f'<circle cx="4" cy="4" r="2.7" fill="rgb(200,70,120)" fill-opacity="0.8" style="mix-blend-mode:{mode}"/>')
    scene = from_document(load_svg(text), dtype=torch.float64)
    base = scene.colors.detach().clone()

    def loss(colors):
        scene.colors = colors
        try:
            return (render_scene(scene) ** 2).sum()
        finally:
            scene.colors = base

    torch.autograd.gradcheck(loss, (base.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_blend_sees_only_the_isolated_group():
    under = '<rect width="8" height="8" fill="rgb(255,200,0)"/>'
    top = '<rect width="8" height="8" fill="rgb(0,0,255)" style="mix-blend-mode:difference"/>'
    open_group = _render(_svg(under + f"<g>{top}</g>"))[4, 4]
    isolated = _render(_svg(under + f'<g style="isolation:isolate">{top}</g>'))[4, 4]
    assert open_group[:3] == pytest.approx([1, 200 / 255, 1])  # |backdrop − source|
    assert isolated[:3] == pytest.approx([0, 0, 1])  # nothing under it inside the group


def test_root_opacity_applies():
    image = _render(f'<svg {NS} width="4" height="4" opacity="0.25"><rect width="4" height="4" fill="red"/></svg>')
    assert image[..., 3] == pytest.approx(np.full((4, 4), 0.25))


# Layers of one shape: a masked element, a group with opacity, an element whose fill and stroke
# overlap under its opacity, a clip and a mask whose content is one shape, beside a plain shape.
ONE_SHAPE_LAYERS = _svg(
    '<mask id="m" maskContentUnits="objectBoundingBox"><path d="M0 0 H1 L0 1 Z" fill="rgb(230,230,230)"/></mask>'
    '<clipPath id="c"><circle cx="4" cy="4" r="2.6"/></clipPath>'
    '<rect x="0.4" y="0.7" width="6.5" height="5.2" fill="#2a9d8f" mask="url(#m)"/>'
    '<g opacity="0.6"><path d="M1 7 L7.2 1.5 L7.5 7.5 Z" fill="#e76f51"/></g>'
    '<circle cx="3.3" cy="3.8" r="2.2" fill="#e9c46a" stroke="#264653" stroke-width="1.2" opacity="0.7"/>'
    '<rect x="1.2" y="1.1" width="5.5" height="6" fill="#8ab17d" fill-opacity="0.8" clip-path="url(#c)"/>'
    '<rect x="5.1" y="0.6" width="2.3" height="2.35" fill="#6d597a"/>')  # off whole pixels: no kinks


@pytest.mark.parametrize("name", ["points", "colors", "opacities"])
def test_gradients_through_layers_of_one_shape(name):
    scene = from_document(load_svg(ONE_SHAPE_LAYERS), dtype=torch.float64)
    loss, start = weighted_render_loss(scene, name, seed=5)
    torch.autograd.gradcheck(loss, (start.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3)


def test_one_shape_layers_match_the_general_compositing(monkeypatch):
    """A layer whose content is one crop takes a shortcut (layers._picture); it gives what compositing
    that crop onto a transparent raster gives, pixels and gradients."""
    def render_and_grads():
        scene = from_document(load_svg(ONE_SHAPE_LAYERS), dtype=torch.float64)
        tensors = [scene.points, scene.colors, scene.opacities]
        for t in tensors:
            t.requires_grad_(True)
        image = render_scene(scene, background=(1, 1, 1))
        (image * torch.linspace(0.1, 1, image.numel(), dtype=image.dtype).view(image.shape)).sum().backward()
        return [image.detach()] + [t.grad for t in tensors]

    quick = render_and_grads()
    monkeypatch.setattr(layers, "_picture", lambda comp, ops, box: comp.over(layers._zeros(comp, box),
                                                                              layers.shift_ops(ops, box)))
    general = render_and_grads()
    for a, b in zip(quick, general):
        assert torch.allclose(a, b, atol=1e-12)
    assert quick[1].abs().sum() > 0 and quick[2].abs().sum() > 0


def test_each_layer_composites_only_its_own_coverage(monkeypatch):
    """Every layer used to be composited with the whole coverage buffer and colour table, and their
    gradients came back whole-sized per layer: the backward pass of a thousand masked shapes took
    17 s a render. A layer now reads its own items' pieces, so the layers read about the buffer once."""
    import vecedit.render.composite as composite

    read = []
    real = composite.over_crops

    def spy(base, boxes, sources, cover=None, table=None, rows=None):
        read.append(0 if cover is None else len(cover))
        return real(base, boxes, sources, cover, table, rows)

    monkeypatch.setattr(composite, "over_crops", spy)
    mask = ('<mask id="m" maskContentUnits="objectBoundingBox"><path d="M0 0 H1 L0 1 Z" fill="white"/>'
            '<circle cx="0.6" cy="0.6" r="0.3" fill="grey"/></mask>')  # two shapes: composited, not one crop
    masked = "".join(f'<rect x="{i % 7}" y="{i // 7}" width="9" height="5" fill="#2a9d8f" stroke="red" '
                     'mask="url(#m)"/>' for i in range(60))
    scene = from_document(load_svg(_svg(mask + masked, 64)))
    scene.points.requires_grad_(True)
    render_scene(scene).sum().backward()
    top, layered = max(read), sum(read) - max(read)
    assert len(read) > 60 and scene.points.grad.abs().sum() > 0
    assert layered <= 2 * top  # each item's coverage is read by its own layer (and the mask's), not by all
