"""clip-path and mask resolution (vecedit/svg/masking.py): content, units, references that loop or miss."""

import numpy as np
import pytest

from vecedit.render.api import render_document
from vecedit.svg import load_svg
from vecedit.svg.model import Shape
from vecedit.svg.masking import shapes_of

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def _doc(body: str):
    return load_svg(f'<svg {NS} width="20" height="20">{body}</svg>')


def _drawn_ids(doc) -> set:
    return {s.id for s in doc.shapes()}


def _notes(doc) -> str:
    return " | ".join(n.message for n in doc.notes)


@pytest.mark.parametrize("defs", [
    '<mask id="m"><rect width="20" height="20" fill="white" mask="url(#m)"/></mask>',  # content masked by itself
    '<mask id="m" mask="url(#m)"><rect width="20" height="20" fill="white"/></mask>',  # the mask's own mask
    '<mask id="m" mask="url(#n)"><rect width="20" height="20"/></mask><mask id="n" mask="url(#m)"><rect/></mask>',
    '<clipPath id="m"><rect width="20" height="20" clip-path="url(#m)"/></clipPath>',
    '<clipPath id="m" clip-path="url(#m)"><rect width="20" height="20"/></clipPath>',
    '<clipPath id="m" clip-path="url(#n)"><rect width="20" height="20"/></clipPath>'
    '<clipPath id="n" clip-path="url(#m)"><rect width="20" height="20"/></clipPath>',
])
def test_a_reference_loop_leaves_out_only_its_element(defs):
    prop = "mask" if defs.startswith("<mask") else "clip-path"
    doc = _doc(defs + f'<rect id="looped" width="20" height="20" {prop}="url(#m)"/><rect id="kept" width="5" height="5"/>')
    alpha = render_document(doc)[..., 3]
    assert alpha[2, 2] == 1 and alpha[10:, 10:].max() == 0  # the looped element is not drawn, the rest is
    assert "reference cycle" in _notes(doc)


def test_a_missing_id_is_ignored_and_another_kind_of_element_leaves_it_out():
    doc = _doc('<rect id="r" width="2" height="2"/>'
               '<rect id="a" width="20" height="20" clip-path="url(#nope)"/>'
               '<rect id="b" width="20" height="20" mask="url(#nope)"/>'
               '<rect id="c" width="20" height="20" clip-path="url(#r)"/>'
               '<rect id="d" width="20" height="20" mask="url(#r)"/>')
    assert _drawn_ids(doc) == {"r", "a", "b"}
    notes = _notes(doc)
    assert "'nope', which is not in this file; it is ignored" in notes
    assert "which is not a <clipPath>" in notes and "which is not a <mask>" in notes


def test_clip_content_follows_the_spec():
    doc = _doc('<defs clip-rule="evenodd"><rect id="shape" width="4" height="4"/><g id="grp"><rect/></g>'
               '<clipPath id="c"><g><rect width="20" height="20"/></g><use href="#grp"/>'
               '<use xlink:href="#shape" x="3"/><circle r="2" clip-rule="nonzero" stroke="red" opacity="0.5"/>'
               '</clipPath></defs><rect id="t" width="20" height="20" clip-path="url(#c)"/>')
    (wrapper,) = doc.root.children
    shapes = shapes_of(wrapper.clip)
    assert [s.tag for s in shapes] == ["rect", "circle"]  # the <g> and the use of a <g> are ignored
    assert [s.fill_rule for s in shapes] == ["evenodd", "nonzero"]  # inherited from the clipPath's ancestors
    assert all(s.fill == (1, 1, 1, 1) and s.stroke is None and s.opacity == 1 and not s.editable for s in shapes)
    assert shapes[0].ctm[0, 2] == 3  # the use's x


def test_clip_path_on_clip_path_and_on_its_children():
    doc = _doc('<clipPath id="left"><rect width="10" height="20"/></clipPath>'
               '<clipPath id="c" clip-path="url(#left)"><circle cx="10" cy="10" r="8" clip-path="url(#left)"/></clipPath>'
               '<rect width="20" height="20" clip-path="url(#c)"/>')
    (wrapper,) = doc.root.children
    assert wrapper.clip.clip is not None and shapes_of(wrapper.clip.clip)[0].tag == "rect"
    (child,) = wrapper.clip.children
    assert child.clip is not None  # the circle keeps its own clip


