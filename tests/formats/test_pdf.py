"""The PDF a DUI prints: real PDF/A-1b (the harness's rules and, when installed, Apache PDFBox Preflight),
reproducible, paddable, and the same builder for every socle."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree
from pypdf import PdfReader

from conformance.formats import preflight
from conformance.formats.pdf import PRODUCER, _kept_pdf, build_pdf, fonts
from conformance.formats.pdfa import check_pdfa
from conformance.formats.xmlsafe import parse_xml

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


@pytest.mark.requirements("MSS-DOC-03", "DMP-C05", "EP-28")
def test_is_pdfa_1b_by_the_harness_rules() -> None:
    data = _pdf()
    report = check_pdfa(data)
    assert report.conforms, report.problems
    assert (report.part, report.conformance) == ("1", "B")
    reader = PdfReader(io.BytesIO(data))
    xmp = _xmp(data)
    assert (_pdfaid(xmp, "part"), _pdfaid(xmp, "conformance")) == ("1", "B")
    assert "2026-11-20T09:30:00+00:00" in etree.tostring(xmp).decode() and PRODUCER in etree.tostring(xmp).decode()
    intent = _catalog(data)["/OutputIntents"][0].get_object()
    icc = intent["/DestOutputProfile"].get_object().get_data()
    assert intent["/S"] == "/GTS_PDFA1" and icc[8] == 2  # ICC version 2
    fonts_used = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts_used.values():
        cid = ref.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in cid["/FontDescriptor"].get_object()  # embedded TrueType
    assert "/Group" not in reader.pages[0]  # no transparency group
    text = reader.pages[0].extract_text()
    assert "MARTIN-ESSAI" in text and "œ" in text and "?" in text  # the snowman is replaced, not fatal


@pytest.mark.requirements("MSS-DOC-03")
def test_undeclared_when_asked() -> None:
    data = _pdf(pdfa=False)
    assert _pdfaid(_xmp(data), "part") is None
    assert [p.clause for p in check_pdfa(data).problems] == ["6.7.11", "6.7.11"]


def test_reproducible_and_paddable() -> None:
    first = _pdf()
    _kept_pdf.cache_clear()  # made again, not the kept one: the same bytes (what keeping documents relies on)
    assert _pdf() == first
    plain, padded = _pdf(), _pdf(padding=50_000)
    assert 50_000 <= len(padded) - len(plain) <= 50_010
    assert PdfReader(io.BytesIO(padded)).pages[0].extract_text()
    assert check_pdfa(padded).conforms


def test_fonts_are_kept_in_the_cache(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONFORMANCE_FONT_CACHE", str(tmp_path))
    fonts.cache_clear()
    try:
        made = fonts()
        assert made.regular.parent.parent == tmp_path and made.regular.stat().st_size > 5_000
        fonts.cache_clear()
        assert fonts() == made  # read back, not made again
    finally:
        fonts.cache_clear()


def _preflight() -> preflight.Preflight:
    try:
        return preflight.find("preflight")
    except preflight.PreflightUnavailable as exc:
        pytest.skip(f"Apache PDFBox Preflight is not installed: {exc}")


@pytest.mark.requirements("MSS-DOC-03", "DMP-C05", "EP-28")
def test_preflight_confirms_pdfa_1b() -> None:
    """The reference DUI's PDFs pass Apache PDFBox Preflight (skips without libpdfbox2-java)."""
    from tests.mutations.pdf import ordonnance

    tool = _preflight()
    for data in (_pdf(), ordonnance()):
        verdict = tool.validate(data)
        assert verdict.valid is True, verdict
