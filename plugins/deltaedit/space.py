"""The edit space: a few dozen numbers that move groups of shapes, and how they apply.

A document's editable shapes are split into at most ``max_groups`` groups: the top-level
``<g>`` groups (and loose top-level shapes) under any single wrapper group, merged by
k-means on colour and position when there are more of them than ``max_groups``; when
there are fewer, groups of many shapes (a vectorizer's layers) are split by the same
k-means while there is room. Each group gets nine numbers (:data:`COLUMNS`):

=============  ===========================================================
translate_x/y  move, as a fraction of the canvas width / height
log_scale      uniform scale about the group's centre (stroke widths follow)
rotation       radians about the group's centre
lightness      OKLab L added to every colour of the group
log_contrast   OKLab L spread about the group's mean lightness
tint_a/b       OKLab a/b added (a: green→red, b: blue→yellow)
log_chroma     OKLab a/b scaled (saturation)
=============  ===========================================================

The columns fall into DeltaEdit's three levels (:data:`LEVELS`), after what StyleGAN's
coarse, medium and fine layers control: coarse = layout (position, size, rotation),
medium = tone (lightness, contrast), fine = colour scheme (tint, saturation).

Edits are kept in *normalised* units (each column divided by :data:`SCALES`, its
sampling spread), so the mapper's L2 loss weighs every column alike. Applying an edit
touches only the rows of the groups it moves, and only when it moves them, so shapes
outside the edit space (and groups an edit leaves at zero) stay bit-identical.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from vecedit.errors import InputError, OptionError

COLUMNS = ("translate_x", "translate_y", "log_scale", "rotation",
           "lightness", "log_contrast", "tint_a", "tint_b", "log_chroma")
LEVELS = {"coarse": (0, 1, 2, 3), "medium": (4, 5), "fine": (6, 7, 8)}
LEVEL_KIND = {"coarse": "shape", "medium": "color", "fine": "color"}
SCALES = np.array([0.06, 0.06, 0.12, 0.15, 0.10, 0.25, 0.05, 0.05, 0.35])
KINDS = ("color", "shape")
NOTHING = 1e-9  # an edit column below this moves nothing (keeps rows bit-identical)
SPLIT_ABOVE = 8  # a unit with more shapes than this is split while there is room for groups


def parse_kinds(text) -> tuple[str, ...]:
    """``"color,shape"`` (or a list) → the kinds of edit the space holds."""
    items = text.replace(",", " ").split() if isinstance(text, str) else list(text)
    kinds = []
    for item in items:
        key = {"colour": "color", "geometry": "shape"}.get(item.strip().lower(), item.strip().lower())
        if key not in KINDS:
            raise OptionError(f"--kinds {item!r}: choose color, shape or both (comma-separated)")
        if key not in kinds:
            kinds.append(key)
    if not kinds:
        raise OptionError("--kinds names nothing; choose color, shape or both")
    return tuple(k for k in KINDS if k in kinds)


@dataclass
class EditSpace:
    """Which shapes form each group (indices into ``Document.shapes()``) and which kinds move."""

    groups: list[list[int]]
    names: list[str]
    kinds: tuple[str, ...]

    @property
    def levels(self) -> dict[str, tuple[int, ...]]:
        """The DeltaEdit levels this space uses, with their columns."""
        return {name: cols for name, cols in LEVELS.items() if LEVEL_KIND[name] in self.kinds}

    @property
    def size(self) -> int:
        """How many numbers an edit has (groups × columns of the kinds used)."""
        return len(self.groups) * sum(len(c) for c in self.levels.values())

    def to_dict(self) -> dict:
        return {"groups": [list(map(int, g)) for g in self.groups], "names": list(self.names),
                "kinds": list(self.kinds)}

    @classmethod
    def from_dict(cls, data: dict) -> "EditSpace":
        return cls([list(map(int, g)) for g in data["groups"]], list(data["names"]), tuple(data["kinds"]))

    @classmethod
    def build(cls, doc, selection=None, max_groups: int = 8, kinds: Sequence[str] = KINDS,
              seed: int = 0) -> "EditSpace":
        """Group the selected editable shapes of ``doc`` (default: all of them)."""
        from vecedit.scene import from_document
        from vecedit.select import select_shapes

        if isinstance(max_groups, bool) or not isinstance(max_groups, int) or max_groups < 1:
            raise OptionError(f"--max-groups must be a whole number >= 1, got {max_groups!r}")
        scene = from_document(doc)
        chosen = select_shapes(scene, doc, selection)
        eligible = {s.element for s, c in zip(scene.shapes, chosen) if c and s.element >= 0}
        if not eligible:
            raise InputError("nothing to edit: no editable shape is selected (`vecedit info` lists them)")
        units = _top_level_units(doc, eligible)
        if len(units) > max_groups:
            units = _merge_units(units, scene, max_groups, seed)
        else:
            units = _split_large_units(units, scene, max_groups, seed)
        units.sort(key=lambda unit: unit[1][0])
        return cls([members for _, members in units], [name for name, _ in units], tuple(kinds))

    def bind(self, doc, scene) -> "BoundSpace":
        return BoundSpace(self, doc, scene)


def _top_level_units(doc, eligible: set[int]) -> list[tuple[str, list[int]]]:
    """(name, element indices) per top-level child, looking through single wrapper groups."""
    from vecedit.svg.model import Group

    index = {id(s): i for i, s in enumerate(doc.shapes())}
    root = doc.root
    while len(root.children) == 1 and isinstance(root.children[0], Group):
        root = root.children[0]
    units = []
    for k, child in enumerate(root.children):
        if isinstance(child, Group):
            members = [index[id(s)] for s in _shapes_in(child) if index[id(s)] in eligible]
            name = f"#{child.id}" if child.id else f"group {k + 1}"
        else:
            members = [index[id(child)]] if index[id(child)] in eligible else []
            name = f"#{child.id}" if child.id else f"{child.tag} {index[id(child)] + 1}"
        if members:
            units.append((name, members))
    return units


def _shapes_in(group):
    from vecedit.svg.model import Group

    for child in group.children:
        if isinstance(child, Group):
            yield from _shapes_in(child)
        else:
            yield child


def _unit_rows(units, scene) -> np.ndarray:
    """(mean colour, centre as a fraction of the canvas) of each unit, the k-means features."""
    from vecedit.select import shape_boxes

    boxes = shape_boxes(scene)
    of_element = {s.element: i for i, s in enumerate(scene.shapes)}
    size = np.array([scene.width, scene.height], dtype=float)
    rows = []
    for _, members in units:
        shapes = [of_element[m] for m in members]
        centre = np.mean([(boxes[i, :2] + boxes[i, 2:]) / 2 for i in shapes], axis=0) / size
        rows.append(np.concatenate([np.mean([_shape_colour(scene, i) for i in shapes], axis=0), centre]))
    return np.asarray(rows)


def _kmeans(rows: np.ndarray, k: int, seed: int) -> np.ndarray:
    import warnings

    from scipy.cluster.vq import kmeans2

    with warnings.catch_warnings():  # an empty cluster is fine: it is dropped
        warnings.simplefilter("ignore")
        return kmeans2(rows, k, seed=seed, minit="++")[1]


def _merge_units(units, scene, k: int, seed: int) -> list[tuple[str, list[int]]]:
    """Too many units: k-means on (mean colour, centre) merges them into at most ``k`` groups."""
    labels = _kmeans(_unit_rows(units, scene), k, seed)
    merged = []
    for label in sorted(set(labels.tolist())):
        names = [name for (name, _), lab in zip(units, labels) if lab == label]
        members = sorted(m for (_, ms), lab in zip(units, labels) if lab == label for m in ms)
        merged.append(("+".join(names) if len(names) <= 3 else f"{names[0]} +{len(names) - 1} more", members))
    return merged


def _split_large_units(units, scene, k: int, seed: int) -> list[tuple[str, list[int]]]:
    """Room for more groups: split the largest unit in two (k-means on its shapes) while it has
    more than :data:`SPLIT_ABOVE` shapes, so that e.g. a vectorizer's few layers of hundreds of
    paths become regions of similar colour and place."""
    units = list(units)
    while len(units) < k:
        largest = max(range(len(units)), key=lambda u: len(units[u][1]))
        name, members = units[largest]
        if len(members) <= SPLIT_ABOVE:
            break
        labels = _kmeans(_unit_rows([(name, [m]) for m in members], scene), 2, seed)
        halves = [[m for m, lab in zip(members, labels) if lab == side] for side in (0, 1)]
        if not all(halves):
            break
        units[largest:largest + 1] = [(f"{name}/{side + 1}", half) for side, half in enumerate(halves)]
    return units


def _shape_colour(scene, i: int) -> np.ndarray:
    from vecedit.scene import GradientPaint, SolidPaint

    shape = scene.shapes[i]
    for paint in (shape.fill, shape.stroke):
        if isinstance(paint, SolidPaint):
            return scene.colors[paint.color, :3].detach().cpu().numpy()
        if isinstance(paint, GradientPaint):
            return scene.stop_colors[scene.gradients[paint.gradient].stops, :3].mean(0).detach().cpu().numpy()
    return np.full(3, 0.5)


def structure_signature(doc) -> str:
    """What a mapper depends on: the shapes' kinds, ids, point counts and paint kinds, and the size.

    Documents of one family (same structure, other colours or positions) share it.
    """
    from vecedit.svg.model import GradientRef

    def paint(p):
        if p is None:
            return "none"
        if isinstance(p, GradientRef):
            gradient = doc.gradients.get(p.id)
            return f"gradient:{p.id}:{len(gradient.stops) if gradient else 0}"
        return "solid"

    items = [[s.tag, s.id, [[len(sp.points), sp.closed] for sp in s.subpaths], paint(s.fill), paint(s.stroke),
              s.editable, s.visible] for s in doc.shapes()]
    text = json.dumps([round(float(doc.width), 3), round(float(doc.height), 3), items])
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class _GroupRows:
    points: np.ndarray
    colors: np.ndarray
    stops: np.ndarray
    widths: np.ndarray
    centre: np.ndarray
    lightness: float


class BoundSpace:
    """An :class:`EditSpace` on one scene: the rows each group owns, and :meth:`apply`."""

    def __init__(self, space: EditSpace, doc, scene):
        from vecedit.scene import GradientPaint, SolidPaint
        from vecedit.colorspace import srgb_to_oklab

        self.space, self.scene = space, scene
        of_element = {s.element: i for i, s in enumerate(scene.shapes) if s.element >= 0}
        self.base = {name: scene.tensors()[name].detach().cpu().double().numpy()
                     for name in ("points", "colors", "stop_colors", "stroke_widths")}
        self.rows: list[_GroupRows] = []
        stops_taken: set[int] = set()  # a gradient shared by two groups belongs to the first
        for members in space.groups:
            missing = [m for m in members if m not in of_element or not scene.shapes[of_element[m]].editable]
            if missing:
                raise InputError(f"the mapper's edit space names shape #{missing[0] + 1}, which this document does "
                                 "not have as an editable shape; train a mapper for this document")
            shapes = [scene.shapes[of_element[m]] for m in members]
            points = np.concatenate([np.arange(a, a + n) for s in shapes for a, n, _ in s.subpaths]).astype(int)
            colors = [p.color for s in shapes for p in (s.fill, s.stroke) if isinstance(p, SolidPaint)]
            stops = []
            for s in shapes:
                for p in (s.fill, s.stroke):
                    if isinstance(p, GradientPaint):
                        rows = range(*scene.gradients[p.gradient].stops.indices(len(self.base["stop_colors"])))
                        stops.extend(r for r in rows if r not in stops_taken)
                        stops_taken.update(rows)
            widths = [s.stroke_width for s in shapes if s.stroke is not None]
            p = self.base["points"][points]
            centre = (p.min(0) + p.max(0)) / 2 if len(p) else np.zeros(2)
            rgb = np.concatenate([self.base["colors"][colors, :3], self.base["stop_colors"][stops, :3]])
            lightness = float(srgb_to_oklab(rgb)[:, 0].mean()) if len(rgb) else 0.5
            self.rows.append(_GroupRows(points, np.array(colors, dtype=int), np.array(sorted(set(stops)), dtype=int),
                                        np.array(sorted(set(widths)), dtype=int), centre, lightness))

    def apply(self, edit: np.ndarray):
        """A scene with ``edit`` ((groups, 9), real units) applied; ``self.scene`` is not changed.

        The new scene keeps the base's ``initial`` values, so
        :func:`vecedit.scene.write_back` writes exactly the rows the edit moved.
        """
        edit = np.asarray(edit, dtype=np.float64)
        if edit.shape != (len(self.rows), len(COLUMNS)):
            raise ValueError(f"an edit of shape {edit.shape} for {len(self.rows)} groups")
        arrays = {name: value.copy() for name, value in self.base.items()}
        for rows, values in zip(self.rows, edit):
            if "shape" in self.space.kinds:
                self._move(rows, values[:4], arrays)
            if "color" in self.space.kinds:
                self._recolour(rows, values[4:], arrays)
        scene = self.scene
        as_tensor = lambda name: torch.as_tensor(arrays[name], dtype=scene.points.dtype, device=scene.device)
        return dataclasses.replace(scene, points=as_tensor("points"), colors=as_tensor("colors"),
                                   stop_colors=as_tensor("stop_colors"), stroke_widths=as_tensor("stroke_widths"))

    def _move(self, rows: _GroupRows, values: np.ndarray, arrays: dict) -> None:
        tx, ty, log_scale, angle = values
        if np.all(np.abs(values) < NOTHING) or not len(rows.points):
            return
        scale = float(np.exp(log_scale))
        cos, sin = np.cos(angle) * scale, np.sin(angle) * scale
        matrix = np.array([[cos, -sin], [sin, cos]])
        shift = rows.centre + np.array([tx * self.scene.width, ty * self.scene.height])
        arrays["points"][rows.points] = (arrays["points"][rows.points] - rows.centre) @ matrix.T + shift
        if abs(log_scale) >= NOTHING and len(rows.widths):
            arrays["stroke_widths"][rows.widths] *= scale

    def _recolour(self, rows: _GroupRows, values: np.ndarray, arrays: dict) -> None:
        from vecedit.colorspace import oklab_to_srgb, srgb_to_oklab

        lightness, log_contrast, tint_a, tint_b, log_chroma = values
        if np.all(np.abs(values) < NOTHING):
            return
        for name, index in (("colors", rows.colors), ("stop_colors", rows.stops)):
            if not len(index):
                continue
            lab = srgb_to_oklab(arrays[name][index, :3])
            lab[:, 0] = rows.lightness + (lab[:, 0] - rows.lightness) * np.exp(log_contrast) + lightness
            lab[:, 1:] = lab[:, 1:] * np.exp(log_chroma) + np.array([tint_a, tint_b])
            before, after = arrays[name][index, :3], oklab_to_srgb(lab)
            # a colour that stays on the same 8-bit value (white under a tint, clipped back) keeps its exact
            # value, so it is not rewritten
            same = np.all(np.round(before * 255) == np.round(after * 255), axis=1)
            arrays[name][index, :3] = np.where(same[:, None], before, after)


def sample_edits(space: EditSpace, count: int, generator: np.random.Generator) -> np.ndarray:
    """``count`` random edits ((count, groups, 9), normalised units); the first is no edit.

    A mixture, so that the mapper sees edits of the whole picture as well as of single
    groups, and edits of one kind (only tone, only layout…) as well as of several:
    global (one value for every group, jittered), one group, or a random subset of groups.
    """
    groups = len(space.groups)
    columns = [c for cols in space.levels.values() for c in cols]
    out = np.zeros((count, groups, len(COLUMNS)))
    for n in range(1, count):
        levels = list(space.levels.values())
        picked = [cols for cols in levels if generator.random() < 0.6] or [levels[generator.integers(len(levels))]]
        active = np.zeros(len(COLUMNS), dtype=bool)
        for cols in picked:
            keep = generator.random(len(cols)) < 0.7
            keep[generator.integers(len(cols))] = True
            active[list(cols)] = keep
        scope = generator.random()
        if scope < 0.4:  # the whole picture
            values = generator.standard_normal(len(COLUMNS)) + 0.25 * generator.standard_normal((groups, len(COLUMNS)))
        else:
            values = generator.standard_normal((groups, len(COLUMNS)))
            moved = np.zeros(groups, dtype=bool)
            if scope < 0.7:
                moved[generator.integers(groups)] = True
            else:
                moved = generator.random(groups) < 0.5
                moved[generator.integers(groups)] = True
            values[~moved] = 0.0
        out[n] = values * active
    out[:, :, [c for c in range(len(COLUMNS)) if c not in columns]] = 0.0
    return out


__all__ = ["COLUMNS", "KINDS", "LEVELS", "SCALES", "BoundSpace", "EditSpace", "parse_kinds", "sample_edits",
           "structure_signature"]
