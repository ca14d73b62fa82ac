"""Gradient stops are looked up, not looped over: the same colours and gradients as the
dense formula (every stop against every pixel), whatever the number of stops."""

import numpy as np
import torch

from vecedit.render.api import render_document
from vecedit.render.paint import _safe_div, stop_colors
from vecedit.svg import load_svg


def dense_stop_colors(t, offsets, colors):
    """The former formula: a ramp per stop pair for every parameter, summed."""
    lo, hi = offsets[:-1], offsets[1:]
    width = hi - lo
    tt = t[..., None]
    ramp = _safe_div(tt - lo, width.expand_as(tt - lo), (width > 1e-6).expand_as(tt - lo), 0.0)
    hard = (tt >= hi).to(t.dtype)
    weight = torch.where((width > 1e-6).expand_as(ramp), ramp.clamp(0, 1), hard)
    return colors[0] + weight @ (colors[1:] - colors[:-1])


def test_lookup_matches_the_dense_formula_in_values_and_gradients():
    generator = torch.Generator().manual_seed(0)
    for _ in range(100):
        count = int(torch.randint(2, 9, (1,), generator=generator))
        offsets = torch.round(torch.sort(torch.rand(count, generator=generator, dtype=torch.float64)).values * 4) / 4
        offsets.requires_grad_(True)  # rounded: runs of equal offsets, stops at 0 and 1
        colors = torch.rand(count, 4, generator=generator, dtype=torch.float64, requires_grad=True)
        t = torch.rand(40, generator=generator, dtype=torch.float64) * 1.6 - 0.3
        t = torch.cat([t, offsets.detach(), offsets.detach()])[:44].reshape(4, 11).requires_grad_(True)  # exactly on the stops too
        got, want = stop_colors(t, offsets, colors), dense_stop_colors(t, offsets, colors)
        assert torch.allclose(got, want, atol=1e-12)
        weights = torch.rand(got.shape, generator=generator, dtype=torch.float64)
        got_grads = torch.autograd.grad((got * weights).sum(), (t, offsets, colors))
        want_grads = torch.autograd.grad((want * weights).sum(), (t, offsets, colors))
        for a, b in zip(got_grads, want_grads):
            assert torch.allclose(a, b, atol=1e-9)


def test_decreasing_offsets_render_as_the_written_file_reloads():
    colors = torch.eye(4, dtype=torch.float64)
    t = torch.linspace(-0.2, 1.2, 29, dtype=torch.float64)
    edited = stop_colors(t, torch.tensor([0.0, 0.6, 0.3, 1.0], dtype=torch.float64), colors)
    reloaded = stop_colors(t, torch.tensor([0.0, 0.6, 0.6, 1.0], dtype=torch.float64), colors)  # §13.2.4
    assert torch.equal(edited, reloaded)


def _document(stops: str) -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="60" height="40"><radialGradient id="v" r="0.6">'
            f'{stops}</radialGradient><rect width="60" height="40" fill="url(#v)"/></svg>')


def test_twenty_thousand_stops_render_as_the_few_that_show():
    run = '<stop offset="0.3" stop-color="white"/>' * 20_000
    many = _document(f'<stop stop-color="red"/>{run}<stop offset="1" stop-color="blue"/>')
    few = _document('<stop stop-color="red"/><stop offset="0.3" stop-color="white"/>'
                    '<stop offset="1" stop-color="blue"/>')
    from vecedit.limits import using

    with using("elements=30000"):  # 20,000 stops are over the default element budget
        many_doc = load_svg(many)
    assert np.array_equal(render_document(many_doc).numpy(), render_document(load_svg(few)).numpy())
