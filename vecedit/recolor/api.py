"""``vecedit.recolor``: recolour an SVG to a palette, by a colour map, or toward a prompt.

The palette and map modes live in :mod:`vecedit.recolor.palette` (no model, no PyTorch);
the prompt mode in :mod:`vecedit.recolor.prompt` (the edit loop on colours only).
"""

from __future__ import annotations

from typing import Optional

from vecedit.errors import OptionError
from vecedit.recolor.palette import recolor_document
from vecedit.svg.model import Document


def recolor(svg_or_path, prompt: Optional[str] = None, palette=None, mapping=None, *, tolerance: float = 0.0,
            shading: bool = False, keep=None, **edit_options) -> Document:
    """Recolour an SVG; return the recoloured :class:`~vecedit.svg.Document` (the input file is untouched).

    Give exactly one of:

    * ``palette``: ``"#264653,#2a9d8f,…"``, a list of CSS colours, or a palette file —
      deterministic, no model (see the module docstring). ``shading=True`` keeps each
      colour's offset from its cluster; ``keep`` lists colours left alone (e.g. ``"#fff"``).
    * ``mapping``: ``"#ff0000=#00aa00,…"`` or ``{"red": "#00aa00"}``; ``tolerance`` (CIEDE2000)
      also replaces colours that close to a listed source.
    * ``prompt``: colour-only optimisation toward a text prompt through the edit loop
      (:func:`vecedit.edit.loop.edit` with ``optimize="color"``, colour learning rate 0.02);
      shapes stay bit-identical. ``edit_options`` go to :func:`~vecedit.edit.loop.edit`
      (``iterations``, ``seed``, ``encoder``, ``clip=ClipConfig(…)``, ``patches``, …).

    The :class:`RecolorResult` of the last call is kept on the returned document as
    ``doc.recolor_result``.

    >>> from vecedit.recolor.api import recolor
    >>> from vecedit.svg import dumps_svg
    >>> doc = recolor('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
    ...               '<rect width="4" height="4" fill="red"/></svg>', mapping="red=#00aa00")
    >>> dumps_svg(doc)
    '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" style="fill:#00aa00"/></svg>'
    """
    given = [name for name, value in (("prompt", prompt), ("palette", palette), ("mapping", mapping))
             if value is not None]
    if len(given) != 1:
        raise OptionError(f"recolor needs exactly one of prompt, palette or mapping (got {', '.join(given) or 'none'})")
    if edit_options and prompt is None:
        raise OptionError(f"{', '.join(sorted(edit_options))}: only used with prompt=")
    doc = _load(svg_or_path)
    if prompt is not None:
        from vecedit.recolor.prompt import recolor_prompt

        result = recolor_prompt(doc, prompt, **edit_options)
    else:
        result = recolor_document(doc, palette, mapping, tolerance=tolerance, shading=shading, keep=keep)
    doc.recolor_result = result  # type: ignore[attr-defined]
    return doc


def _load(source) -> Document:
    if isinstance(source, Document):
        return source
    from vecedit.svg import load_svg

    return load_svg(source)


__all__ = ["recolor"]
