"""Regressions for what the campaign's wider families (``benchmarks/fuzzfamilies.py``: text,
filter graphs, style sheets, reference chains, absurd numbers, embedded images, containers)
found, each as the smallest input that showed it, judged by ``benchmarks/fuzzkit.py``."""

import random
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[1] / "benchmarks"))
import fuzzfamilies  # noqa: E402
from fuzzkit import check_api  # noqa: E402

SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="16" height="16">{}</svg>'


def api(body: str):
    verdict = check_api(SVG.format(body).encode(), mode="bytes")
    assert verdict.ok, (verdict.signature, verdict.detail)
    return verdict


@pytest.mark.parametrize("family", sorted(fuzzfamilies.FRAGMENTS))
def test_each_family_makes_well_formed_documents_that_keep_the_contract(family):
    # the generators are only worth running if most of what they make gets past the XML parser
    verdicts = [check_api(SVG.format(fuzzfamilies.FRAGMENTS[family](random.Random(seed))).encode(), mode="bytes")
                for seed in range(3)]
    assert all(v.ok for v in verdicts), [(v.signature, v.detail) for v in verdicts]
    assert sum(v.outcome == "ok" for v in verdicts) >= 2, [v.detail for v in verdicts]


def test_dash_pattern_in_a_non_finite_user_space_is_drawn_solid():
    # was: ValueError (NaN to int) in dash._intervals: a circle under a matrix whose inverse is not finite
    api('<circle cx="4e-310" cy="4e-310" r="4e-310" stroke="red" stroke-dasharray="99" '
        'transform="matrix(-1e20 20.8 98.7 1e40 16.4 1e308)"/>')


def test_dashes_are_counted_before_they_are_built():
    # was: 10⁹ dashes of 1e-7 round a circle allocated (16 GB) before MAX_DASHES was looked at
    from vecedit.render.dash import _intervals

    assert _intervals(188.0, np.array([1e-7, 1e-7]), 0.0, most=200_000) is None
    assert _intervals(188.0, np.array([1.0, 1.0]), 0.0, most=200_000) is not None
    assert _intervals(float("nan"), np.array([1.0, 1.0]), 0.0) is None
    api('<circle cx="8" cy="8" r="6" stroke="red" stroke-dasharray="1e-7" transform="scale(1e-3)"/>')


MARKED_PATTERN = ('<pattern id="p" width="4" height="4" patternUnits="userSpaceOnUse"><rect width="2" height="2" '
                  'fill="red"/></pattern><marker id="m" markerWidth="2" markerHeight="2" overflow="visible">'
                  '<rect width="2" height="2" fill="context-fill"/></marker>'
                  '<path d="M0 0 {}" fill="url(#p)" marker-mid="url(#m)"/>')


def test_markers_borrowing_a_pattern_share_one_tile():
    # was: one tile raster per marker instance (3,000 markers: 16 CPU-s and more under load)
    import vecedit
    from vecedit.scene import from_document

    path = " ".join(f"L{(i * 7) % 16} {(i * 13) % 16}" for i in range(200))
    scene = from_document(vecedit.load_svg(SVG.format(MARKED_PATTERN.format(path))), width=16)
    assert len(scene.frames) == 1
    assert sum(s.frame >= 0 for s in scene.shapes) == 1  # the tile's content is built once


def test_markers_of_a_long_path_compute_its_context_box_once(monkeypatch):
    # was: the marked path's bounding box recomputed per marker instance: O(vertices²)
    import vecedit
    import vecedit.svg.markers as markers

    calls = []
    real = markers.subpaths_bbox
    monkeypatch.setattr(markers, "subpaths_bbox", lambda subpaths: calls.append(1) or real(subpaths))
    path = " ".join(f"L{(i * 7) % 16} {(i * 13) % 16}" for i in range(100))
    vecedit.load_svg(SVG.format(MARKED_PATTERN.format(path)))
    assert len(calls) == 1


def test_distinct_pattern_tiles_are_counted_against_the_budget():
    # thousands of elements each with its own bounding-box tile: one LimitError line naming --limits tiles=N
    import vecedit
    from vecedit.limits import LimitError

    rects = "".join(f'<rect x="{i}" width="{1 + i % 3}" height="2" fill="url(#p)"/>' for i in range(6))
    doc = SVG.format('<pattern id="p" width="0.5" height="0.5"><rect width="1" height="1"/></pattern>' + rects)
    with pytest.raises(LimitError, match="--limits tiles=N"):
        vecedit.load_svg(doc, limits="tiles=5")
    vecedit.render(vecedit.load_svg(doc, limits="tiles=6"), width=16, limits="tiles=6")
    from vecedit.scene import from_document

    with pytest.raises(LimitError, match="--limits tiles=N"):  # the scene counts its rasters too (placements)
        from vecedit.limits import using

        loaded = vecedit.load_svg(doc, limits="tiles=6")
        with using("tiles=5"):
            from_document(loaded, width=16)


