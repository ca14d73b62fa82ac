"""CSS selectors for SVG stylesheets: parsing and matching (Selectors 3, reduced to what SVG
files and resvg's CSS engine use; see :mod:`vecedit.svg.css` for the list).

Matching is memoised per (compound, element), so one selector over a whole tree costs
O(compounds × elements), never the exponential backtracking of naive descendant matching.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional
from xml.etree.ElementTree import Element


_COMPOUND = re.compile(
    r"(?P<type>\*|[A-Za-z_][\w-]*)?(?P<rest>(?:[.#][\w-]+|\[\s*[\w:-]+\s*(?:[~|]?=\s*(?:\"[^\"]*\"|'[^']*'|[\w-]+)\s*)?\])*)"
    r"(?P<first>:first-child)?$"
)
_SIMPLE = re.compile(r"[.#][\w-]+|\[\s*([\w:-]+)\s*(?:([~|]?)=\s*(\"[^\"]*\"|'[^']*'|[\w-]+)\s*)?\]")


@dataclass(frozen=True)
class Compound:
    """One compound selector such as ``rect.a#b[x=y]``."""

    type: Optional[str]  # local element name, None for ``*``/absent
    ids: tuple[str, ...]
    classes: tuple[str, ...]
    attrs: tuple[tuple[str, str, Optional[str]], ...]  # (name, "" | "~" | "|", value or None: present)
    first_child: bool = False

    def matches(self, el: Element, previous: Callable[[Element], Optional[Element]] = lambda el: None) -> bool:
        """*previous* gives an element's previous element sibling (for ``:first-child``)."""
        if self.type is not None and local_name(el.tag) != self.type:
            return False
        if self.first_child and previous(el) is not None:
            return False
        if any(el.get("id") != i for i in self.ids):
            return False
        if self.classes:
            have = set((el.get("class") or "").split())
            if not all(c in have for c in self.classes):
                return False
        return all(_attribute_matches(el.get(name), op, value) for name, op, value in self.attrs)


def _attribute_matches(have: Optional[str], op: str, value: Optional[str]) -> bool:
    """``[a]``, ``[a=v]``, ``[a~=v]`` (one of its words), ``[a|=v]`` (v or v-…), as Selectors 3."""
    if have is None or value is None:
        return have is not None
    if op == "~":
        return value in have.split()
    if op == "|":
        return have == value or have.startswith(value + "-")
    return have == value


@dataclass(frozen=True)
class Selector:
    """Compounds joined by combinators: ``parts[0] c0 parts[1] c1 …`` (c is " ", ">" or "+")."""

    text: str
    parts: tuple[Compound, ...]
    combinators: tuple[str, ...]
    specificity: tuple[int, int, int]

    def matches(self, el: Element, parent: Callable[[Element], Optional[Element]]) -> bool:
        return self.matcher(parent).matches(el)

    def matcher(self, parent: Callable[[Element], Optional[Element]]) -> "_Matcher":
        """A matcher that remembers partial matches across the elements of one unchanged tree."""
        return _Matcher(self, parent)


class _Matcher:
    """Right-to-left matching, memoised per (compound, element): O(parts × depth) for one
    element and O(parts × elements) for a whole tree when one matcher serves every element,
    never the exponential backtracking of naive descendant matching (``a a a … a b``)."""

    def __init__(self, sel: Selector, parent):
        self.sel, self.parent = sel, parent
        self.memo: dict[tuple[int, int], bool] = {}
        self.up_memo: dict[tuple[int, int], bool] = {}
        self.siblings: dict[int, dict[int, Optional[Element]]] = {}

    def matches(self, el: Element) -> bool:
        parts = self.sel.parts
        if len(parts) == 1:
            return parts[0].matches(el, self.previous)
        return parts[-1].matches(el, self.previous) and self.match(len(parts) - 1, el)

    def previous(self, el: Element) -> Optional[Element]:
        """The element just before *el* under its parent (comments and processing instructions skipped)."""
        up = self.parent(el)
        if up is None:
            return None
        before = self.siblings.get(id(up))
        if before is None:  # one pass per parent, so ``+`` costs O(elements) over a whole tree
            before, last = {}, None
            for child in up:
                if isinstance(child.tag, str):
                    before[id(child)], last = last, child
            self.siblings[id(up)] = before
        return before.get(id(el))

    def match(self, i: int, el: Element) -> bool:
        """parts[0..i] match with parts[i] at *el*."""
        key = (i, id(el))
        hit = self.memo.get(key)
        if hit is None:
            hit = self.sel.parts[i].matches(el, self.previous)
            if hit and i > 0:
                combinator = self.sel.combinators[i - 1]
                if combinator == "+":
                    before = self.previous(el)
                    hit = before is not None and self.match(i - 1, before)
                elif combinator == ">":
                    up = self.parent(el)
                    hit = up is not None and self.match(i - 1, up)
                else:
                    hit = self.some_ancestor(i - 1, self.parent(el))
            self.memo[key] = hit
        return hit

    def some_ancestor(self, i: int, el: Optional[Element]) -> bool:
        """*el* or one of its ancestors matches parts[0..i] there."""
        path, found = [], False
        while el is not None:
            key = (i, id(el))
            if key in self.up_memo:
                found = self.up_memo[key]
                break
            path.append(key)
            if self.match(i, el):
                found = True
                break
            el = self.parent(el)
        for key in path:
            self.up_memo[key] = found
        return found


def parse_selector(text: str) -> Optional[Selector]:
    """One selector (no commas); ``None`` when it uses something unsupported."""
    tokens = re.split(r"\s*([>+])\s*|\s+", text.strip())
    parts: list[Compound] = []
    combinators: list[str] = []
    pending = " "
    for tok in tokens:
        if tok is None or tok == "":
            continue
        if tok in (">", "+"):
            if not parts or pending != " ":
                return None
            pending = tok
            continue
        m = _COMPOUND.fullmatch(tok)
        if not m or not tok:
            return None
        ids, classes, attrs = [], [], []
        for s in _SIMPLE.finditer(m.group("rest")):
            if s.group(0)[0] == "#":
                ids.append(s.group(0)[1:])
            elif s.group(0)[0] == ".":
                classes.append(s.group(0)[1:])
            else:
                value = s.group(3)
                if value is not None and value[:1] in "\"'":
                    value = value[1:-1]
                attrs.append((s.group(1), s.group(2) or "", value))
        typ = m.group("type")
        if parts:
            combinators.append(pending)
        pending = " "
        parts.append(Compound(None if typ in (None, "*") else typ, tuple(ids), tuple(classes), tuple(attrs),
                              m.group("first") is not None))
    if not parts or pending != " ":
        return None
    spec = (
        sum(len(p.ids) for p in parts),
        sum(len(p.classes) + len(p.attrs) + p.first_child for p in parts),
        sum(p.type is not None for p in parts),
    )
    return Selector(text.strip(), tuple(parts), tuple(combinators), spec)


def local_name(tag) -> str:
    """``{ns}rect`` → ``rect`` (non-string tags of comments/PIs → "")."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
