"""What an edit does, with a stand-in encoder of known meaning (mean colour; see conftest)."""

import numpy as np
import torch

import vecedit.edit.loop as optimize
from vecedit.edit.config import LearningRates
from vecedit.render.reference import render_reference
from vecedit.scene import from_document
from vecedit.svg import dumps_svg, load_svg

from editkit import LEFT_BOX, RIGHT_BOX, TWO_DOTS, mean_rgb

FAST = dict(patches=4, templates="none", iterations=20)
RECOLOUR = dict(FAST, lr=LearningRates(color=0.02))  # CLIPVG's colour-only recipe: colour lr 0.02


def _redness(rgb):
    return rgb[0] - (rgb[1] + rgb[2]) / 2


def test_colour_edit_inside_a_roi_changes_only_that_roi(encoder):
    before = load_svg(TWO_DOTS)
    doc = optimize.edit(load_svg(TWO_DOTS), prompts=["red"], rois=[LEFT_BOX], optimize="color", select="#left",
                        encoder=encoder, **RECOLOUR)
    text = dumps_svg(doc)
    old, new = render_reference(TWO_DOTS), render_reference(text)
    assert _redness(mean_rgb(new, LEFT_BOX)) > _redness(mean_rgb(old, LEFT_BOX)) + 0.05
    x, y, w, h = map(int, LEFT_BOX.split(","))
    outside = np.ones(old.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    assert np.abs(new[outside] - old[outside]).max() < 1 / 255
    a, b = from_document(before), from_document(load_svg(text))
    for name in ("points", "stroke_widths", "opacities"):  # shape parameters: bit-identical
        assert torch.equal(getattr(a, name), getattr(b, name)), name
    assert '<circle id="left" cx="24" cy="32" r="14"' in text  # geometry attributes untouched


def test_shape_edit_leaves_every_colour_bit_identical(encoder):
    before = from_document(load_svg(TWO_DOTS))
    doc = optimize.edit(load_svg(TWO_DOTS), prompts="black", optimize="shape", encoder=encoder, **FAST)
    after = from_document(load_svg(dumps_svg(doc)))
    assert not torch.equal(before.points, after.points)
    assert torch.equal(before.colors, after.colors)
    assert torch.equal(before.opacities, after.opacities)
    # "black" on white: the dark shapes grow
    old, new = render_reference(TWO_DOTS), render_reference(dumps_svg(doc))
    assert new[..., :3].mean() < old[..., :3].mean()


def test_two_rois_move_apart_as_asked(encoder):
    doc = optimize.edit(load_svg(TWO_DOTS), prompts=["red", "blue"], rois=[LEFT_BOX, RIGHT_BOX],
                        optimize="color", select=["#left", "#right"], encoder=encoder, **RECOLOUR)
    new = render_reference(dumps_svg(doc))
    left, right = mean_rgb(new, LEFT_BOX), mean_rgb(new, RIGHT_BOX)
    assert left[0] > left[2] + 0.05  # left went red
    assert right[2] > right[0] + 0.05  # right went blue
    assert len(set(encoder.image_batches[1:])) == 1 and encoder.image_batches[-1] == 2 * (1 + FAST["patches"])


def test_same_seed_same_output_and_the_seed_matters(encoder):
    def run(seed):
        doc = optimize.edit(load_svg(TWO_DOTS), prompts="red", encoder=encoder, seed=seed, patches=3,
                            templates="none", iterations=6)
        return dumps_svg(doc)

    first = run(1)
    assert run(1) == first
    assert run(2) != first


def test_stroke_and_opacity_move_when_asked(encoder):
    before = from_document(load_svg(TWO_DOTS))
    doc = optimize.edit(load_svg(TWO_DOTS), prompts="black", optimize="stroke,opacity", select="#right",
                        encoder=encoder, **FAST)
    after = from_document(load_svg(dumps_svg(doc)))
    assert after.stroke_widths[2] > before.stroke_widths[2]  # a wider dark stroke is blacker
    assert torch.equal(before.points, after.points) and torch.equal(before.colors, after.colors)
    assert torch.equal(before.stroke_widths[:2], after.stroke_widths[:2])


def test_gradient_fills_are_edited_and_written_back(encoder):
    svg = """<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48">
      <defs><linearGradient id="g"><stop offset="0" stop-color="#888"/><stop offset="1" stop-color="#444"/>
      </linearGradient></defs>
      <rect id="r" x="8" y="8" width="48" height="32" fill="url(#g)"/></svg>"""
    doc = optimize.edit(load_svg(svg), prompts="red", optimize="color", encoder=encoder, **FAST)
    grad = doc.gradients["g"]
    assert all(stop.color[0] > stop.color[1] for stop in grad.stops)  # both stops went red
    assert 'fill="url(#g)"' in dumps_svg(doc)


def test_callbacks_see_every_step_and_can_stop(encoder):
    seen = []

    class Stopper:
        def on_step(self, state):
            seen.append((state.iteration, sorted(state.losses)))
            state.stop = state.iteration == 3

    optimize.edit(load_svg(TWO_DOTS), prompts="red", encoder=encoder, callbacks=[Stopper()], **FAST)
    assert seen == [(k, ["roi0", "total"]) for k in (1, 2, 3)]


def test_feature_space_targets_and_extra_loss_terms(encoder):
    from vecedit.losses.clip_loss import ClipRoi

    class PullLeft:  # an extra term: points drift left
        name = "pull"

        def prepare(self, context):
            pass

        def __call__(self, context):
            return {"pull": 1e-3 * context.scene.points[:, 0].sum()}

    blue = ClipRoi((0, 0, 96, 64), direction=torch.tensor([-1.0, -1.0, 2.0]), name="blue-direction")
    doc = optimize.edit(load_svg(TWO_DOTS), rois=[blue], optimize="color,shape", select="#left",
                        encoder=encoder, loss_terms=[PullLeft()], **FAST)
    new = render_reference(dumps_svg(doc))
    left = mean_rgb(new, LEFT_BOX)
    assert left[2] > left[0] + 0.02
    shape = from_document(doc)
    start, count, _ = shape.shapes[1].subpaths[0]
    assert shape.points[start : start + count, 0].mean() < 24  # pulled left


def test_image_loss_pulls_toward_a_raster_target(encoder, tmp_path):
    from vecedit.imageio import save_png

    target = np.ones((64, 96, 4), np.float32)
    target[..., 1:3] = 0.0  # all red
    save_png(target, tmp_path / "red.png")
    doc = optimize.edit(load_svg(TWO_DOTS), optimize="color", select="#left", target_image=str(tmp_path / "red.png"),
                        iterations=15)
    left = mean_rgb(render_reference(dumps_svg(doc)), LEFT_BOX)
    assert left[0] > left[1] + 0.05


def test_edit_loop_optimises_filter_numbers_and_writes_them_back(encoder, tmp_path):
    import re

    from vecedit.imageio import save_png
    from vecedit.render.api import render_document

    shadow = ('<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><filter id="s" x="-50%" y="-50%" '
              'width="200%" height="200%"><feDropShadow dx="2" dy="2" stdDeviation="{}"/></filter>'
              '<rect x="14" y="14" width="20" height="20" fill="#f0c040" filter="url(#s)"/></svg>')
    save_png(render_document(load_svg(shadow.format(4)), background=(1, 1, 1)).numpy(), tmp_path / "soft.png")
    doc = optimize.edit(load_svg(shadow.format(1)), optimize="filter", target_image=str(tmp_path / "soft.png"),
                        iterations=25, lr=LearningRates(filter=0.3))
    written = re.search(r'stdDeviation="([^"]*)"', dumps_svg(doc)).group(1)
    assert all(float(v) > 2.0 for v in written.split())  # moved from 1 toward 4, in its own attribute


class _CountingRenderer:
    """The default renderer, counting its calls and whether each kept a graph."""

    def __init__(self):
        self.calls = []

    def __call__(self, scene, background):
        image = optimize._default_renderer(scene, background)
        self.calls.append(torch.is_grad_enabled())
        return image


def test_a_one_iteration_run_draws_the_document_once(encoder):
    from vecedit.edit.config import EditConfig

    renderer = _CountingRenderer()
    editor = optimize.Editor(load_svg(TWO_DOTS), EditConfig(prompt="red", patches=1, templates="none", iterations=1),
                             encoder=encoder, renderer=renderer)
    state = editor.run()
    assert renderer.calls == [True]  # the starting picture is the first iteration's, drawn with its graph
    image = state.image  # the result's picture: drawn when first read, with the stepped parameters
    assert renderer.calls == [True, False]
    fresh = optimize._default_renderer(editor.scene, editor.background)[..., :3]
    assert torch.equal(image, fresh) and not torch.equal(image, editor.initial)


def test_the_first_iteration_redraws_once_a_parameter_moved(encoder):
    from vecedit.edit.config import EditConfig

    class Nudge:
        def on_start(self, state):
            with torch.no_grad():
                state.scene.colors[0, 0] = 1 - state.scene.colors[0, 0]

    renderer = _CountingRenderer()
    editor = optimize.Editor(load_svg(TWO_DOTS), EditConfig(prompt="red", patches=1, templates="none", iterations=1),
                             encoder=encoder, renderer=renderer, callbacks=[Nudge()])
    seen = []
    editor.callbacks.append(type("Watch", (), {"on_render": lambda self, s: seen.append(s.image.clone())})())
    editor.run()
    assert renderer.calls == [True, True]
    assert not torch.equal(seen[0], editor.initial)  # the nudged colour is in the first iteration's picture
