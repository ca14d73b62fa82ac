"""The process's memory allocator, set up for loops that allocate the same large tensors each step.

glibc's ``malloc`` serves a block above its mmap threshold (dynamic, at most 32 MiB) with a
fresh ``mmap`` and unmaps it when freed; it also returns free memory at the top of the heap
to the system. An optimisation loop frees and reallocates the same tens-of-MiB tensors every
iteration (ViT-B/32's activations at 65 views are 10–40 MiB each; the renderer's coverage
buffers), so each iteration page-faults and zero-fills them afresh: 18–24 of a 60 s edit
benchmark's CPU-seconds were the kernel's. :func:`reuse_freed_memory` raises the mmap threshold
to 1 GiB and stops trimming, so freed blocks are reused: an edit iteration at the defaults
1.2–1.5× faster, ``vecedit vectorize`` about 10 % (``benchmarks/edit_bench.py --compare``,
``benchmarks/vectorize_bench.py --command-line``). A process keeps its high-water mark
instead of giving memory back between iterations, as torch's CUDA caching allocator does;
the peak hardly moves (4,096 paths at 1024², forward and backward: 2.76 → 2.84 GiB).

Commands and batch workers call it; importing vecedit as a library does not (the process
is the caller's). Nothing changes where the C library is not glibc, or where the user has
tuned glibc's malloc already (``MALLOC_*_`` variables or ``GLIBC_TUNABLES``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

# blocks from this size on still come from (and go back to) the system; a glibc that caps the
# threshold (older ones: at 32 MiB) gets the cap
MMAP_THRESHOLDS = (1 << 30, 32 << 20)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_TRIM_NEVER = 2**31 - 1  # mallopt takes an int: the largest means "do not trim"

_in_effect = False


def reuse_freed_memory() -> bool:
    """Keep freed memory for reuse in this process (glibc only). True if that is in effect."""
    global _in_effect
    if _in_effect or not _glibc() or _user_tuned():
        return _in_effect
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # no loadable C library, or one without mallopt
        return False
    # the threshold first: a trim threshold set alone would also fix the mmap threshold at 128 KiB
    if any(mallopt(_M_MMAP_THRESHOLD, size) == 1 for size in MMAP_THRESHOLDS):
        _in_effect = mallopt(_M_TRIM_THRESHOLD, _TRIM_NEVER) == 1
    return _in_effect


def _glibc() -> bool:
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _user_tuned() -> bool:
    return "malloc" in os.environ.get("GLIBC_TUNABLES", "") or any(
        name.startswith("MALLOC_") and name.endswith("_") for name in os.environ)
