"""The certificate in a real browser: headless Chromium prints it (page numbers) and takes a screenshot.

Skips when Chromium is absent (.ci/run installs the Debian package). With CONFORMANCE_UPDATE_DOCS=1 the
screenshot of page 1 is kept as docs/certificate.png.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from conformance.certificate.browser import find_browser, print_pdf, screenshot

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _text(reader: PdfReader, page: int) -> str:
    """A page's text as read: ligatures (ﬁ) unfolded, white space collapsed."""
    return " ".join(unicodedata.normalize("NFKC", reader.pages[page].extract_text()).split())


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if find_browser() is None:
        pytest.skip("Chromium is not installed")


def test_pdf_export_puts_the_summary_first_and_numbers_its_pages(acme_run: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conformance.cli import main

    pdf = tmp_path / "certificate.pdf"
    result = CliRunner().invoke(main, ["certificate", str(acme_run / "certificate.html"), "--pdf", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(pdf)
    first = _text(reader, 0)
    assert "Attestation de conformité" in first and f"Page 1 / {len(reader.pages)}" in first
    assert "Au moins deux services socles" in first and "OUI" in first
    assert "ACME DUI" in first and "3.2.1" in first and "Solution observée dans les échanges" in first
    assert "Vérifier cette attestation" in first and "--rejudge" in first
    assert "Signataire" in first and "TEST DUI-CONFORMANCE" in first
    assert len(reader.pages) >= 2 and "Page 2 /" in reader.pages[1].extract_text()


def test_the_demo_certificate_says_so_on_page_one(demo_run: Path, tmp_path: Path) -> None:
    pdf = print_pdf(demo_run / "certificate.html", tmp_path / "demo.pdf")
    first = _text(PdfReader(pdf), 0)
    assert "DUI DE DÉMONSTRATION" in first and "AUTO-ATTESTÉ" in first and "NON" in first


def test_screenshot_shows_the_summary(acme_run: Path, tmp_path: Path) -> None:
    png = screenshot(acme_run / "certificate.html", tmp_path / "certificate.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    if os.environ.get("CONFORMANCE_UPDATE_DOCS") == "1":
        shutil.copyfile(png, DOCS / "certificate.png")
