"""Safe XML reading that remembers the source text, and a serializer that reuses it.

Reading always goes through :mod:`defusedxml` (external references are refused);
internal text entities are expanded after :mod:`.entities` has bounded them. Comments and processing instructions stay in the tree.
Beside the :class:`xml.etree.ElementTree.Element` tree, a :class:`SourceMap` keeps, for
every node, the raw source of its start tag, text, end tag and tail, and the
namespace declarations it carried. :func:`serialize` writes a node's raw source
whenever the node still holds the values it was parsed with, so an unedited document
comes back byte for byte, and an edited one differs only where it was edited
(attribute order, quoting, line breaks inside tags and prefixes all kept).
"""

from __future__ import annotations

import codecs
import contextlib
import re
import sys
from dataclasses import dataclass, field
from typing import Optional
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DET
from defusedxml.common import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden

import vecedit.limits as limits
from vecedit.errors import SVGError
from vecedit.svg.entities import check_entities

XML_NS = "http://www.w3.org/XML/1998/namespace"


@contextlib.contextmanager
def recursion_room():
    """Let the recursive tree walks handle the nesting the budget allows (``Limits.depth``; restored afterwards)."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 4000, 16 * limits.current().depth))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


@dataclass
class Span:
    """Raw source of one node and the values it was parsed with."""

    start: int = 0  # byte offsets into the UTF-8 source
    start_end: int = 0
    end_start: int = 0
    end_end: int = 0
    self_closing: bool = False
    ns_decls: list[tuple[str, str]] = field(default_factory=list)  # (prefix, uri) declared here
    tag: object = None
    attrib: tuple = ()
    text: Optional[str] = None  # parsed values of .text / .tail
    tail: Optional[str] = None
    raw_start: str = ""  # raw start tag (whole comment / PI for those)
    raw_end: str = ""
    raw_text: str = ""
    raw_tail: str = ""


@dataclass
class SourceMap:
    spans: dict[Element, Span]
    encoding: str  # codec to write with ("utf-8", "utf-16-le+bom", "iso-8859-1", …; see decode_source)
    original: Optional[tuple[str, bytes]] = None  # (text, bytes) read: written back as they were if unedited


# --- reading -----------------------------------------------------------------------

_DECL_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']""")
# Python codecs that are not ways of writing a document's characters (or that browsers
# refuse to read, like UTF-7): a declaration naming one is refused, not obeyed.
_NOT_DOCUMENT_CODECS = {"punycode", "idna", "utf-7", "unicode-escape", "raw-unicode-escape", "undefined",
                        "mbcs", "oem", "palmos"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# XML 1.0 Appendix F: the first bytes of "<?xml" / "<svg" without a BOM.
_SNIFF = ((b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"), (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"))
BOM_MARK = "+bom"  # codec suffix: the source began with a byte order mark, written back as it was


def document_codec(label: str, name: str) -> str:
    """The Python codec for an XML declaration's encoding label; SVGError if there is none."""
    try:
        info = codecs.lookup(label)
    except LookupError:
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True) or info.name in _NOT_DOCUMENT_CODECS:
        raise SVGError(f"{name}: the XML declaration names encoding {label!r}, which is not a text encoding "
                       "vecedit reads; re-save the file as UTF-8")
    return info.name


def decode_source(data: bytes, name: str) -> tuple[str, str]:
    """Bytes → (text, codec), by BOM, then the XML declaration, then UTF-8 (XML 1.0 §4.3.3, Appendix F).

    The codec ends in :data:`BOM_MARK` when the bytes began with a byte order mark
    (:func:`encode_source` writes it back).
    """
    codec = next((c + BOM_MARK for bom, c in _BOMS if data.startswith(bom)), None)
    body = data[len(next(bom for bom, c in _BOMS if data.startswith(bom))):] if codec else data
    if codec is None:
        sniffed = next((c for head, c in _SNIFF if data.startswith(head)), None)
        if sniffed is not None:
            codec = sniffed  # UTF-16/32 without a BOM: the declaration cannot be read as ASCII
        else:
            m = _DECL_ENCODING.match(data.lstrip()[:400])
            codec = document_codec(m.group(1).decode("ascii"), name) if m else "utf-8"
    try:
        text = body.decode(codec.removesuffix(BOM_MARK))
    except UnicodeError as e:
        where = f" (byte {e.start})" if isinstance(e, UnicodeDecodeError) else ""
        raise SVGError(f"{name}: the file is not valid {codec.removesuffix(BOM_MARK)} text{where}; re-save it as UTF-8") from None
    return text, codec


