"""The optional pydiffvg backend.

pydiffvg is on no package registry, so here we test (1) the clear error when it is
missing and (2) the scene → pydiffvg conversion against a stand-in module that only
records what it is given. A real render runs only where diffvg was built from source.
"""

import importlib.util
import types
from pathlib import Path

import pytest
import torch

from vecedit.errors import OptionError
from vecedit.render import diffvg_backend
from vecedit.scene import from_document
from vecedit.svg import load_svg

CORPUS = Path(__file__).parent / "corpus"
HAS_PYDIFFVG = importlib.util.find_spec("pydiffvg") is not None


@pytest.mark.skipif(HAS_PYDIFFVG, reason="pydiffvg is installed here")
def test_missing_pydiffvg_raises_option_error():
    doc = load_svg(CORPUS / "11-rect-plain.svg")
    with pytest.raises(OptionError) as info:
        diffvg_backend.render_diffvg(doc, 32, 32)
    assert str(info.value) == diffvg_backend.NOT_INSTALLED
    assert "https://github.com/BachiLi/diffvg" in str(info.value) and "--renderer builtin" in str(info.value)


def _fake_pydiffvg():
    class Record:
        def __init__(self, **kwargs):
            self.__dict__.update(kwargs)

    return types.SimpleNamespace(
        Path=type("Path", (Record,), {}),
        ShapeGroup=type("ShapeGroup", (Record,), {}),
        LinearGradient=type("LinearGradient", (Record,), {}),
        RadialGradient=type("RadialGradient", (Record,), {}),
    )


def test_conversion_keeps_cubic_layout_paint_order_and_half_width():
    doc = load_svg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
        '<g opacity="0.5"><path d="M1 1 L9 1 L9 9 Z M12 12 L18 18" fill="#f00" stroke="#00f" stroke-width="2" '
        'fill-rule="evenodd" style="paint-order: stroke"/></g></svg>'
    )
    scene = from_document(doc, 40, 40)  # 2× scale
    fake = _fake_pydiffvg()
    shapes, groups = diffvg_backend.scene_to_diffvg(scene, fake)
    closed, open_ = shapes
    assert closed.is_closed and closed.num_control_points.tolist() == [2, 2, 2]
    assert tuple(closed.points.shape) == (9, 2) and closed.points[0].tolist() == [2.0, 2.0]
    assert not open_.is_closed and open_.num_control_points.tolist() == [2]
    assert tuple(open_.points.shape) == (4, 2) and open_.points[-1].tolist() == [36.0, 36.0]
    assert float(closed.stroke_width) == pytest.approx(2.0)  # diffvg takes half the width: 2 px × 2 / 2
    stroke, fill = groups  # paint-order: stroke first
    assert stroke.fill_color is None and stroke.stroke_color.tolist() == [0.0, 0.0, 1.0, 0.5]
    assert fill.stroke_color is None and fill.fill_color.tolist() == [1.0, 0.0, 0.0, 0.5]
    assert fill.use_even_odd_rule and fill.shape_ids.tolist() == [0, 1]


def test_linear_gradient_maps_to_canvas_exactly():
    doc = load_svg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
        '<linearGradient id="g" x1="0" y1="0" x2="1" y2="0"><stop offset="0" stop-color="#000"/>'
        '<stop offset="1" stop-color="#fff"/></linearGradient>'
        '<rect x="10" y="10" width="80" height="30" fill="url(#g)"/></svg>'
    )
    scene = from_document(doc)
    _, groups = diffvg_backend.scene_to_diffvg(scene, _fake_pydiffvg())
    gradient = groups[0].fill_color
    assert gradient.begin.tolist() == pytest.approx([10.0, 0.0], abs=1e-4)
    assert gradient.end.tolist() == pytest.approx([90.0, 0.0], abs=1e-4)
    assert gradient.offsets.tolist() == [0.0, 1.0]


def test_unrepresentable_gradient_falls_back_to_mean_colour_with_a_warning():
    doc = load_svg(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        '<linearGradient id="rep" spreadMethod="repeat" x2="0.5"><stop offset="0" stop-color="#000"/>'
        '<stop offset="1" stop-color="#fff"/></linearGradient>'
        '<rect width="10" height="10" fill="url(#rep)"/></svg>'
    )
    with pytest.warns(UserWarning, match="rep"):
        _, groups = diffvg_backend.scene_to_diffvg(from_document(doc), _fake_pydiffvg())
    assert isinstance(groups[0].fill_color, torch.Tensor)
    assert groups[0].fill_color.tolist() == pytest.approx([0.5, 0.5, 0.5, 1.0])


def test_real_diffvg_render_close_to_builtin():
    pytest.importorskip("pydiffvg", reason="pydiffvg is not on PyPI; build diffvg from source to run this")
    from vecedit.imageio import composite_on, psnr
    from vecedit.render.api import render_document

    doc = load_svg(CORPUS / "64-icon-filled-heart-check.svg")
    ours = render_document(doc, 128)
    theirs = render_document(doc, 128, renderer="diffvg")
    assert theirs.shape == ours.shape
    assert psnr(composite_on(theirs), composite_on(ours)) >= 25.0
