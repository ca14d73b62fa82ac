"""The process's memory allocator, set up for loops that allocate the same large tensors each step.

glibc's ``malloc`` serves a block above its mmap threshold (dynamic, at most 32 MiB) with a
fresh ``mmap`` and unmaps it when freed; it also returns free memory at the top of the heap
to the system. An optimisation loop frees and reallocates the same tensors every iteration,
so each iteration page-faults and zero-fills its large ones afresh: ViT-B/32's activations at
65 views are 10–40 MiB each, and 2.3–3 s of an edit iteration's CPU time was the kernel's.

:func:`reuse_freed_memory` fixes the threshold at glibc's own ceiling (32 MiB) and stops
trimming, so freed blocks below it are reused; :func:`reuse_blocks_up_to` raises the threshold
to what a loop's largest tensors need, which the CLIP encoder measures on its first batch of
views (``encoders.OpenClipEncoder``). Blocks above the threshold still come from and go back to
the system: a threshold far above what a loop reuses only lets freed holes pile up in the heap
(4,096 paths at 1024², forward and backward: 2.8 GiB peak at 32 MiB or glibc's default, 3.0–3.2
GiB with every block below 1 GiB kept). An edit iteration at the defaults: 1.26–1.32× faster,
the same numbers bit for bit (``benchmarks/edit_bench.py --compare glibc,after``).

Commands and batch workers call it; importing vecedit as a library does not (the process
is the caller's), and then :func:`reuse_blocks_up_to` does nothing either. Nothing changes
where the C library is not glibc, or where the user has tuned glibc's malloc already
(``MALLOC_*_`` variables or ``GLIBC_TUNABLES``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

BASE_THRESHOLD = 32 << 20  # glibc's ceiling for its own dynamic threshold
MAX_THRESHOLD = 1 << 30
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_TRIM_NEVER = 2**31 - 1  # mallopt takes an int: the largest means "do not trim"

_threshold = 0  # the mmap threshold this module set; 0: not in effect


def reuse_freed_memory() -> bool:
    """Keep freed blocks below 32 MiB for reuse in this process (glibc only). True if in effect."""
    global _threshold
    if _threshold or not _glibc() or _user_tuned():
        return bool(_threshold)
    mallopt = _mallopt()
    # the threshold first: a trim threshold set alone would also fix the mmap threshold at 128 KiB
    if mallopt is not None and mallopt(_M_MMAP_THRESHOLD, BASE_THRESHOLD) == 1 \
            and mallopt(_M_TRIM_THRESHOLD, _TRIM_NEVER) == 1:
        _threshold = BASE_THRESHOLD
    return bool(_threshold)


def reuse_blocks_up_to(nbytes: int) -> None:
    """Reuse freed blocks of up to ``nbytes`` too (at most 1 GiB), where :func:`reuse_freed_memory` is in effect."""
    global _threshold
    wanted = min(int(nbytes), MAX_THRESHOLD)
    if _threshold and wanted > _threshold:
        mallopt = _mallopt()
        if mallopt is not None and mallopt(_M_MMAP_THRESHOLD, wanted) == 1:  # an older glibc caps it at 32 MiB
            _threshold = wanted


def in_effect() -> bool:
    return bool(_threshold)


def _mallopt():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):  # no loadable C library, or one without mallopt
        return None


def _glibc() -> bool:
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _user_tuned() -> bool:
    return "malloc" in os.environ.get("GLIBC_TUNABLES", "") or any(
        name.startswith("MALLOC_") and name.endswith("_") for name in os.environ)
