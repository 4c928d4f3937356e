"""The PDF a DUI prints: readable by pypdf, PDF/A-1b declared in XMP, reproducible, paddable."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree
from pypdf import PdfReader

from conformance.formats.xmlsafe import parse_xml
from conformance.socles.mssante.build.pdf import PRODUCER, build_pdf

PDFAID = "http://www.aiim.org/pdfa/ns/id/"
CREATED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _pdf(*, pdfa: bool = True, padding: int = 0) -> bytes:
    return build_pdf(
        "Lettre de liaison à la sortie d’un établissement",
        ["Usager : MARTIN-ESSAI Jeanne", "Texte avec œ, € et ☃ (hors WinAnsi)", "x" * 300],
        author="Claire COORDO-ESSAI",
        created=CREATED,
        pdfa=pdfa,
        padding=padding,
    )


def _catalog(data: bytes) -> Any:
    return PdfReader(io.BytesIO(data)).trailer["/Root"].get_object()


def _xmp(data: bytes) -> etree._Element:
    return parse_xml(bytes(_catalog(data)["/Metadata"].get_object().get_data()))


def _pdfaid(xmp: etree._Element, name: str) -> str | None:
    values = [d.get(f"{{{PDFAID}}}{name}") for d in xmp.iter() if d.get(f"{{{PDFAID}}}{name}")]
    return values[0] if values else None


@pytest.mark.requirements("MSS-DOC-03")
def test_declares_pdfa_1b() -> None:
    data = _pdf()
    reader = PdfReader(io.BytesIO(data))
    assert data.startswith(b"%PDF-1.4")
    xmp = _xmp(data)
    assert (_pdfaid(xmp, "part"), _pdfaid(xmp, "conformance")) == ("1", "B")
    info = reader.metadata
    assert info is not None and info.producer == PRODUCER and info.creation_date == CREATED
    assert "2026-11-20T09:30:00+00:00" in etree.tostring(xmp).decode()
    intents = _catalog(data).get("/OutputIntents")
    assert intents is None or intents[0].get_object()["/S"] == "/GTS_PDFA1"
    text = reader.pages[0].extract_text()
    assert "MARTIN-ESSAI" in text and "œ" in text and "?" in text  # the snowman is replaced, not fatal


@pytest.mark.requirements("MSS-DOC-03")
def test_undeclared_when_asked() -> None:
    xmp = _xmp(_pdf(pdfa=False))
    assert _pdfaid(xmp, "part") is None


def test_reproducible_and_paddable() -> None:
    assert _pdf() == _pdf()
    plain, padded = _pdf(), _pdf(padding=50_000)
    assert 50_000 <= len(padded) - len(plain) <= 50_010
    assert PdfReader(io.BytesIO(padded)).pages[0].extract_text()
