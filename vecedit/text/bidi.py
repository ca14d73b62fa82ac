"""Bidirectional text: UAX #9 levels through python-bidi and the visual order of runs (L2).

The base level is the ``<text>``'s ``direction``; ``unicode-bidi`` on a ``tspan``/``textPath``
(CSS Writing Modes 3 §2.2) opens a nested context for its characters:

* ``embed`` / ``isolate``: their own level (the next one above of the element's direction),
  resolved as a sequence of their own; outside it they count as one neutral character (an
  isolate's behaviour; an embedding differs only in which neutrals its edge characters touch);
* ``bidi-override`` / ``isolate-override``: every character at that level, in its direction;
* ``plaintext``: an isolate whose direction is its first strong character's (P2–P3).

On the ``<text>`` itself, ``bidi-override`` forces the paragraph's direction on every
character and ``plaintext`` takes the paragraph direction from the text. The installed
python-bidi (0.6) exposes UAX #9 with isolates only as a reordered string (its Rust
``unicode-bidi`` core gives no levels), so the isolates are resolved here, one sequence at
a time, with its legacy algorithm. resvg 0.48 draws a text the same whatever its
``direction`` and ``unicode-bidi``; here SVG 2 is followed (as browsers).
"""

from __future__ import annotations

import unicodedata
from typing import Optional, Sequence

RTL_CLASSES = {"R", "AL", "AN", "RLE", "RLO", "RLI"}
NEUTRAL = "\ufffc"  # OBJECT REPLACEMENT CHARACTER (class ON): a nested context seen from outside


def bidi_levels(text: str, rtl: bool, contexts: Sequence[tuple] = (), paragraph: str = "normal") -> list[int]:
    """UAX #9 embedding levels per character. ``contexts[i]``: the ``(element, kind, rtl)`` of each
    ``unicode-bidi`` context holding character ``i``, outermost first; ``paragraph``: the
    ``<text>``'s own ``unicode-bidi``."""
    if paragraph == "plaintext":
        rtl = _first_strong_rtl(text, rtl)
    base = 1 if rtl else 0
    if paragraph in ("bidi-override", "isolate-override"):
        return [base] * len(text)
    contexts = list(contexts) or [()] * len(text)
    return _resolve(text, list(range(len(text))), base, contexts, 0, [base] * len(text))


def _resolve(text: str, members: list[int], base: int, contexts: list, depth: int, levels: list[int]) -> list[int]:
    """Levels of the characters ``members`` (one isolated sequence at ``base``) into ``levels``."""
    outer: list[tuple[int, str]] = []  # (index or -1, character seen at this depth)
    i = 0
    while i < len(members):
        here = contexts[members[i]]
        if len(here) <= depth:
            outer.append((members[i], text[members[i]]))
            i += 1
            continue
        j = i
        while j < len(members) and len(contexts[members[j]]) > depth and contexts[members[j]][depth] is here[depth]:
            j += 1
        group = members[i:j]
        _, kind, group_rtl = here[depth]
        if kind == "plaintext":
            group_rtl = _first_strong_rtl("".join(text[k] for k in group), group_rtl)
        inner = base + 1 if (base % 2 == 0) == group_rtl else base + 2  # next level of that parity
        if kind in ("bidi-override", "isolate-override"):
            for k in group:
                levels[k] = inner
        else:
            _resolve(text, group, inner, contexts, depth + 1, levels)
        outer.append((-1, NEUTRAL))
        i = j
    string = "".join(c for _, c in outer)
    resolved = _sequence_levels(string, base)
    for (index, _), level in zip(outer, resolved):
        if index >= 0:
            levels[index] = level
    return levels


def _sequence_levels(text: str, base: int) -> list[int]:
    """Levels of one sequence with no nested contexts; ``base`` everywhere for text with no RTL."""
    if not any(unicodedata.bidirectional(c) in RTL_CLASSES for c in text) and base % 2 == 0:
        return [base] * len(text)
    try:
        return _uax9(text, base) or [base] * len(text)
    except Exception:  # python-bidi refuses some control sequences (isolates): strong types alone
        return [base | 1 if unicodedata.bidirectional(c) in ("R", "AL") else base for c in text]


def _first_strong_rtl(text: str, default: bool) -> bool:
    for c in text:
        kind = unicodedata.bidirectional(c)
        if kind in ("L", "R", "AL"):
            return kind != "L"
    return default


def _uax9(text: str, base: int) -> Optional[list[int]]:
    """python-bidi's resolved levels, or None when it drops characters (X9)."""
    from bidi import algorithm

    storage = algorithm.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = "R" if base % 2 else "L"
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
