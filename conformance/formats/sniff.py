"""What a file is, from its content: the artifact kinds every socle shares.

`Sniffed` looks at a file once. XML is recognised by a bounded streaming parse (lxml's pull
parser with the hardened parser's settings: no DTD loading, no entity expansion, no network), so
that whatever precedes the root element (declaration, comments, processing instructions, a
doctype) costs linear time and a comment longer than any byte window cannot hide a CDA. The parse
stops as soon as the outline it needs is known (the root element, and for an envelope or an XSL
stylesheet the elements just under it) or after `XML_SNIFF_LIMIT` bytes. JSON is recognised by its
first token. Each kind is a predicate over `Sniffed`; the generic formats (e-mail, zip archive,
CDA, SOAP, SAML assertion, FHIR, PDF) are defined here and a socle adds kinds of its own through
its `kinds` hook (`Socle.kinds`), for instance a query that refines the SOAP kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property

from lxml import etree

from conformance.engine.messages import M
from conformance.formats.mime import looks_like_message
from conformance.messages import Text
from conformance.socle import Kind

SNIFF_BYTES = 65536  # `Sniffed.head`: what byte-level sniffers (magic numbers, mail headers) may read
XML_SNIFF_LIMIT = 4 * 1024 * 1024  # at most this much XML is fed to the pull parser to find the outline
_CHUNK = 16384
OUTLINE_DEPTH = 3  # root = 1; an envelope's Body child is at depth 3
OUTLINE_ELEMENTS = 64  # element starts kept (depth <= OUTLINE_DEPTH), enough for any header before a Body
HL7 = "urn:hl7-org:v3"
XSL = "http://www.w3.org/1999/XSL/Transform"
SOAP_ENVELOPES = ("http://www.w3.org/2003/05/soap-envelope", "http://schemas.xmlsoap.org/soap/envelope/")
_BLANKS = b"\xef\xbb\xbf \t\r\n"


@dataclass(frozen=True)
class XmlOutline:
    """The first elements of an XML document: (depth, namespace, local name), root first."""

    elements: tuple[tuple[int, str, str], ...]
    error: str = ""  # why the parse stopped early ("" when it stopped because it knew enough)

    @property
    def root(self) -> tuple[str, str]:
        return self.elements[0][1:]

    def children(self, depth: int) -> list[tuple[str, str]]:
        return [(ns, name) for d, ns, name in self.elements if d == depth]


def _pull_parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("start",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
    )


def _enough(elements: list[tuple[int, str, str]]) -> bool:
    """The outline says what the document is: a plain root, an envelope's Body child, an XSL
    stylesheet's embedded ClinicalDocument."""
    root_ns, root = elements[0][1:]
    if root_ns in SOAP_ENVELOPES and root == "Envelope":
        return any(d == OUTLINE_DEPTH for d, _, _ in elements)
    if root_ns == XSL and root in ("stylesheet", "transform"):
        return any(d in (2, 3) and (ns, n) == (HL7, "ClinicalDocument") for d, ns, n in elements)
    return True


def xml_outline(data: bytes, start: int = 0, limit: int = XML_SNIFF_LIMIT) -> XmlOutline | None:
    """The outline of the XML in `data[start:]`, or None when no element starts within `limit` bytes.

    Linear in the bytes read: libxml2 streams the prologue, whatever it holds.
    """
    parser = _pull_parser()
    elements: list[tuple[int, str, str]] = []
    end = min(len(data), start + limit)
    pos = start
    error = ""
    while pos < end and not error:
        try:
            parser.feed(data[pos : min(end, pos + _CHUNK)])
            if pos + _CHUNK >= len(data):
                parser.close()
        except etree.XMLSyntaxError as exc:
            error = str(exc) or "malformed XML"
        pos += _CHUNK
        for _, el in parser.read_events():  # the events before a syntax error still count
            if len(elements) < OUTLINE_ELEMENTS and (depth := _depth(el)) <= OUTLINE_DEPTH:
                try:
                    q = etree.QName(el)
                except ValueError:  # a name lxml's recovery kept but will not name ('evil:a', undeclared prefix)
                    error = error or f"invalid element name {el.tag!r}"
                    break
                elements.append((depth, q.namespace or "", q.localname))
        if elements and (_enough(elements) or len(elements) >= OUTLINE_ELEMENTS):
            break
    if not elements:
        return None
    return XmlOutline(tuple(elements), error)


