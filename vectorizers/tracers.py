"""The tracing backends by name: :data:`BACKENDS` and :func:`get_tracer`.

Kept apart from :mod:`vecedit.vectorizers.base` (the shared types), which every backend
imports, so the registry can import the backends without a circle.
"""

from __future__ import annotations

from typing import Callable

from vecedit.errors import OptionError
from vecedit.vectorizers.base import Tracer


def _vtracer() -> Tracer:
    from vecedit.vectorizers.vtracer_backend import VtracerTracer

    return VtracerTracer()


def _skimage() -> Tracer:
    from vecedit.vectorizers.skimage_backend import SkimageTracer

    return SkimageTracer()


BACKENDS: dict[str, Callable[[], Tracer]] = {"vtracer": _vtracer, "skimage": _skimage}
"""Backend name → factory. Add a backend by adding an entry (and its name to
:data:`vecedit.vectorizers.options.BACKEND_NAMES`, which the command line offers)."""


def get_tracer(name: str) -> Tracer:
    """The backend called ``name``; :class:`OptionError` for an unknown name."""
    if name not in BACKENDS:
        raise OptionError(f"unknown vectorizer backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return BACKENDS[name]()
