"""Filter effects: primitives against direct computations, float64 gradchecks, regions, optimisation, write-back."""

import math

import numpy as np
import pytest
import torch

from vecedit.render.filters import blur, color, combine, lighting, neighbourhood
from vecedit.render.filters.space import convert


def gradcheck(fn, inputs):
    """float64 gradcheck in fast mode (random projections: the whole Jacobian stays checked, at a fraction of the cost)."""
    return torch.autograd.gradcheck(fn, inputs, fast_mode=True)


def _layer(h=7, w=8, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    alpha = torch.rand(1, h, w, generator=g, dtype=dtype) * 0.8 + 0.1
    rgb = torch.rand(3, h, w, generator=g, dtype=dtype) * alpha
    return torch.cat([rgb, alpha])


def _gaussian_reference(x: np.ndarray, sigma: float, edge: str) -> np.ndarray:
    r = math.ceil(3 * sigma)
    k = np.exp(-np.arange(-r, r + 1) ** 2 / (2 * sigma * sigma))
    k /= k.sum()
    mode = {"none": "constant", "duplicate": "edge", "wrap": "wrap"}[edge]
    padded = np.pad(x, [(0, 0), (0, 0), (r, r)], mode=mode)
    return np.stack([np.stack([np.convolve(row, k, mode="valid") for row in ch]) for ch in padded])


@pytest.mark.parametrize("edge", ["none", "duplicate", "wrap"])
def test_small_blur_is_the_true_gaussian_with_each_edge_mode(edge):
    img = _layer(5, 30)
    out = blur.gaussian_blur(img, 1.3, 0.0, edge).numpy()
    assert np.allclose(out, _gaussian_reference(img.numpy(), 1.3, edge), atol=1e-12)


def test_large_blur_is_three_boxes_of_total_variance_sigma_squared():
    # σ² = 3·(5² − 1)/12: three centred 5-pixel box means (the spec's three boxes, Filter Effects 1 §15.13)
    sigma = math.sqrt(6.0)
    x = torch.zeros(1, 1, 41, dtype=torch.float64)
    x[0, 0, 20] = 1.0
    out = blur.gaussian_blur(x, sigma, 0.0)[0, 0].numpy()
    box = np.ones(5) / 5
    expected = np.convolve(np.convolve(np.convolve(x[0, 0].numpy(), box, "same"), box, "same"), box, "same")
    assert np.allclose(out, expected, atol=1e-12)
    assert abs(out.sum() - 1) < 1e-12


@pytest.mark.parametrize("sigma", [2.0, 2.7, 4.0, 6.31, 11.5])
def test_large_blur_has_the_variance_of_its_gaussian(sigma):
    # the boxes' widths are real numbers: any σ, not only whole box widths, keeps variance σ²
    x = torch.zeros(1, 1, 161, dtype=torch.float64)
    x[0, 0, 80] = 1.0
    out = blur.gaussian_blur(x, sigma, 0.0)[0, 0].numpy()
    k = np.arange(161) - 80
    assert abs(out.sum() - 1) < 1e-12 and abs((out * k).sum()) < 1e-12
    assert abs((out * k * k).sum() - sigma * sigma) < 1e-9


def test_blur_edge_modes_differ_where_they_should():
    img = torch.ones(1, 6, 20, dtype=torch.float64)
    none = blur.gaussian_blur(img, 3.0, 3.0, "none")
    dup = blur.gaussian_blur(img, 3.0, 3.0, "duplicate")
    wrap = blur.gaussian_blur(img, 3.0, 3.0, "wrap")
    assert none[0, 0, 0] < 0.5 and torch.allclose(dup, img) and torch.allclose(wrap, img)


def test_gradcheck_blur_small_and_large():
    img = _layer(4, 9).requires_grad_()
    for s in (0.8, 2.7):  # true Gaussian, then three boxes of fractional width
        sigma = torch.tensor(s, dtype=torch.float64, requires_grad=True)
        assert gradcheck(lambda i, sg: blur.gaussian_blur(i, sg, sg * 0.5 + 0.4), (img, sigma))


def test_gradcheck_offset_fractional():
    img = _layer().requires_grad_()
    dx = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    dy = torch.tensor(-0.6, dtype=torch.float64, requires_grad=True)
    assert gradcheck(blur.shift, (img, dx, dy))


def test_whole_pixel_offset_moves_exactly():
    img = _layer()
    out = blur.shift(img, 2.0, -1.0)
    assert torch.equal(out[:, :-1, 2:], img[:, 1:, :-2]) and out[:, :, :2].abs().sum() == 0


def test_gradcheck_color_matrix():
    img = _layer(3, 4).requires_grad_()
    g = torch.Generator().manual_seed(1)
    matrix = (torch.eye(4, 5, dtype=torch.float64) * 0.6 + 0.05 * torch.rand(4, 5, generator=g, dtype=torch.float64))
    matrix.requires_grad_()
    assert gradcheck(color.color_matrix, (img, matrix))
    angle = torch.tensor(40.0, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda i, a: color.color_matrix(i, color.hue_rotate_matrix(a)), (img, angle))


def test_gradcheck_composite_arithmetic():
    a, b = _layer(seed=2).requires_grad_(), _layer(seed=3).requires_grad_()
    k = torch.tensor([0.2, 0.5, 0.3, 0.01], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda x, y, kk: combine.composite(x, y, "arithmetic", kk), (a, b, k))


@pytest.mark.parametrize("which", ["diffuse", "specular"])
def test_gradcheck_lighting_point_light(which):
    img = _layer(6, 7).requires_grad_()
    scale = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    light = {"type": "point", "x": torch.tensor(2.0, dtype=torch.float64), "y": torch.tensor(-3.0, dtype=torch.float64),
             "z": torch.tensor(9.0, dtype=torch.float64, requires_grad=True)}
    rgb = torch.tensor([1.0, 0.9, 0.8], dtype=torch.float64)
    const = torch.tensor(1.1, dtype=torch.float64, requires_grad=True)

    def run(i, s, z, c):
        p = {"surfaceScale": s, "diffuseConstant": c, "specularConstant": c, "specularExponent": torch.tensor(3.0)}
        return lighting.lighting(i, which, dict(light, z=z), rgb * 0.5, p)

    assert gradcheck(run, (img, scale, light["z"], const))


def test_surface_normals_use_the_specs_edge_kernels():
    a = torch.tensor(np.random.default_rng(0).uniform(0, 1, (5, 6)))
    n = lighting.surface_normal(a, 1.0)
    nx_top_left = -(2 / 3) * (-2 * a[0, 0] + 2 * a[0, 1] - a[1, 0] + a[1, 1])
    nx_inner = -(1 / 4) * (-a[1, 1] + a[1, 3] - 2 * a[2, 1] + 2 * a[2, 3] - a[3, 1] + a[3, 3])
    ny_right = -(1 / 3) * (-a[1, 4] - 2 * a[1, 5] + a[3, 4] + 2 * a[3, 5])
    for got, nx, ny in ((n[:, 0, 0], nx_top_left, None), (n[:, 2, 2], nx_inner, None), (n[:, 2, 5], None, ny_right)):
        if nx is not None:
            assert torch.isclose(got[0] / got[2], nx)
        if ny is not None:
            assert torch.isclose(got[1] / got[2], ny)


def test_morphology_window_is_twice_the_radius():
    img = torch.zeros(4, 1, 9, dtype=torch.float64)
    img[:, 0, 4] = 1
    out = neighbourhood.morphology(img, 2.0, 1.0, "dilate")[3, 0]
    assert out.tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 0]  # x − 2 … x + 1 around each pixel


