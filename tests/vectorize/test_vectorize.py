"""vectorize(): layered output, both backends, refinement, pruning, working size, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from vecedit.errors import OptionError
from vecedit.render.reference import render_reference
from vecedit.vectorizers import api
from vecedit.vectorizers.base import TracedPath, cubic_outline, path_area
from vecedit.vectorizers.stack import Layer, cap, prune, to_svg

from .conftest import scene_image


def psnr(svg: str, img: np.ndarray) -> float:
    h, w = img.shape[:2]
    out = render_reference(svg, width=w, height=h, background=(1.0, 1.0, 1.0))[..., :3].astype(np.float64)
    mse = np.mean((out - img / 255.0) ** 2)
    return 10 * np.log10(1.0 / mse)


@pytest.mark.parametrize("backend", ["vtracer", "skimage"])
def test_layered_svg_coarse_first(image, backend):
    result = api.run(image, rounds=(3, 8), backend=backend)
    doc = result.document
    assert [g.id for g in doc.root.children] == ["round-0", "round-1"]
    assert (doc.width, doc.height, doc.viewbox) == (48.0, 40.0, (0.0, 0.0, 48.0, 40.0))
    assert [g.node.get("data-colors") for g in doc.root.children] == ["3", "8"]
    coarse, fine = (len(g.children) for g in doc.root.children)
    assert 1 <= coarse <= fine
    for shape in doc.shapes():
        assert shape.tag == "path" and shape.fill is not None and shape.stroke is None
        assert shape.subpaths and all(s.closed for s in shape.subpaths)
    assert psnr(result.svg, image) > 20.0


def test_vectorize_returns_document_and_accepts_a_path(image_file):
    doc = api.vectorize(image_file, rounds=(4,), backend="skimage")
    assert [g.id for g in doc.root.children] == ["round-0"]
    assert doc.width == 48


def test_refinement_lowers_the_error(image):
    plain = api.run(image, rounds=(3,), backend="skimage", refine=0)
    refined = api.run(image, rounds=(3,), backend="skimage", refine=8)
    report = refined.refine
    assert report.iterations == 8 and report.best_loss < report.initial_loss
    assert psnr(refined.svg, image) > psnr(plain.svg, image) + 0.3
    # topology kept: same paths, same number of segments per subpath
    before = [[len(s.points) for s in sh.subpaths] for sh in plain.document.shapes()]
    after = [[len(s.points) for s in sh.subpaths] for sh in refined.document.shapes()]
    assert before == after


def test_refine_adam_matches_torch_adam_with_its_schedule():
    """refine's own Adam (it avoids torch.optim's 1.5-s torch._dynamo import) takes exactly
    the steps of torch.optim.Adam with the cosine LambdaLR it replaced."""
    import math

    import torch

    from vecedit.vectorizers.refine import _Adam

    generator = torch.Generator().manual_seed(0)
    ours = [torch.randn(6, 2, generator=generator, dtype=torch.float32).requires_grad_(True) for _ in range(2)]
    theirs = [p.detach().clone().requires_grad_(True) for p in ours]
    lrs, steps = [1.0, 0.02], 7
    mine = _Adam(ours, lrs)
    adam = torch.optim.Adam([{"params": [p], "lr": lr} for p, lr in zip(theirs, lrs)])
    cosine = lambda i: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(i, steps) / steps))  # noqa: E731
    schedule = torch.optim.lr_scheduler.LambdaLR(adam, cosine)
    for i in range(steps):
        grads = [torch.randn(6, 2, generator=generator) for _ in range(2)]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = g.clone(), g.clone()
        mine.step(cosine(i))
        adam.step()
        schedule.step()
    for p, q in zip(ours, theirs):
        assert torch.equal(p, q)


def square(x, y, side, color=(0, 0, 0)):
    pts = np.array([[x, y], [x + side, y], [x + side, y + side], [x, y + side]], float)
    sub = []
    for i in range(4):
        a, b = pts[i], pts[(i + 1) % 4]
        sub += [a, a + (b - a) / 3, a + 2 * (b - a) / 3]
    path = TracedPath([np.array(sub)], color)
    path.area = path_area(path.subpaths)
    return path


def test_prune_drops_degenerate_and_subpixel_paths():
    nan = square(0, 0, 5)
    nan.subpaths[0][2] = np.nan
    thin = TracedPath([np.array([[0, 0], [3, 0.1], [6, 0.2], [9, 0.3], [6, 0.2], [3, 0.1]], float)], (0, 0, 0))
    thin.area = path_area(thin.subpaths)
    layers = [Layer("a", 2, [square(0, 0, 10), square(2, 2, 0.5), nan, thin, TracedPath([], (0, 0, 0))])]
    assert prune(layers, min_area=1.0, min_extent=0.5) == 4
    assert len(layers[0].paths) == 1 and layers[0].paths[0].area == pytest.approx(100)


def test_cap_keeps_the_largest_in_place():
    layers = [Layer("a", 2, [square(0, 0, 10), square(0, 0, 2)]), Layer("b", 4, [square(0, 0, 5), square(0, 0, 1)])]
    assert cap(layers, 2) == 2
    assert [[p.area for p in layer.paths] for layer in layers] == [[100.0], [25.0]]
    assert cap(layers, None) == 0


def test_max_paths(image):
    result = api.run(image, rounds=(3, 8), backend="vtracer", max_paths=4)
    assert result.paths == 4 == len(result.document.shapes())
    # the command line writes result.svg as UTF-8 instead of saving the document: the same bytes
    from vecedit.svg.write import svg_bytes

    assert svg_bytes(result.document) == result.svg.encode("utf-8")


def test_working_size_keeps_original_coordinates():
    big = scene_image(200, 100)
    result = api.run(big, rounds=(4,), backend="skimage", size=64)
    assert result.working == (64, 32)
    doc = result.document
    assert (doc.width, doc.height, doc.viewbox) == (200.0, 100.0, (0.0, 0.0, 200.0, 100.0))
    pts = np.concatenate([s.points for sh in doc.shapes() for s in sh.subpaths])
    # the bottom shape covers the whole image (plus the bleed past the border) in original pixels
    assert pts[:, 0].min() < 0 and pts[:, 0].max() > 200 and pts[:, 1].max() > 100
    assert psnr(result.svg, big) > 18.0


def test_extra_round_stays_in_its_box(image):
    result = api.run(image, rounds=(3,), backend="skimage", extra_rounds=["8,16,16,16:6"], refine=0)
    doc = result.document
    assert [g.id for g in doc.root.children] == ["round-0", "round-1"]
    assert doc.root.children[1].node.get("data-box") == "8,16,16,16"
    pts = np.concatenate([cubic_outline(s.points) for sh in doc.root.children[1].children for s in sh.subpaths])
    assert pts.min(0)[0] >= 8 - 1.5 and pts.max(0)[0] <= 24 + 1.5
    assert pts.min(0)[1] >= 16 - 1.5 and pts.max(0)[1] <= 32 + 1.5


def test_same_seed_same_svg(image):
    a = api.run(image, rounds=(3, 8), backend="skimage", seed=3, refine=2).svg
    b = api.run(image, rounds=(3, 8), backend="skimage", seed=3, refine=2).svg
    assert a == b


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rounds": (1,)}, "rounds must be between 2"),
        ({"rounds": ()}, "rounds must list"),
        ({"rounds": "ten"}, "rounds must be a whole number"),
        ({"backend": "potrace"}, "unknown backend"),
        ({"refine": -1}, "refine must be between"),
        ({"size": 4}, "size must be between"),
        ({"max_paths": 0}, "max_paths must be between"),
        ({"extra_rounds": ["1,2,3:4"]}, "cannot read extra round"),
        ({"extra_rounds": ["1,2,0,4:4"]}, "positive width"),
        ({"extra_rounds": ["500,500,10,10:4"]}, "lies outside"),
    ],
)
def test_bad_options(image, kwargs, message):
    with pytest.raises(OptionError, match=message):
        api.vectorize(image, **kwargs)


def test_to_svg_writes_ids_and_colours():
    svg = to_svg([Layer("a", 2, [square(0, 0, 4, (255, 0, 16))])], 8, 6)
    assert 'viewBox="0 0 8 6"' in svg and '<g id="round-0" data-colors="2">' in svg
    assert '<path id="r0-0" d="M0 0 L4 0 L4 4 L0 4 Z" fill="#ff0010"/>' in svg


def test_to_document_builds_the_scene_that_to_svg_loads(image):
    """Refinement builds its scene from to_document; it must match the written SVG read back
    (up to the SVG's two decimals and 8-bit colours)."""
    from vecedit.scene import from_document
    from vecedit.svg import load_svg
    from vecedit.vectorizers.stack import to_document

    layers = api.run(image, rounds=(3, 8), refine=0).layers
    layers[1].paths[0].fill_rule = "evenodd"
    written = from_document(load_svg(to_svg(layers, 48, 40)), width=96, height=80)
    built = from_document(to_document(layers, 48, 40), width=96, height=80)
    assert [s.subpaths for s in built.shapes] == [s.subpaths for s in written.shapes]
    assert [s.fill_rule for s in built.shapes] == [s.fill_rule for s in written.shapes]
    assert float((built.points - written.points).abs().max()) <= 2 * 0.005 + 1e-5  # ×2: the canvas scale
    assert float((built.colors - written.colors).abs().max()) <= 0.5 / 255 + 1e-6


def test_vtracer_output_read_without_the_svg_reader_as_with_it(image):
    from vecedit.vectorizers import vtracer_backend
    from vecedit.vectorizers.quantize import quantize

    labels, palette = quantize(image, 8)
    captured = []
    tracer = vtracer_backend.VtracerTracer()
    real = vtracer_backend.parse_vtracer_svg
    try:
        vtracer_backend.parse_vtracer_svg = lambda svg: captured.append(svg) or real(svg)
        tracer.trace_pixels(palette[labels])
    finally:
        vtracer_backend.parse_vtracer_svg = real
    (svg,) = captured
    fast, full = real(svg), vtracer_backend._parse_document(svg)
    assert len(fast) == len(full) >= 3
    for a, b in zip(fast, full):
        assert (a.color, a.fill_rule, a.area) == (b.color, b.fill_rule, b.area)
        assert all(np.array_equal(p, q) for p, q in zip(a.subpaths, b.subpaths))
    # a form VTracer does not write (here a fill-rule) goes to the SVG reader, which keeps it
    odd = svg.replace(' transform=', ' fill-rule="evenodd" transform=', 1)
    assert real(odd)[0].fill_rule == "evenodd"


def test_vtracer_loops_read_as_the_path_parser_reads_them():
    """VTracer's own form of path data (``M x y C … Z ``) is read as numbers, with the points the
    path-data parser gives (a last point on the start dropped, else a closing line added); any
    other form is left to that parser."""
    from vecedit.svg.pathdata import path_to_subpaths
    from vecedit.vectorizers.vtracer_backend import _cubic_loops

    rng = np.random.default_rng(7)
    for _ in range(300):
        loops = []
        for _ in range(int(rng.integers(1, 4))):
            rows = np.round(rng.uniform(-600, 600, size=(3 * int(rng.integers(0, 6)) + 1, 2)), int(rng.integers(0, 4)))
            if len(rows) > 1 and rng.random() < 0.5:
                rows[-1] = rows[0]  # ends on its start, as VTracer's loops do
            text = " ".join(f"{v:g}" if abs(v) < 1e5 else f"{v:.3f}" for v in rows.ravel())
            numbers = text.split()
            loops.append("M" + " ".join(numbers[:2]) + " " + "".join(
                "C" + " ".join(numbers[i:i + 6]) + " " for i in range(2, len(numbers), 6)) + "Z ")
        d = "".join(loops)
        expected = [s.points for s in path_to_subpaths(d)[0]]
        got = _cubic_loops(d)
        assert got is not None and len(got) == len(expected)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected))
    for other in ["M0 0 L5 5 Z ", "m0 0 C1 1 2 2 3 3 Z ", "M0 0 C1e3 1 2 2 3 3 Z ", "M0 0 C1 1 2 2 3 3 ",
                  "M1234567890123 0 Z ", "M0 0 C1 1 2 2 3 Z "]:
        assert _cubic_loops(other) is None, other


