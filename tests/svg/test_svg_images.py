"""<image>: sources (data: URIs, files inside the SVG's folder only), refusals as Notes, placement, nesting."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from vecedit.svg import ImageRef, dumps_svg, load_svg
from vecedit.svg.images import MAX_IMAGE_PIXELS, placement

NS = 'xmlns="http://www.w3.org/2000/svg"'


def png(w=4, h=3, color=(200, 30, 40, 255)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (w, h), color).save(buf, "PNG")
    return buf.getvalue()


def _noise() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


NOISE = _noise()


def data_uri(data: bytes, mime="image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def doc_with(href: str, extra: str = "", **kwargs):
    return load_svg(f'<svg {NS} width="20" height="20"><image width="8" height="6" href="{href}" {extra}/>'
                    f'<rect x="10" width="5" height="5"/></svg>', **kwargs)


def image_notes(doc) -> list[str]:
    return [n.message for n in doc.notes if n.tag == "image"]


@pytest.mark.parametrize("fmt, mime", [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif"),
                                       ("WEBP", "image/webp")])
def test_data_uris_of_each_format_are_decoded(fmt, mime):
    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 200, 30)).save(buf, fmt)
    shape = doc_with(data_uri(buf.getvalue(), mime)).shapes()[0]
    assert shape.tag == "image" and isinstance(shape.fill, ImageRef) and not shape.editable
    assert shape.fill.pixels.shape == (3, 4, 4)
    assert np.abs(shape.fill.pixels[1, 1, :3].astype(int) - (10, 200, 30)).max() <= 12


def test_percent_encoded_data_and_svg2_href_win_over_xlink():
    svg = f'<svg {NS} xmlns:xlink="http://www.w3.org/1999/xlink" width="9" height="9"><image width="3" height="3" ' \
          f'xlink:href="nope.png" href="data:image/png;base64,{base64.b64encode(png()).decode()}"/></svg>'
    assert isinstance(load_svg(svg).shapes()[0].fill, ImageRef)


def test_relative_files_resolve_against_the_svg_folder_only(tmp_path):
    (tmp_path / "art").mkdir()
    (tmp_path / "art" / "a.png").write_bytes(png())
    (tmp_path / "secret.png").write_bytes(png())
    inside = tmp_path / "art" / "in.svg"
    inside.write_text(f'<svg {NS} width="9" height="9"><image width="3" height="3" href="a.png"/>'
                      '<image width="3" height="3" href="../secret.png"/></svg>')
    doc = load_svg(inside)
    assert [s.tag for s in doc.shapes()] == ["image"]
    assert any("outside the SVG's folder" in m for m in image_notes(doc))
    allowed = load_svg(inside, allow_outside_resources=True)
    assert [s.tag for s in allowed.shapes()] == ["image", "image"]
    text = load_svg(inside.read_text())  # text: no folder to resolve against
    assert not text.shapes() and any("no folder" in m for m in image_notes(text))
    assert len(load_svg(inside.read_text(), resources=tmp_path / "art").shapes()) == 1


@pytest.mark.parametrize("href, fragment", [
    ("http://example.com/a.png", "never loads images from the network"),
    ("https://example.com/a.svg", "network"),
    ("data:image/png;base64,!!!notbase64", "invalid base64"),
    (data_uri(b"\x89PNG\r\n\x1a\nthis is not a png"), "not an image vecedit can read"),
    (data_uri(NOISE[:len(NOISE) // 2]), "corrupt"),
])
def test_unusable_images_are_a_note_and_the_rest_is_drawn(href, fragment):
    doc = doc_with(href)
    assert [s.tag for s in doc.shapes()] == ["rect"]
    notes = image_notes(doc)
    assert any(fragment in m and "it is not drawn" in m for m in notes), notes


def test_a_decompression_bomb_is_refused_from_its_header():
    buf = io.BytesIO()
    Image.new("1", (5000, 4000)).save(buf, "PNG")  # 20 MP in a few kB
    assert 5000 * 4000 > MAX_IMAGE_PIXELS and len(buf.getvalue()) < 100_000
    doc = doc_with(data_uri(buf.getvalue()))
    assert [s.tag for s in doc.shapes()] == ["rect"]
    assert any("5000×4000 pixels" in m for m in image_notes(doc))


def test_an_svg_image_that_shows_itself_stops_at_the_depth_bound(tmp_path):
    path = tmp_path / "self.svg"
    path.write_text(f'<svg {NS} width="20" height="20"><rect width="20" height="20" fill="#0a0"/>'
                    '<image x="5" y="5" width="10" height="10" href="self.svg"/></svg>')
    doc = load_svg(path)
    assert doc.shapes()[0].fill == (0.0, 2 / 3, 0.0, 1.0)
    assert any("nested more than" in m for m in image_notes(doc))


def test_placement_follows_preserve_aspect_ratio():
    rect, to_user = placement(0, 0, 100, 50, (20, 20), "xMaxYMid meet")
    assert rect == pytest.approx((50, 0, 50, 50)) and to_user[0, 0] == pytest.approx(2.5)
    rect, _ = placement(0, 0, 100, 50, (20, 20), "xMinYMin slice")
    assert rect == pytest.approx((0, 0, 100, 50))
    rect, to_user = placement(10, 0, 100, 50, (20, 20), "none")
    assert rect == pytest.approx((10, 0, 100, 50)) and to_user[1, 1] == pytest.approx(2.5)


def test_missing_size_is_the_intrinsic_size_keeping_the_aspect():
    svg = f'<svg {NS} width="99" height="99"><image href="{data_uri(png(40, 20))}"/>' \
          f'<image width="10" href="{data_uri(png(40, 20))}"/></svg>'
    boxes = [s.subpaths[0].points.max(axis=0) - s.subpaths[0].points.min(axis=0) for s in load_svg(svg).shapes()]
    assert boxes[0] == pytest.approx((40, 20)) and boxes[1] == pytest.approx((10, 5))


def test_the_writer_keeps_images_byte_for_byte_around_an_edit():
    source = f'<svg {NS} width="20" height="20">\n  <image  x="1" width="8"\n height="6" href="{data_uri(png())}" />\n' \
             '  <rect x="10" width="5" height="5" fill="red"/>\n</svg>'
    doc = load_svg(source)
    assert dumps_svg(doc) == source
    rect = doc.shapes()[1]
    rect.fill, rect.edited = (0.0, 0.0, 1.0, 1.0), {"fill"}
    out = dumps_svg(doc)
    image_tag = source[source.index("<image"):source.index("/>") + 2]
    assert image_tag in out and "red" not in out


def test_info_no_longer_lists_drawn_images_as_not_applied():
    doc = doc_with(data_uri(png()))
    assert not [n for n in doc.notes if n.affects_picture]


def test_an_svg_image_is_adopted_as_vectors_with_its_own_gradients():
    inner = (f'<svg {NS} width="10" height="10"><linearGradient id="g"><stop stop-color="blue"/></linearGradient>'
             '<rect width="10" height="10" fill="url(#g)"/></svg>')
    outer = (f'<svg {NS} width="40" height="20"><linearGradient id="g"><stop stop-color="red"/></linearGradient>'
             f'<rect width="5" height="5" fill="url(#g)"/><image x="20" width="20" height="20" '
             f'href="{data_uri(inner.encode(), "image/svg+xml")}"/></svg>')
    doc = load_svg(outer)
    mine, theirs = doc.shapes()
    assert mine.fill.id == "g" and doc.gradients["g"].stops[0].color == (1.0, 0.0, 0.0, 1.0)
    assert theirs.fill.id != "g" and doc.gradients[theirs.fill.id].stops[0].color == (0.0, 0.0, 1.0, 1.0)
    assert not theirs.editable and (theirs.ctm @ np.array([10.0, 10.0, 1.0]))[:2] == pytest.approx((40, 20))
    assert dumps_svg(doc) == outer
