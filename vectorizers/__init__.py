"""Raster → layered, editable SVG: the multi-round vectorizer and its tracing backends.

Installed as ``vecedit.vectorizers`` (the repository keeps it in ``vectorizers/``).

* :mod:`~vecedit.vectorizers.api` — :func:`~vecedit.vectorizers.api.vectorize` (the public
  entry point, also ``vecedit vectorize``) and :func:`~vecedit.vectorizers.api.run` (the
  same, with a report); :mod:`~vecedit.vectorizers.cli` — the subcommand.
* :mod:`~vecedit.vectorizers.base` — the :class:`~vecedit.vectorizers.base.Tracer` interface
  and shared geometry; :mod:`~vecedit.vectorizers.tracers` — the backends by name;
  :mod:`~vecedit.vectorizers.vtracer_backend` and :mod:`~vecedit.vectorizers.skimage_backend`.
* :mod:`~vecedit.vectorizers.quantize` (k-means colour rounds),
  :mod:`~vecedit.vectorizers.bezier` (Schneider curve fitting),
  :mod:`~vecedit.vectorizers.stack` (pruning, capping, SVG layers),
  :mod:`~vecedit.vectorizers.recolor` (per-path colours),
  :mod:`~vecedit.vectorizers.refine` (differentiable refinement),
  :mod:`~vecedit.vectorizers.image` (input checks).

Importing this package imports nothing heavy.
"""
