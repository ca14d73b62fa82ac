"""CSS for SVG: ``style`` attributes, ``<style>`` sheets with simple selectors, the cascade.

What is supported (CSS Cascade 4 and Selectors 3, reduced to what SVG files use):

* declarations ``name: value [!important]`` separated by ``;`` (quotes and
  parentheses respected, so ``url(data:…;base64,…)`` survives);
* selectors: ``*``, ``type``, ``.class``, ``#id``, ``[attr]``, ``[attr=value]``,
  ``[attr~=word]``, ``[attr|=lang]``, ``:first-child`` and compounds of them (``rect.a#b``), descendant (`` ``), child
  (``>``) and next-sibling (``+``) combinators, comma lists (what resvg's CSS engine
  knows). Anything else (other pseudo-classes, ``~``, namespaced types) makes that
  selector unsupported: it is skipped and reported;
* at-rules (``@media``, ``@font-face``, ``@import`` …) are skipped and reported;
* the cascade order, lowest to highest (CSS Cascade 4 §6.1, SVG 2 §6.8):
  presentation attribute < stylesheet rule (by specificity, then source order) <
  ``style`` attribute, with ``!important`` declarations above all normal ones;
* inheritance, ``inherit``, ``initial`` and ``unset`` for the properties in
  :data:`INHERITED` and :data:`INITIAL`.

Values stay strings here; :mod:`vecedit.svg.parse` turns them into numbers and paints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable, Optional
from xml.etree.ElementTree import Element

import vecedit.limits as limits
from vecedit.svg.selectors import Selector, local_name, parse_selector  # noqa: F401 (local_name: the name other modules import from here)

# SVG 2 §13 / §11 / CSS: properties vecedit reads, with their initial values.
INHERITED: dict[str, str] = {
    "fill": "black",
    "stroke": "none",
    "fill-opacity": "1",
    "stroke-opacity": "1",
    "fill-rule": "nonzero",
    "stroke-width": "1",
    "stroke-linecap": "butt",
    "stroke-linejoin": "miter",
    "stroke-miterlimit": "4",
    "stroke-dasharray": "none",
    "stroke-dashoffset": "0",
    "color": "black",
    "visibility": "visible",
    "paint-order": "normal",
    "clip-rule": "nonzero",
    "marker-start": "none",
    "marker-mid": "none",
    "marker-end": "none",
    "font-size": "16px",
    "color-interpolation-filters": "linearRGB",
    "image-rendering": "auto",
    # text (SVG 2 §11, CSS Fonts 3, CSS Text 3); font-size and font-weight are made
    # absolute by the render tree (vecedit.svg.render_tree.RenderTreeBuilder.style)
    "font-family": "serif",
    "font-weight": "400",
    "font-style": "normal",
    "font-stretch": "normal",
    "font-variant": "normal",
    "font-kerning": "auto",
    "kerning": "auto",
    "text-anchor": "start",
    "letter-spacing": "normal",
    "word-spacing": "normal",
    "dominant-baseline": "auto",
    "writing-mode": "horizontal-tb",
    "direction": "ltr",
    "white-space": "normal",
}
NOT_INHERITED: dict[str, str] = {
    "opacity": "1",
    "display": "inline",
    "transform": "none",
    "transform-origin": "0 0",  # the SVG UA style sheet's, for elements without a CSS layout box
    "clip-path": "none",
    "mask": "none",
    "filter": "none",
    "stop-color": "black",
    "stop-opacity": "1",
    "overflow": "visible",
    "vector-effect": "none",
    "mix-blend-mode": "normal",
    "isolation": "auto",
    "mask-type": "luminance",
    "flood-color": "black",
    "flood-opacity": "1",
    "lighting-color": "white",
    "text-decoration": "none",
    "alignment-baseline": "auto",
    "baseline-shift": "baseline",
    "unicode-bidi": "normal",
}
INITIAL: dict[str, str] = {**INHERITED, **NOT_INHERITED}

# Properties that may also be written as presentation attributes (SVG 2 §6.6).
# ``transform`` is an attribute of its own in SVG 1.1 but a presentation attribute in SVG 2.
# Not the ``marker`` shorthand (SVG 2 §11.6.5), nor ``mix-blend-mode``/``isolation`` (Compositing 1
# defines no attributes), nor ``font-kerning`` (not in SVG 2's list): CSS only, as resvg.
PRESENTATION_ATTRIBUTES = frozenset(INITIAL) - {"mix-blend-mode", "isolation", "font-kerning"}


@dataclass(frozen=True)
class Declaration:
    name: str  # lower-cased property name
    value: str  # stripped, without ``!important``
    important: bool = False


_SPLIT_MARKS: dict[str, re.Pattern] = {}


def split_top_level(text: str, sep: str) -> list[str]:
    """Split on *sep* outside quotes and parentheses (visiting only those characters: sheets run to megabytes)."""
    if not any(c in text for c in "\"'()"):
        return text.split(sep)
    marks = _SPLIT_MARKS.get(sep) or _SPLIT_MARKS.setdefault(sep, re.compile("[\"'()" + re.escape(sep) + "]"))
    parts, depth, quote, start = [], 0, "", 0
    for m in marks.finditer(text):
        ch = m.group()
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0:
            parts.append(text[start:m.start()])
            start = m.end()
    parts.append(text[start:])
    return parts


_IMPORTANT = re.compile(r"!\s*important\s*$", re.IGNORECASE)


def strip_comments(text: str) -> str:
    """Remove ``/* … */`` comments in linear time (an unclosed one runs to the end)."""
    if "/*" not in text:
        return text
    out, i = [], 0
    while True:
        start = text.find("/*", i)
        if start < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:start])
        end = text.find("*/", start + 2)
        if end < 0:
            return "".join(out)
        i = end + 2


def parse_declarations(text: str) -> list[Declaration]:
    """``"fill: red; stroke:blue !important"`` → declarations in source order.

    Malformed pieces (no colon, empty name or value) are dropped, as CSS does.
    """
    out = []
    for piece in split_top_level(strip_comments(text), ";"):
        name, colon, value = piece.partition(":")
        name, value = name.strip().lower(), value.strip()
        if not colon or not name or not value:
            continue
        important = bool(_IMPORTANT.search(value))
        if important:
            value = _IMPORTANT.sub("", value).strip()
        out.append(Declaration(name, value, important))
    return out


def parse_style(text: str) -> dict[str, str]:
    """A ``style`` attribute as a dict (later declarations win, ``!important`` first)."""
    out: dict[str, str] = {}
    important: set[str] = set()
    for d in parse_declarations(text):
        if d.name in important and not d.important:
            continue
        out[d.name] = d.value
        if d.important:
            important.add(d.name)
    return out


@dataclass(frozen=True)
class Rule:
    selector: Selector
    declarations: tuple[Declaration, ...]
    order: int  # source order across all sheets of the document


_BRACES = re.compile(r"[{}]")


def _skip_block(text: str, i: int) -> int:
    """Index after the ``}`` closing the block whose ``{`` is at *i*."""
    depth = 0
    for m in _BRACES.finditer(text, i):
        depth += 1 if m.group() == "{" else -1
        if depth == 0:
            return m.end()
    return len(text)


def parse_stylesheet(text: str, first_order: int = 0) -> tuple[list[Rule], list[str]]:
    """Parse a ``<style>`` sheet → (rules, human-readable warnings for skipped parts)."""
    text = strip_comments(text).replace("<!--", " ").replace("-->", " ")
    rules: list[Rule] = []
    warnings: list[str] = []
    i, order = 0, first_order
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        if text[i] == "@":
            name = re.match(r"@[\w-]*", text[i:]).group(0)
            semi, brace = text.find(";", i), text.find("{", i)
            if brace != -1 and (semi == -1 or brace < semi):
                i = _skip_block(text, brace)
            else:
                i = len(text) if semi == -1 else semi + 1
            warnings.append(f"CSS at-rule {name} is ignored")
            continue
        brace = text.find("{", i)
        if brace == -1:
            break
        prelude = text[i:brace]
        end = _skip_block(text, brace)
        body = text[brace + 1 : end - 1]
        decls = tuple(parse_declarations(body))
        i = end
        for sel_text in split_top_level(prelude, ","):
            if not sel_text.strip():
                continue
            sel = parse_selector(sel_text)
            if sel is None:
                warnings.append(f"CSS selector {sel_text.strip()!r} is not supported; its rule is ignored")
                continue
            rules.append(Rule(sel, decls, order))
            order += 1
    return rules, warnings


# --- the cascade -------------------------------------------------------------------

_FONT_STYLES = {"italic", "oblique"}
_FONT_WEIGHTS = {"bold", "bolder", "lighter", "100", "200", "300", "400", "500", "600", "700", "800", "900"}
_FONT_STRETCHES = {"ultra-condensed", "extra-condensed", "condensed", "semi-condensed", "semi-expanded",
                   "expanded", "extra-expanded", "ultra-expanded"}


def parse_font_shorthand(value: str) -> dict[str, str]:
    """``italic bold 12px/1.2 "DejaVu Sans", serif`` → the longhands ({} when it does not parse)."""
    words = value.strip().split(None)
    out = {"font-style": "normal", "font-variant": "normal", "font-weight": "400", "font-stretch": "normal"}
    i = 0
    while i < len(words):
        w = words[i].lower()
        if w == "normal":
            pass
        elif w in _FONT_STYLES:
            out["font-style"] = w
        elif w == "small-caps":
            out["font-variant"] = w
        elif w in _FONT_WEIGHTS:
            out["font-weight"] = w
        elif w in _FONT_STRETCHES:
            out["font-stretch"] = w
        else:
            break
        i += 1
    if i + 1 >= len(words):
        return {}
    size, family = words[i].split("/")[0], " ".join(words[i + 1:]).strip()
    if words[i + 1].startswith("/"):  # "12px / 1.2 serif"
        family = " ".join(words[i + 3:] if words[i + 1] == "/" else words[i + 2:]).strip()
    if not size or not family:
        return {}
    out["font-size"] = size
    out["font-family"] = family
    return out



class Cascade:
    """Specified and computed property values for the elements of one document.

    *parent* maps an element to its parent in the source tree (for combinators);
    selectors always match the element's place in the source tree, also for
    content instanced through ``use``.
    """

    def __init__(self, rules: Iterable[Rule], parent: Callable[[Element], Optional[Element]],
                 elements: Optional[Iterable[Element]] = None):
        self.rules = sorted(rules, key=lambda r: (r.selector.specificity, r.order))
        self.parent = parent
        self._specified: dict[Element, dict[str, Declaration]] = {}
        # one matcher per rule for the whole tree: partial matches are shared between elements
        self._matchers = self._make_matchers()
        # Index rules by their rightmost id, class or type (what browsers do), so an
        # element only tests the rules that can match it.
        self._index: dict[tuple[str, str], list[int]] = {}
        for rank, rule in enumerate(self.rules):
            last = rule.selector.parts[-1]
            if last.ids:
                key = ("#", last.ids[0])
            elif last.classes:
                key = (".", last.classes[0])
            elif last.type is not None:
                key = ("t", last.type)
            else:
                key = ("*", "")
            self._index.setdefault(key, []).append(rank)
        if elements is not None:
            self._check_budget(elements)

    def _candidates(self, el: Element) -> set[int]:
        """Ranks of the rules whose rightmost id, class or type could match *el*."""
        keys = [("*", ""), ("t", local_name(el.tag))]
        if el.get("id") is not None:
            keys.append(("#", el.get("id")))
        keys += [(".", c) for c in set((el.get("class") or "").split())]
        return {r for key in keys for r in self._index.get(key, ())}

    def _check_budget(self, elements: Iterable[Element]) -> None:
        """Refuse, before any matching, a sheet whose rules tried against *elements* exceed
        ``selector_tests``: every candidate rule costs its test (or a shared matcher's verdict)
        and its declarations' place in the element's cascade (3,000 rules ending in ``rect``
        over 2,000 rects took 7 CPU-s to load with ~20 distinct selectors among them). Counted
        once over the whole tree, so that whatever later asks for styles (the render tree
        walk, the writer) stays within what the document was accepted with."""
        budget, total = limits.current(), 0
        for el in elements:
            if isinstance(el.tag, str):
                tried = len(self._candidates(el))
                total += tried
                if total > budget.selector_tests:
                    budget.check("selector_tests", total, "the stylesheet's rules tried against elements "
                                 f"(here {tried} for one <{local_name(el.tag)}>)")

    def changed(self, el: Element) -> None:
        """*el*'s tag or attributes changed: forget what was worked out from them."""
        self._specified.pop(el, None)
        self._matchers = self._make_matchers()

    def _make_matchers(self) -> list:
        """One matcher per rule, shared by rules with the same selector text (sheets repeat them)."""
        by_text: dict[str, object] = {}
        for rule in self.rules:
            if rule.selector.text not in by_text:
                by_text[rule.selector.text] = rule.selector.matcher(self.parent)
        return [by_text[rule.selector.text] for rule in self.rules]

    def matching_rules(self, el: Element) -> list[Rule]:
        """Rules whose selector matches *el*, lowest precedence first."""
        ranks = sorted(self._candidates(el))
        verdicts: dict[int, bool] = {}  # per distinct matcher
        for r in ranks:
            matcher = self._matchers[r]
            if id(matcher) not in verdicts:
                verdicts[id(matcher)] = matcher.matches(el)
        return [self.rules[r] for r in ranks if verdicts[id(self._matchers[r])]]

    def specified(self, el: Element) -> dict[str, Declaration]:
        """The winning declaration per property for *el* (no inheritance applied)."""
        hit = self._specified.get(el)
        if hit is not None:
            return hit
        ranked: list[tuple[tuple, Declaration]] = []
        for name, value in el.attrib.items():
            if name in PRESENTATION_ATTRIBUTES and value.strip():
                ranked.append(((0, 0, 0), Declaration(name, value.strip())))
        for rule in self.matching_rules(el):
            for d in rule.declarations:
                ranked.append(((int(d.important), 1, 0), d))
        for d in parse_declarations(el.get("style") or ""):
            ranked.append(((int(d.important), 1, 1), d))
        out: dict[str, Declaration] = {}
        # Stable sort: equal keys keep document order, so the later one wins.
        for _, (_, decl) in sorted(enumerate(ranked), key=lambda t: (t[1][0], t[0])):
            out[decl.name] = decl
        if "marker" in out:  # shorthand for the three marker properties (longhands win)
            for name in ("marker-start", "marker-mid", "marker-end"):
                out.setdefault(name, Declaration(name, out["marker"].value, out["marker"].important))
        if "font" in out:  # CSS Fonts 3 §3.7 shorthand (longhands declared beside it win)
            for name, value in parse_font_shorthand(out["font"].value).items():
                out.setdefault(name, Declaration(name, value, out["font"].important))
        self._specified[el] = out
        return out

    def computed(self, el: Element, parent_computed: Optional[dict[str, str]]) -> dict[str, str]:
        """Computed values (as strings) for every property in :data:`INITIAL`.

        *parent_computed* is the computed style of the element's parent in the
        *render* tree (the ``use`` element for instanced content), or ``None`` at the root.
        """
        base = parent_computed if parent_computed is not None else INITIAL
        out = {name: (base[name] if name in INHERITED else INITIAL[name]) for name in INITIAL}
        for name, decl in self.specified(el).items():
            if name not in INITIAL:
                continue
            keyword = decl.value.lower()
            if keyword == "inherit":
                out[name] = base[name]
            elif keyword == "initial":
                out[name] = INITIAL[name]
            elif keyword == "unset":
                out[name] = base[name] if name in INHERITED else INITIAL[name]
            else:
                out[name] = decl.value
        return out

    def sheet_declares(self, el: Element, name: str) -> Optional[Declaration]:
        """The highest-precedence stylesheet declaration of *name* for *el*, if any."""
        best = None
        for rule in self.matching_rules(el):
            for d in rule.declarations:
                if d.name == name and (best is None or d.important >= best.important):
                    best = d
        return best
