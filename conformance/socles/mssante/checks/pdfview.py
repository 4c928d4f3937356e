"""A PDF read once, defensively: is it a PDF at all, and what PDF/A part its XMP metadata declares.

pypdf is lenient with broken files and raises many exception types on hostile ones; every failure
becomes a `refused` reason, never an exception, so the rules can report it where they judge.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from lxml import etree
from pypdf import PdfReader

from conformance.formats.xmlsafe import XmlRefused, parse_xml

from .cache import cached

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
MAX_PDF_BYTES = 32 * 1024 * 1024

# pypdf reports every oddity of a hostile file on its logger; our findings say what matters.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass
class PdfView:
    refused: str | None = None
    pdfa_part: str | None = None
    pdfa_conformance: str | None = None
    xmp_problem: str | None = None


def parse_pdf(data: bytes) -> PdfView:
    if len(data) > MAX_PDF_BYTES:
        return PdfView(refused=f"PDF of {len(data)} bytes exceeds the {MAX_PDF_BYTES}-byte limit")
    if data.lstrip()[:5] != b"%PDF-":
        return PdfView(refused="not a PDF file (no %PDF- header)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        root: Any = reader.trailer["/Root"].get_object()
        meta = root.get("/Metadata")
        xmp = meta.get_object().get_data() if meta is not None else None
    except Exception as exc:  # pypdf raises many types on broken files; all mean "unreadable"
        return PdfView(refused=f"PDF cannot be read: {type(exc).__name__}: {exc}")
    view = PdfView()
    if not xmp:
        view.xmp_problem = "the PDF has no XMP metadata stream"
        return view
    try:
        x = parse_xml(bytes(xmp))
    except XmlRefused as exc:
        view.xmp_problem = f"XMP metadata refused: {exc}"
        return view
    view.pdfa_part = _pdfaid(x, "part")
    view.pdfa_conformance = _pdfaid(x, "conformance")
    return view


def _pdfaid(x: etree._Element, name: str) -> str | None:
    for el in x.iter(f"{{{PDFAID}}}{name}"):
        if el.text and el.text.strip():
            return el.text.strip()
    for el in x.iter():
        value = el.get(f"{{{PDFAID}}}{name}")
        if value:
            return value.strip()
    return None


def pdf_view(data: bytes, digest: str | None = None) -> PdfView:
    return cached("pdf", digest or hashlib.sha256(data).hexdigest(), lambda: parse_pdf(data))
