"""Recolouring an SVG: to a palette, by an exact colour map, or toward a text prompt.

Palette and map modes (``vecedit.recolor(svg, palette=…|mapping=…)``, see
:mod:`vecedit.recolor.api`) need no model and import neither PyTorch nor CLIP: the document's
solid fills and strokes, gradient stops and paint fallbacks are read from the
:class:`~vecedit.svg.Document`, one new colour is chosen per distinct colour, and the
writer rewrites only the paints that changed (alpha and opacities are kept).

Palette mode (deterministic, no randomness at all):

1. Distinct colours (8-bit RGB) go to OKLab, each weighted by the canvas area of the
   shapes that use it. Pairs of distinct colours painted on *neighbouring* shapes
   (bounding boxes that touch, a shape's own fill and stroke, adjacent gradient stops)
   are recorded when they were visibly different (ΔE2000 > 3).
2. Sorted by lightness, the colours are cut into ``k = min(len(palette), n)`` runs
   of consecutive lightness (optimal dynamic programme): the cost of a run is its
   weighted OKLab spread plus a penalty for every neighbouring pair it would merge, so
   neighbours stay apart where the palette allows it.
3. Runs are matched to palette colours sorted by lightness with a monotone assignment
   (the darkest run gets the darkest chosen colour, …; when there are fewer runs than
   palette colours, the best-fitting increasing subsequence is chosen). Lightness order
   is therefore kept by construction: a darker source colour never becomes lighter than
   a lighter one.
4. Each colour becomes its run's palette colour (``shading=False``, the default), or
   with ``shading=True`` keeps its offset from the run's centre (lightness through a
   monotone curve, hue/chroma offset added, brought into the sRGB gamut), so a
   detailed drawing keeps its modelling.

Map mode replaces listed colours; ``tolerance`` (CIEDE2000) also catches near matches,
each document colour taking its nearest listed source.

>>> from vecedit.recolor.api import recolor
>>> from vecedit.svg import format_color
>>> svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
...        '<rect width="8" height="8" fill="#fff"/><circle cx="4" cy="4" r="3" fill="#333"/></svg>')
>>> doc = recolor(svg, palette="#264653,#e9c46a")
>>> [format_color(s.fill) for s in doc.shapes()]
['#e9c46a', '#264653']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from vecedit.colorspace import delta_e2000, oklab_to_srgb, srgb_to_lab, srgb_to_oklab
from vecedit.errors import OptionError, VeceditError
from vecedit.recolor.options import Color, hex_of, key_of, parse_mapping, parse_palette
from vecedit.svg.model import Document, GradientRef, PatternRef, Stop

MAX_CLUSTERED = 384  # distinct colours segmented exactly; more are pre-merged by lightness quantiles
NEIGHBOUR_DELTA_E = 3.0  # neighbours closer than this were not told apart anyway
NEIGHBOUR_PENALTY = 4.0
MAX_NEIGHBOUR_SHAPES = 4000
CONTAINER_TAGS = ("use", "g", "svg", "symbol", "a", "switch")


def _rgb(key: Color) -> np.ndarray:
    return np.asarray(key, dtype=np.float64) / 255.0


# ------------------------------------------------------------------ reading the colours


@dataclass
class ColorUse:
    """One place a colour is painted: a shape's fill/stroke, a gradient stop or a paint fallback."""

    kind: str  # "fill" | "stroke" | "stop" | "fill-fallback" | "stroke-fallback"
    owner: Any  # Shape, or Gradient for stops
    index: int  # stop index, else 0
    rgba: tuple[float, float, float, float]
    key: Color
    weight: float
    shape: Optional[int]  # index into the shape list (None for unused gradients)


@dataclass
class ColorInventory:
    uses: list[ColorUse]
    keys: list[Color]  # distinct colours, in first-use order
    weights: np.ndarray  # (n,) canvas area painted by each colour
    neighbours: np.ndarray  # (n, n) bool: painted on neighbouring shapes
    instances: int = 0  # non-editable shapes (use instances) whose paint lives on a <use>


