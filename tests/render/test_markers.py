"""Markers: vertex positions and orientation, instancing, context paint, cycles; a compositing regression."""

import numpy as np
import torch

from vecedit.render.api import render_document
from vecedit.svg import load_svg
from vecedit.svg.pathdata import path_to_subpaths
from vecedit.svg.markers import vertices

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">'


def test_an_arc_drawn_as_cubics_keeps_one_vertex_per_segment():
    subpaths, _ = path_to_subpaths("M10 50 A40 40 0 0 1 90 50 L90 90")
    assert subpaths[0].num_segments > 2  # the arc is several cubics…
    start, mids, end = vertices(subpaths)
    assert len(mids) == 1 and np.allclose(mids[0].point, (90, 50))  # …but one mid vertex
    assert np.allclose(start[0].point, (10, 50)) and abs(start[0].angle - 270) < 1e-6  # leaving upwards
    assert np.allclose(end[0].point, (90, 90)) and abs(end[0].angle - 90) < 1e-6


def test_auto_orientation_bisects_the_corner():
    subpaths, _ = path_to_subpaths("M0 0 L10 0 L10 10")
    _, mids, _ = vertices(subpaths)
    assert abs(mids[0].angle - 45) < 1e-9


def test_closed_subpaths_follow_resvg():
    subpaths, _ = path_to_subpaths("M0 0 L10 0 L10 10 Z M20 0 L30 0")
    start, mids, end = vertices(subpaths)
    # mids: (10,0), (10,10) of the triangle (not its closing vertex), then the second subpath's start
    assert [tuple(v.point) for v in mids] == [(10, 0), (10, 10), (20, 0)]
    assert tuple(end[0].point) == (30, 0)
    assert tuple(vertices(path_to_subpaths("M0 0 L10 0 L10 10 Z")[0])[2][0].point) == (0, 0)


MARKED = HEAD + """
  <marker id="m" markerWidth="4" markerHeight="4" refX="2" refY="2">
    <rect width="4" height="4" fill="context-stroke"/><path d="M0 0 L1 1" marker-end="url(#m)" stroke="red"/>
  </marker>
  <polyline id="p" points="10,10 50,10 90,50" fill="none" stroke="#0000ff" stroke-width="2" style="marker:url(#m)"/>
</svg>"""


def test_marker_instances_are_drawn_not_editable_and_take_context_paint():
    doc = load_svg(MARKED)
    shapes = doc.shapes()
    marker_shapes = [s for s in shapes if s.id != "p"]
    assert marker_shapes and not any(s.editable for s in marker_shapes)
    assert [s for s in shapes if s.id == "p"][0].editable
    rects = [s for s in marker_shapes if s.tag == "rect"]
    assert len(rects) == 3 and all(s.fill == (0.0, 0.0, 1.0, 1.0) for s in rects)
    # the marker used inside its own content is not instanced again (a note says so)
    assert any("cycle" in n.message for n in doc.notes)
    assert not any("not drawn by the builtin" in n.message and "marker" in n.message for n in doc.notes)
    image = render_document(doc)
    assert image[50, 90, 2] > 0.9 and image[50, 90, 3] > 0.9  # the end marker, blue, 8 px square at (90, 50)
    assert image[47, 90, 3] > 0.9 and image[44, 90, 3] < 0.1


def test_markers_are_not_drawn_in_clip_paths():
    doc = load_svg(HEAD + '<marker id="m" markerWidth="4" markerHeight="4"><rect width="4" height="4"/></marker>'
                   '<clipPath id="c"><path d="M0 0 H50 V50 Z" marker-start="url(#m)"/></clipPath>'
                   '<rect width="100" height="100" clip-path="url(#c)"/></svg>')
    assert len([s for s in doc.shapes()]) == 1


def test_an_open_stroked_path_with_opacity_keeps_it():
    """Regression: a zero-area fill beside a stroke under opacity dropped the opacity."""
    doc = load_svg(HEAD + '<path d="M10 50 H90" stroke="#000" stroke-width="6" opacity="0.5"/></svg>')
    assert abs(float(render_document(doc)[50, 50, 3]) - 0.5) < 1e-5


def test_a_zero_length_close_points_at_angle_zero_bisected_after_a_curve():
    # resvg: the closing vertex's angle is the closing line's; a zero-length one has direction atan2(0, 0) = 0,
    # bisected with the incoming direction after a curve (measured against resvg's pictures)
    after_line = vertices(path_to_subpaths("M0 0 L10 0 L10 10 L0 0 Z")[0])[2][0]
    after_curve = vertices(path_to_subpaths("M0 0 L10 0 L10 10 C5 10 0 5 0 0 Z")[0])[2][0]
    assert after_line.angle == 0.0
    assert abs(after_curve.angle - 315) < 1e-6  # halfway between arriving upwards (270) and 0


def test_basic_shapes_take_markers_on_their_segment_ends():
    doc = load_svg(HEAD + """
      <marker id="m" markerWidth="2" markerHeight="2"><rect width="2" height="2"/></marker>
      <circle id="c" cx="50" cy="50" r="20" fill="none" stroke="blue" marker-mid="url(#m)"/>
      <rect id="r" x="10" y="10" width="20" height="20" fill="none" stroke="blue" marker-start="url(#m)"/>
    </svg>""")
    marks = [s for s in doc.shapes() if s.id not in ("c", "r")]
    assert len(marks) == 4 + 1  # a circle is four quarter arcs (each end is a mid vertex, as resvg), the rect's start
    corners = sorted((round(float(s.ctm[0, 2])), round(float(s.ctm[1, 2]))) for s in marks)
    assert corners == [(10, 10), (30, 50), (50, 30), (50, 70), (70, 50)]


def test_overflow_inherit_on_a_marker_follows_its_parent():
    doc = load_svg(HEAD + """
      <g overflow="visible"><marker id="v" overflow="inherit"><rect width="9" height="9"/></marker></g>
      <g overflow="hidden"><marker id="h" overflow="inherit"><rect width="9" height="9"/></marker></g>
      <path d="M10 10 L50 10" stroke="blue" marker-start="url(#v)" marker-end="url(#h)"/>
    </svg>""")
    image = render_document(doc)
    assert image[15, 15, 3] > 0.9  # inherits visible from the <g>: not cut to 3×3
    assert image[15, 55, 3] < 0.1 and image[11, 51, 3] > 0.9  # inherits hidden: cut to markerWidth × markerHeight


def test_markers_between_fill_and_stroke_split_the_shape_into_non_editable_parts():
    doc = load_svg(HEAD + """
      <marker id="m" markerWidth="4" markerHeight="4"><rect width="4" height="4" fill="orange"/></marker>
      <path id="p" d="M10 10 L50 10 L50 50 Z" fill="green" stroke="blue" marker-mid="url(#m)"
            paint-order="stroke markers fill"/>
      <path id="q" d="M10 60 L50 60" fill="green" stroke="blue" marker-mid="url(#m)" paint-order="markers"/>
    </svg>""")
    drawn = [(s.id, s.fill is not None, s.stroke is not None, s.editable) for s in doc.shapes()]
    # stroke part, the markers (not editable), then the fill: the element's own shape, no longer editable
    assert drawn[0] == ("p", False, True, False) and drawn[3] == ("p", True, False, False)
    assert [d[0] for d in drawn[1:3]] == [None, None]
    assert drawn[-1] == ("q", True, True, True)  # markers first: nothing to split
