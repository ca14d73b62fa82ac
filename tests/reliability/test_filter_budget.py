"""Filter work is budgeted before it is done (vecedit/limits.py: ``filter_primitives`` at parse,
``filter_pixels`` when the scene is built and again when it renders): a document with too many
primitives, too many filtered elements, or primitives that cost many passes (a huge convolution
kernel, many noise octaves) is one ``LimitError`` line, not a long run. Assertions are on the
refusal and on how many filters were resolved (a work counter), never on time."""

import pytest

import vecedit
import vecedit.render.filters.resolve as resolve_module
from vecedit.limits import LimitError, using
from vecedit.render.filters.cost import STEP_OVERHEAD, passes, work
from vecedit.scene import from_document

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100" viewBox="0 0 100 100">{}</svg>'
RECT = '<rect x="20" y="25" width="45" height="40" fill="#9b59b6" filter="url(#f)"/>'


def filtered(primitives: str, body: str = RECT) -> str:
    return SVG.format(f'<filter id="f">{primitives}</filter>{body}')


@pytest.fixture
def resolved(monkeypatch):
    """How many times a filter was resolved for an element (the per-use work the budget must precede)."""
    calls = []
    real = resolve_module.resolve
    monkeypatch.setattr(resolve_module, "resolve", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_too_many_primitives_are_refused_while_parsing():
    # was: 20,001 feOffset primitives in one filter took ~10 s to parse and resolve before filter_pixels refused
    text = filtered('<feOffset dx="4" dy="4"/>' * 11)
    with pytest.raises(LimitError) as e:
        vecedit.load_svg(text, limits="filter_primitives=10")
    assert "\n" not in str(e.value) and "--limits filter_primitives=N" in str(e.value)
    assert len(vecedit.load_svg(text, limits="filter_primitives=11").shapes()) == 1
    # the default: a thousand, counted per document over the filters its elements use
    used = ''.join(f'<filter id="f{i}">' + '<feOffset/>' * 100 + f'</filter><rect filter="url(#f{i})"/>'
                   for i in range(11))
    with pytest.raises(LimitError, match="filter_primitives"):
        vecedit.load_svg(SVG.format(used))


def test_many_filtered_elements_are_refused_before_their_filters_are_resolved(resolved):
    # was: 1,003 rects sharing one feOffset filter: every render resolved and ran 1,003 filter layers
    doc = vecedit.load_svg(filtered('<feOffset dx="8" dy="5"/>', RECT * 200))
    with pytest.raises(LimitError, match="filter_pixels") as e:
        _build(doc, "filter_pixels=300000")
    assert "\n" not in str(e.value)
    per_use = work(1, 48, 54)  # the region: the rect grown by 10 % a side, in whole pixels
    assert len(resolved) == 300000 // per_use  # refused at the first use over the budget, none resolved after
    assert _build(doc, "filter_pixels=2000000").root is not None


def _build(doc, limits: str, width: int = 100):
    """The scene at ``width`` px (a render may always do 16 passes per canvas pixel: small canvases
    let small budgets bite)."""
    with using(limits):
        return from_document(doc, width=width)


def test_each_use_costs_a_fixed_overhead_however_small_its_region():
    tiny = '<rect x="{}" y="1" width="0.5" height="0.5" filter="url(#f)"/>'
    doc = vecedit.load_svg(filtered('<feOffset dx="0.1"/>', ''.join(tiny.format(i % 90) for i in range(100))))
    assert work(1, 1, 1) == 1 + STEP_OVERHEAD
    with pytest.raises(LimitError, match="filter_pixels"):  # 100 uses of ~1 px: 100 × (1 + 512), not 100
        _build(doc, f"filter_pixels={50 * STEP_OVERHEAD}", width=20)
    _build(doc, f"filter_pixels={200 * STEP_OVERHEAD}", width=20)


@pytest.mark.parametrize("primitive, expected", [
    ('<feConvolveMatrix order="64" kernelMatrix="{}"/>'.format(" ".join(["1"] * 64 * 64)), 16),
    ('<feTurbulence baseFrequency="0.05" numOctaves="1000000"/>', 25),  # octaves past 24 are not computed
    ('<feMerge>' + '<feMergeNode/>' * 40 + '</feMerge>', 40),  # was: 40,000 nodes took 0.7 s a render at 64 px
    ('<feGaussianBlur stdDeviation="3"/>', 1),
], ids=["convolve-64", "turbulence-octaves", "merge-nodes", "blur"])
def test_costly_primitives_count_as_several_passes(primitive, expected):
    doc = vecedit.load_svg(filtered(primitive, RECT * 60))
    f = _filters(doc)[0]
    assert passes(f.primitives[0]) == expected
    budget = 60 * work(expected, 48, 54)  # 60 uses over the rect's 54×48 px region
    with pytest.raises(LimitError, match="filter_pixels"):
        _build(doc, f"filter_pixels={budget - 1}")
    _build(doc, f"filter_pixels={budget}")


def _filters(doc):
    found = []
    def walk(group):
        found.extend(group.filters or [])
        for child in group.children:
            if hasattr(child, "children"):
                walk(child)
    walk(doc.root)
    return found


@pytest.mark.parametrize("body", [
    # filtered text, a few glyphs each (a filter on a tspan does not apply: Filter Effects §5)
    '<text x="5" y="20" font-size="3" filter="url(#f)">ab</text>' * 60,
    # nested filtered groups: each level is a layer of its own
    '<g filter="url(#f)">' * 60 + '<rect width="10" height="10"/>' + '</g>' * 60,
    # one filter listed many times in one element's chain
    '<rect width="10" height="10" filter="' + 'url(#f) ' * 60 + '"/>',
    # a filtered element in a pattern: counted in the tile's raster too
    '<pattern id="p" width="10" height="10" patternUnits="userSpaceOnUse">'
    + '<rect width="5" height="5" filter="url(#f)"/>' * 60 + '</pattern><rect width="100" height="100" fill="url(#p)"/>',
], ids=["text", "nested-groups", "chain", "pattern"])
def test_every_shape_of_filter_use_counts_against_the_budget(body, resolved):
    doc = vecedit.load_svg(filtered('<feOffset dx="1"/>', body))
    with pytest.raises(LimitError, match="filter_pixels"):
        _build(doc, f"filter_pixels={20 * STEP_OVERHEAD}", width=20)
    assert len(resolved) < 20  # refused before most uses were resolved
    assert vecedit.render(doc, width=100).shape == (100, 100, 4)  # the defaults draw it


def test_a_huge_filter_region_costs_only_its_part_on_the_canvas():
    region = 'filterUnits="userSpaceOnUse" x="-1e6" y="-1e6" width="2e6" height="2e6"'
    doc = vecedit.load_svg(SVG.format(f'<filter id="f" {region}><feFlood flood-color="red"/></filter>{RECT * 20}'))
    _build(doc, f"filter_pixels={20 * work(1, 100, 100)}")
    with pytest.raises(LimitError, match="filter_pixels"):
        _build(doc, f"filter_pixels={20 * work(1, 100, 100) - 1}")


def test_a_filter_value_shared_by_many_elements_is_read_once(monkeypatch):
    # was: a style sheet giving 3,000 blur() functions to 1,000 rects built 3,000,000 filters while loading
    import vecedit.svg.filters as filters_module
    calls = []
    real = filters_module.css_function_filter
    monkeypatch.setattr(filters_module, "css_function_filter", lambda *a: calls.append(1) or real(*a))
    chain = " ".join(["blur(1px)"] * 30)
    doc = vecedit.load_svg(SVG.format(f"<style>rect {{ filter: {chain} }}</style>" + '<rect width="9" height="9"/>' * 50))
    assert len(calls) == 30
    assert [len(g.filters) for g in _filtered_groups(doc.root)] == [30] * 50
    with pytest.raises(LimitError, match="filter_pixels"):  # 50 elements × 30 filters, before resolving them all
        _build(doc, f"filter_pixels={100 * STEP_OVERHEAD}", width=20)


def test_an_unreadable_filter_value_is_noted_on_every_element_that_has_it():
    rects = "".join(f'<rect id="r{i}" width="9" height="9"/>' for i in range(3))
    doc = vecedit.load_svg(SVG.format("<style>rect { filter: blur(-1px) }</style>" + rects))
    assert sorted(n.id for n in doc.notes if "cannot be read" in n.message) == ["r0", "r1", "r2"]
    assert len(vecedit.render(doc, width=20)) == 20



def _filtered_groups(group):
    found = [group] if group.filters else []
    for child in group.children:
        if hasattr(child, "children"):
            found += _filtered_groups(child)
    return found
