"""Bidirectional text: UAX #9 levels through python-bidi and the visual order of runs (L2)."""

from __future__ import annotations

import unicodedata
from typing import Optional

RTL_CLASSES = {"R", "AL", "AN", "RLE", "RLO", "RLI"}


def bidi_levels(text: str, rtl: bool, overrides: list) -> list[int]:
    """UAX #9 embedding levels per character (python-bidi); all ``0`` for text with no RTL."""
    base = 1 if rtl else 0
    levels = [base] * len(text)
    if any(unicodedata.bidirectional(c) in RTL_CLASSES for c in text) or rtl:
        try:
            levels = _uax9(text, base) or levels
        except Exception:  # python-bidi refuses some control sequences (isolates): strong types alone
            levels = [base | 1 if unicodedata.bidirectional(c) in ("R", "AL") else base for c in text]
    for i, force in enumerate(overrides):
        if force is not None:
            levels[i] = (base | 1) if force else (base + (base & 1))  # RTL: odd; LTR: even
    return levels


def _uax9(text: str, base: int) -> Optional[list[int]]:
    """python-bidi's resolved levels, or None when it drops characters (X9)."""
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = "R" if base else "L"
    algorithm.get_embedding_levels(text, storage, False, False)
    for step in (algorithm.explicit_embed_and_overrides, algorithm.resolve_weak_types,
                 algorithm.resolve_neutral_types, algorithm.resolve_implicit_levels):
        step(storage, False)
    chars = storage["chars"]
    return [int(ch["level"]) for ch in chars] if len(chars) == len(text) else None


def visual_order(runs: list) -> list:
    """UAX #9 L2: reverse every maximal sequence of runs at each level ≥ k, from the highest k down."""
    if not runs:
        return runs
    out = list(runs)
    top = max(r[2] for r in out)
    lowest_odd = min((r[2] for r in out if r[2] % 2), default=top + 1)
    for level in range(top, lowest_odd - 1, -1):
        i = 0
        while i < len(out):
            if out[i][2] >= level:
                j = i
                while j < len(out) and out[j][2] >= level:
                    j += 1
                out[i:j] = out[i:j][::-1]
                i = j
            else:
                i += 1
    return out