def test_raster_image_placements_are_counted_with_the_tiles():
    # each placement of a raster image is sampled on its own per render (≈2–3 ms): 1,001 of them took seconds
    import base64
    import io

    import PIL.Image

    import vecedit
    from vecedit.limits import LimitError

    png = io.BytesIO()
    PIL.Image.new("RGB", (3, 2), "red").save(png, format="PNG")
    href = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    doc = SVG.format("".join(f'<image x="{i}" width="3" height="2" href="{href}"/>' for i in range(6)))
    with pytest.raises(LimitError, match="--limits tiles=N"):
        vecedit.load_svg(doc, limits="tiles=5")
    vecedit.render(vecedit.load_svg(doc, limits="tiles=6"), width=16, limits="tiles=6")


def test_pattern_tile_of_half_a_pixel_is_one_pixel_not_an_empty_raster():
    # was: RuntimeError (negative dimension) in pattern.fold: round(0.5) is 0 in Python
    api('<pattern id="p" width="0.5" height="2.5" patternUnits="userSpaceOnUse"><rect width="1" height="1"/></pattern>'
        '<rect width="8" height="8" fill="url(#p)"/>')


def test_feimage_element_rasters_are_counted_with_the_tiles():
    # each feImage of an element is a render pass of its own, like a pattern tile
    import vecedit
    from vecedit.limits import LimitError

    images = "".join(f'<feImage href="#s" result="r{i}"/>' for i in range(6))
    doc = vecedit.load_svg(SVG.format(f'<rect id="s" width="4" height="4" fill="red"/><filter id="f">{images}</filter>'
                                      '<rect width="8" height="8" filter="url(#f)"/>'))
    with pytest.raises(LimitError, match="--limits tiles=N"):
        vecedit.render(doc, width=16, limits="tiles=5")
    vecedit.render(doc, width=16, limits="tiles=6")


def test_dashes_are_cut_as_arrays_like_one_by_one():
    # was: a Python loop per dash (10⁵ dashes of a clamped absurd polygon: 5 CPU-s of the 10 s deadline)
    from vecedit.render.dash import _cut, _intervals

    rng = np.random.default_rng(3)
    cum = np.concatenate([[0.0], np.cumsum(rng.random(40) * 3)])
    whole = np.arange(7, 7 + len(cum))
    starts, ends = _intervals(float(cum[-1]), np.array([0.7, 0.4, 0.1, 0.3]), 0.25)
    pieces, pos, s = _cut(whole, cum, starts, ends, 5)
    assert len(pieces) == len(starts)
    for j, (a, b) in enumerate(zip(starts, ends)):
        ea = int(np.clip(np.searchsorted(cum, a, side="right") - 1, 0, len(cum) - 2))
        eb = max(ea, int(np.clip(np.searchsorted(cum, b, side="left") - 1, 0, len(cum) - 2)))
        k = 5 + 2 * j
        assert pieces[j].tolist() == [-(k + 1), *whole[ea + 1 : eb + 1].tolist(), -(k + 2)]
        assert (pos[2 * j], pos[2 * j + 1], s[2 * j], s[2 * j + 1]) == (7 + ea, 7 + eb, a, b)
    assert _cut(whole, cum, np.zeros(0), np.zeros(0), 0)[0] == []


@pytest.mark.parametrize("attrs", ['baseFrequency="1e-320" y="-1e308" height="50"', 'baseFrequency="1e-320" x="-1e308"',
                                   'baseFrequency="1e-320" width="3.4e38"', 'baseFrequency="1e30"'])
def test_turbulence_stitched_on_a_degenerate_tile_is_drawn_unstitched(attrs):
    # was: ValueError (NaN to int) in turbulence: a stitch tile of zero height (floor(0) / 0); and
    # OverflowError in _noise2: a tile of 10^32 lattice cells
    api(f'<filter id="f" filterUnits="userSpaceOnUse" x="-10" y="-10" width="120" height="40">'
        f'<feTurbulence stitchTiles="stitch" {attrs}/></filter>'
        '<rect width="8" height="8" filter="url(#f)"/>')


class _CountingDict(dict):
    gets = 0

    def get(self, *args):
        _CountingDict.gets += 1
        return super().get(*args)


def test_text_of_thousands_of_tspans_is_collected_in_linear_work(monkeypatch):
    # was: every pair of tspans compared for ancestry (and every cluster filtered per span in the
    # layout): 5,000 <tspan>s took minutes of CPU
    import vecedit
    import vecedit.text.content as content

    real_init = content.Collector.__init__

    def counting_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        self.parents = _CountingDict(self.parents)

    monkeypatch.setattr(content.Collector, "__init__", counting_init)
    n = 2000
    doc = vecedit.load_svg(SVG.format('<text x="0" y="10" font-size="4">' + '<tspan dx="0.1">a</tspan>' * n + '</text>'))
    assert len(doc.shapes()) == n  # one shape per span, each with its glyph
    assert _CountingDict.gets < 10 * n


def test_feimage_element_raster_is_checked_against_the_pixels_budget():
    # was: RuntimeError (a 4 TB allocation) in raster.accumulate: an feImage of an element drawn in a
    # raster as large as a 10^9-scaled filter region
    import vecedit
    from vecedit.limits import LimitError

    doc = vecedit.load_svg(SVG.format('<rect id="s" width="4" height="4"/><filter id="f" filterUnits="userSpaceOnUse" '
                                      'width="60"><feImage href="#s"/></filter>'
                                      '<rect width="30" height="30" filter="url(#f)" transform="scale(1e9)"/>'))
    with pytest.raises(LimitError, match="--limits pixels=N"):
        vecedit.render(doc, width=16)