def test_bounding_box_leaves_out_display_none_but_counts_hidden():
    doc = _doc('<clipPath id="c" clipPathUnits="objectBoundingBox"><rect width="1" height="1"/></clipPath>'
               '<g clip-path="url(#c)"><rect width="5" height="5"/><rect x="15" y="15" width="5" height="5" display="none"/></g>'
               '<g clip-path="url(#c)"><rect width="5" height="5"/><rect x="10" y="10" width="5" height="5" visibility="hidden"/></g>')
    first, second = doc.root.children

    def extent(group):
        (edge,) = shapes_of(group.clip)
        pts = edge.subpaths[0].points @ edge.ctm[:2, :2].T + edge.ctm[:2, 2]
        return tuple(np.round(np.concatenate([pts.min(0), pts.max(0)]), 6))

    assert extent(first) == (0, 0, 5, 5)
    assert extent(second) == (0, 0, 15, 15)


def test_mask_units_and_region():
    doc = _doc('<mask id="m" maskContentUnits="objectBoundingBox"><rect width="0.5" height="1" fill="white"/></mask>'
               '<rect x="4" y="2" width="10" height="8" mask="url(#m)"/>')
    (wrapper,) = doc.root.children
    mask = wrapper.masking
    assert mask.kind == "luminance" and mask.mask is None
    (content,) = shapes_of(mask.content)
    pts = content.subpaths[0].points @ content.ctm[:2, :2].T + content.ctm[:2, 2]
    assert tuple(pts.min(0)) == (4, 2) and tuple(pts.max(0)) == (9, 10)  # half the element's box
    (edge,) = shapes_of(mask.content.clip)  # the default region: -10 % / 120 % of the box
    pts = edge.subpaths[0].points @ edge.ctm[:2, :2].T + edge.ctm[:2, 2]
    assert tuple(np.round(pts.min(0), 6)) == (3, 1.2) and tuple(np.round(pts.max(0), 6)) == (15, 10.8)


def test_an_empty_mask_region_or_zero_box_leaves_the_element_out():
    doc = _doc('<mask id="z" width="0"><rect width="20" height="20" fill="white"/></mask>'
               '<clipPath id="b" clipPathUnits="objectBoundingBox"><rect width="1" height="1"/></clipPath>'
               '<rect id="a" width="20" height="20" mask="url(#z)"/>'
               '<line id="l" x1="0" y1="5" x2="20" y2="5" stroke="red" clip-path="url(#b)"/>'
               '<rect id="kept" width="2" height="2"/>')
    assert _drawn_ids(doc) == {"kept"}


def test_nested_viewport_clip_and_blend_are_kept_on_groups():
    doc = _doc('<svg width="10" height="10" overflow="visible"><rect width="20" height="20"/></svg>'
               '<g style="mix-blend-mode: multiply; isolation: isolate"><rect width="2" height="2"/></g>'
               '<g mix-blend-mode="screen"><rect width="2" height="2"/></g>')
    visible, blended, attribute = doc.root.children
    assert [type(child) for child in visible.children] == [Shape]  # overflow visible: no clipped holder group
    assert blended.blend == "multiply" and blended.isolate
    assert attribute.blend == "normal"  # CSS only, as resvg
    assert not any(n.affects_picture for n in doc.notes)


def test_clip_paths_nesting_into_millions_of_shapes_are_refused_at_once():
    from vecedit.errors import VeceditError

    levels = []
    for i in range(12):
        inner = f' clip-path="url(#c{i + 1})"' if i < 11 else ""
        levels.append(f'<clipPath id="c{i}">' + f'<rect width="1" height="1"{inner}/>' * 10 + "</clipPath>")
    with pytest.raises(VeceditError, match="clip paths and masks expand"):
        _doc("".join(levels) + '<rect width="10" height="10" clip-path="url(#c0)"/>')
