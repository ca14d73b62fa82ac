"""DOCTYPE internal entities, checked before the XML is parsed (XML 1.0 §4.2).

Adobe Illustrator writes ``<!ENTITY ns_svg "http://www.w3.org/2000/svg">`` and uses
``&ns_svg;`` in attributes, so text entities declared in the internal subset are
allowed. Everything else an entity can do is refused in one line, before any expansion:
external entities (file disclosure, the network), parameter entities, markup inside an
entity, nesting deeper than :data:`MAX_DEPTH` and a total expansion over
:data:`MAX_EXPANSION` characters (billion laughs). Lengths are computed, never strings
built, so a bomb is refused in microseconds.
"""

from __future__ import annotations

import re
from xml.parsers import expat

from vecedit.errors import SVGError

MAX_EXPANSION = 1 << 20  # characters all entity references of a document expand to, together
MAX_DEPTH = 16  # entities inside entities
_REF = re.compile(r"&([A-Za-z_:][\w.:-]*);")
_PREDEFINED = {"amp", "lt", "gt", "quot", "apos"}


class _Declared(Exception):
    """Stops the prolog pass at the root element."""


def check_entities(text: str, name: str) -> None:
    """Refuse what entities could do beyond naming short texts; no cost without ``<!ENTITY``."""
    if "<!ENTITY" in text:
        entities, body = _declared(text, name)
        _check_expansion(body, entities, name)


def _declared(text: str, name: str) -> tuple[dict[str, str], str]:
    """The general entities the internal subset declares (name → replacement text, references
    unexpanded), and the text from the root element on."""
    entities: dict[str, str] = {}
    parser = expat.ParserCreate()

    def declared(entity, is_parameter, value, base, system_id, public_id, notation):
        if system_id is not None or public_id is not None or notation is not None:
            raise SVGError(f"{name}: the DOCTYPE declares an external entity ({system_id or public_id}); "
                           "vecedit never loads external entities; remove the reference")
        if is_parameter:
            raise SVGError(f"{name}: the DOCTYPE declares the parameter entity {entity!r}; vecedit expands only "
                           "text entities; remove it")
        if "<" in value:
            raise SVGError(f"{name}: the entity {entity!r} holds markup; vecedit expands only text entities "
                           "(billion-laughs and markup-injection risks); remove it")
        entities.setdefault(entity, value)

    root_at = []

    def stop(*_):
        root_at.append(parser.CurrentByteIndex)
        raise _Declared

    parser.EntityDeclHandler = declared
    parser.StartElementHandler = stop
    try:
        parser.Parse(text, True)
    except (_Declared, expat.ExpatError):  # a malformed file is reported by the real parse
        pass
    body = text.encode("utf-8")[root_at[0]:].decode("utf-8", "replace") if root_at else text
    return entities, body


def _check_expansion(body: str, entities: dict[str, str], name: str) -> None:
    """Refuse a document whose entity references would expand too far (or too deep, or in a loop)."""
    if not entities:
        return
    lengths: dict[str, int] = {}

    def length(entity: str, depth: int, chain: tuple) -> int:
        if entity in _PREDEFINED or entity not in entities:
            return 1  # an undefined one is the parser's error
        if entity in lengths:
            return lengths[entity]
        if entity in chain:
            raise SVGError(f"{name}: the entity {entity!r} refers to itself; remove the loop")
        if depth > MAX_DEPTH:
            raise SVGError(f"{name}: entities are nested more than {MAX_DEPTH} deep; vecedit refuses XML entity "
                           "bombs; remove the entity declarations")
        value = entities[entity]
        total = len(_REF.sub("", value))
        for ref in _REF.findall(value):
            total += length(ref, depth + 1, chain + (entity,))
            if total > MAX_EXPANSION:
                break
        lengths[entity] = total
        return total

    total = 0
    for ref in _REF.findall(body):
        total += length(ref, 1, ())
        if total > MAX_EXPANSION:
            raise SVGError(f"{name}: the entity {ref!r} and the others expand to more than "
                           f"{MAX_EXPANSION // 2**20} MB; vecedit refuses XML entity bombs (billion laughs); "
                           "remove the entity declarations")
