"""Raster → layered, editable SVG: the multi-round vectorizer and its tracing backends.

* :mod:`vectorizers.api` — :func:`~vectorizers.api.vectorize` (the public entry point,
  also ``vecedit vectorize``) and :func:`~vectorizers.api.run` (the same, with a report).
* :mod:`vectorizers.base` — the :class:`~vectorizers.base.Tracer` interface and the
  backend registry; :mod:`vectorizers.vtracer_backend` and
  :mod:`vectorizers.skimage_backend` are the two backends.
* :mod:`vectorizers.quantize` (k-means colour rounds), :mod:`vectorizers.bezier`
  (Schneider curve fitting), :mod:`vectorizers.stack` (pruning, capping, SVG layers),
  :mod:`vectorizers.recolor` (per-path colours), :mod:`vectorizers.refine`
  (differentiable refinement), :mod:`vectorizers.image` (input checks),
  :mod:`vectorizers.cli` (the subcommand).

Importing this package imports nothing heavy.
"""