def encode_source(text: str, codec: str) -> bytes:
    """Text → bytes in *codec* (as :func:`decode_source` named it, BOM included)."""
    base = codec.removesuffix(BOM_MARK)
    bom = next((b for b, c in _BOMS if c == base), b"") if codec.endswith(BOM_MARK) else b""
    return bom + text.encode(base, errors="xmlcharrefreplace")


_TAG_STOP = re.compile(rb"[\"'>]")


def _tag_end(src: bytes, i: int) -> int:
    """Index just past the ``>`` closing the tag that starts at *i* (quotes respected); jumps from
    quote to quote with C-speed searches (a byte loop took 16 s over 50 MB of attribute values)."""
    n = len(src)
    while i < n:
        stop = _TAG_STOP.search(src, i)
        if stop is None:
            return n
        at = stop.start()
        if src[at] == 0x3E:
            return at + 1
        close = src.find(src[at:at + 1], at + 1)
        if close < 0:
            return n
        i = close + 1
    return n


class _Target:
    """ElementTree parser target: builds the tree and records byte positions."""

    def __init__(self, src: bytes):
        self.src = src
        self.builder = ET.TreeBuilder(insert_comments=True, insert_pis=True)
        self.parser = None  # the expat parser, set after construction
        self.spans: dict[Element, Span] = {}
        self.pending_ns: list[tuple[str, str]] = []
        self.namespaces: dict[str, str] = {}
        self.depth = 0
        self.elements = 0
        self.limits = limits.current()
        self.root_span: Optional[Span] = None
        self.stack: list[Span] = []

    def _pos(self) -> int:
        return self.parser.CurrentByteIndex

    def start_ns(self, prefix: str, uri: str) -> None:
        self.pending_ns.append((prefix, uri))
        self.namespaces.setdefault(prefix, uri)

    def start(self, tag, attrib):
        self.depth += 1
        self.elements += 1
        self.limits.check("depth", self.depth, "elements nest deeper than the budget")
        self.limits.check("elements", self.elements, "the document has more elements than the budget")
        el = self.builder.start(tag, attrib)
        pos = self._pos()
        end = _tag_end(self.src, pos)
        span = Span(start=pos, start_end=end, self_closing=self.src[end - 2 : end] == b"/>",
                    ns_decls=self.pending_ns, tag=tag, attrib=tuple(attrib.items()))
        self.pending_ns = []
        self.spans[el] = span
        self.root_span = self.root_span or span
        self.stack.append(span)
        return el

    def end(self, tag):
        self.depth -= 1
        span = self.stack.pop()
        if span.self_closing:
            span.end_start = span.end_end = span.start_end
        else:
            span.end_start = self._pos()
            span.end_end = _tag_end(self.src, span.end_start)
        return self.builder.end(tag)

    def data(self, data):
        self.builder.data(data)

    def _single(self, el, closer: bytes) -> None:
        if el is None or not self.stack:  # outside the root: part of the prolog/epilog text
            return
        pos = self._pos()
        end = self.src.find(closer, pos)
        end = len(self.src) if end < 0 else end + len(closer)
        self.spans[el] = Span(start=pos, start_end=end, end_start=end, end_end=end, self_closing=True,
                              tag=el.tag, text=el.text)

    def comment(self, text):
        el = self.builder.comment(text)
        self._single(el, b"-->")
        return el

    def pi(self, target, text=None):
        el = self.builder.pi(target, text)
        self._single(el, b"?>")
        return el

    def close(self):
        return self.builder.close()


def _fill_raw(root: Element, spans: dict[Element, Span], src: bytes) -> None:
    """Record raw start/end tags, text and tails from the byte positions."""
    dec = lambda a, b: src[a:b].decode("utf-8")  # noqa: E731
    for el in root.iter():
        span = spans.get(el)
        if span is None:
            continue
        span.raw_start = dec(span.start, span.start_end)
        span.raw_end = dec(span.end_start, span.end_end)
        span.text, span.tail = el.text, el.tail
        children = [c for c in el if c in spans]
        text_stop = spans[children[0]].start if children else span.end_start
        span.raw_text = dec(span.start_end, text_stop) if not span.self_closing or children else ""
        for i, child in enumerate(children):
            nxt = spans[children[i + 1]].start if i + 1 < len(children) else span.end_start
            spans[child].raw_tail = dec(spans[child].end_end, nxt)


def _xml_error_message(name: str, err: ET.ParseError) -> str:
    line, column = getattr(err, "position", (0, 0))
    reason = str(err).split(": line")[0]
    if reason == "no element found" and line <= 1 and column == 0:
        return f"{name}: the file is empty, not XML; give an SVG file"
    return f"{name}: not well-formed XML at line {line}, column {column + 1}: {reason}; fix the file or re-export it"


