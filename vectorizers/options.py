"""Defaults and limits of ``vectorize``, importable without numpy (for ``vecedit --help``)."""

DEFAULT_ROUNDS = (10, 30)
"""Colour clusters per round, coarse to fine (the reference method's two rounds)."""
DEFAULT_BACKEND = "vtracer"
"""Chosen by measurement (``benchmarks/vectorize_bench.py``): no cracks under a 2 px jitter of every
point (stacked shapes) where ``skimage`` opens 0.3–0.8 % of the image, 1.3–2× faster to trace;
``skimage`` is 0.1–1 dB higher in PSNR before refinement at about the same path count."""
DEFAULT_REFINE = 24
"""Refinement iterations by default: on scikit-image's five samples at 512 px, 2 dB or more above
vtracer's best single round at the same path count (chelsea, the closest, +2.2 dB; the first half at 0.75 scale:
:data:`vecedit.vectorizers.refine.SHORT_COARSE_FRACTION`; ``benchmarks/vectorize_bench.py``);
``refine=0`` traces only."""
DEFAULT_SIZE = 512
"""Working size: the longer side of the image while tracing and refining, in pixels."""
BACKEND_NAMES = ("vtracer", "skimage")
MAX_COLORS = 256
MAX_ROUNDS = 8
