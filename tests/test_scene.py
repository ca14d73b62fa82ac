"""Document ⇄ tensors: build, transforms, write-back of exactly what moved, selection."""

import numpy as np
import pytest
import torch

from vecedit.errors import OptionError
from vecedit.scene import from_document, write_back
from vecedit.select import parameter_groups, select_shapes, trainable
from vecedit.svg import dumps_svg, load_svg

SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="100" height="80" viewBox="-10 -20 50 40">
  <style>.leaf { fill: #2a7 }</style>
  <g id="tree" transform="translate(5 3) rotate(30) scale(1.5 0.5)">
    <rect id="trunk" class="bark" x="1" y="2" width="6" height="9" fill="#852" stroke="#000" stroke-width="0.5"/>
    <circle id="crown" class="leaf" cx="4" cy="-3" r="5"/>
  </g>
  <ellipse id="sun" cx="30" cy="-10" rx="6" ry="4" fill="#fc0" opacity="0.9"/>
  <path id="ground" d="M-10 15 Q15 5 40 15 L40 20 L-10 20 Z" fill="#7a4"/>
</svg>"""


@pytest.fixture
def doc():
    return load_svg(SVG)


def test_points_are_in_canvas_pixels(doc):
    scene = from_document(doc)
    assert (scene.width, scene.height) == (100, 80)
    sun = scene.shapes[2]
    pts = scene.points[sun.subpaths[0][0] : sun.subpaths[0][0] + sun.subpaths[0][1]]
    # viewBox -10 -20 50 40 on 100×80: x' = 2(x + 10), y' = 2(y + 20)
    assert pts[:, 0].max().item() == pytest.approx(2 * (36 + 10), abs=1e-4)
    assert pts[:, 1].min().item() == pytest.approx(2 * (-14 + 20), abs=1e-4)


def test_unedited_write_back_changes_nothing(doc):
    scene = from_document(doc)
    assert write_back(scene, doc) == []
    assert dumps_svg(doc) == SVG


def test_moved_points_go_back_through_the_inverse_transform(doc):
    scene = from_document(doc)
    trunk = scene.shapes[0]
    start, count, _ = trunk.subpaths[0]
    with torch.no_grad():
        scene.points[start : start + count] += torch.tensor([3.0, -2.0])
    assert write_back(scene, doc) == [0]
    text = dumps_svg(doc)
    again = load_svg(text)
    assert again.shapes()[0].tag == "path" and again.shapes()[0].id == "trunk"
    assert 'class="bark"' in text
    moved = from_document(again)
    np.testing.assert_allclose(
        moved.points[start : start + count].numpy(), scene.points[start : start + count].numpy(), atol=2e-3
    )
    # untouched elements keep their source text
    assert '<circle id="crown" class="leaf" cx="4" cy="-3" r="5"/>' in text
    assert '<ellipse id="sun"' in text


def test_colour_write_back_beats_the_stylesheet(doc):
    scene = from_document(doc)
    row = next(i for i, (s, kind) in enumerate(scene.color_owner) if s == 1 and kind == "fill")
    with torch.no_grad():
        scene.colors[row] = torch.tensor([1.0, 0.0, 0.0, 0.5])
    write_back(scene, doc)
    again = from_document(load_svg(dumps_svg(doc)))
    torch.testing.assert_close(again.colors[row], torch.tensor([1.0, 0.0, 0.0, 0.5]))


@pytest.mark.parametrize(
    "selection, expected",
    [
        ("#trunk", {"trunk"}),
        (".leaf", {"crown"}),
        ("#tree", {"trunk", "crown"}),
        ("ellipse, #ground", {"sun", "ground"}),
        ("g rect", {"trunk"}),
        ("0,0,20,20", set()),
        ("60,0,40,30", {"sun"}),
    ],
)
def test_selection(doc, selection, expected):
    scene = from_document(doc)
    ids = [doc.shapes()[s.element].id for s in scene.shapes]
    chosen = select_shapes(scene, doc, selection)
    assert {ids[i] for i in np.nonzero(chosen)[0]} == expected


def test_mask_selection(doc):
    scene = from_document(doc)
    mask = np.zeros((80, 100), dtype=bool)
    mask[75:, :] = True  # the ground band only
    ids = [doc.shapes()[s.element].id for s in scene.shapes]
    assert {ids[i] for i in np.nonzero(select_shapes(scene, doc, mask))[0]} == {"ground"}
    with pytest.raises(OptionError, match="canvas is 100×80"):
        select_shapes(scene, doc, np.zeros((10, 10), bool))


@pytest.mark.parametrize("bad", ["#nothing", "0,0,0,5", "500,500,10,10", "a[[["])
def test_bad_selections_say_what_to_do(doc, bad):
    scene = from_document(doc)
    with pytest.raises(OptionError):
        select_shapes(scene, doc, bad)


def test_unselected_rows_stay_bit_identical_under_adam(doc):
    scene = from_document(doc)
    chosen = select_shapes(scene, doc, ".leaf")
    groups = parameter_groups(scene, chosen, kinds=("color",))
    tensors = trainable(scene, groups)
    assert set(tensors) == {"colors"}
    before = scene.colors.detach().clone()
    points_before = scene.points.clone()
    opt = torch.optim.Adam(tensors.values(), lr=0.05)
    from vecedit.render.composite import render_scene

    for _ in range(3):
        opt.zero_grad()
        render_scene(scene, background=(1, 1, 1))[..., 0].mean().backward()
        opt.step()
    moved = (scene.colors.detach() != before).any(1).numpy()
    leaf_rows = [i for i, (s, _) in enumerate(scene.color_owner) if chosen[s]]
    assert moved[leaf_rows].all() and moved.sum() == len(leaf_rows)
    assert torch.equal(scene.points, points_before)
    changed = write_back(scene, doc)
    assert [doc.shapes()[i].id for i in changed] == ["crown"]


def test_use_instances_render_but_do_not_move():
    doc = load_svg(
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="20" height="20">'
        '<rect id="r" width="5" height="5"/><use xlink:href="#r" x="10"/></svg>'
    )
    scene = from_document(doc)
    assert [s.editable for s in scene.shapes] == [True, False]
    assert select_shapes(scene, doc, None).tolist() == [True, False]


# ---------------------------------------------------------------- fills that paint nothing

STROKE_ONLY = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">
  <line id="line" x1="8" y1="8" x2="56" y2="56" stroke="#00f" stroke-width="4"/>
  <path id="open" d="M8 56 L56 8" stroke="#0a0" stroke-width="4"/>
  <polyline id="flat" points="8 32 32 32 56 32" stroke="#a00" stroke-width="2"/>
  <polyline id="bent" points="8 60 32 40 56 60" fill="#fc0" stroke="#a00" stroke-width="2"/>
</svg>"""


def test_a_fill_that_paints_nothing_is_no_parameter_and_stays_unpainted():
    """A <line>, or geometry on one straight line, has no fill to edit; bent by an edit and
    written back as a path, it must not start filling with the initial black."""
    import torch

    from vecedit.render.reference import render_reference
    from vecedit.svg import dumps_svg

    doc = load_svg(STROKE_ONLY)
    scene = from_document(doc)
    assert [s.fill is None for s in scene.shapes] == [True, True, True, False]  # the bent polyline fills
    assert len(scene.colors) == 5  # four strokes and one fill: no colour rows to drift
    before = render_reference(dumps_svg(doc))
    with torch.no_grad():  # bend the line, the open path and the flat polyline
        scene.points[1] += torch.tensor([20.0, -12.0])
        scene.points[5] += torch.tensor([12.0, 12.0])
        scene.points[9] += torch.tensor([0.0, 16.0])
    write_back(scene, doc)
    text = dumps_svg(doc)
    assert text.count("fill:none") == 3 and 'id="bent"' in text and "<polyline" in text
    after = render_reference(text)
    # what is painted now is stroke only: no pixel is covered that the strokes' paints
    # (blue, green, red) would not explain, and nothing black appears
    dark = (after[..., 3] > 0.5) & (after[..., :3].max(-1) < 0.2)
    assert not dark.any()
    assert after[..., 3].sum() < before[..., 3].sum() * 1.6  # bent strokes are a little longer, no areas


@pytest.mark.parametrize("scale", [1.0, 1e-200, 1e160, 1e300])
def test_whether_a_fill_paints_nothing_does_not_depend_on_the_scale(scale):
    """Points far apart (their squares past float range) or very close together are judged
    as at unit scale: a flat path paints no fill, a bent one does; no numpy warning."""
    import warnings

    from vecedit.svg.model import fill_paints_nothing

    flat = f"M0 0 L{scale} {scale} L{2 * scale} {2 * scale}"
    bent = f"M0 0 L{scale} 0 L{scale} {scale}"
    doc = load_svg(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><path d="{flat}"/>'
        f'<path d="{bent}"/></svg>'
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [fill_paints_nothing(s) for s in doc.shapes()] == [True, False]
