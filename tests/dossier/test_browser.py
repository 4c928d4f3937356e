"""The dossier in a real browser: headless Chromium prints it and takes the screenshot kept in docs/.

Skips without Chromium. With CONFORMANCE_UPDATE_DOCS=1 the screenshot is kept as docs/dossier.png and
the badge's as docs/badge.png.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from conformance.certificate.browser import find_browser, screenshot
from conformance.dossier.assemble import assemble
from conformance.dossier.badge import facts, render_badge
from conformance.dossier.members import read_members
from conformance.dossier.programme import load_programme
from conformance.dossier.render import write_dossier
from tests.dossier.helpers import demo_run, grappe, issue, members_csv

DOCS = Path(__file__).resolve().parents[2] / "docs"
pytestmark = pytest.mark.skipif(find_browser() is None, reason="Chromium is not installed")


def test_pdf_summary_first_and_screenshot(
    certs: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    for version in ("4.2.1", "5.0"):  # certificates of real demo runs, as a grappe would hand them in
        (certs / version).mkdir()
        for name in ("certificate.html", "evidence.zip"):
            shutil.copyfile(demo_run(tmp_path_factory, version) / name, certs / version / name)
    rows = grappe(17, organismes=3)
    rows[4] = (*rows[4][:3], rows[4][3][:8] + str((int(rows[4][3][8]) + 1) % 10), *rows[4][4:])  # a doubtful key
    written = write_dossier(assemble(read_members(members_csv(rows)), certs, load_programme()), tmp_path / "out")
    assert written.pdf is not None, written.pdf_problem
    reader = PdfReader(written.pdf)
    first = " ".join(reader.pages[0].extract_text().split())
    assert "Dossier de grappe" in first and "CONDITIONS REMPLIES" in first and "Dossier complet" in first
    assert "17 ESMS ; minimum 15" in first
    rest = " ".join(" ".join(p.extract_text().split()) for p in reader.pages[1:])
    assert (
        "Versions de DUI et attestations" in rest and "EHPAD Essai 17" in rest and "erreur de saisie probable" in rest
    )
    png = screenshot(written.html, tmp_path / "dossier.png", width=1000, height=1400)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000
    if os.environ.get("CONFORMANCE_UPDATE_DOCS") == "1":
        shutil.copyfile(png, DOCS / "dossier.png")


def test_badge_renders(certs: Path, tmp_path: Path) -> None:
    cert = issue(certs / "a", "4.2.1", counting=("mssante", "dmp", "eprescription"))
    svg = tmp_path / "badge.svg"
    svg.write_bytes(render_badge(facts(cert), "a/certificate.html"))
    png = screenshot(svg, tmp_path / "badge.png", width=420, height=64)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2_000
    if os.environ.get("CONFORMANCE_UPDATE_DOCS") == "1":
        shutil.copyfile(png, DOCS / "badge.png")
