"""Small-region merging by colour, coarse-to-fine refinement, cutout tracing for the crack reference."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from vecedit.render.reference import render_reference
from vecedit.vectorizers import api
from vecedit.vectorizers.quantize import quantize
from vecedit.vectorizers.refine import refine
from vecedit.vectorizers.stack import Layer, to_svg
from vecedit.vectorizers.vtracer_backend import VtracerTracer

from .conftest import scene_image


def texture_between_black_and_white() -> tuple[np.ndarray, tuple[slice, slice]]:
    """Black left half, white right half, and a 12×12 checkerboard of two close greys
    (2×2 cells, each far below the minimum region size) across the middle."""
    img = np.zeros((32, 32, 3), np.uint8)
    img[:, 16:] = 255
    box = (slice(10, 22), slice(10, 22))
    y, x = np.mgrid[0:12, 0:12]
    img[box] = np.where(((y // 2 + x // 2) % 2 == 0)[..., None], 112, 144).astype(np.uint8)
    return img, box


def test_small_regions_merge_with_similar_colours_not_the_nearest_large_region():
    img, box = texture_between_black_and_white()
    labels, palette = quantize(img, 4, min_area=20)
    texture = palette[labels][box].astype(float)
    # the checker cells join each other (grey), not the black or white neighbours
    # (the 3×3 majority filter may nibble the patch's four corner pixels)
    assert (np.abs(texture - 128).max(-1) < 24).mean() > 0.95
    # and no region below the minimum size is left
    from skimage.measure import label as connected

    sizes = np.bincount(connected(labels, background=-1, connectivity=1).ravel())[1:]
    assert sizes.min() >= 20


def test_a_small_patch_joins_the_closer_colour():
    img = np.zeros((24, 24, 3), np.uint8)
    img[:, 12:] = 255
    img[8:12, 11:15] = 40  # 16 px of dark grey, mostly inside the white half
    labels, palette = quantize(img, 3, min_area=20)
    assert len(palette) == 2 and palette[labels[9, 13]].max() < 10  # black (its mean now holds the patch)


def psnr(layers, img) -> float:
    h, w = img.shape[:2]
    out = render_reference(to_svg(layers, w, h), width=w, height=h, background=(1.0, 1.0, 1.0))[..., :3]
    return float(10 * np.log10(1.0 / np.mean((out.astype(np.float64) - img / 255.0) ** 2)))


def test_coarse_to_fine_refinement_lowers_the_error():
    img = scene_image(64, 48)
    traced = api.run(img, rounds=(3,), backend="skimage", refine=0)
    layers = copy.deepcopy(traced.layers)
    report = refine(layers, img, 64, 48, 8, coarse_min_side=16, coarse_fraction=0.75)
    assert report.coarse_iterations == 6 and len(report.losses) == 8
    assert report.best_loss < report.initial_loss
    assert psnr(layers, img) > psnr(traced.layers, img) + 0.3
    # topology kept
    assert [[len(s) for s in p.subpaths] for p in layers[0].paths] == [
        [len(s) for s in p.subpaths] for p in traced.layers[0].paths
    ]


def test_no_coarse_stage_on_small_canvases_and_threads_restored():
    import torch

    img = scene_image(48, 40)
    layers = copy.deepcopy(api.run(img, rounds=(3,), backend="skimage", refine=0).layers)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert refine(layers, img, 48, 40, 4, threads=1).coarse_iterations == 0
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def coverage(paths, w, h) -> np.ndarray:
    return render_reference(to_svg([Layer("t", 2, paths)], w, h), width=w, height=h)[..., 3]


def test_cutout_mode_leaves_holes_that_stacked_mode_fills():
    img = np.full((40, 40, 3), 255, np.uint8)
    img[12:28, 12:28] = (200, 30, 30)
    stacked = VtracerTracer().trace(img, 2)
    cutout = VtracerTracer(hierarchical="cutout").trace(img, 2)
    # the bottom (white) shape alone: stacked covers the square's place, cutout leaves it open
    assert coverage(stacked[:1], 40, 40)[20, 20] > 0.5
    assert coverage(cutout[:1], 40, 40)[20, 20] < 0.5
    assert coverage(cutout, 40, 40)[20, 20] > 0.5
    with pytest.raises(ValueError, match="stacked"):
        VtracerTracer(hierarchical="layered")


def test_run_takes_a_tracer_instance(image):
    result = api.run(image, rounds=(3, 6), backend=VtracerTracer(hierarchical="cutout"))
    assert [g.id for g in result.document.root.children] == ["round-0", "round-1"]
    assert "backend vtracer," in result.svg


def test_short_runs_go_three_quarter_size_first_and_long_runs_half_size():
    from vecedit.vectorizers import refine as refinement

    img = scene_image(64, 48)
    traced = api.run(img, rounds=(3,), backend="skimage", refine=0)
    short = refine(copy.deepcopy(traced.layers), img, 64, 48, 4, coarse_min_side=16)
    assert short.coarse_iterations == int(4 * refinement.SHORT_COARSE_FRACTION) > 0
    assert refine(copy.deepcopy(traced.layers), img, 64, 48, 4).coarse_iterations == 0  # 48 px: under the minimum side
    long_run = refinement.SHORT_RUN
    assert refine(copy.deepcopy(traced.layers), img, 64, 48, long_run, coarse_min_side=16).coarse_iterations \
        == int(long_run * refinement.COARSE_FRACTION)


def test_the_default_refines_and_beats_tracing_alone():
    from vecedit.vectorizers.options import DEFAULT_REFINE

    img = scene_image(64, 48)
    default = api.run(img, rounds=(3,), backend="skimage")
    assert default.refine is not None and default.refine.iterations == DEFAULT_REFINE
    assert psnr(default.layers, img) > psnr(api.run(img, rounds=(3,), backend="skimage", refine=0).layers, img)


def test_paths_no_pixel_shows_are_held_and_drawn_under_the_moving_ones():
    from vecedit.vectorizers.recolor import fit_colors

    img = scene_image(64, 48)
    traced = api.run(img, rounds=(2, 6), backend="vtracer", refine=0)
    counts = fit_colors(copy.deepcopy(traced.layers), img, 64, 48)
    held = counts == 0
    assert held.any() and not held.all()  # the coarse round is covered by the fine one
    with_held, without = copy.deepcopy(traced.layers), copy.deepcopy(traced.layers)
    report = refine(with_held, img, 64, 48, 6, held=held)
    refine(without, img, 64, 48, 6)
    assert report.best_loss < report.initial_loss
    before = [p for layer in traced.layers for p in layer.paths]
    after = [p for layer in with_held for p in layer.paths]
    for keep, old, new in zip(held, before, after):
        if keep:  # not moved, not recoloured
            assert new.color == old.color and all(np.array_equal(a, b) for a, b in zip(old.subpaths, new.subpaths))
    assert any(not np.array_equal(o.subpaths[0], n.subpaths[0]) for keep, o, n in zip(held, before, after) if not keep)
    assert abs(psnr(with_held, img) - psnr(without, img)) < 0.3  # the same fit, less work


def test_default_path_cap_grows_with_the_working_image():
    assert api.default_max_paths((64, 64)) == api.DEFAULT_MAX_PATHS  # a small noisy image keeps the floor
    assert api.default_max_paths((512, 512)) == 512 * 512 // api.PIXELS_PER_PATH  # 1365
    assert api.default_max_paths((512, 341)) >= 884  # chelsea's two rounds, every path kept
