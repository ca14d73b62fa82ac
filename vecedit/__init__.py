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

Four workflows are packages named like their function: ``vecedit/render/``,
``vecedit/edit/``, ``vecedit/recolor/`` and ``vecedit/batch/``. Python binds a subpackage to its parent's
attribute whenever it is imported, so a plain function ``vecedit.edit`` would be replaced
by the package as soon as anyone imported ``vecedit.edit.loop``. Instead each of these
packages is itself callable: ``vecedit.edit(...)`` calls :func:`vecedit.edit.loop.edit`,
``vecedit.recolor(...)`` :func:`vecedit.recolor.api.recolor`, ``vecedit.batch(...)``
:func:`vecedit.batch.api.batch`, ``vecedit.render(...)``
:func:`vecedit.api.render`, while their modules stay ordinary module access. Their
``__init__`` files import nothing, so this costs nothing at import time.
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

from vecedit.api import load_svg, save_svg
from vecedit.errors import InputError, OptionError, SVGError, VeceditError

__version__ = "0.1.0"


class _CallablePackage(types.ModuleType):
    """A workflow subpackage that is also its workflow's function (see the module docstring)."""

    _function_at: tuple[str, str]  # (module, attribute), imported on the first call

    def _function(self):
        module, attribute = self._function_at
        return getattr(importlib.import_module(module), attribute)

    def __call__(self, *args, **kwargs):
        return self._function()(*args, **kwargs)

    @property
    def __signature__(self):  # lets inspect.signature / help() show the function's parameters
        import inspect

        return inspect.signature(self._function())


_CALLABLE_PACKAGES = {
    "render": ("vecedit.api", "render"),
    "edit": ("vecedit.edit.loop", "edit"),
    "recolor": ("vecedit.recolor.api", "recolor"),
    "batch": ("vecedit.batch.api", "batch"),
}
for _name, _function_at in _CALLABLE_PACKAGES.items():
    _package = importlib.import_module(f"vecedit.{_name}")
    _package.__class__ = _CallablePackage
    _package._function_at = _function_at
del _name, _function_at, _package
render, edit, recolor, batch = (sys.modules[f"vecedit.{name}"] for name in _CALLABLE_PACKAGES)

# The other workflows load on first use (they bring in PyTorch, CLIP, fontTools, …).
_LAZY = {
    "vectorize": ("vecedit.vectorizers.api", "vectorize"),
    "stylize_font": ("vecedit.fonts.stylize", "stylize_font"),
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
    "edit",
    "recolor",
    "batch",
    *_LAZY,
    "VeceditError",
    "InputError",
    "SVGError",
    "OptionError",
]
