"""Filters in the document → scene → render → write-back path."""

import re

import numpy as np
import pytest
import torch

from vecedit.render.composite import render_scene
from vecedit.render.filters import layer as filter_layer
from vecedit.render.over import single_thread
from vecedit.scene import from_document, write_back
from vecedit.select import parameter_groups, select_shapes, trainable
from vecedit.svg import dumps_svg, load_svg
from render_scenes import weighted_render_loss

SHADOW = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <filter id="ds" x="-50%" y="-50%" width="200%" height="200%"><feDropShadow dx="3" dy="2" stdDeviation="{std}" flood-color="#203040" flood-opacity="0.7"/></filter>
  <rect id="card" x="18" y="18" width="24" height="24" fill="#f0c040" filter="url(#ds)"/>
</svg>"""


def test_a_filter_costs_its_region_not_the_canvas(monkeypatch):
    seen = []
    original = filter_layer.apply_program
    monkeypatch.setattr(filter_layer, "apply_program", lambda p, src, *rest: seen.append(tuple(src.shape)) or original(p, src, *rest))
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="2000" height="2000"><filter id="b"><feGaussianBlur stdDeviation="4"/>'
           '</filter><rect x="900" y="900" width="64" height="64" fill="red" filter="url(#b)"/></svg>')
    scene = from_document(load_svg(svg))
    with torch.no_grad():
        image = render_scene(scene)
    assert seen and all(h <= 80 and w <= 80 for _, h, w in seen)  # 64 px × 120 % region, not 2000²
    assert image[932, 932, 3] > 0.99 and image[899, 932, 3] > 0.01 and image[800, 800, 3] == 0


def test_no_filter_no_filter_state():
    scene = from_document(load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="4" height="4"/></svg>'))
    assert scene.filter_params.numel() == 0 and not scene.root.filters and not scene.filter_slots


def test_gradients_reach_points_colours_and_filter_numbers():
    scene = from_document(load_svg(SHADOW.format(std=2).replace('x="18" y="18"', 'x="18.3" y="17.6"')))
    for t in (scene.points, scene.colors, scene.filter_params):
        t.requires_grad_(True)
    render_scene(scene, background=(1, 1, 1))[..., :3].sum().backward()
    for t in (scene.points, scene.colors, scene.filter_params):
        assert t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0


def test_drop_shadow_deviation_is_optimised_toward_a_target_and_written_back():
    with torch.no_grad():
        target = render_scene(from_document(load_svg(SHADOW.format(std=4))), background=(1, 1, 1))
    doc = load_svg(SHADOW.format(std=1.5))
    scene = from_document(doc)
    groups = parameter_groups(scene, select_shapes(scene, doc, "#card"), ["filter"])
    assert set(groups.masks) == {"filter_params"} and groups.masks["filter_params"].all()  # std, dx, dy, colour
    std_rows = slice(0, 2)  # stdDeviation is the first number of the filter
    groups.masks["filter_params"][2:] = False  # move only the deviation
    params = trainable(scene, groups)
    assert torch.allclose(scene.filter_params[std_rows], torch.tensor([1.5, 1.5]))
    opt = torch.optim.Adam(list(params.values()), lr=0.3, betas=(0.5, 0.9))
    with single_thread():
        for _ in range(30):
            opt.zero_grad()
            loss = (render_scene(scene, background=(1, 1, 1)) - target).pow(2).mean()
            loss.backward()
            opt.step()
    std = scene.filter_params.detach()[std_rows]
    assert torch.allclose(std, torch.tensor([4.0, 4.0]), atol=0.05), std
    before = SHADOW.format(std=1.5)
    write_back(scene, doc)
    after = dumps_svg(doc)
    written = re.search(r'stdDeviation="([^"]*)"', after).group(1)
    assert all(abs(float(v) - 4.0) < 0.3 for v in written.split())
    assert after == before.replace('stdDeviation="1.5"', f'stdDeviation="{written}"')  # nothing else changed
    reloaded = from_document(load_svg(after))
    assert torch.allclose(reloaded.filter_params[:2], std, atol=1e-3)


def test_colour_numbers_are_written_where_they_were():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><filter id="f">'
           '<feFlood style="flood-color:#ff0000" flood-opacity="0.5"/></filter><rect width="8" height="8" filter="url(#f)"/></svg>')
    doc = load_svg(svg)
    scene = from_document(doc)
    with torch.no_grad():
        scene.filter_params[:4] = torch.tensor([0.0, 0.0, 1.0, 0.25])
    write_back(scene, doc)
    out = dumps_svg(doc)
    assert 'style="flood-color:#0000ff"' in out and 'flood-opacity="0.25"' in out


def test_unreadable_filter_values_are_ignored_and_missing_references_hide_the_element():
    doc = load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
                   '<rect width="4" height="4" style="filter: blur(-2px)"/>'
                   '<rect x="4" width="4" height="4" filter="url(#missing)"/></svg>')
    assert [len(g.children) for g in doc.root.children] == [1, 0]
    assert any("ignored" in n.message for n in doc.notes) and any("not drawn" in n.message for n in doc.notes)


def test_filtered_shape_opacity_applies_after_the_filter():
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><filter id="f" x="0" y="0" width="1" height="1">'
           '<feFlood flood-color="blue"/></filter><rect width="8" height="8" opacity="0.5" filter="url(#f)"/></svg>')
    with torch.no_grad():
        image = render_scene(from_document(load_svg(svg)))
    assert torch.allclose(image[4, 4], torch.tensor([0.0, 0.0, 1.0, 0.5]), atol=1e-6)


def _render(svg):
    with torch.no_grad():
        return render_scene(from_document(load_svg(svg)))


def test_user_space_region_defaults_to_the_viewport_so_a_flat_line_is_filtered():
    image = _render('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><filter id="f" filterUnits="userSpaceOnUse">'
                    '<feGaussianBlur stdDeviation="2"/></filter><line x1="5" y1="20" x2="35" y2="20" stroke="black" '
                    'stroke-width="4" filter="url(#f)"/></svg>')
    assert image[20, 20, 3] > 0.5 and image[25, 20, 3] > 0.01  # drawn, and blurred past the stroke


def test_a_filter_on_the_root_applies():
    image = _render('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" filter="url(#f)"><filter id="f" x="0" '
                    'y="0" width="1" height="1"><feFlood flood-color="#00ff00"/></filter><rect width="20" height="20"/></svg>')
    assert torch.allclose(image[10, 10], torch.tensor([0.0, 1.0, 0.0, 1.0]))


def test_offsets_follow_the_user_space_rotation():
    image = _render('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><filter id="f" x="-1" y="-1" width="3" '
                    'height="3"><feOffset dx="6"/></filter><g transform="rotate(90 20 20)" filter="url(#f)">'
                    '<rect x="15" y="15" width="10" height="10"/></g></svg>')
    rows = torch.nonzero(image[..., 3].amax(1) > 0.5).flatten()
    assert rows.min() == 21 and rows.max() == 30  # dx along the rotated x axis is down the canvas


FE_IMAGE = """<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24">
  <defs><path id="dot" d="M 3.3 2.6 L 9.4 3.1 L 6.2 9.3 Z" fill="#c04020" transform="translate(1 0.5)"/></defs>
  <filter id="f" x="0" y="0" width="1" height="1"><feImage href="#dot" x="6" y="5"/><feGaussianBlur stdDeviation="0.8"/></filter>
  <rect x="2" y="2" width="20" height="20" fill="#2060c0" filter="url(#f)"/>