def _depth(el: etree._Element) -> int:
    depth = 1
    parent = el.getparent()
    while parent is not None:
        depth += 1
        parent = parent.getparent()
    return depth


def _mtom_xml_start(head: bytes) -> int | None:
    """Where the root part's XML starts in a saved MTOM body (`--boundary`, part headers naming
    application/xop+xml, blank line), or None when the bytes are not such a body."""
    if not head.startswith(b"--"):
        return None
    for sep in (b"\r\n\r\n", b"\n\n"):
        idx = head.find(sep, 0, 8192)
        if idx >= 0:
            headers = head[:idx].lower()
            return idx + len(sep) if b"application/xop+xml" in headers else None
    return None


@dataclass(frozen=True)
class Sniffed:
    """One file as the kind predicates see it (computed lazily, once)."""

    name: str
    data: bytes

    @cached_property
    def head(self) -> bytes:
        return self.data[:SNIFF_BYTES]

    @cached_property
    def offset(self) -> int:
        """Where the content starts after a byte-order mark and blanks."""
        return len(self.head) - len(self.head.lstrip(_BLANKS))

    @cached_property
    def stripped(self) -> bytes:
        return self.head[self.offset :]

    @cached_property
    def mtom_xml(self) -> int | None:
        return _mtom_xml_start(self.stripped)

    @cached_property
    def xml(self) -> XmlOutline | None:
        """The outline of the XML document, or of the SOAP envelope of a saved MTOM body."""
        if self.stripped.startswith(b"<"):
            return xml_outline(self.data, self.offset)
        if self.mtom_xml is not None:
            return xml_outline(self.data, self.offset + self.mtom_xml)
        return None

    @property
    def xml_root(self) -> bytes | None:
        """Local name of the root element of an XML file (not of an MTOM body), as bytes."""
        if not self.stripped.startswith(b"<") or self.xml is None:
            return None
        return self.xml.root[1].encode()

    def is_mtom(self) -> bool:
        return self.mtom_xml is not None


def is_cda_outline(outline: XmlOutline | None) -> bool:
    """A CDA R2 document: root hl7:ClinicalDocument, or the ANS self-presentable form (an XSL
    stylesheet carrying the hl7:ClinicalDocument as a top-level element or inside one, as the ANS
    examples do: /xsl:stylesheet/data:Contenu/cda:ClinicalDocument)."""
    if outline is None:
        return False
    if outline.root == (HL7, "ClinicalDocument"):
        return True
    embedded = (HL7, "ClinicalDocument") in outline.children(2) + outline.children(3)
    return outline.root in ((XSL, "stylesheet"), (XSL, "transform")) and embedded


def is_cda_bytes(data: bytes) -> bool:
    """What a document part or an archive member is, from its content (never from a byte window)."""
    return is_cda_outline(Sniffed("", data).xml)


def soap_body(outline: XmlOutline | None) -> tuple[str, str] | None:
    """(namespace, local name) of the first element of a SOAP Body, when the outline reaches it."""
    if outline is None or outline.root[0] not in SOAP_ENVELOPES or outline.root[1] != "Envelope":
        return None
    seen_body = False
    for depth, ns, name in outline.elements:
        if depth == 2:
            seen_body = (ns, name) == (outline.root[0], "Body")
        elif depth == 3 and seen_body:
            return (ns, name)
    return None


