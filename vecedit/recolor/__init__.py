"""The recolour workflow: to a palette, by a colour map, or toward a prompt.

``vecedit.recolor(...)`` is :func:`vecedit.recolor.api.recolor` (this package is callable,
see :mod:`vecedit`). Modules:

* :mod:`~vecedit.recolor.api` — :func:`~vecedit.recolor.api.recolor`, the entry point;
* :mod:`~vecedit.recolor.options` — palettes and colour maps as given by a user;
* :mod:`~vecedit.recolor.palette` — palette and map recolouring (no model, no PyTorch);
* :mod:`~vecedit.recolor.prompt` — colour-only optimisation toward a prompt;
* :mod:`~vecedit.recolor.batch` — folders of files, in parallel, with a report;
* :mod:`~vecedit.recolor.cli` — ``vecedit recolor``.

This ``__init__`` imports nothing.
"""
