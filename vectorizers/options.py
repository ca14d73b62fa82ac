"""Defaults and limits of ``vectorize``, importable without numpy (for ``vecedit --help``)."""

DEFAULT_ROUNDS = (10, 30)
"""Colour clusters per round, coarse to fine (the reference method's two rounds)."""
DEFAULT_BACKEND = "vtracer"
"""Chosen by measurement: as good as ``skimage`` and about 3× faster (``benchmarks/vectorize_bench.py``)."""
DEFAULT_SIZE = 512
"""Working size: the longer side of the image while tracing and refining, in pixels."""
BACKEND_NAMES = ("vtracer", "skimage")
MAX_COLORS = 256
MAX_ROUNDS = 8
