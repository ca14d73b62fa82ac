"""Rendering checks with resvg: the writer changes no pixels, and the parsed model
(drawn by a tiny fill rasterizer) matches resvg's picture of the same file."""

from pathlib import Path

import pytest

from vecedit.svg import dumps_svg, load_svg
from _svg_minirast import psnr, render, resvg_render
from svgkit import svg

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

ROUND_TRIP = ["07-path-arc-flags.svg", "28-style-sheet-selectors.svg", "30-use-group.svg",
              "48-lineargradient-transform-href.svg", "55-par-xminymin-slice.svg", "69-flag-stripes-stars.svg"]

# Files whose every feature the model carries (fills only: strokes are switched off in resvg).
MODEL = ["03-path-cubic-abs.svg", "07-path-arc-flags.svg", "08-path-arc-rel-rotated.svg", "09-path-number-syntax.svg",
         "10-path-subpaths-after-close.svg", "12-rect-rounded.svg", "13-circle-ellipse.svg", "17-group-inherit-opacity-rule.svg",
         "19-opacity-group-layer.svg", "23-transform-skew.svg", "25-transform-nested.svg", "28-style-sheet-selectors.svg",
         "29-use-shape.svg", "30-use-group.svg", "34-color-hsl.svg", "35-color-named-currentcolor.svg",
         "36-fillrule-donut.svg", "48-lineargradient-transform-href.svg", "50-radialgradient-focal.svg",
         "51-radialgradient-bbox-nonsquare.svg", "53-viewbox-origin.svg", "55-par-xminymin-slice.svg",
         "56-par-none.svg", "57-par-xmaxymax-tall.svg", "58-units-mm.svg", "61-viewbox-only.svg",
         "64-icon-filled-heart-check.svg"]

SNIPPETS = {
    "nested-svg": svg('<svg x="10" y="20" width="60" height="40" viewBox="0 0 10 10" preserveAspectRatio="xMaxYMid meet">'
                      '<circle cx="5" cy="5" r="5" fill="teal"/></svg>'),
    "symbol-use": svg('<defs><symbol id="s" viewBox="-5 -5 10 10"><rect x="-5" y="-5" width="10" height="10" rx="3"'
                      ' fill="inherit"/></symbol></defs><use href="#s" x="10" y="10" width="50" height="30"'
                      ' fill="orange" opacity="0.7"/><use href="#s" width="30" height="30" transform="rotate(20 50 50)"/>'),
    "use-symbol-meet": svg('<symbol id="s" viewBox="0 0 20 10" preserveAspectRatio="xMaxYMax meet">'
                            '<ellipse cx="10" cy="5" rx="10" ry="5" fill="purple"/></symbol>'
                            '<use href="#s" x="5" y="5" width="40" height="60"/>'),
    "css-cascade": svg('<style>g rect { fill: red } .b { fill: #36c } #c { fill: gold !important }</style>'
                       '<g fill-opacity=".6"><rect width="40" height="40"/><rect class="b" x="30" y="30" width="40"'
                       ' height="40" style="fill: green"/><rect id="c" class="b" x="60" y="60" width="30" height="30"'
                       ' style="fill: blue"/></g>'),
    "gradients": svg('<linearGradient id="a" x1="10%" x2="90%" y2="40%" spreadMethod="reflect"><stop offset=".2"'
                     ' stop-color="red"/><stop offset=".5" stop-color="blue" stop-opacity=".5"/></linearGradient>'
                     '<radialGradient id="b" href="#a" cx="30" cy="70" r="25" fx="20" fy="60"'
                     ' gradientUnits="userSpaceOnUse" gradientTransform="skewX(10)"/>'
                     '<rect width="100" height="50" fill="url(#a)"/><circle cx="30" cy="75" r="25" fill="url(#b)"/>',
                     'width="100" height="100" viewBox="0 0 100 100"'),
    "root-transform": svg('<rect x="10" y="10" width="30" height="20" fill="red"/>',
                          'width="100" height="100" viewBox="0 0 50 50" transform="rotate(10)"'),
    "use-of-svg": svg('<defs><svg id="s" viewBox="0 0 10 10"><circle cx="5" cy="5" r="5"/></svg></defs>'
                      '<use href="#s" x="10" width="40" height="40"/><a href="#s"><rect width="9" height="9"/></a>'),
    "symbol-own-size-ignored": svg('<symbol id="s" viewBox="0 0 10 10" x="5" y="5" width="20" height="20">'
                                   '<rect width="10" height="10"/></symbol><use href="#s" transform="translate(30 30)"/>'),
    "arcs-scaled": svg('<path d="M10 50 a40 20 30 1 1 80 0 A10 30 -20 0 0 10 50z" fill-rule="evenodd" fill="navy"/>',
                       'width="256" height="256" viewBox="0 0 100 100"'),
}


def _size(doc):
    return round(doc.width), round(doc.height)


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_written_document_renders_identically(name):
    text = (CORPUS / name).read_text(encoding="utf-8")
    doc = load_svg(text)
    for s in doc.shapes():  # rewrite every editable path, to exercise the writer for real
        if s.editable:
            s.edited.update({"geometry", "fill", "stroke", "stroke_width", "opacity"})
    out = dumps_svg(doc)
    assert psnr(resvg_render(text, 256, 256), resvg_render(out, 256, 256)) >= 50


@pytest.mark.parametrize("name", ROUND_TRIP[:3])
def test_unedited_document_renders_identically(name):
    text = (CORPUS / name).read_text(encoding="utf-8")
    assert psnr(resvg_render(text, 256, 256), resvg_render(dumps_svg(load_svg(text)), 256, 256)) >= 50


@pytest.mark.parametrize("name", MODEL)
def test_model_matches_resvg_on_corpus(name):
    text = (CORPUS / name).read_text(encoding="utf-8")
    doc = load_svg(text)
    w, h = _size(doc)
    assert psnr(render(doc, w, h), resvg_render(text, w, h, no_strokes=True)) >= 38


@pytest.mark.parametrize("name", sorted(SNIPPETS))
def test_model_matches_resvg_on_snippets(name):
    doc = load_svg(SNIPPETS[name])
    w, h = _size(doc)
    ours = render(doc, w, h)
    assert ours[..., 3].max() > 0.5  # something was drawn
    assert psnr(ours, resvg_render(SNIPPETS[name], w, h, no_strokes=True)) >= 38
