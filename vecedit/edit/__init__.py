"""The edit workflow: optimise an SVG's own elements toward prompts (CLIPVG), through the renderer.

``vecedit.edit(...)`` is :func:`vecedit.edit.loop.edit` (this package is callable, see
:mod:`vecedit`). Modules, in the order a run uses them:

* :mod:`~vecedit.edit.config` — :class:`~vecedit.edit.config.EditConfig` and job files;
* :mod:`~vecedit.edit.setup` — the document, ROIs, masks and loss terms of a run;
* :mod:`~vecedit.edit.loop` — :class:`~vecedit.edit.loop.Editor`, the optimisation loop;
* :mod:`~vecedit.edit.outputs` — frames, animations, reports, checkpoints;
* :mod:`~vecedit.edit.cli` — ``vecedit edit``.

This ``__init__`` imports nothing: ``import vecedit`` stays free of PyTorch.
"""
