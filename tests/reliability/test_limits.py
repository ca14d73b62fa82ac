"""The complexity budget (vecedit/limits.py): documents that would take minutes are refused
in one line that names the limit, before the work; the limit is raised by ``limits=``,
``--limits`` or ``VECEDIT_LIMITS``. Costs are measured in CPU time with generous bounds
(never wall time: the machine is shared)."""

import time

import pytest

import vecedit
from vecedit.svg import dumps_svg
from vecedit.cli import main
from vecedit.limits import ENV_VAR, LimitError, Limits, current, parse, using
from vecedit.errors import OptionError

DEFAULT = Limits()
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">{}</svg>'


def rects(n: int) -> str:
    return SVG.format('<rect width="1" height="1"/>' * n)


def line_path(n: int) -> str:
    return SVG.format('<path d="M0 0 ' + "L1 1 L2 0 " * (n // 2) + '"/>')


@pytest.mark.parametrize("text, limit", [
    (rects(DEFAULT.shapes + 1), "shapes"),
    (line_path(DEFAULT.segments + 2), "segments"),
    (SVG.format("<g>" * (DEFAULT.depth + 1) + "</g>" * (DEFAULT.depth + 1)), "depth"),
    (SVG.format("<desc/>" * (DEFAULT.elements + 1)), "elements"),
])
def test_over_the_budget_is_one_line_that_names_the_limit_fast(text, limit):
    start = time.process_time()
    with pytest.raises(LimitError) as e:
        vecedit.load_svg(text)
    message = str(e.value)
    assert "\n" not in message and f"--limits {limit}=N" in message and "over the limit" in message
    assert time.process_time() - start < 20  # the parse alone; minutes without the budget


def test_a_document_at_the_default_shapes_and_segments_budget_loads_and_round_trips(tmp_path):
    """Exactly at the budget is allowed (the costs are in benchmarks/bigdoc_bench.py: no timing here)."""
    per_path = 19  # segments of each small path: M and 19 L are 20 commands, 19 segments
    small = ('<path d="M0 0' + "".join(f" L{i % 7} {i % 5}" for i in range(per_path)) + '" stroke="red"/>')
    built = (DEFAULT.shapes - 1) * per_path
    last = DEFAULT.segments - built - 1  # its commands (M + lines) reach the budget exactly
    text = SVG.format(small * (DEFAULT.shapes - 1) + '<path d="M0 0' + " L3 4 L5 1" * (last // 2)
                      + " L1 1" * (last % 2) + '"/>')
    doc = vecedit.load_svg(text)
    shapes = doc.shapes()
    assert len(shapes) == DEFAULT.shapes
    assert sum(sp.num_segments for s in shapes for sp in s.subpaths) == DEFAULT.segments - 1
    vecedit.save_svg(doc, tmp_path / "same.svg")
    assert (tmp_path / "same.svg").read_text() == text


def test_a_million_segments_are_refused_before_they_are_built():
    start = time.process_time()
    with pytest.raises(LimitError, match="segments"):
        vecedit.load_svg(line_path(1_000_000))
    assert time.process_time() - start < 30  # tokenising only (it took minutes to build and draw)


def test_the_budget_is_raised_by_the_keyword_the_text_form_and_the_environment(monkeypatch):
    assert len(vecedit.load_svg(rects(401), limits=Limits(shapes=401)).shapes()) == 401
    assert len(vecedit.load_svg(rects(401), limits="shapes=4.01e2").shapes()) == 401
    with pytest.raises(LimitError):
        vecedit.load_svg(rects(401), limits="shapes=400")
    monkeypatch.setenv(ENV_VAR, "shapes=400")
    assert current().shapes == 400
    with pytest.raises(LimitError):
        vecedit.load_svg(rects(401))
    with using("shapes=5"):  # the explicit budget wins over the environment
        with pytest.raises(LimitError):
            vecedit.load_svg(rects(6))


def test_bad_limit_text_is_an_option_error():
    for text in ("nope=3", "shapes=x", "shapes=0"):
        with pytest.raises(OptionError):
            parse(text)


def test_canvas_pixels_are_budgeted_for_render_and_scene():
    doc = vecedit.load_svg(SVG.format('<rect width="9" height="9"/>'))
    with pytest.raises(OptionError, match="1,000 px in all, raised with --limits pixels=N"):
        vecedit.render(doc, width=64, limits="pixels=1000")
    from vecedit.scene import from_document

    with using("pixels=1000"), pytest.raises(LimitError, match="pixels"):
        from_document(doc, width=64)
    assert vecedit.render(doc, width=64).shape == (64, 64, 4)


def test_rasterizer_work_is_budgeted():
    # a path zig-zagging across the canvas: each edge crosses ~64 pixels
    doc = vecedit.load_svg(SVG.format('<path d="M0 0 ' + "L64 64 L0 64 " * 500 + '" stroke="red"/>'))
    with pytest.raises(LimitError, match="edge_pixels"):  # over 8 pieces per canvas pixel too
        vecedit.render(doc, width=64, limits="edge_pixels=1000")
    assert vecedit.render(doc, width=64).shape == (64, 64, 4)


def test_command_line_refuses_in_one_line_and_takes_limits(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "")  # --limits sets it for this process: restored after the test
    src = tmp_path / "many.svg"
    src.write_text(rects(401))
    out = tmp_path / "out.png"
    assert main(["render", str(src), "-o", str(out), "--width", "16", "--limits", "shapes=400"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("vecedit: error: ") and "--limits shapes=N" in err[0]
    assert not out.exists()
    assert main(["render", str(src), "-o", str(out), "--width", "16", "--limits", "shapes=401"]) == 0
    assert out.exists()
    # commands with their own subcommands take it on the leaf, where their options are
    assert main(["deltaedit", "train", str(src), "-o", str(tmp_path / "m.pt"), "--limits", "shapes=5"]) == 2
    assert "over the limit of 5 shapes" in capsys.readouterr().err
    assert main(["info", str(src), "--limits", "shapes=oops"]) == 2
    assert "limits: shapes='oops' is not a number" in capsys.readouterr().err


def test_vectorize_budget_for_decoded_pixels(tmp_path):
    import numpy as np
    from PIL import Image

    from vectorizers.image import read_rgba

    path = tmp_path / "wide.png"
    Image.fromarray(np.zeros((10, 200, 3), np.uint8)).save(path)
    with using("image_pixels=1000"), pytest.raises(LimitError, match="image_pixels"):
        read_rgba(path)
    assert read_rgba(path).shape == (10, 200, 4)


def test_glyph_outlines_count_against_the_segments_budget():
    text = SVG.format('<text font-size="1">' + "Hello world. " * 3000 + "</text>")  # ~560,000 segments
    with pytest.raises(LimitError, match="segments"):
        vecedit.load_svg(text)
    assert len(vecedit.load_svg(text, limits="segments=1e6").shapes()) == 1


def test_filter_work_is_budgeted():
    body = ('<filter id="f">' + '<feGaussianBlur stdDeviation="5"/>' * 50 + '</filter>'
            '<rect width="40" height="40" fill="red" filter="url(#f)"/>')
    doc = vecedit.load_svg(SVG.format(body))
    with pytest.raises(LimitError, match="filter_pixels"):
        vecedit.render(doc, width=64, limits="filter_pixels=10000")
    assert vecedit.render(doc, width=64).shape == (64, 64, 4)


def test_raster_images_count_as_shapes():
    # was: 20,000 <image> elements went uncounted and took ~19 s to load (each is one scene shape)
    import base64
    import io

    import numpy as np
    from PIL import Image

    png = io.BytesIO()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(png, "PNG")
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    images = "".join(f'<image x="{i}" width="1" height="1" href="{uri}"/>' for i in range(6))
    with pytest.raises(LimitError, match="shape elements"):
        vecedit.load_svg(SVG.format(images), limits="shapes=5")
    assert len(vecedit.load_svg(SVG.format(images), limits="shapes=6").shapes()) == 6
    # six rasters in a nested <svg> (its viewport clip is a shape too), then an SVG image of six drawn twice: 19
    nested = f'<svg width="64" height="64">{images}</svg>'
    svg_uri = "data:image/svg+xml;base64," + base64.b64encode(SVG.format(images).encode()).decode()
    twice = f'<image width="8" height="8" href="{svg_uri}"/><image x="8" width="8" height="8" href="{svg_uri}"/>'
    with pytest.raises(LimitError, match="draws more shapes"):
        vecedit.load_svg(SVG.format(nested + twice), limits="shapes=18")
    assert len(vecedit.load_svg(SVG.format(nested + twice), limits="shapes=19").shapes()) >= 6


@pytest.mark.parametrize("overflow, drawn", [("hidden", 15), ("visible", 9)])
def test_marker_viewport_clips_count_as_shapes(overflow, drawn):
    # was: 1,001 lines with two clipped arrowheads drew 5,015 shapes, counted 3,010 of them, and a load,
    # a render and a short command took over 10 CPU-s; a marker's viewport clip is drawn as a mask per instance
    arrow = (f'<marker id="a" viewBox="0 0 10 10" refX="9" refY="5" overflow="{overflow}" orient="auto">'
             '<path d="M0 0 L10 5 L0 10 z"/></marker>')
    lines = '<line x1="5" y1="9" x2="55" y2="9" stroke="black" marker-start="url(#a)" marker-end="url(#a)"/>' * 3
    text = SVG.format(arrow + lines)  # 3 lines + 6 arrowheads (+ 6 viewport clips when hidden)
    with pytest.raises(LimitError, match="draws more shapes"):
        vecedit.load_svg(text, limits=f"shapes={drawn - 1}")
    assert len(vecedit.load_svg(text, limits=f"shapes={drawn}").shapes()) == 9  # clips are not among them


def test_painted_pixels_are_budgeted_with_per_pixel_paints_counted_four_times():
    # was: 1,001 full-canvas gradient rects rendered without a word and a one-step edit ran past 10 CPU-s
    grad = '<linearGradient id="g"><stop offset="0" stop-color="red"/><stop offset="1"/></linearGradient>'
    solid = '<rect width="64" height="64"/>'  # 4,096 pixels painted
    gradient = '<rect width="64" height="64" fill="url(#g)"/>'  # counted 4 × 4,096

    def render(body: str, limit: int):
        vecedit.render(vecedit.load_svg(SVG.format(grad + body)), limits=f"paint_pixels={limit}")

    render(solid * 10 + gradient * 10, 10 * 4096 * 5)
    with pytest.raises(LimitError, match="paints more pixels .* 1,433,600 is over the limit of 1,433,599 paint_pixels"):
        render(solid * 150 + gradient * 50, 1_433_599)
    # whatever the limit, a render may paint 100 canvases' worth (409,600 pixels here)
    render(solid * 100, 1)
    render(gradient * 25, 1)
    with pytest.raises(LimitError, match="409,600 paint_pixels"):
        render(gradient * 26, 1)


def _styled(selectors: list, shapes: int) -> str:
    sheet = "".join(f"{s} {{ fill: #123456 }}\n" for s in selectors)
    return SVG.format(f"<style>{sheet}</style><g>" + '<rect width="1" height="1"/>' * shapes + "</g>")


def test_selector_work_is_counted_once_over_the_whole_tree_at_load():
    """What the render tree does not draw counts too (the writer asks for its styles), so a
    document accepted at load is saved and re-read within the same budget (fuzz campaign: a
    load within ``selector_tests``, then a LimitError while saving it)."""
    def hidden(rules: int) -> str:
        sheet = "".join("rect { fill: #123456 }\n" for _ in range(rules))
        return SVG.format(f"<style>{sheet}</style><defs>" + '<rect width="1" height="1"/>' * 100 + "</defs>"
                          '<rect width="5" height="5"/>')

    with using("selector_tests=5000"):
        with pytest.raises(LimitError, match="selector_tests"):
            vecedit.load_svg(hidden(60))  # 60 × 101 rects, 100 of them never drawn
        doc = vecedit.load_svg(hidden(40))  # 4,040
        again = vecedit.load_svg(dumps_svg(doc))
        assert len(again.shapes()) == len(doc.shapes()) == 1


def test_selector_work_counts_rules_per_element_and_is_bounded():
    """Every rule whose selector could match an element counts once for it, repeated selectors
    too: they share one matcher, but each rule's declarations still enter the element's cascade
    (3,000 rules ending in ``rect`` over 2,000 rects took 7 CPU-s to load; fuzz campaign).
    Work past ``selector_tests`` is one line naming the limit."""
    distinct = [f"g > rect[x{i}]" if i % 2 else f"g rect[y{i}]" for i in range(60)]
    with using("selector_tests=5000"):
        with pytest.raises(LimitError) as e:
            vecedit.load_svg(_styled(distinct, 100))  # 60 × 100 = 6,000 tests
        assert "--limits selector_tests=N" in str(e.value) and "\n" not in str(e.value)
        with pytest.raises(LimitError):
            vecedit.load_svg(_styled(["g > rect"] * 60, 100))  # one selector, still 6,000 rules to apply
        doc = vecedit.load_svg(_styled(["g > rect"] * 40, 100))  # 4,000
        assert all(shape.fill[:3] == pytest.approx((0x12 / 255, 0x34 / 255, 0x56 / 255)) for shape in doc.shapes())


def test_layers_count_as_shapes_when_drawn():
    # was: 1,002 masked rects (3,006 shapes: each, its mask's content and its mask region) loaded within the
    # budget, but each masked element is also two layers, and a load, a render and `deltaedit train` (eight
    # renders) took over 10 CPU-s; a group with opacity, a clip, a mask, a filter or a blend mode counts too
    from vecedit.scene import from_document

    mask = '<mask id="m" maskContentUnits="objectBoundingBox"><path d="M0 0 H1 L0 1 Z" fill="white"/></mask>'
    masked = SVG.format(mask + '<rect width="30" height="20" fill="teal" mask="url(#m)"/>' * 4)  # 4 × (3 + 2)
    groups = SVG.format('<g opacity="0.5"><rect width="9" height="9"/></g>' * 3)  # 3 × (1 + 1)
    for text, drawn in ((masked, 20), (groups, 6)):
        doc = vecedit.load_svg(text, limits=f"shapes={drawn - 1}")  # the file itself is within the budget
        with using(f"shapes={drawn - 1}"), pytest.raises(LimitError, match="shapes and layers") as e:
            from_document(doc)
        assert "--limits shapes=N" in str(e.value) and "\n" not in str(e.value)
        with using(f"shapes={drawn}"):
            assert vecedit.render(doc).shape[:2] == (64, 64)


def test_a_thousand_masked_elements_are_refused_before_they_are_drawn():
    mask = '<mask id="m" maskContentUnits="objectBoundingBox"><path d="M0 0 H1 L0 1 Z" fill="white"/></mask>'
    doc = vecedit.load_svg(SVG.format(mask + '<rect width="30" height="20" fill="teal" mask="url(#m)"/>' * 1002))
    start = time.process_time()
    with pytest.raises(LimitError, match="shapes and layers"):
        vecedit.render(doc, width=64)
    assert time.process_time() - start < 5  # the scene's build alone


def test_stroke_outlines_count_their_edges_before_they_are_built():
    # was: 1,004 copies of a thick-stroked cubic loop under a root scale(1.2e19) (the campaign's slow input):
    # coordinates clamped far off the canvas, a 65-sided round join at each of 257,536 flattened vertices,
    # 17.9 million outline edges built and cut at the canvas border (37 CPU-s a render at 64 px), of which
    # 5,301 pieces reached the canvas (the rasterizer's count, after the cut)
    loop = '<path d="M 16 100 C 180 -20 -20 -20 120 100" fill="none" stroke="#1f77b4" stroke-width="14"/>'
    text = SVG.format(loop * 100).replace("<svg ", '<svg transform="scale(12345678901234567890)" ', 1)
    doc = vecedit.load_svg(text)
    start = time.process_time()
    with pytest.raises(LimitError, match="strokes' outlines have more edges") as e:
        vecedit.render(doc, width=64)
    assert "--limits edge_pixels=N" in str(e.value)
    assert time.process_time() - start < 3  # refused before the joins are built
    # the same loops on the canvas: one render's edges, within the budget
    assert vecedit.render(vecedit.load_svg(SVG.format(loop * 100)), width=64).shape[:2] == (64, 64)