def inventory(doc: Document, neighbours: bool = True) -> ColorInventory:
    """Every solid colour the document paints, where, how much, and which colours touch."""
    shapes = doc.shapes()
    uses: list[ColorUse] = []
    boxes = np.zeros((len(shapes), 4))
    gradient_users: dict[str, list[int]] = {}
    instances = 0
    for i, shape in enumerate(shapes):
        boxes[i] = _canvas_box(shape)
        area = max(1.0, (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1]))
        if not shape.editable:
            instances += 1
        for kind in ("fill", "stroke"):
            paint = getattr(shape, kind)
            if isinstance(paint, (GradientRef, PatternRef)):  # a paint server: its colours live elsewhere
                if isinstance(paint, GradientRef):
                    gradient_users.setdefault(paint.id, []).append(i)
                if paint.fallback is not None and paint.fallback[3] > 0:
                    uses.append(ColorUse(f"{kind}-fallback", shape, 0, paint.fallback, key_of(paint.fallback),
                                         0.0, i))
            elif isinstance(paint, tuple) and paint[3] > 0:  # not an image
                weight = area if kind == "fill" else area * 0.25
                uses.append(ColorUse(kind, shape, 0, paint, key_of(paint), weight if shape.visible else 0.0, i))
    in_file = {id(el) for el in doc.root_node.iter()}
    for gid, gradient in doc.gradients.items():
        if id(gradient.node) not in in_file:  # a gradient of an SVG <image>: not this file's to rewrite
            continue
        users = gradient_users.get(gid, [])
        area = sum(max(1.0, (boxes[i, 2] - boxes[i, 0]) * (boxes[i, 3] - boxes[i, 1])) for i in users)
        for s, stop in enumerate(gradient.stops):
            if stop.color[3] <= 0:
                continue
            uses.append(ColorUse("stop", gradient, s, stop.color, key_of(stop.color),
                                 area / max(1, len(gradient.stops)), users[0] if users else None))
    keys: list[Color] = list(dict.fromkeys(u.key for u in uses))
    index = {k: j for j, k in enumerate(keys)}
    weights = np.zeros(len(keys))
    for u in uses:
        weights[index[u.key]] += u.weight
    # areas of absurd geometry can be inf (inf/inf = NaN below): cap so the weights stay comparable
    weights = np.clip(np.nan_to_num(weights, nan=1e-3, posinf=1e30), 1e-3, 1e30)
    near = np.zeros((len(keys), len(keys)), dtype=bool)
    if neighbours and len(keys) > 1:
        by_shape: dict[int, set[int]] = {}
        for u in uses:
            if u.shape is not None:
                by_shape.setdefault(u.shape, set()).add(index[u.key])
        for members in by_shape.values():  # a shape's own fill / stroke / gradient stops
            m = sorted(members)
            near[np.ix_(m, m)] = True
        painted = sorted(by_shape)
        if 1 < len(painted) <= MAX_NEIGHBOUR_SHAPES:
            b = boxes[painted]
            touch = ((b[:, None, 0] <= b[None, :, 2] + 1) & (b[None, :, 0] <= b[:, None, 2] + 1)
                     & (b[:, None, 1] <= b[None, :, 3] + 1) & (b[None, :, 1] <= b[:, None, 3] + 1))
            member = np.zeros((len(painted), len(keys)), dtype=bool)
            for row, s in enumerate(painted):
                member[row, sorted(by_shape[s])] = True
            near |= (member.T.astype(np.int32) @ touch.astype(np.int32) @ member.astype(np.int32)) > 0
        np.fill_diagonal(near, False)
    return ColorInventory(uses, keys, weights, near, instances)


def _canvas_box(shape) -> np.ndarray:
    """Canvas bounding box of the control points' user-space box (contains the shape)."""
    pts = [sub.points for sub in shape.subpaths if len(sub.points)]
    if not pts:
        return np.zeros(4)
    p = pts[0] if len(pts) == 1 else np.concatenate(pts)
    lo, hi = p.min(0), p.max(0)
    corners = np.array([[lo[0], lo[1]], [hi[0], lo[1]], [lo[0], hi[1]], [hi[0], hi[1]]])
    c = corners @ shape.ctm[:2, :2].T + shape.ctm[:2, 2]
    box = np.concatenate([c.min(0), c.max(0)])
    return box if np.all(np.isfinite(box)) else np.zeros(4)


# ------------------------------------------------------------------ palette planning


