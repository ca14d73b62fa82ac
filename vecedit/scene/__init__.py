"""Document ⇄ tensors.

A :class:`Scene` holds every editable number of a :class:`~vecedit.svg.model.Document`
as a few flat tensors (the things an optimiser moves) plus the static structure that
says which rows belong to which element (the things it never moves):

====================  ============  =============================================
tensor                shape         meaning
====================  ============  =============================================
``points``            (P, 2)        control points in canvas pixels
``colors``            (C, 4)        solid paints, straight RGBA in [0, 1]
                                    (alpha = colour alpha × fill/stroke-opacity)
``stroke_widths``     (S,)          stroke widths in each shape's own user units
``opacities``         (O,)          element ``opacity``
``stop_offsets``      (K,)          gradient stop offsets in [0, 1]
``stop_colors``       (K, 4)        gradient stop colours, straight RGBA
``gradient_geometry`` (G, 6)        linear: x1 y1 x2 y2 · ·; radial: cx cy r fx fy fr
``filter_params``     (F,)          filter primitives' numbers (stdDeviation, dx,
                                    matrix values, flood colours, …) in the
                                    attribute's own units
====================  ============  =============================================

Subpath point layout follows :mod:`vecedit.svg.model` (closed subpaths have ``3k``
points, the last segment ending at the first point).

:func:`write_back` maps the tensors back into the document: points through each
shape's inverse transform into its own user space, colours into fills and strokes,
and marks exactly what changed so the writer only touches edited attributes.
"""

from vecedit.scene.build import (MAX_TILE_PIXELS, MAX_TILE_SIDE, canvas_scale, from_document, group_bbox, output_size,
                                 shape_bbox)
from vecedit.scene.model import (GradientPaint, ImagePaint, PatternPaint, Scene, SceneFrame, SceneGradient, SceneGroup,
                                 SceneMask, ScenePaint, SceneShape, SolidPaint, document_pixels)
from vecedit.scene.write_back import write_back

__all__ = ["MAX_TILE_PIXELS", "MAX_TILE_SIDE", "canvas_scale", "from_document", "group_bbox", "output_size", "shape_bbox",
           "GradientPaint", "ImagePaint", "PatternPaint", "Scene", "SceneFrame", "SceneGradient", "SceneGroup", "SceneMask",
           "ScenePaint", "SceneShape", "SolidPaint", "document_pixels", "write_back"]
