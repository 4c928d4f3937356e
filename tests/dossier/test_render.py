"""The dossier as written: French HTML with its verdicts, line problems and files; the JSON twin."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import html as lxml_html

from conformance.dossier.assemble import SCHEMA, assemble
from conformance.dossier.members import read_members
from conformance.dossier.programme import load_programme
from conformance.dossier.render import write_dossier
from tests.dossier.helpers import grappe, issue, members_csv


def text_of(path: Path, xpath: str) -> str:
    doc = lxml_html.fromstring(path.read_bytes())
    return " ".join(" ".join(n.text_content().split()) for n in doc.xpath(xpath))


def test_conditions_met_dossier(certs: Path, tmp_path: Path) -> None:
    issue(certs / "a", "4.2.1")
    issue(certs / "b", "5.0")
    d = assemble(read_members(members_csv(grappe(16))), certs, load_programme())
    written = write_dossier(d, tmp_path / "out", pdf=False)
    assert written.pdf is None and written.pdf_problem == ""
    html = written.html
    assert text_of(html, "//*[@id='conditions-verdict']") == "CONDITIONS REMPLIES"
    assert text_of(html, "//*[@id='completeness']").startswith("Dossier complet")
    assert "16 ESMS ; minimum 15" in text_of(html, "//table[@id='conditions']")
    assert "DMP" in text_of(html, "//table[@id='conditions']")  # short labels of the counted socles
    members = text_of(html, "//table[@id='members']")
    assert members.count("auto-attestée") == 16 and "EHPAD Essai 16" in members
    page = html.read_text(encoding="utf-8")
    assert 'lang="fr"' in page and d.members.sha256 in page and d.programme.sha256 in page
    doc = json.loads(written.json.read_text(encoding="utf-8"))
    assert doc["schema"] == SCHEMA and doc["verdict"] == {"conditions_met": True, "complete": True}
    assert len(doc["members"]) == 16 and len(doc["versions"]) == 2 and doc["problems"] == []


def test_incomplete_dossier_shows_each_problem_on_its_line(certs: Path, tmp_path: Path) -> None:
    issue(certs / "a", "4.2.1")
    rows = grappe(16, versions=("4.2.1", "6.0"))
    rows[0] = ("<script>alert(1)</script>", *rows[0][1:3], "12345", *rows[0][4:])
    d = assemble(read_members(members_csv(rows)), certs, load_programme())
    html = write_dossier(d, tmp_path / "out", pdf=False).html
    assert text_of(html, "//*[@id='conditions-verdict']") == "CONDITIONS NON REMPLIES"
    assert "INCOMPLET : 1 problème(s)" in text_of(html, "//*[@id='completeness']")
    line2 = text_of(html, "//tr[@id='line-2']")
    assert "Ligne non retenue" in line2 and "12345" in line2 and "<script>alert(1)</script>" in line2
    assert "aucune attestation pour DUI Essai 6.0" in text_of(html, "//tr[@id='line-17']")
    assert "<script>alert" not in html.read_text(encoding="utf-8")  # escaped, never markup
    problems = text_of(html, "//h2[@id='problems']/following-sibling::table[1]")
    assert "à corriger" in problems and "condition non remplie" in problems