def plan_palette(inv: ColorInventory, palette: Sequence[Color], shading: bool = False,
                 keep: Iterable[Color] = ()) -> dict[Color, Color]:
    """Distinct document colour → palette colour (see the module docstring). Deterministic."""
    keep = set(keep)
    free = [j for j, k in enumerate(inv.keys) if k not in keep]
    if not free or not palette:
        return {}
    keys = [inv.keys[j] for j in free]
    lab = srgb_to_oklab(np.array([_rgb(k) for k in keys]))
    weights = inv.weights[free] / inv.weights[free].sum()
    near = inv.neighbours[np.ix_(free, free)]
    if near.any():  # visibly different neighbours only
        a, b = np.nonzero(near)
        cie = srgb_to_lab(np.array([_rgb(k) for k in keys]))
        near = near.copy()
        near[a, b] = delta_e2000(cie[a], cie[b]) > NEIGHBOUR_DELTA_E
    order = np.lexsort((lab[:, 2], lab[:, 1], lab[:, 0]))  # by lightness, then a, b: deterministic
    lab, weights, near = lab[order], weights[order], near[np.ix_(order, order)]
    keys = [keys[j] for j in order]
    pal_keys = list(dict.fromkeys(palette))
    pal = srgb_to_oklab(np.array([_rgb(k) for k in pal_keys]))
    pal_order = np.lexsort((pal[:, 2], pal[:, 1], pal[:, 0]))
    pal, pal_keys = pal[pal_order], [pal_keys[j] for j in pal_order]
    k = min(len(pal_keys), len(keys))
    labels = _segment(lab, weights, near, k)
    cw = np.bincount(labels, weights, k)
    centres = np.stack([np.bincount(labels, weights * lab[:, c], k) for c in range(3)], 1) / cw[:, None]
    chosen = _monotone_match(centres, cw, pal)
    out: dict[Color, Color] = {}
    if not shading:
        for j, key in enumerate(keys):
            out[key] = pal_keys[chosen[labels[j]]]
        return out
    target = pal[chosen]  # (k, 3)
    xs, ys = centres[:, 0].copy(), target[:, 0]
    for c in range(1, k):  # strictly increasing knots for np.interp
        xs[c] = max(xs[c], xs[c - 1] + 1e-9)
    new_l = np.interp(lab[:, 0], xs, ys)
    below, above = lab[:, 0] < xs[0], lab[:, 0] > xs[-1]
    new_l[below] = ys[0] + (lab[below, 0] - xs[0])
    new_l[above] = ys[-1] + (lab[above, 0] - xs[-1])
    new = np.column_stack([new_l, target[labels, 1:] + (lab[:, 1:] - centres[labels, 1:])])
    rgb = oklab_to_srgb(new)
    for j, key in enumerate(keys):
        out[key] = key_of(rgb[j])
    return out


