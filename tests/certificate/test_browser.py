"""The certificate in a real browser: headless Chromium prints it and takes a screenshot.

Skips when Chromium is absent (.ci/run installs the Debian package). With
CONFORMANCE_UPDATE_DOCS=1 the screenshot is kept as docs/certificate.png.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conformance.certificate.browser import find_browser
from tests.helpers import Run

BIN = Path(sys.executable).parent
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def certificate(demo_run: Run) -> Path:
    """The certificate of the shared demo run (solution "DUI Essai" 4.2.1, English copy too): read only."""
    if find_browser() is None:
        pytest.skip("Chromium is not installed")
    assert (demo_run.out / "certificate.html").exists(), demo_run.output[-2000:]
    return demo_run.out / "certificate.html"


def test_pdf_export_puts_the_summary_first(certificate: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from conformance.cli import main

    pdf = tmp_path / "certificate.pdf"
    result = CliRunner().invoke(main, ["certificate", str(certificate), "--pdf", "--out", str(pdf)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(pdf)
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Attestation de conformité" in first
    assert "Au moins deux services socles" in first and ("OUI" in first or "NON" in first)
    assert "DUI Essai" in first and "4.2.1" in first
    assert len(reader.pages) >= 2  # details after the summary page


def test_screenshot_shows_the_summary(certificate: Path, tmp_path: Path) -> None:
    from conformance.certificate.browser import screenshot

    png = screenshot(certificate, tmp_path / "certificate.png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    if os.environ.get("CONFORMANCE_UPDATE_DOCS") == "1":
        shutil.copyfile(png, DOCS / "certificate.png")
