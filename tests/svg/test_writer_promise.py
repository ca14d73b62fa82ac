"""The writer's promise: edits keep the form they were written in, and no stale inherited paint remains."""

from vecedit.svg import dumps_svg, load_svg

NS = 'xmlns="http://www.w3.org/2000/svg"'
GROUP = f'<svg {NS} width="20" height="10">\n  <g id="g" fill="red" stroke="#000">\n    <rect id="a" width="5" height="5"/>\n' \
        f'    <rect id="b" x="6" width="5" height="5"/>\n  </g>\n  <rect id="c" x="12" width="5" height="5" style="fill:#00f"/>\n</svg>'


def _recolor(text: str, colors: dict, prop: str = "fill") -> str:
    doc = load_svg(text)
    for shape in doc.shapes():
        if shape.id in colors:
            setattr(shape, prop, colors[shape.id])
            shape.edited.add(prop)
    return dumps_svg(doc)


def test_one_new_colour_for_every_heir_is_written_on_the_parent_only():
    out = _recolor(GROUP, {"a": (0.0, 0.5, 0.0, 1.0), "b": (0.0, 0.5, 0.0, 1.0)})
    assert out == GROUP.replace('fill="red"', 'fill="#008000"')


def test_different_new_colours_leave_no_stale_parent_colour():
    out = _recolor(GROUP, {"a": (0.0, 0.5, 0.0, 1.0), "b": (0.0, 0.0, 0.0, 1.0)})
    assert 'fill="red"' not in out and '<g id="g" fill="#008000"' in out
    doc = load_svg(out)
    assert [s.fill for s in doc.shapes()[:2]] == [(0.0, 128 / 255, 0.0, 1.0), (0.0, 0.0, 0.0, 1.0)]


def test_a_parent_still_painting_an_unedited_child_keeps_its_colour():
    out = _recolor(GROUP, {"a": (0.0, 0.5, 0.0, 1.0)})
    assert '<g id="g" fill="red"' in out and 'id="a" width="5" height="5" style="fill:#008000"' in out


def test_style_stays_style_and_attributes_stay_attributes():
    out = _recolor(GROUP, {"c": (1.0, 1.0, 0.0, 1.0)})
    assert out == GROUP.replace("fill:#00f", "fill:#ffff00")
    source = f'<svg {NS} width="9" height="9"><rect width="5" height="5" fill="red" stroke="blue"/></svg>'
    assert _recolor(source, {None: (0.0, 0.0, 1.0, 1.0)}) == source.replace('fill="red"', 'fill="#0000ff"')
    doc = load_svg(source)
    doc.shapes()[0].stroke, doc.shapes()[0].edited = (1.0, 0.0, 0.0, 1.0), {"stroke"}
    assert dumps_svg(doc) == source.replace('stroke="blue"', 'stroke="#ff0000"')


def test_strokes_are_hoisted_like_fills():
    out = _recolor(GROUP, {"a": (1.0, 1.0, 1.0, 1.0), "b": (1.0, 1.0, 1.0, 1.0)}, "stroke")
    assert out == GROUP.replace('stroke="#000"', 'stroke="#ffffff"')


def test_an_edited_start_tag_keeps_its_spacing():
    # tabler-icons write every attribute on its own line and close the root tag on the next one
    source = (f'<svg\n  {NS}\n  width="24" height = "24"\n  stroke="currentColor"\n  fill="none"\n>\n'
              '  <path d="M9 19c-4.3 1.4-4.3-2.5-6-3" />\n</svg>\n')
    out = _recolor(source, {None: (0.0, 0.5, 0.0, 1.0)}, "stroke")
    assert out == source.replace('stroke="currentColor"', 'stroke="#008000"')