def _segment(lab: np.ndarray, w: np.ndarray, near: np.ndarray, k: int) -> np.ndarray:
    """Cut ``n`` lightness-sorted colours into ``k`` consecutive runs (optimal DP) → run label per colour."""
    n = len(lab)
    if k >= n:
        return np.arange(n)
    if n > MAX_CLUSTERED:  # pre-merge into lightness quantile bins, segment the bins, spread back
        bins = np.minimum((np.cumsum(w) - w / 2) * MAX_CLUSTERED // w.sum(), MAX_CLUSTERED - 1).astype(int)
        _, bins = np.unique(bins, return_inverse=True)
        m = bins.max() + 1
        bw = np.bincount(bins, w, m)
        blab = np.stack([np.bincount(bins, w * lab[:, c], m) for c in range(3)], 1) / bw[:, None]
        onehot = np.zeros((n, m))
        onehot[np.arange(n), bins] = 1
        bnear = (onehot.T @ near.astype(float) @ onehot) > 0
        return _segment(blab, bw, bnear, k)[bins] if m > k else bins
    # prefix sums for weighted SSE of a run [i, j): S_w, S_wx, S_wxx
    cw = np.concatenate([[0.0], np.cumsum(w)])
    cx = np.vstack([np.zeros(3), np.cumsum(w[:, None] * lab, 0)])
    cxx = np.concatenate([[0.0], np.cumsum(w * (lab**2).sum(1))])
    # neighbour penalty of a run: sum over neighbour pairs inside it of min(w_a, w_b) * |lab_a - lab_b|^2
    d2 = ((lab[:, None] - lab[None, :]) ** 2).sum(-1)
    pair = np.where(near, np.minimum(w[:, None], w[None, :]) * d2, 0.0)
    cp = np.zeros((n + 1, n + 1))
    cp[1:, 1:] = np.cumsum(np.cumsum(pair, 0), 1)
    i_idx, j_idx = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")  # run [i, j)
    sw = cw[j_idx] - cw[i_idx]
    sx = cx[j_idx] - cx[i_idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        sse = (cxx[j_idx] - cxx[i_idx]) - (sx**2).sum(-1) / np.where(sw > 0, sw, 1)
    pen = (cp[j_idx, j_idx] - cp[i_idx, j_idx] - cp[j_idx, i_idx] + cp[i_idx, i_idx]) / 2
    cost = np.where(j_idx > i_idx, np.maximum(sse, 0) + NEIGHBOUR_PENALTY * pen, np.inf)
    best = np.full((k + 1, n + 1), np.inf)
    arg = np.zeros((k + 1, n + 1), dtype=int)
    best[0, 0] = 0.0
    for c in range(1, k + 1):
        total = best[c - 1][:, None] + cost  # (i, j)
        arg[c] = np.argmin(total, 0)  # first minimum: deterministic
        best[c] = total[arg[c], np.arange(n + 1)]
    labels = np.zeros(n, dtype=int)
    j = n
    for c in range(k, 0, -1):
        i = arg[c, j]
        labels[i:j] = c - 1
        j = i
    return labels


def _monotone_match(centres: np.ndarray, weights: np.ndarray, pal: np.ndarray) -> np.ndarray:
    """Strictly increasing palette indices for the lightness-sorted runs, least weighted OKLab error."""
    k, m = len(centres), len(pal)
    if k == m:
        return np.arange(k)
    cost = weights[:, None] * ((centres[:, None] - pal[None, :]) ** 2).sum(-1)  # (k, m)
    best = np.full((k + 1, m + 1), np.inf)  # best[c, j]: first c runs placed on palette entries < j
    best[0, :] = 0.0
    take = np.zeros((k + 1, m + 1), dtype=bool)
    for c in range(1, k + 1):
        for j in range(1, m + 1):
            skip = best[c, j - 1]
            use = best[c - 1, j - 1] + cost[c - 1, j - 1]
            take[c, j] = use < skip
            best[c, j] = min(use, skip)
    chosen = np.zeros(k, dtype=int)
    c, j = k, m
    while c > 0:
        if take[c, j]:
            chosen[c - 1] = j - 1
            c -= 1
        j -= 1
    return chosen


# ------------------------------------------------------------------ map planning


def plan_map(inv: ColorInventory, pairs: Sequence[tuple[Color, Color]], tolerance: float = 0.0) -> dict[Color, Color]:
    """Distinct document colour → target: exact 8-bit matches, or the nearest source within ΔE2000 ``tolerance``."""
    if tolerance < 0 or tolerance != tolerance:
        raise OptionError(f"--tolerance must be a ΔE2000 value >= 0, got {tolerance}")
    table = dict(pairs)
    out = {k: table[k] for k in inv.keys if k in table}
    if tolerance > 0 and inv.keys:
        sources = [a for a, _ in pairs]
        src = srgb_to_lab(np.array([_rgb(a) for a in sources]))
        doc = srgb_to_lab(np.array([_rgb(k) for k in inv.keys]))
        d = delta_e2000(doc[:, None], src[None, :])
        for j, key in enumerate(inv.keys):
            if key in out:
                continue
            nearest = int(np.argmin(d[j]))
            if d[j, nearest] <= tolerance:
                out[key] = table[sources[nearest]]
    return out


# ------------------------------------------------------------------ applying


@dataclass
class RecolorResult:
    """What one recolour did: ``mapping`` (old ``#rrggbb`` → new, changed colours only)."""

    mapping: dict[str, str] = field(default_factory=dict)
    paints: int = 0  # paints (fills, strokes, stops, fallbacks) rewritten
    colors: int = 0  # distinct colours in the document
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"mapping": self.mapping, "paints": self.paints, "colors": self.colors, "warnings": self.warnings}


def apply_plan(doc: Document, inv: ColorInventory, plan: dict[Color, Color]) -> RecolorResult:
    """Write ``plan`` into the document model (alpha kept); mark exactly the changed paints edited."""
    result = RecolorResult(colors=len(inv.keys))
    changed = {a: b for a, b in plan.items() if a != b}
    for u in inv.uses:
        new = changed.get(u.key)
        if new is None:
            continue
        r, g, b = (float(c) / 255.0 for c in new)
        rgba = (r, g, b, float(u.rgba[3]))
        if u.kind == "stop":
            stop = u.owner.stops[u.index]
            u.owner.stops[u.index] = Stop(stop.offset, rgba)
            u.owner.edited.add("stops")
        elif u.kind.endswith("-fallback"):
            kind = u.kind.split("-")[0]
            if not u.owner.editable:
                continue
            paint = getattr(u.owner, kind)
            setattr(u.owner, kind, replace(paint, fallback=rgba))
            u.owner.edited.add(kind)
        else:
            if not u.owner.editable:
                continue
            setattr(u.owner, u.kind, rgba)
            u.owner.edited.add(u.kind)
        result.paints += 1
    if inv.instances and changed:
        rewritten = _recolor_containers(doc, changed)
        result.paints += sum(rewritten.values())
        left = {hex_of(key_of(getattr(s, kind))) for s in doc.shapes() if not s.editable
                for kind in ("fill", "stroke") if isinstance(getattr(s, kind), tuple)
                and key_of(getattr(s, kind)) in changed and key_of(getattr(s, kind)) not in rewritten}
        if left:
            result.warnings.append(f"{inv.instances} non-editable instance(s) (<use>, SVG <image> content) draw "
                                   f"colours set where vecedit cannot rewrite them ({', '.join(sorted(left))}); check them in the output")
    result.mapping = {hex_of(a): hex_of(b) for a, b in sorted(changed.items())}
    return result


def _recolor_containers(doc: Document, changed: dict[Color, Color]) -> dict[Color, int]:
    """``use`` instances are not written through the model: rewrite the paint they get from the
    referenced element itself or from ``<use>``/``<g>`` ancestors, in the XML (attribute or inline style).
    Returns how many declarations of each old colour were rewritten."""
    from vecedit.svg.color import parse_color
    from vecedit.svg.css import local_name, split_top_level
    from vecedit.svg.write import set_style_property

    count: dict[Color, int] = {}
    definitions = {id(s.node) for s in doc.shapes() if not s.editable}  # shapes drawn only through <use>
    for el in doc.root_node.iter():
        if not isinstance(el.tag, str) or (local_name(el.tag) not in CONTAINER_TAGS and id(el) not in definitions):
            continue
        declared = {k.strip().lower(): v.strip() for k, _, v in
                    (p.partition(":") for p in split_top_level(el.get("style") or "", ";")) if v}
        for prop in ("fill", "stroke"):
            for value, in_style in ((declared.get(prop), True), (el.get(prop), False)):
                if not value or "url(" in value or "!" in value:
                    continue
                try:
                    rgba = parse_color(value)
                except VeceditError:
                    continue
                if rgba is None or value.strip().lower() == "currentcolor" or key_of(rgba) not in changed:
                    continue
                new = hex_of(changed[key_of(rgba)])
                if in_style:
                    set_style_property(el, prop, new)
                else:
                    el.set(prop, new)
                count[key_of(rgba)] = count.get(key_of(rgba), 0) + 1
    return count


def recolor_document(doc: Document, palette=None, mapping=None, *, tolerance: float = 0.0,
                     shading: bool = False, keep=None) -> RecolorResult:
    """Recolour ``doc`` in place with a palette or a colour map; return what changed."""
    if (palette is None) == (mapping is None):
        raise OptionError("give exactly one of a palette or a colour map")
    inv = inventory(doc, neighbours=palette is not None)
    if palette is not None:
        colours = palette if _is_keys(palette) else parse_palette(palette)
        kept = [] if keep is None else (keep if _is_keys(keep) else parse_palette(keep))
        plan = plan_palette(inv, colours, shading=shading, keep=kept)
    else:
        pairs = mapping if _is_pairs(mapping) else parse_mapping(mapping)
        plan = plan_map(inv, pairs, float(tolerance))
    return apply_plan(doc, inv, plan)


def _is_keys(value) -> bool:
    return isinstance(value, list) and all(isinstance(v, tuple) and len(v) == 3 and
                                           all(isinstance(c, int) for c in v) for v in value)


def _is_pairs(value) -> bool:
    return isinstance(value, list) and all(isinstance(p, tuple) and len(p) == 2 and _is_keys(list(p))
                                           for p in value)


# ------------------------------------------------------------------ public API


__all__ = ["recolor_document", "RecolorResult", "parse_palette", "parse_mapping", "inventory",
           "plan_palette", "plan_map", "apply_plan", "ColorInventory", "hex_of", "key_of"]