def test_quantize_pairs_and_colours_kept_per_image():
    from vecedit.vectorizers import quantize as q

    rng = np.random.default_rng(3)
    a, b = rng.integers(0, 50, 5000), rng.integers(0, 50, 5000)
    reference = np.unique(np.stack([np.minimum(a, b), np.maximum(a, b)], 1)[a != b], axis=0)
    assert np.array_equal(q._unique_pairs(a, b), reference)
    assert q._unique_pairs(a, a).shape == (0, 2)
    image = rng.integers(0, 4, (20, 30, 3)).astype(np.uint8) * 60
    lab, distinct = q._colors(image)
    assert distinct == len(np.unique(image.reshape(-1, 3), axis=0)) and lab.shape == (600, 3)
    changed = image.copy()
    changed[0, 0] = (1, 2, 3)  # a colour of its own: another image, counted anew
    assert q._colors(changed)[1] == distinct + 1 and q._colors(image)[1] == distinct


def test_tracing_beside_the_import_gives_the_same_svg(image):
    """The child process traces exactly what this one would (same seed, same SVG)."""
    here = api.run(image, rounds=(3, 8), refine=2, extra_rounds=["4,4,20,20:4"], overlap=False)
    child = api.run(image, rounds=(3, 8), refine=2, extra_rounds=["4,4,20,20:4"], overlap=True)
    assert child.svg == here.svg and child.paths == here.paths


