"""What an ``feImage`` that points at an element or a file shows.

Filter Effects 1 §15.16: an element is drawn like a ``use`` of it, in its own space with
its own transform; the resolver places that space with its origin at the primitive
subregion's corner, at the filtered element's scale (as resvg does), and the scene draws
it in a raster of its own. Its shapes are not editable (the element itself is, where it
is drawn). A file is read under the document's image rules (``images.read_href``: only
inside the SVG's folder unless the caller allows more) and decoded as ``<image>`` is;
``data:`` URIs are decoded by the resolver.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Optional, Union
from xml.etree.ElementTree import Element

import numpy as np

from vecedit.svg.images import SVG_TYPES, ImageRefused, decode_raster, read_href
from vecedit.svg.model import Group
from vecedit.svg.refs import BrokenReference

Content = Union[Group, np.ndarray]  # the element's render tree, or a file's (h, w, 4) uint8 RGBA


def filter_image(builder, fe: Element, href: str, ctx) -> Optional[Content]:
    """The picture of ``fe``'s ``href`` (``#id`` or a file); None: transparent (noted).
    ``ctx`` is the builder's context to draw an element in (its own space: identity CTM)."""
    href = href.strip()
    if href.startswith("#"):
        return _element(builder, fe, href, ctx)
    try:
        data, kind, _ = read_href(href, builder.images)
        if kind in SVG_TYPES or (kind is None and data.lstrip()[:1] in (b"<", b"\x1f")):
            raise ImageRefused("is an SVG file, which feImage does not draw here")
        return decode_raster(data)
    except ImageRefused as e:
        builder._note(fe, f"the feImage {e}; it gives a transparent result", True)
        return None


def _element(builder, fe: Element, href: str, ctx) -> Optional[Group]:
    target = builder.ids.get(href[1:])
    if target is None:
        builder._note(fe, f"feImage refers to {href!r}, which is not in this file; it gives a transparent result",
                      True)
        return None
    parent = builder.parent.get(target)
    ctx = replace(ctx, style=builder.source_style(parent) if parent is not None else None,
                  reason=f"drawn by an feImage of {href}")
    try:
        with builder.refs.follow("feImage", fe, target):
            node = builder.render(target, ctx)
    except BrokenReference as e:
        if not e.breaks(fe):
            raise
        builder._note(fe, e.message.replace("it is not drawn", "it gives a transparent result"), True)
        return None
    if node is None:
        return None
    return node if isinstance(node, Group) else Group(node=None, id=None, children=[node])
