"""Colour quantisation: an RGB image → a clean label map and a palette.

Shared by every backend, so a round's *precision* means the same thing everywhere:
the number of colour clusters (the reference method's "about 10 and 30 colours").

1. k-means (k-means++ seeding, fixed seed) in CIELAB on a sample of the pixels;
   every pixel then takes its nearest centre.
2. A 3×3 majority filter removes single-pixel noise along region borders.
3. Connected regions smaller than ``min_area`` pixels are merged into the adjacent
   region of the closest mean colour (CIELAB), repeatedly, until every region has
   ``min_area`` pixels, so no speckle reaches the tracer. A merged region takes the
   cluster of the region it joins. Merging by colour rather than by distance matters on
   texture (grass, hair), where small regions lie next to each other: handing them to
   the nearest *large* region, whatever its colour, cost 3 dB on the cameraman (the
   two-round trace at 512 px: 22.9 dB with 662 paths then, 26.1 dB with 666 now, the
   minimum region size doubled to keep the count).
4. The palette is each final label's mean RGB; unused labels are dropped.

>>> import numpy as np
>>> img = np.zeros((20, 20, 3), np.uint8); img[:, 10:] = 255
>>> labels, palette = quantize(img, 2)
>>> sorted(map(tuple, palette.tolist()))
[(0, 0, 0), (255, 255, 255)]
"""

from __future__ import annotations

import numpy as np

SAMPLE = 40_000
"""Pixels sampled for k-means (all of them for smaller images)."""