def test_an_error_while_tracing_in_the_child_is_raised_here(image):
    with pytest.raises(OptionError, match="lies outside the 48×40 px image"):
        api.run(image, rounds=(3,), extra_rounds=["400,400,20,20:4"], overlap=True)


def test_tracing_overlaps_only_a_fresh_process():
    """In a process that already has torch (tests, batch workers, notebooks) there is no import to hide."""
    import torch  # noqa: F401

    assert not api.overlap_worthwhile("vtracer")


def test_a_fresh_command_traces_in_a_child_and_writes_the_same_svg(image, tmp_path):
    """``python -m vecedit vectorize`` in a new process takes the overlapping path (no torch
    loaded yet) and writes what tracing in one process writes."""
    import subprocess
    import sys

    from PIL import Image

    Image.fromarray(image).save(tmp_path / "in.png")
    args = ["vectorize", str(tmp_path / "in.png"), "--rounds", "3,8", "--refine", "2", "-q"]
    fresh = subprocess.run([sys.executable, "-m", "vecedit", *args, "-o", str(tmp_path / "fresh.svg")],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
    assert fresh.returncode == 0, fresh.stderr
    assert fresh.stdout == "" and fresh.stderr == ""
    here = api.run(tmp_path / "in.png", rounds=(3, 8), refine=2, overlap=False)
    assert (tmp_path / "fresh.svg").read_text() == here.svg
