"""feTurbulence (Filter Effects 1 §15.22): the spec's reference Perlin-noise code, vectorised.

The lattice and gradient tables come from the spec's seeded generator, unchanged;
every pixel's noise is computed at its point in the filter's user space, the pixel's
index mapped through the inverse CTM (as resvg samples). With ``stitchTiles`` the tile
is the primitive subregion in user space, as the spec's code takes it.
The result has no parameters that take gradients (frequency and seed pick the noise).
"""

from __future__ import annotations

import math

import numpy as np
import torch

RAND_M, RAND_A, RAND_Q, RAND_R = 2147483647, 16807, 127773, 2836
B_SIZE, BM, PERLIN_N = 0x100, 0xFF, 0x1000
# Octave k adds at most 0.71 / 2^k (|noise| ≤ √2/2), so every octave from the 12th on adds
# under 0.1 of an 8-bit level in all: they are not computed (a file may ask for thousands).
SIGNIFICANT_OCTAVES = 12


def _random(seed: int) -> int:
    """The spec's generator; seeds stay in [1, RAND_M − 1], where C and Python division agree."""
    seed = RAND_A * (seed % RAND_Q) - RAND_R * (seed // RAND_Q)
    return seed + RAND_M if seed <= 0 else seed


def tables(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The spec's ``init``: lattice selector (2·B+2,) and gradients (4, 2·B+2, 2)."""
    if seed <= 0:
        seed = -seed % (RAND_M - 1) + 1
    seed = min(seed, RAND_M - 1)
    lattice = np.zeros(B_SIZE + B_SIZE + 2, dtype=np.int64)
    gradient = np.zeros((4, B_SIZE + B_SIZE + 2, 2))
    for k in range(4):
        for i in range(B_SIZE):
            lattice[i] = i
            for j in range(2):
                seed = _random(seed)
                gradient[k, i, j] = float(seed % (B_SIZE + B_SIZE) - B_SIZE) / B_SIZE
            s = np.sqrt(gradient[k, i, 0] ** 2 + gradient[k, i, 1] ** 2)
            with np.errstate(invalid="ignore", divide="ignore"):
                gradient[k, i] /= s
    for i in range(B_SIZE - 1, 0, -1):
        k = lattice[i]
        seed = _random(seed)
        j = seed % B_SIZE
        lattice[i] = lattice[j]
        lattice[j] = k
    lattice[B_SIZE:] = lattice[: B_SIZE + 2]
    gradient[:, B_SIZE:] = gradient[:, : B_SIZE + 2]
    return lattice, gradient


def _s_curve(t):
    return t * t * (3.0 - 2.0 * t)


def _lattice_coordinate(v, stitch):
    """``v + PerlinN`` as the spec's code takes it, with values an int64 cannot hold kept in range:
    unstitched, the lattice repeats every 256 cells, and ``fmod`` keeps both the cell (mod 256)
    and the fraction exactly; points that are not finite take the noise at 0."""
    t = np.where(np.isfinite(v), v + PERLIN_N, float(PERLIN_N))
    return t if stitch is not None else np.fmod(t, float(B_SIZE))


def _noise2(lattice, gradient, x, y, stitch):
    """Noise for all four channels at points (x, y) → (4, n)."""
    t = _lattice_coordinate(x, stitch)
    bx0 = np.trunc(t).astype(np.int64)
    rx0 = t - bx0
    t = _lattice_coordinate(y, stitch)
    by0 = np.trunc(t).astype(np.int64)
    ry0 = t - by0
    bx1, by1 = bx0 + 1, by0 + 1
    rx1, ry1 = rx0 - 1.0, ry0 - 1.0
    if stitch is not None:
        width, height, wrap_x, wrap_y = stitch
        bx0 = np.where(bx0 >= wrap_x, bx0 - width, bx0)
        bx1 = np.where(bx1 >= wrap_x, bx1 - width, bx1)
        by0 = np.where(by0 >= wrap_y, by0 - height, by0)
        by1 = np.where(by1 >= wrap_y, by1 - height, by1)
    bx0, bx1, by0, by1 = bx0 & BM, bx1 & BM, by0 & BM, by1 & BM
    i, j = lattice[bx0], lattice[bx1]
    b00, b10, b01, b11 = lattice[i + by0], lattice[j + by0], lattice[i + by1], lattice[j + by1]
    sx, sy = _s_curve(rx0), _s_curve(ry0)

    def dot(b, rx, ry):
        q = gradient[:, b]  # (4, n, 2)
        return rx * q[..., 0] + ry * q[..., 1]

    u, v = dot(b00, rx0, ry0), dot(b10, rx1, ry0)
    a = u + sx * (v - u)
    u, v = dot(b01, rx0, ry1), dot(b11, rx1, ry1)
    b = u + sx * (v - u)
    return a + sy * (b - a)


def _stitch_frequency(freq: float, size: float) -> float:
    if freq == 0:
        return freq
    lo, hi = np.floor(size * freq) / size, np.ceil(size * freq) / size
    return lo if lo > 0 and freq / lo < hi / freq else hi


def _stitchable(tile, fx: float, fy: float) -> bool:
    """Whether a stitch tile has a size the lattice can wrap at: positive, finite, at most 2^24 lattice
    cells (a tile of zero height or 10^38 wide noise is drawn unstitched)."""
    tx, ty, tw, th = tile
    cells = (abs(tx) + tw) * fx, (abs(ty) + th) * fy
    return tw > 0 and th > 0 and all(math.isfinite(c) and c < 2**24 for c in cells)


def turbulence(x: np.ndarray, y: np.ndarray, base_frequency: tuple[float, float], octaves: int, seed: int,
               fractal: bool, stitch_tile=None) -> np.ndarray:
    """(4, n) straight RGBA in [0, 1] at user-space points; ``stitch_tile`` (x, y, w, h) or None."""
    lattice, gradient = tables(int(seed))
    fx, fy = base_frequency
    stitch = None
    if stitch_tile is not None and _stitchable(stitch_tile, fx, fy):
        tx, ty, tw, th = stitch_tile
        fx, fy = _stitch_frequency(fx, tw), _stitch_frequency(fy, th)
        w, h = int(tw * fx + 0.5), int(th * fy + 0.5)
        stitch = [w, h, int(tx * fx + PERLIN_N + w), int(ty * fy + PERLIN_N + h)]
    total = np.zeros((4, len(x)))
    x, y = x * fx, y * fy
    ratio = 1.0
    for _ in range(min(octaves, SIGNIFICANT_OCTAVES)):
        n = _noise2(lattice, gradient, x, y, stitch)
        total += (n if fractal else np.abs(n)) / ratio
        x, y, ratio = x * 2, y * 2, ratio * 2
        if stitch is not None:
            stitch = [stitch[0] * 2, stitch[1] * 2, 2 * stitch[2] - PERLIN_N, 2 * stitch[3] - PERLIN_N]
    value = (total + 1) / 2 if fractal else total
    return np.clip(value, 0.0, 1.0)


def turbulence_layer(h: int, w: int, origin: tuple[int, int], to_user: np.ndarray, p: dict,
                     like: torch.Tensor) -> torch.Tensor:
    """Premultiplied (4, h, w) noise for a region whose top-left pixel is ``origin`` (y, x) on the canvas."""
    ys, xs = np.meshgrid(np.arange(h) + origin[0], np.arange(w) + origin[1], indexing="ij")
    ux = to_user[0, 0] * xs + to_user[0, 1] * ys + to_user[0, 2]
    uy = to_user[1, 0] * xs + to_user[1, 1] * ys + to_user[1, 2]
    rgba = turbulence(ux.ravel(), uy.ravel(), p["baseFrequency"], p["numOctaves"], p["seed"],
                      p["type"] == "fractalNoise", p.get("stitch_tile"))
    t = torch.as_tensor(rgba.reshape(4, h, w), dtype=like.dtype, device=like.device)
    return torch.cat([t[:3] * t[3:], t[3:]])
