"""Paint-server edge cases: equal stop offsets, r = 0, fr, focal points outside, cross-kind href, zero-sized boxes."""

import numpy as np
import pytest
import torch

from vecedit.render.api import render_document
from vecedit.render.paint import radial_t, spread, stop_colors
from vecedit.svg import load_svg

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="40" height="20">'


def picture(body: str) -> np.ndarray:
    return render_document(load_svg(HEAD + body + "</svg>")).detach().numpy()


def test_the_pad_area_takes_the_outermost_of_stops_sharing_an_offset():
    offsets = torch.tensor([0.0, 0.0, 1.0, 1.0])
    colors = torch.eye(4)
    t = spread(torch.tensor([-0.5, 0.0, 0.5, 1.0, 2.0]), "pad")
    got = stop_colors(t, offsets, colors).argmax(dim=-1).tolist()
    assert got[0] == 0 and got[-1] == 3 and got[2] in (1, 2)


def test_a_zero_radius_paints_the_last_stop_whatever_the_spread():
    for method in ("pad", "repeat", "reflect"):
        image = picture(f'<radialGradient id="g" r="0" spreadMethod="{method}"><stop stop-color="red"/>'
                        '<stop offset="1" stop-color="blue"/></radialGradient><rect width="40" height="20" fill="url(#g)"/>')
        assert np.allclose(image[..., :3], (0, 0, 1), atol=1e-6)


def test_fr_larger_than_r_takes_the_root_with_a_positive_radius():
    geometry = torch.tensor([0.0, 0.0, 0.3, 0.0, 0.0, 0.4], dtype=torch.float64)
    t = radial_t(torch.tensor([0.0, 0.35, 0.5], dtype=torch.float64), torch.zeros(3, dtype=torch.float64), geometry)
    assert t.tolist() == pytest.approx([4.0, 0.5, -1.0], abs=5e-3)  # radius 0.4 - 0.1 t equals the distance


def test_a_focal_point_outside_the_circle_is_moved_onto_it():
    gradient = '<radialGradient id="g" cx="20" cy="10" r="8" fx="{fx}" fy="10" gradientUnits="userSpaceOnUse">' \
               '<stop stop-color="yellow"/><stop offset="1" stop-color="navy"/></radialGradient>' \
               '<rect width="40" height="20" fill="url(#g)"/>'
    outside, on_edge = picture(gradient.format(fx=-30)), picture(gradient.format(fx=12.008))
    assert np.abs(outside - on_edge).max() < 0.02


def test_href_across_kinds_inherits_stops_and_shared_attributes_not_geometry():
    doc = load_svg(HEAD + '<radialGradient id="r" r="0.2" x1="0.4" spreadMethod="reflect" gradientUnits="userSpaceOnUse">'
                   '<stop stop-color="red"/></radialGradient><linearGradient id="l" href="#r"/>'
                   '<linearGradient id="l2" x2="0.3" r="0.9"/><radialGradient id="r2" xlink:href="#l2"/></svg>')
    linear, radial = doc.gradients["l"], doc.gradients["r2"]
    assert linear.geometry[0] == 0.0 and linear.spread == "reflect" and linear.units == "userSpaceOnUse"
    assert len(linear.stops) == 1
    assert radial.geometry[2] == pytest.approx(0.5)  # r's default, not l2's stray r


def test_a_bounding_box_gradient_on_a_zero_sized_box_paints_the_fallback():
    image = picture('<linearGradient id="g"><stop stop-color="red"/><stop offset="1" stop-color="blue"/></linearGradient>'
                    '<line x1="2" y1="5" x2="38" y2="5" stroke="url(#g) lime" stroke-width="4"/>'
                    '<line x1="2" y1="15" x2="38" y2="15" stroke="url(#g)" stroke-width="4"/>')
    assert np.allclose(image[5, 20], (0, 1, 0, 1), atol=1e-6)
    assert image[15, 20, 3] == 0  # no fallback: nothing painted
