"""SVG in and out: parser, normalised document model, writer.

>>> from vecedit.svg import load_svg, dumps_svg
>>> text = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect id="r" width="4" height="4"/></svg>'
>>> doc = load_svg(text)
>>> doc.shapes()[0].id
'r'
>>> dumps_svg(doc) == text
True
"""

from vecedit.svg.color import format_color, parse_color
from vecedit.svg.geometry import subpaths_to_d
from vecedit.svg.pathdata import path_to_subpaths
from vecedit.svg.model import (
    RGBA,
    Document,
    Gradient,
    GradientRef,
    Group,
    Note,
    Paint,
    ImageRef,
    PatternRef,
    PatternTile,
    Shape,
    Stop,
    Subpath,
)
from vecedit.svg.parse import load_svg
from vecedit.svg.transform import parse_transform
from vecedit.svg.write import apply_edits, dumps_svg, insert_markup, save_svg

__all__ = [
    "load_svg",
    "save_svg",
    "dumps_svg",
    "apply_edits",
    "insert_markup",
    "parse_color",
    "format_color",
    "parse_transform",
    "path_to_subpaths",
    "subpaths_to_d",
    "Document",
    "Group",
    "Shape",
    "Subpath",
    "Gradient",
    "GradientRef",
    "ImageRef",
    "PatternRef",
    "PatternTile",
    "Stop",
    "Note",
    "Paint",
    "RGBA",
]
