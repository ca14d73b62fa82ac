"""Perceptual colour spaces for recolouring: OKLab, CIELAB (D65) and the CIEDE2000 difference.

All functions take and return numpy arrays whose last axis holds the three channels,
so one call converts every colour of a document. sRGB values are in [0, 1] (gamma
encoded, as written in SVG); OKLab ``L`` is in [0, 1]; CIELAB ``L*`` in [0, 100].

* OKLab: Björn Ottosson, "A perceptual color space for image processing" (2020),
  https://bottosson.github.io/posts/oklab/ — used for clustering and lightness order.
* CIELAB and ΔE2000: CIE 15:2004 and Sharma, Wu & Dalal, "The CIEDE2000 color-difference
  formula" (2005) — used for ``--tolerance``, where designers think in ΔE.

>>> import numpy as np
>>> lab = srgb_to_oklab(np.array([1.0, 1.0, 1.0]))
>>> [round(float(v), 4) for v in lab]
[1.0, 0.0, 0.0]
>>> round(float(delta_e2000(srgb_to_lab(np.array([1.0, 0, 0])), srgb_to_lab(np.array([1.0, 0, 0])))), 6)
0.0
"""

from __future__ import annotations

import numpy as np

_M1 = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                [0.2119034982, 0.6806995451, 0.1073969566],
                [0.0883024619, 0.2817188376, 0.6299787005]])
_M2 = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                [1.9779984951, -2.4285922050, 0.4505937099],
                [0.0259040371, 0.7827717662, -0.8086757660]])
_M2_INV = np.linalg.inv(_M2)
_M1_INV = np.linalg.inv(_M1)
_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=np.float64)
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.asarray(lin, dtype=np.float64)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.abs(lin) ** (1 / 2.4) * np.sign(lin) - 0.055)


def srgb_to_oklab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (…, 3) in [0, 1] → OKLab (…, 3)."""
    lms = srgb_to_linear(rgb) @ _M1.T
    return np.cbrt(lms) @ _M2.T


def oklab_to_linear(lab: np.ndarray) -> np.ndarray:
    """OKLab (…, 3) → linear sRGB (…, 3), not clipped (out-of-gamut values fall outside [0, 1])."""
    lms = (np.asarray(lab, dtype=np.float64) @ _M2_INV.T) ** 3
    return lms @ _M1_INV.T


def oklab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """OKLab (…, 3) → sRGB (…, 3) in [0, 1], out-of-gamut colours brought in by :func:`gamut_clip`."""
    return np.clip(linear_to_srgb(oklab_to_linear(gamut_clip(lab))), 0.0, 1.0)


def gamut_clip(lab: np.ndarray, steps: int = 16) -> np.ndarray:
    """Keep lightness and hue, lower chroma until the colour fits in sRGB (bisection).

    Lightness is clipped to [0, 1] first; colours already inside are returned unchanged.
    """
    lab = np.array(lab, dtype=np.float64, copy=True)
    lab[..., 0] = np.clip(lab[..., 0], 0.0, 1.0)

    def inside(x):
        lin = oklab_to_linear(x)
        return np.all((lin >= -1e-6) & (lin <= 1 + 1e-6), axis=-1)

    ok = inside(lab)
    if np.all(ok):
        return lab
    lo = np.zeros(lab.shape[:-1])
    hi = np.where(ok, 1.0, 1.0)
    for _ in range(steps):
        mid = (lo + hi) / 2
        trial = lab.copy()
        trial[..., 1:] *= mid[..., None]
        good = inside(trial)
        lo = np.where(good, mid, lo)
        hi = np.where(good, hi, mid)
    scale = np.where(ok, 1.0, lo)
    lab[..., 1:] *= scale[..., None]
    return lab


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (…, 3) in [0, 1] → CIELAB (…, 3) under D65 (``L*`` in [0, 100])."""
    xyz = (srgb_to_linear(rgb) @ _SRGB_TO_XYZ.T) / _WHITE_D65
    e, k = 216 / 24389, 24389 / 27
    f = np.where(xyz > e, np.cbrt(xyz), (k * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def delta_e2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference between CIELAB colours (broadcasting over leading axes).

    About 1 is the smallest difference most people see side by side; 2–3 is a common
    print tolerance.
    """
    lab1, lab2 = np.broadcast_arrays(np.asarray(lab1, dtype=np.float64), np.asarray(lab2, dtype=np.float64))
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]
    c_mean = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_mean**7 / (c_mean**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360
    dLp = L2 - L1
    dCp = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(c1p * c2p == 0, 0.0, dh)
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)
    Lp = (L1 + L2) / 2
    Cp = (c1p + c2p) / 2
    hsum = h1p + h2p
    hp = np.where(np.abs(h1p - h2p) > 180, np.where(hsum < 360, hsum + 360, hsum - 360), hsum) / 2
    hp = np.where(c1p * c2p == 0, hsum, hp)
    t = (1 - 0.17 * np.cos(np.radians(hp - 30)) + 0.24 * np.cos(np.radians(2 * hp))
         + 0.32 * np.cos(np.radians(3 * hp + 6)) - 0.20 * np.cos(np.radians(4 * hp - 63)))
    d_theta = 30 * np.exp(-(((hp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cp**7 / (Cp**7 + 25.0**7))
    sl = 1 + 0.015 * (Lp - 50) ** 2 / np.sqrt(20 + (Lp - 50) ** 2)
    sc = 1 + 0.045 * Cp
    sh = 1 + 0.015 * Cp * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return np.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh))


__all__ = ["srgb_to_oklab", "oklab_to_srgb", "oklab_to_linear", "gamut_clip", "srgb_to_lab", "delta_e2000",
           "srgb_to_linear", "linear_to_srgb"]