def quantize(rgb: np.ndarray, n_colors: int, seed: int = 0, min_area: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Cluster ``rgb`` ``(H, W, 3)`` uint8 into at most ``n_colors`` colours.

    Returns ``labels`` ``(H, W)`` int32 in ``[0, k)`` and ``palette`` ``(k, 3)`` uint8,
    with ``k <= n_colors``. ``min_area`` (pixels) is the smallest connected region kept.
    """
    from scipy.cluster.vq import kmeans2

    h, w = rgb.shape[:2]
    lab, distinct = _colors(rgb)
    rng = np.random.default_rng(seed)
    k = int(min(n_colors, distinct))
    if k <= 1:
        return np.zeros((h, w), np.int32), rgb[:1, 0].astype(np.uint8)
    sample = lab if len(lab) <= SAMPLE else lab[rng.choice(len(lab), SAMPLE, replace=False)]
    centres, _ = kmeans2(sample, k, iter=20, minit="++", rng=rng)
    labels = _nearest(lab, centres).reshape(h, w)
    labels = _majority(labels, len(centres))
    if min_area > 1:
        labels = _merge_small(labels, lab.reshape(h, w, 3), min_area)
    return _palette(rgb, labels)


_COLORS: dict[bytes, tuple[np.ndarray, int]] = {}


def _colors(rgb: np.ndarray) -> tuple[np.ndarray, int]:
    """``rgb``'s pixels in CIELAB ``(H·W, 3)`` and its number of distinct colours, kept for the
    last image seen: every round of a vectorization quantises the same one."""
    import hashlib

    key = hashlib.blake2b(np.ascontiguousarray(rgb).data, digest_size=16).digest() + repr(rgb.shape).encode()
    if key not in _COLORS:
        from skimage.color import rgb2lab

        flat = rgb.reshape(-1, 3).astype(np.int32)
        distinct = len(np.unique((flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]))
        lab = rgb2lab(rgb).reshape(-1, 3).astype(np.float64)
        lab.flags.writeable = False
        _COLORS.clear()
        _COLORS[key] = (lab, distinct)
    return _COLORS[key]


def _nearest(data: np.ndarray, centres: np.ndarray) -> np.ndarray:
    from scipy.cluster.vq import vq

    return vq(data, centres, check_finite=False)[0].astype(np.int32)


def _majority(labels: np.ndarray, k: int) -> np.ndarray:
    """3×3 mode filter; a pixel keeps its label on ties."""
    from scipy.ndimage import uniform_filter

    best = np.zeros(labels.shape, np.float32)
    out = labels.copy()
    for c in range(k):
        count = uniform_filter((labels == c).astype(np.float32), size=3, mode="nearest")
        count += (labels == c) * 1e-3  # tie-break toward the current label
        better = count > best
        out[better] = c
        best = np.maximum(best, count)
    return out


def _merge_small(labels: np.ndarray, lab: np.ndarray, min_area: int, max_passes: int = 64) -> np.ndarray:
    """Merge 4-connected regions below ``min_area`` px into their closest-colour neighbour.

    Each pass, every small region picks the adjacent region whose mean ``lab`` colour is
    nearest and all picks are merged at once (a mutual pick keeps the lower id); merged
    regions that are still small pick again in the next pass.
    """
    from skimage.measure import label as connected

    region = connected(labels, background=-1, connectivity=1) - 1
    n = int(region.max()) + 1
    ids = np.arange(n)
    flat = region.ravel()
    size = np.bincount(flat, minlength=n).astype(np.float64)
    sums = np.stack([np.bincount(flat, lab[..., c].ravel(), minlength=n) for c in range(3)], 1)
    cluster = np.zeros(n, np.int64)
    cluster[flat] = labels.ravel()
    pairs = _adjacent_pairs(region)
    root = ids.copy()
    for _ in range(max_passes):
        small = (size < min_area) & (root == ids)
        src = np.concatenate([pairs[:, 0], pairs[:, 1]])
        dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
        picking = small[src]
        src, dst = src[picking], dst[picking]
        if len(src) == 0:
            break
        mean = sums / np.maximum(size, 1.0)[:, None]
        distance = ((mean[src] - mean[dst]) ** 2).sum(1)
        order = np.lexsort((dst, distance, src))  # per source: nearest first, ties to the lower id
        src, dst = src[order], dst[order]
        first = np.r_[True, src[1:] != src[:-1]]
        parent = ids.copy()
        parent[src[first]] = dst[first]
        mutual = (parent[parent] == ids) & (parent > ids)
        parent[mutual] = ids[mutual]
        while not np.array_equal(parent[parent], parent):  # pointer jumping to the roots
            parent = parent[parent]
        moved = parent != ids
        np.add.at(size, parent[moved], size[moved])
        np.add.at(sums, parent[moved], sums[moved])
        size[moved], sums[moved] = 0.0, 0.0
        root = parent[root]
        pairs = _unique_pairs(parent[pairs[:, 0]], parent[pairs[:, 1]])
    return cluster[root][region].astype(np.int32)


def _adjacent_pairs(region: np.ndarray) -> np.ndarray:
    """``(P, 2)`` distinct unordered pairs of 4-adjacent region ids."""
    a = np.concatenate([region[:, :-1].ravel(), region[:-1, :].ravel()])
    b = np.concatenate([region[:, 1:].ravel(), region[1:, :].ravel()])
    return _unique_pairs(a, b)


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted distinct unordered pairs ``(lo, hi)`` of the ids ``a[i] != b[i]`` (non-negative)."""
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]).astype(np.int64), np.maximum(a[keep], b[keep]).astype(np.int64)
    base = int(hi.max()) + 1 if len(hi) else 1
    code = np.unique(lo * base + hi)  # one integer per pair, in (lo, hi) order
    return np.stack([code // base, code % base], 1)


def _palette(rgb: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    used, compact = np.unique(labels, return_inverse=True)
    compact = compact.reshape(labels.shape).astype(np.int32)
    counts = np.bincount(compact.ravel(), minlength=len(used)).astype(np.float64)
    sums = np.stack([np.bincount(compact.ravel(), rgb[..., c].ravel(), minlength=len(used)) for c in range(3)], 1)
    palette = np.round(sums / counts[:, None]).clip(0, 255).astype(np.uint8)
    return compact, palette