def test_color_space_round_trip():
    img = _layer()
    assert torch.allclose(convert(convert(img, True), False), img, atol=1e-9)


def test_nonseparable_blend_keeps_backdrop_luminosity():
    top, bottom = _layer(seed=4), _layer(seed=5)
    top[3], bottom[3] = 1.0, 1.0
    top[:3] = top[:3].clamp(0, 1)
    bottom[:3] = bottom[:3].clamp(0, 1)
    out = combine.blend(top, bottom, "color")
    lum = lambda c: 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2]
    assert torch.allclose(lum(out), lum(bottom), atol=1e-9)


def test_turbulence_octaves_past_the_significant_ones_change_no_8bit_level(monkeypatch):
    """A file may ask for thousands of octaves; those past SIGNIFICANT_OCTAVES are skipped
    because together they add under a tenth of an 8-bit level."""
    import numpy as np

    from vecedit.render.filters import turbulence as turb

    ys, xs = np.meshgrid(np.arange(40.0), np.arange(40.0), indexing="ij")
    for fractal in (True, False):
        capped = turb.turbulence(xs.ravel(), ys.ravel(), (0.05, 0.07), 24, 3, fractal)
        monkeypatch.setattr(turb, "SIGNIFICANT_OCTAVES", 24)
        every = turb.turbulence(xs.ravel(), ys.ravel(), (0.05, 0.07), 24, 3, fractal)
        monkeypatch.setattr(turb, "SIGNIFICANT_OCTAVES", 12)
        assert np.abs(capped - every).max() < 0.1 / 255
        fewer = turb.turbulence(xs.ravel(), ys.ravel(), (0.05, 0.07), 6, 3, fractal)
        assert np.abs(fewer - every).max() > 1 / 255  # the test tells octaves apart


def test_turbulence_far_and_non_finite_points_stay_in_the_lattice():
    """Far points (a huge transform) and non-finite ones give noise without int64 overflow warnings;
    near points keep their exact values (the lattice repeats every 256 cells)."""
    import warnings

    import numpy as np

    from vecedit.render.filters import turbulence as turb

    near = np.array([0.5, 17.25, -300.5, 5000.75])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        far = turb.turbulence(np.array([1e30, -1e300, np.inf, np.nan]), np.zeros(4), (0.1, 0.1), 3, 1, True)
        shifted = turb.turbulence(near + 256 * 10 / 0.1, near, (0.1, 0.1), 3, 1, False)
    assert np.isfinite(far).all()
    assert np.allclose(shifted, turb.turbulence(near, near, (0.1, 0.1), 3, 1, False), atol=1e-9)