def content_kind(data: bytes) -> str:
    """What a document holds, by its content: cda, xsl-cda (self-presentable), xsl, html, xml, pdf or other."""
    s = Sniffed("", data)
    if s.stripped.startswith(b"%PDF-"):
        return "pdf"
    outline = s.xml if s.stripped.startswith(b"<") else None
    if outline is None:
        return "other"
    if is_cda_outline(outline):
        return "cda" if outline.root == (HL7, "ClinicalDocument") else "xsl-cda"
    if outline.root[1].lower() == "html":  # XHTML or HTML that happens to parse: a web page, not data
        return "html"
    return "xsl" if outline.root[0] == XSL else "xml"


# what each declared MIME type may hold, whatever the exchange (a socle may be stricter)
ACCEPTS: dict[str, tuple[str, ...]] = {
    "text/xml": ("cda", "xsl-cda", "xsl", "xml"),
    "application/xml": ("cda", "xsl-cda", "xsl", "xml"),
    "application/xslt+xml": ("xsl-cda", "xsl"),
    "application/pdf": ("pdf",),
    "text/html": ("html",),
}


def content_words(kind: str) -> Text:
    """A content kind (`content_kind`) in words, for the findings of the socles' MIME type rules."""
    words = {
        "cda": M.text("content.cda"),
        "xsl-cda": M.text("content.xsl-cda"),
        "xsl": M.text("content.xsl"),
        "html": M.text("content.html"),
        "xml": M.text("content.xml"),
        "pdf": M.text("content.pdf"),
    }
    return words.get(kind) or M.text("content.other")


def mime_contradiction(declared: str, data: bytes, accepts: Mapping[str, tuple[str, ...]] | None = None) -> str | None:
    """The content kind of `data` when the declared MIME type says otherwise (None: they agree, or
    the MIME type is one these rules do not know). `accepts` overrides `ACCEPTS` type by type."""
    key = declared.strip().lower()
    allowed = {**ACCEPTS, **(accepts or {})}.get(key)
    found = content_kind(data)
    return found if allowed is not None and found not in allowed else None


def _zip(s: Sniffed) -> bool:
    return s.head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _pdf(s: Sniffed) -> bool:
    return s.stripped.startswith(b"%PDF-")


def _cda(s: Sniffed) -> bool:
    return s.stripped.startswith(b"<") and is_cda_outline(s.xml)


def _soap(s: Sniffed) -> bool:
    return s.xml is not None and s.xml.root[1] == "Envelope" and s.xml.root[0] in SOAP_ENVELOPES


def _vihf(s: Sniffed) -> bool:
    return s.xml_root == b"Assertion"


def _fhir(s: Sniffed) -> bool:
    """JSON whose first token opens an object (the FHIR reader refuses one without resourceType)."""
    return s.stripped.startswith(b"{")


def _email(s: Sniffed) -> bool:
    return not s.stripped.startswith((b"<", b"{")) and looks_like_message(s.head)


# the generic kinds, in the order they are tried (a socle's kind with a lower order comes first)
GENERIC: tuple[tuple[Kind, Callable[[Sniffed], bool]], ...] = (
    (Kind("xdm", "IHE_XDM zip archive", "archive zip IHE_XDM", order=10, extensions=(".zip",)), _zip),
    (Kind("pdf", "PDF document", "document PDF", order=20, extensions=(".pdf",)), _pdf),
    (Kind("cda", "CDA R2 document", "document CDA R2", order=30, extensions=()), _cda),
    (Kind("soap", "SOAP request", "requête SOAP", order=50), _soap),
    (Kind("vihf", "SAML assertion (VIHF)", "assertion SAML (VIHF)", order=60), _vihf),
    (Kind("fhir", "FHIR resource", "ressource FHIR", order=70, extensions=(".json",)), _fhir),
    (Kind("email", "e-mail message", "courriel", order=90, extensions=(".eml", ".msg")), _email),
)
