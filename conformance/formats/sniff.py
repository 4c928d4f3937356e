"""What a file is, from its first bytes: the artifact kinds every socle shares.

`Sniffed` reads the head of a file once (BOM and blanks stripped, XML root element name); each kind
is a predicate over it. The generic formats (e-mail, zip archive, CDA, SOAP, SAML assertion, FHIR,
PDF) are defined here; a socle adds kinds of its own through its `kinds` hook (`Socle.kinds`), for
instance a query that refines the SOAP kind and must be tried before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from conformance.formats.mime import looks_like_message
from conformance.socle import Kind

SNIFF_BYTES = 65536
_XML_ROOT = re.compile(rb"<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
_PROLOG = re.compile(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.S)


@dataclass(frozen=True)
class Sniffed:
    name: str
    head: bytes

    @cached_property
    def stripped(self) -> bytes:
        return self.head.lstrip(b"\xef\xbb\xbf \t\r\n")

    @cached_property
    def xml_root(self) -> bytes | None:
        """Local name of the root element, the prolog (declaration, PIs, comments, doctype) skipped."""
        if not self.stripped.startswith(b"<"):
            return None
        m = _XML_ROOT.search(_PROLOG.sub(b"", self.stripped))
        return m.group(1) if m else None

    def is_mtom(self) -> bool:
        lowered = self.head[:8192].lower()
        return b"application/xop+xml" in lowered and (b"soap" in lowered or b"envelope" in lowered)


def _zip(s: Sniffed) -> bool:
    return s.head.startswith((b"PK\x03\x04", b"PK\x05\x06"))


def _pdf(s: Sniffed) -> bool:
    return s.stripped.startswith(b"%PDF-")


def _cda(s: Sniffed) -> bool:
    return s.xml_root == b"ClinicalDocument"


def _soap(s: Sniffed) -> bool:
    if s.xml_root is not None:
        return s.xml_root == b"Envelope"
    return s.is_mtom() and (s.stripped.startswith(b"--") or b"multipart/related" in s.head[:4096].lower())


def _vihf(s: Sniffed) -> bool:
    return s.xml_root == b"Assertion"


def _fhir(s: Sniffed) -> bool:
    return s.stripped.startswith(b"{") and re.search(rb'"resourceType"\s*:', s.head) is not None


def _email(s: Sniffed) -> bool:
    return s.xml_root is None and not s.stripped.startswith(b"{") and looks_like_message(s.head)


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
