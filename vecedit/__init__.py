"""vecedit: vector-graphics editing through differentiable rendering. SVG in, SVG out.

The public API::

    >>> import vecedit
    >>> doc = vecedit.load_svg('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4">'
    ...                        '<circle id="dot" cx="2" cy="2" r="2" fill="#336699"/></svg>')
    >>> [s.id for s in doc.shapes()]
    ['dot']
    >>> img = vecedit.render(doc, width=8)          # torch.Tensor, (H, W, 4), straight alpha
    >>> tuple(img.shape)
    (8, 8, 4)

``vecedit.save_svg(doc, path)`` writes the document back atomically. Errors a user
can cause raise :class:`VeceditError` (see :mod:`vecedit.errors`).

Importing ``vecedit`` imports neither PyTorch nor the SVG parser; they load on the
first call that needs them.

``vecedit.render`` is also the name of the renderer subpackage (``vecedit/render/``).
Python binds a subpackage to its parent's attribute whenever it is imported, so a
plain function named ``render`` would be replaced by the module as soon as anyone ran
``import vecedit.render.api``. Instead the subpackage itself is made callable:
``vecedit.render(doc)`` calls :func:`vecedit.api.render`, while
``from vecedit.render.api import render_document`` and ``vecedit.render.api`` keep
working as ordinary module access.
"""

from __future__ import annotations

import importlib
import os
import sys
import types

# PyTorch's OpenMP threads spin while they wait; on a machine where anything else runs,
# the renderer's thousands of small ops then take 3–5× longer. Waiting passively costs
# nothing measurable for the encoder. It only takes effect before torch is loaded.
if "torch" not in sys.modules:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from vecedit import api as _api
from vecedit.api import load_svg, save_svg
from vecedit.errors import InputError, OptionError, SVGError, VeceditError

__version__ = "0.1.0"


class _CallableRenderPackage(types.ModuleType):
    """The ``vecedit.render`` subpackage, callable as :func:`vecedit.api.render`."""

    def __call__(self, *args, **kwargs):
        return _api.render(*args, **kwargs)

    @property
    def __signature__(self):  # lets inspect.signature / help() show render's parameters
        import inspect

        return inspect.signature(_api.render)


# The subpackage's __init__ is empty (it imports no torch); loading it here costs nothing.
render = importlib.import_module("vecedit.render")
render.__class__ = _CallableRenderPackage

# The workflows load on first use (they bring in PyTorch, CLIP, fontTools, …).
_LAZY = {
    "vectorize": ("vectorizers.api", "vectorize"),
    "edit": ("vecedit.optimize", "edit"),
    "recolor": ("vecedit.recoloring", "recolor"),
    "stylize_font": ("vecedit.font_stylize", "stylize_font"),
}


def __getattr__(name: str):
    if name in _LAZY:
        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'vecedit' has no attribute {name!r}")


__all__ = [
    "__version__",
    "load_svg",
    "save_svg",
    "render",
    *_LAZY,
    "VeceditError",
    "InputError",
    "SVGError",
    "OptionError",
]
