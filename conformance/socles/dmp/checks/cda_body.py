"""N1 (non-structured) CDA body: nonXMLBody/text in base64 (DMP-C04), PDF/A-1 (DMP-C05, checked on the file).

Source: TestContenuCDA N1 example and asserts, IHE XDS-SD, ASS_A12 (specs/dmp.md §3.4, §2.5).
The PDF is opened with pypdf: a body that merely starts with %PDF but cannot be read is not a
PDF a DMP reader will display.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
from collections.abc import Iterable
from xml.parsers.expat import ExpatError

from lxml import etree
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from conformance.formats.pdfa import pdfa_report
from conformance.formats.pdfa_findings import pdfa_findings
from conformance.model import CheckContext, Finding
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc
from .collector import Collector
from .xpaths import first, where

C04, C05 = "DMP-C04", "DMP-C05"
XDS_SD_TEMPLATE = "1.3.6.1.4.1.19376.1.2.20"
# ASS_A12: N1 mediaType -> XDS formatCode (IG-terminologie-de-sante, specs/dmp.md §2.5)
ASS_A12 = {
    "application/pdf": "urn:ihe:iti:xds-sd:pdf:2008",
    "text/plain": "urn:ihe:iti:xds-sd:text:2008",
    "text/rtf": "urn:ihe:iti-fr:xds-sd:rtf:2010",
    "image/jpeg": "urn:ihe:iti-fr:xds-sd:jpeg:2010",
    "image/tiff": "urn:ihe:iti-fr:xds-sd:tiff:2010",
}
_MAGIC = {
    "application/pdf": (b"%PDF-",),
    "text/rtf": (b"{\\rtf",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
}


@check("cda", "dmp", C04, C05)
def check_body(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    out = Collector()
    _body(doc, out)
    return out.finish()


def _body(doc: CdaDoc, out: Collector) -> None:
    body = doc.at("cda:component/cda:nonXMLBody")
    has_sd = any(t.get("root") == XDS_SD_TEMPLATE for t in doc.all("cda:templateId"))
    if body is None:
        if has_sd:
            out.fail(C04, M.text("body.sd-without-body"), where(doc.root, "cda:component/cda:nonXMLBody"))
        return
    out.cover(C04, M.text("body.ok"), where(body))
    if not has_sd:
        out.fail(C04, M.text("body.no-sd-template"), where(doc.root, f"cda:templateId[@root='{XDS_SD_TEMPLATE}']"))
    text = first(body, "cda:text")
    if text is None:
        out.fail(C04, M.text("cda.missing", what="nonXMLBody/text"), where(body, "cda:text"))
        return
    media = text.get("mediaType", "")
    if media not in ASS_A12:
        out.fail(C04, M.text("body.media-type", media=media, allowed=", ".join(ASS_A12)), where(text) + "/@mediaType")
    if text.get("representation") != "B64":
        out.fail(
            C04,
            M.text("body.representation", representation=text.get("representation")),
            where(text) + "/@representation",
        )
        return
    content = decode_body(text)
    if content is None:
        out.fail(C04, M.text("body.not-base64"), where(text))
        return
    if not content:
        out.fail(C04, M.text("cda.empty", what="nonXMLBody/text"), where(text))
        return
    magic = _MAGIC.get(media)
    if magic and not content.startswith(magic):
        out.fail(C04, M.text("body.magic", media=media, head=content[:8]), where(text))
        return
    if media == "application/pdf":
        _pdf(content, out, where(text))


def decode_body(text: etree._Element) -> bytes | None:
    """The decoded bytes of a B64 text element, or None when it is not valid base64."""
    raw = "".join((text.text or "").split())
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None


def _pdf(content: bytes, out: Collector, loc: str) -> None:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        pages = len(reader.pages)
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        AssertionError,
        UnicodeError,
        OSError,
        ExpatError,
    ) as exc:
        out.fail(C04, M.text("body.pdf-unreadable", error=type(exc).__name__, detail=exc), loc)
        return
    if pages < 1:
        out.fail(C04, M.text("body.pdf-no-page"), loc)
        return
    # the XMP declaration alone proves nothing: DMP-C05 judges the file itself
    out.findings.extend(pdfa_findings(pdfa_report(content), C05, loc))
