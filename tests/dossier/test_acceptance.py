"""Issue 15's acceptance, with certificates made by real demo runs and the real command line.

A 16-member grappe (three organismes, two DUI versions) meets the conditions; one member's version
without a certificate, or 14 members, does not, with the reason; a Corsican 8-member grappe meets the
size condition.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conformance.cli import main
from tests.dossier.helpers import demo_run, grappe, members_csv


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("certificates")
    for version in ("4.2.1", "5.0"):
        run = demo_run(tmp_path_factory, version)
        (folder / version).mkdir()
        for name in ("certificate.html", "evidence.zip"):
            shutil.copyfile(run / name, folder / version / name)
    return folder


def dossier(tmp_path: Path, certificates: Path, rows: list[tuple[str, ...]]) -> tuple[int, dict[str, Any]]:
    members = tmp_path / "membres.csv"
    members.write_bytes(members_csv(rows, encoding="cp1252"))
    out = tmp_path / "dossier"
    args = ["dossier", "--members", members, "--certificates", certificates, "--out", out, "--no-pdf"]
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert isinstance(result.exception, SystemExit | None), result.output
    assert (out / "dossier.html").is_file()
    return result.exit_code, json.loads((out / "dossier.json").read_text(encoding="utf-8"))


def conditions(doc: dict[str, Any]) -> dict[str, tuple[bool | None, str]]:
    return {c["id"]: (c["met"], c["reason_fr"]) for c in doc["conditions"]}


def test_sixteen_members_three_organismes_two_versions(tmp_path: Path, certificates: Path) -> None:
    code, doc = dossier(tmp_path, certificates, grappe(16, organismes=3))
    assert code == 0 and doc["verdict"] == {"conditions_met": True, "complete": True}
    assert len({m["organisme"]["finess"] for m in doc["members"]}) == 3
    assert [(v["version"], v["meets"], v["certificate"]["evidence"]) for v in doc["versions"]] == [
        ("4.2.1", True, "verified"),
        ("5.0", True, "verified"),
    ]
    assert "conditions remplies".upper() in (tmp_path / "dossier" / "dossier.html").read_text(encoding="utf-8")


def test_a_version_without_certificate_is_not_met(tmp_path: Path, certificates: Path) -> None:
    rows = grappe(16, organismes=3)
    rows[0] = (*rows[0][:6], "4.3")
    code, doc = dossier(tmp_path, certificates, rows)
    met, reason = conditions(doc)["socles"]
    assert code == 1 and doc["verdict"]["conditions_met"] is False and met is False
    assert "DUI Essai 4.3" in reason and "4.2.1, 5.0" in reason
    assert [(p["line"], p["key"]) for p in doc["problems"]] == [(2, "member-other-version")]


def test_fourteen_members_are_not_met(tmp_path: Path, certificates: Path) -> None:
    code, doc = dossier(tmp_path, certificates, grappe(14, organismes=3))
    assert code == 1 and conditions(doc)["grappe-size"] == (False, "14 ESMS ; minimum 15")


def test_a_corsican_grappe_of_eight(tmp_path: Path, certificates: Path) -> None:
    code, doc = dossier(tmp_path, certificates, grappe(8, organismes=2, departement="2A"))
    assert code == 0 and conditions(doc)["grappe-size"] == (True, "8 ESMS (tous en Corse ou en outre-mer) ; minimum 8")
