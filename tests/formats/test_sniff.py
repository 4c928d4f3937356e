"""What a file is, by a bounded streaming parse: outlines, MTOM root parts, content kinds, MIME contradictions."""

from __future__ import annotations

import pytest

from conformance.formats.sniff import (
    Sniffed,
    content_kind,
    content_words,
    is_cda_bytes,
    mime_contradiction,
    soap_body,
    xml_outline,
)

HL7 = b"<ClinicalDocument xmlns='urn:hl7-org:v3'><id/></ClinicalDocument>"
XSL = b"http://www.w3.org/1999/XSL/Transform"
PDF = b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n"


def test_the_outline_stops_once_it_knows() -> None:
    outline = xml_outline(b"<?xml version='1.0'?><!-- c --><a><b><c/></b></a>")
    assert outline is not None and outline.root == ("", "a") and outline.elements[0] == (1, "", "a")
    # a huge document is not read past its root: the rest may even be broken
    assert xml_outline(b"<a>" + b"<b>" * 200_000) is not None


def test_a_malformed_start_is_no_outline_and_elements_before_an_error_count() -> None:
    assert xml_outline(b"<?" + b"x" * 1000) is None
    partial = xml_outline(b"<a><b></a>")
    assert partial is not None and partial.root == ("", "a")


def test_the_limit_is_honoured() -> None:
    assert xml_outline(b"<!--" + b" " * 5000 + b"--><a/>", limit=1000) is None


def test_mtom_root_part_is_sniffed() -> None:
    body = (
        b'--b\r\nContent-Type: application/xop+xml; type="application/soap+xml"\r\n\r\n'
        b"<s:Envelope xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Body>"
        b"<x:RetrieveDocumentSetRequest xmlns:x='urn:ihe:iti:xds-b:2007'/></s:Body></s:Envelope>\r\n--b--\r\n"
    )
    s = Sniffed("req", body)
    assert s.is_mtom() and s.xml_root is None  # not an XML file itself
    assert soap_body(s.xml) == ("urn:ihe:iti:xds-b:2007", "RetrieveDocumentSetRequest")


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (HL7, "cda"),
        (b"<xsl:stylesheet xmlns:xsl='" + XSL + b"'>" + HL7 + b"</xsl:stylesheet>", "xsl-cda"),
        (b"<xsl:stylesheet xmlns:xsl='" + XSL + b"'/>", "xsl"),
        (b"<html><body/></html>", "html"),
        (b"<x:html xmlns:x='http://www.w3.org/1999/xhtml'/>", "html"),
        (b"<a/>", "xml"),
        (PDF, "pdf"),
        (b"\x89PNG\r\n", "other"),
    ],
)
def test_content_kind(data: bytes, kind: str) -> None:
    assert content_kind(data) == kind
    assert content_words(kind).en and content_words(kind).fr


def test_mime_contradictions() -> None:
    assert mime_contradiction("text/xml", HL7) is None
    assert mime_contradiction("text/xml", b"<html/>") == "html"
    assert mime_contradiction("application/pdf", HL7) == "cda"
    assert mime_contradiction("TEXT/XML ", PDF) == "pdf"
    assert mime_contradiction("application/x-unknown", PDF) is None  # a type these rules do not know
    assert mime_contradiction("text/xml", b"<a/>", {"text/xml": ("cda",)}) == "xml"  # a stricter socle


def test_is_cda_bytes_reads_past_any_window() -> None:
    assert is_cda_bytes(b"<!--" + b"x" * 200_000 + b"-->" + HL7)
    assert not is_cda_bytes(b"<Document>ClinicalDocument</Document>")
