"""The certificate in a real browser: headless Chromium prints it and takes a screenshot.

Skips when Chromium is absent (.ci/run installs the Debian package). With
CONFORMANCE_UPDATE_DOCS=1 the screenshot is kept as docs/certificate.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from conformance.certificate.browser import find_browser

BIN = Path(sys.executable).parent
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if find_browser() is None:
        pytest.skip("Chromium is not installed")
    out = tmp_path_factory.mktemp("run") / "run"
    subprocess.run(
        [
            str(BIN / "conformance"),
            "run",
            "--dui",
            "demo",
            "--out",
            str(out),
            "--solution-name",
            "DUI Essai",
            "--solution-version",
            "4.2.1",
            "--solution-vendor",
            "Éditeur Essai",
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert (out / "certificate.html").exists()
    return out / "certificate.html"


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