def read_xml(text: str, name: str) -> tuple[Element, SourceMap, dict[str, str], str, str]:
    """Parse XML safely → (root, source map, namespaces, prolog, epilog).

    Raises :class:`SVGError` for malformed XML, external or parameter entities and
    entity expansions past :data:`vecedit.svg.entities.MAX_EXPANSION` (billion laughs).
    """
    if not text.strip():
        raise SVGError(f"{name}: the file is empty, not XML; give an SVG file")
    nul = text.find("\x00")
    if nul >= 0:  # never allowed in XML; expat would stop at it or pass it through, never round-trip it
        raise SVGError(f"{name}: the text holds a NUL character at character {nul} (UTF-16 data read as another "
                       "encoding?); re-save the file as UTF-8")
    try:
        src = text.encode("utf-8")
    except UnicodeEncodeError as e:
        raise SVGError(f"{name}: the text holds a lone surrogate (U+{ord(text[e.start]):04X} at character {e.start}), "
                       "which is not a character; re-save the file as UTF-8") from None
    check_entities(text, name)
    target = _Target(src)
    parser = DET.DefusedXMLParser(target=target, forbid_dtd=False, forbid_entities=False, forbid_external=True)
    target.parser = parser.parser
    try:
        parser.feed(text)
        root = parser.close()
    except EntitiesForbidden as e:
        what = f"an external entity ({e.sysid})" if e.sysid else f"the entity {e.name!r}"
        raise SVGError(f"{name}: the DOCTYPE declares {what}; vecedit refuses XML entities for safety (billion-laughs and file-disclosure attacks); remove the entity declarations") from None
    except ExternalReferenceForbidden as e:
        raise SVGError(f"{name}: the file references an external resource ({e.sysid}); vecedit never loads external entities; remove the reference") from None
    except DefusedXmlException as e:
        raise SVGError(f"{name}: the XML uses a construct vecedit refuses for safety ({type(e).__name__}); remove it") from None
    except ET.ParseError as e:
        raise SVGError(_xml_error_message(name, e)) from None
    except SVGError as e:
        raise SVGError(f"{name}: {e}; simplify the file") from None
    except limits.LimitError as e:
        raise limits.LimitError(f"{name}: {e}") from None
    _fill_raw(root, target.spans, src)
    rs = target.spans[root]
    prolog = src[: rs.start].decode("utf-8")
    epilog = src[rs.end_end :].decode("utf-8")
    return root, SourceMap(target.spans, "utf-8"), target.namespaces, prolog, epilog


# --- writing -----------------------------------------------------------------------

_RAW_ATTR = re.compile(r"""(\s+)([^\s=/>]+)(\s*=\s*)("[^"]*"|'[^']*')""")
_TAG_HEAD = re.compile(r"<[^\s/>]+")


def escape_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_attr(s: str) -> str:
    s = escape_text(s).replace('"', "&quot;")
    return s.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")


def _raw_prefix(span: Optional[Span]) -> Optional[str]:
    """The prefix the element's tag had in the source (``"svg"`` for ``<svg:rect``)."""
    if span is None or not span.raw_start.startswith("<"):
        return None
    m = _TAG_HEAD.match(span.raw_start)
    qname = m.group(0)[1:] if m else ""
    return qname.split(":", 1)[0] if ":" in qname else ""