</svg>"""


def test_fe_image_draws_its_element_at_the_subregion_corner_and_is_differentiable():
    doc = load_svg(FE_IMAGE)
    assert not [n for n in doc.notes if "feImage" in n.message]  # drawn: nothing for `vecedit info` to flag
    scene = from_document(doc, dtype=torch.float64)
    image = render_scene(scene).detach()
    # the triangle moved by the subregion's corner (6, 5) and its own translate(1 0.5); the rect is replaced
    assert image[10, 13, 0] > 0.5 and image[10, 13, 2] < 0.2 and image[20, 20, 3] < 0.01
    frame_rows = [torch.arange(a, a + n) for s in scene.shapes if s.frame >= 0 for a, n, _ in s.subpaths]
    rows = torch.cat(frame_rows)
    assert len(rows)  # the element is drawn in a raster of its own, through the scene's points
    loss, start = weighted_render_loss(scene, "points", seed=3, rows=rows)
    with single_thread():
        assert torch.autograd.gradcheck(loss, (start.clone().requires_grad_(True),), fast_mode=True)


def test_fe_image_files_follow_the_image_rules(tmp_path):
    from PIL import Image

    Image.new("RGBA", (2, 2), (0, 255, 0, 255)).save(tmp_path / "green.png")
    (tmp_path / "inner").mkdir()
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><filter id="f" x="0" y="0" width="1" '
           'height="1"><feImage href="{}" preserveAspectRatio="none"/></filter>'
           '<rect width="8" height="8" fill="red" filter="url(#f)"/></svg>')
    inside = tmp_path / "inside.svg"
    inside.write_text(svg.format("green.png"))
    assert torch.allclose(_render_file(inside)[4, 4], torch.tensor([0.0, 1.0, 0.0, 1.0]))
    outside = tmp_path / "inner" / "outside.svg"
    outside.write_text(svg.format("../green.png"))
    doc = load_svg(outside)
    assert any("outside the SVG's folder" in n.message and n.affects_picture for n in doc.notes)
    assert _render_file(outside)[4, 4, 3] == 0  # refused: a transparent result


def _render_file(path):
    with torch.no_grad():
        return render_scene(from_document(load_svg(path)))


BEYOND = """<svg xmlns="http://www.w3.org/2000/svg" width="14" height="12">
  <filter id="f" x="-1" y="-1" width="3" height="3"><feOffset dx="6" dy="1.5"/><feGaussianBlur stdDeviation="0.7"/></filter>
  <path d="M -7.3 2.2 L 4.6 1.7 L 3.8 9.4 L -8.9 14.6 Z" fill="#2060c0" filter="url(#f)"/>
</svg>"""


def test_content_beyond_the_canvas_edge_feeds_a_filter_and_keeps_exact_gradients():
    scene = from_document(load_svg(BEYOND), dtype=torch.float64)
    with torch.no_grad():
        image = render_scene(scene)
    assert image[6, 2, 3] > 0.9  # drawn from the part left of the canvas, moved 6 px right
    loss, start = weighted_render_loss(scene, "points", seed=5)
    with single_thread():
        assert torch.autograd.gradcheck(loss, (start.clone().requires_grad_(True),), fast_mode=True)
