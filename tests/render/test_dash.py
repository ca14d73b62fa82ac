"""Dashed strokes: the pattern's intervals, the dash polylines, gradients (float64), resvg agreement."""

import numpy as np
import pytest
import torch

from vecedit.render.dash import _intervals, dash
from vecedit.render.flatten import Polylines
from vecedit.scene import from_document
from vecedit.svg import load_svg
from render_scenes import weighted_render_loss


def test_intervals_follow_the_pattern_and_offset():
    starts, ends = _intervals(10.0, np.array([3.0, 2.0]), 0.0)
    assert starts.tolist() == [0, 5] and ends.tolist() == [3, 8]
    starts, ends = _intervals(10.0, np.array([3.0, 2.0]), 1.0)  # shifted back by one
    assert starts.tolist() == [0, 4, 9] and ends.tolist() == [2, 7, 10]
    starts, ends = _intervals(10.0, np.array([3.0, 2.0]), -1.0)  # negative: the pattern starts later
    assert starts.tolist() == [1, 6] and ends.tolist() == [4, 9]
    starts, ends = _intervals(10.0, np.array([3.0, 2.0]), 3.0)  # a dash ending exactly at the start: none
    assert starts.tolist() == [2, 7] and ends.tolist() == [5, 10]


def test_zero_length_dashes_are_points():
    starts, ends = _intervals(10.0, np.array([0.0, 4.0]), 0.0)
    assert starts.tolist() == [0, 4, 8] and ends.tolist() == [0, 4, 8]


def _lines(points, closed):
    v = torch.tensor(points, dtype=torch.float64)
    n = len(points)
    return Polylines(v, np.array([0]), np.array([n]), np.array([closed]), np.ones(n, bool), np.array([0])), v


def test_closed_subpath_dash_through_the_start_is_one_dash():
    lines, v = _lines([[0, 0], [10, 0], [10, 10], [0, 10]], True)
    out, owner = dash(lines, v, [(6.0, 4.0)], np.array([3.0]))  # on at the start and at the end
    assert not out.closed.any() and (owner == 0).all()
    # 40 units: dashes [0,3] [7,13] [17,23] [27,33] [37,40]: the first and last joined through (0, 0)
    assert len(out.counts) == 4
    joined = out.vertices[out.starts[0] : out.starts[0] + out.counts[0]]
    assert joined[0].tolist() == [0.0, 3.0] and joined[-1].tolist() == [3.0, 0.0]
    assert [0.0, 0.0] in joined.tolist() and out.corner[out.starts[0] + 1]  # the start corner keeps its join


def test_undashed_polylines_pass_through():
    lines, v = _lines([[0, 0], [10, 0], [10, 10]], False)
    out, owner = dash(lines, v, [None], np.array([0.0]))
    assert out.counts.tolist() == [3] and torch.equal(out.vertices, v)


SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="16" height="12">
  <path d="M1.3 2.2 C5.1 0.7 8.7 4.9 14.6 2.6" fill="none" stroke="#0a8" stroke-width="1.7"
        stroke-dasharray="3.1 1.7" stroke-dashoffset="-0.6" stroke-linecap="round"/>
  <path d="M2.1 6.3 L13.2 5.1 L12.4 10.8 Z" fill="none" stroke="#a08" stroke-width="1.1"
        stroke-dasharray="4.3 2.2 1.1" stroke-linecap="square" stroke-linejoin="round"/>
</svg>"""


@pytest.mark.parametrize("name", ["points", "stroke_widths"])
def test_dashes_are_differentiable(name):
    scene = from_document(load_svg(SVG), dtype=torch.float64)
    loss, base = weighted_render_loss(scene, name, seed=1)

    torch.autograd.gradcheck(loss, (base.clone().requires_grad_(True),), eps=1e-6, atol=1e-5, rtol=1e-3,
                             fast_mode=name == "points")


def test_dashes_no_longer_noted_as_not_drawn():
    doc = load_svg(SVG)
    assert not any("dash" in n.message for n in doc.notes)