def _split_clark(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        uri, local = name[1:].split("}", 1)
        return uri, local
    return "", name


class _Writer:
    def __init__(self, source: Optional[SourceMap], root_namespaces: dict[str, str]):
        self.spans = source.spans if source else {}
        self.root_namespaces = root_namespaces
        self.out: list[str] = []
        self._fresh = 0

    # A namespace scope is a dict prefix -> uri ("" for the default namespace), in
    # declaration order (a redeclared prefix moves to the end).
    def _qname(self, name: str, scope: dict[str, str], decls: list[tuple[str, str]], is_attr: bool,
               preferred: Optional[str] = None) -> str:
        """Qualified name for a Clark name ``{uri}local``; declares a prefix if none is in scope."""
        uri, local = _split_clark(name)
        if not uri:
            return local
        if uri == XML_NS:
            return f"xml:{local}"
        if preferred is not None and scope.get(preferred) == uri and not (is_attr and preferred == ""):
            prefix = preferred
        elif not is_attr and scope.get("") == uri:
            prefix = ""
        else:
            prefix = next((p for p, u in reversed(scope.items()) if u == uri and p), None)
            if prefix is None:
                self._fresh += 1
                prefix = f"ns{self._fresh}"
                while prefix in scope:
                    self._fresh += 1
                    prefix = f"ns{self._fresh}"
                scope[prefix] = uri
                decls.append((prefix, uri))
        return f"{prefix}:{local}" if prefix else local

    def write(self, el: Element, scope: dict[str, str], is_root: bool = False) -> None:
        span = self.spans.get(el)
        if el.tag is ET.Comment or el.tag is ET.ProcessingInstruction:
            if span is not None and span.text == el.text:
                self.out.append(span.raw_start)
            elif el.tag is ET.Comment:
                self.out.append(f"<!--{el.text or ''}-->")
            else:
                self.out.append(f"<?{el.text or ''}?>")
            self._tail(el, span)
            return
        scope = dict(scope)
        decls = list(span.ns_decls) if span is not None else []
        if span is None and is_root:
            decls = [(p, u) for p, u in self.root_namespaces.items()]
        for prefix, uri in decls:
            scope.pop(prefix, None)
            scope[prefix] = uri
        empty = len(el) == 0 and not el.text
        if span is not None and span.tag == el.tag and span.attrib == tuple(el.attrib.items()) and (
            not span.self_closing or empty
        ):
            self.out.append(span.raw_start)
            closed_in_start = span.self_closing
        else:
            closed_in_start = self._start_tag(el, span, scope, decls, empty)
        if el.text:
            use_raw = span is not None and span.text == el.text and span.raw_text
            self.out.append(span.raw_text if use_raw else escape_text(el.text))
        for child in el:
            self.write(child, scope)
        if not closed_in_start:
            if span is not None and span.tag == el.tag and span.raw_end:
                self.out.append(span.raw_end)
            else:
                self.out.append(f"</{self._qname(el.tag, scope, [], False, _raw_prefix(span))}>")
        if not is_root:
            self._tail(el, span)

    def _tail(self, el: Element, span: Optional[Span]) -> None:
        if el.tail:
            use_raw = span is not None and span.tail == el.tail and span.raw_tail
            self.out.append(span.raw_tail if use_raw else escape_text(el.tail))

    def _start_tag(self, el: Element, span: Optional[Span], scope, decls, empty: bool) -> bool:
        """Write a regenerated start tag, reusing raw attribute text where unchanged.

        Returns True when the tag was written self-closing.
        """
        pieces: list[str] = []
        written: set[str] = set()
        sep = " "
        if span is not None:
            raw_attrs = _RAW_ATTR.findall(span.raw_start)
            old_names = [k for k, _ in span.attrib]
            old_values = dict(span.attrib)
            i = 0
            for ws, qname, eq, raw in raw_attrs:
                sep = ws
                if qname == "xmlns" or qname.startswith("xmlns:"):
                    pieces.append(f"{ws}{qname}{eq}{raw}")
                    continue
                if i >= len(old_names):
                    break
                key = old_names[i]
                i += 1
                if key not in el.attrib:
                    continue
                written.add(key)
                if el.attrib[key] == old_values[key]:
                    pieces.append(f"{ws}{qname}{eq}{raw}")
                else:
                    pieces.append(f'{ws}{qname}{eq}"{escape_attr(el.attrib[key])}"')
        else:
            for prefix, uri in decls:
                pieces.append(f' xmlns:{prefix}="{escape_attr(uri)}"' if prefix else f' xmlns="{escape_attr(uri)}"')
        new_decls: list[tuple[str, str]] = []
        for key, value in el.attrib.items():
            if key not in written:
                pieces.append(f'{sep}{self._qname(key, scope, new_decls, True)}="{escape_attr(value)}"')
        tag = self._qname(el.tag, scope, new_decls, False, _raw_prefix(span))
        for prefix, uri in new_decls:
            pieces.insert(0, f' xmlns:{prefix}="{escape_attr(uri)}"')
        self_closing = empty and (span is None or span.self_closing)
        # the source's spacing before the tag's end (``stroke="x"\n>``) stays as written
        m = re.search(r"(\s*)/?>$", span.raw_start) if span is not None else None
        ending = (m.group(1) if m else "") + ("/>" if self_closing else ">")
        self.out.append(f"<{tag}{''.join(pieces)}{ending}")
        return self_closing


def serialize(root: Element, source: Optional[SourceMap], namespaces: dict[str, str]) -> str:
    """The XML text of *root* (without prolog). *namespaces* (prefix → uri) are
    declared on the root when it has no recorded source."""
    namespaces = dict(namespaces)
    root_uri, _ = _split_clark(root.tag) if isinstance(root.tag, str) else ("", "")
    if root_uri and root_uri not in namespaces.values() and "" not in namespaces:
        namespaces[""] = root_uri  # a tree built in code: make its namespace the default
    w = _Writer(source, namespaces)
    w.write(root, {"xml": XML_NS}, is_root=True)
    return "".join(w.out)
