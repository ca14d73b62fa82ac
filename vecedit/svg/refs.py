"""One resolver for every reference between elements, with cycle and depth limits.

SVG elements point at each other in many ways: ``use``/``href``, ``clip-path``,
``mask``, ``fill``/``stroke`` (gradients, patterns), ``marker-*``, ``filter``,
``textPath``, gradient and pattern ``href`` inheritance. Any of them can loop (a
clipPath whose child is clipped by the same clipPath, a ``use`` of its own ancestor,
A → B → A through different kinds) or nest absurdly deep. Every place that follows a
reference goes through :class:`References`, so the rules are the same everywhere:

* **Cycle**: the reference that enters a loop is broken, and *the element that made
  it is not drawn* (with a :class:`~vecedit.svg.model.Note`); the rest of the file is
  drawn. This is what browsers and resvg do for recursive ``use``, and for
  self-referencing clip paths, masks, patterns, markers and filters.
* **Depth**: following more than :data:`MAX_REF_DEPTH` references inside one another
  breaks the innermost one the same way.
* **Chains** (``href`` inheritance of gradients, patterns, filters): :meth:`References.chain`
  walks them in linear time and cuts the chain where it would repeat.

Usage, for a referencing element ``el`` whose content depends on ``target``::

    target = refs.lookup(style["clip-path"])          # 'url(#c)' / '#c' / 'c' → Element or None
    try:
        with refs.follow("clip-path", el, target):
            clip = build_clip(target)                   # may follow further references
    except BrokenReference as e:
        if not e.breaks(el):
            raise                                       # an outer reference entered the loop
        note(el, e.message)                            # e.g. "clip-path #c refers to itself ..."
        return None                                     # el is not drawn

``BrokenReference`` is internal control flow, not a user error: it never leaves the
parser (every ``follow`` is wrapped as above).
"""

from __future__ import annotations

import contextlib
import re
from typing import Callable, Iterator, Optional
from xml.etree.ElementTree import Element

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
MAX_REF_DEPTH = 32  # references inside references; real files use a handful
MAX_CHAIN = 32  # href inheritance links (gradients, patterns, filters); real files use 1–3

_URL = re.compile(r"""^\s*url\(\s*(['"]?)\s*#([^'")]*?)\s*\1\s*\)""")


def href_of(el: Element) -> Optional[str]:
    """``href`` (SVG 2) wins over ``xlink:href`` (SVG 1.1)."""
    return el.get("href") if el.get("href") is not None else el.get(XLINK_HREF)


def ref_id(value: Optional[str]) -> Optional[str]:
    """The id a reference names: ``url(#a)``, ``url('#a')``, ``#a`` → ``"a"``; else None."""
    if not value:
        return None
    if value[0] == "#":
        return value[1:].strip() or None
    m = _URL.match(value)
    if m:
        return m.group(2) or None
    value = value.strip()
    return value[1:] if value.startswith("#") and len(value) > 1 else None


def _label(el: Element) -> str:
    tag = el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else "?"
    return f"#{el.get('id')}" if el.get("id") else f"a <{tag}>"


class BrokenReference(Exception):
    """Following a reference would loop or nest too deep (see the module docstring).

    ``message`` is the Note text for the element that is not drawn; :meth:`breaks`
    says whether *el* is that element.
    """

    def __init__(self, message: str, referrer: Optional[Element], loop_target: Optional[Element] = None):
        super().__init__(message)
        self.message = message
        self.referrer = referrer  # the element not drawn; None until the loop's entry is known
        self.loop_target = loop_target

    def breaks(self, el: Element) -> bool:
        return self.referrer is el


class References:
    """Resolves ids and tracks the references being followed (one per document load)."""

    def __init__(self, ids: dict[str, Element], parent: Callable[[Element], Optional[Element]],
                 max_depth: int = MAX_REF_DEPTH):
        self.ids = ids
        self.parent = parent
        self.max_depth = max_depth
        self._active: list[Element] = []  # targets being followed, outermost first
        self._on_stack: set[int] = set()

    def lookup(self, value: Optional[str]) -> Optional[Element]:
        """The element a reference value names, or None (no reference / not in this file)."""
        rid = ref_id(value)
        return self.ids.get(rid) if rid is not None else None

    def _is_ancestor_or_self(self, target: Element, el: Element) -> bool:
        up: Optional[Element] = el
        while up is not None:
            if up is target:
                return True
            up = self.parent(up)
        return False

    @contextlib.contextmanager
    def follow(self, kind: str, referrer: Element, target: Element) -> Iterator[Element]:
        """Follow *referrer*'s reference of *kind* to *target* for the ``with`` body.

        Raises :class:`BrokenReference` when *target* contains *referrer* (a loop
        through the document tree), is already being followed (a loop through
        references; the exception unwinds to the reference that entered the loop), or
        the nesting is deeper than ``max_depth``.
        """
        what = f"{kind} on {_label(referrer)} refers to {_label(target)}"
        if self._is_ancestor_or_self(target, referrer):
            raise BrokenReference(f"{what}, which contains it (a reference cycle); it is not drawn", referrer)
        if id(target) in self._on_stack:
            raise BrokenReference(f"{what}, which refers back to it (a reference cycle); it is not drawn",
                                  None, loop_target=target)
        if len(self._active) >= self.max_depth:
            raise BrokenReference(f"{what}: references nest more than {self.max_depth} deep; it is not drawn",
                                  referrer)
        self._active.append(target)
        self._on_stack.add(id(target))
        try:
            yield target
        except BrokenReference as e:
            if e.referrer is None and e.loop_target is target:
                e.referrer = referrer  # this reference entered the loop: its element is not drawn
                e.message = f"{what}, which refers back to it (a reference cycle); it is not drawn"
            raise
        finally:
            self._active.pop()
            self._on_stack.discard(id(target))

    def chain(self, el: Element, accept: Callable[[Element], bool],
              on_cut: Optional[Callable[[Element, str], None]] = None) -> list[Element]:
        """:func:`href_chain` over this document's ids."""
        return href_chain(el, self.ids, accept, on_cut)


def href_chain(el: Element, ids: dict[str, Element], accept: Callable[[Element], bool],
               on_cut: Optional[Callable[[Element, str], None]] = None) -> list[Element]:
    """*el* and the elements its ``href`` inherits from, nearest first, in linear time.

    The chain stops at a missing target, one *accept* rejects, a repeat (a cycle) or
    after :data:`MAX_CHAIN` links; *on_cut(element, reason)* is told why unless the
    chain simply ended.
    """
    chain, seen = [el], {id(el)}
    while True:
        ref = href_of(chain[-1])
        if not ref:
            return chain
        rid = ref_id(ref)
        target = ids.get(rid) if rid is not None else None
        reason = None
        if target is None or not accept(target):
            reason = f"href {ref!r} does not point at an element of the same kind; it is ignored"
        elif id(target) in seen:
            reason = f"href {ref!r} closes a cycle; the cycle is cut"
        elif len(chain) >= MAX_CHAIN:
            reason = f"href chain is longer than {MAX_CHAIN} links; the rest are ignored"
        if reason is not None:
            if on_cut is not None:
                on_cut(chain[-1], reason)
            return chain
        chain.append(target)
        seen.add(id(target))
