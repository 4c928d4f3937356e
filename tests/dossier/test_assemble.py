"""Members matched to certificates and the programme's conditions judged (synthetic certificates, fast)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.dossier.assemble import Dossier, assemble, version_key
from conformance.dossier.members import read_members
from conformance.dossier.programme import load_programme
from conformance.formats.pki import TestPKI
from conformance.paths import profiles_dir
from tests.dossier.helpers import HEADER, grappe, issue, members_csv

ARA = profiles_dir() / "programme" / "esms-numerique-ara-2021.toml"


def build(rows: list[tuple[str, ...]], certs: Path, programme: Path | None = None, **kw: object) -> Dossier:
    return assemble(read_members(members_csv(rows, **kw)), certs, load_programme(programme))  # type: ignore[arg-type]


def condition(d: Dossier, cid: str) -> tuple[bool | None, str]:
    c = next(c for c in d.conditions if c.id == cid)
    return c.met, c.reason_fr


def lines(d: Dossier, key: str) -> list[int | None]:
    return [p.line for p in d.problems if p.key == key]


@pytest.fixture
def two_versions(certs: Path) -> Path:
    issue(certs / "a", "4.2.1")
    issue(certs / "b", "5.0", counting=("mssante", "dmp", "eprescription"))
    return certs


def test_sixteen_members_three_organismes_two_versions_meet_the_conditions(two_versions: Path) -> None:
    d = build(grappe(16), two_versions)
    assert d.met and d.complete and d.problems == []
    assert condition(d, "grappe-size") == (True, "16 ESMS ; minimum 15")
    assert condition(d, "organismes")[0] is None  # not a condition of the regional call
    assert [(g.version, len(g.members), g.meets) for g in d.groups] == [("4.2.1", 8, True), ("5.0", 8, True)]
    assert d.to_json()["verdict"] == {"conditions_met": True, "complete": True}


def test_a_version_without_certificate(two_versions: Path) -> None:
    rows = grappe(16, versions=("4.2.1", "5.0", "5.1"))
    d = build(rows, two_versions)
    met, reason = condition(d, "socles")
    assert not d.met and d.complete and met is False and "DUI Essai 5.1" in reason and "4.2.1, 5.0" in reason
    missing = [i + 2 for i, r in enumerate(rows) if r[6] == "5.1"]
    assert lines(d, "member-other-version") == missing


def test_no_certificate_at_all_for_a_solution(two_versions: Path) -> None:
    rows = grappe(15) + grappe(1, solution="Autre DUI", departement="01")
    d = build(rows, two_versions)
    assert not d.met and lines(d, "member-no-certificate") == [17]


def test_fourteen_members_are_too_few(two_versions: Path) -> None:
    d = build(grappe(14), two_versions)
    assert not d.met and d.complete
    assert condition(d, "grappe-size") == (False, "14 ESMS ; minimum 15")


@pytest.mark.parametrize(("departement", "met"), [("2A", True), ("2B", True), ("97", True), ("69", False)])
def test_eight_members_in_corsica_or_overseas(two_versions: Path, departement: str, met: bool) -> None:
    d = build(grappe(8, departement=departement), two_versions)
    assert condition(d, "grappe-size")[0] is met and d.complete


def test_corsica_threshold_needs_every_member_there(two_versions: Path) -> None:
    rows = grappe(7, departement="2A") + grappe(1, departement="20")[:0] + grappe(1, departement="13")
    assert condition(build(rows, two_versions), "grappe-size") == (False, "8 ESMS ; minimum 15")


def test_fifty_or_more_is_a_national_call(two_versions: Path) -> None:
    assert "appel national" in condition(build(grappe(50), two_versions), "grappe-size")[1]


def test_call_requiring_three_organismes(two_versions: Path) -> None:
    assert condition(build(grappe(16, organismes=3), two_versions, ARA), "organismes") == (
        True,
        "3 organisme(s) gestionnaire(s) ; minimum 3",
    )
    d = build(grappe(16, organismes=2), two_versions, ARA)
    assert not d.met and condition(d, "organismes")[0] is False


def test_one_counted_socle_is_not_enough(certs: Path) -> None:
    issue(certs / "a", "4.2.1", counting=("mssante",), failing=("dmp",))
    d = build(grappe(16, versions=("4.2.1",)), certs)
    assert not d.met and len(lines(d, "member-too-few-socles")) == 16
    assert d.groups[0].counted == ["mssante"]


def test_socles_outside_the_programme_do_not_count(certs: Path) -> None:
    issue(certs / "a", "4.2.1", counting=("mssante", "ins"))
    d = build(grappe(16, versions=("4.2.1",)), certs)
    assert not d.met and d.groups[0].counted == ["mssante"]


def test_untrusted_signer_and_witness_only_programme(certs: Path, tmp_path: Path) -> None:
    pki = TestPKI.load_or_create(tmp_path / "pki")
    issue(certs / "a", "4.2.1", key=pki.signing_key, cert=pki.signing_cert)
    members = read_members(members_csv(grappe(16, versions=("4.2.1",))))
    d = assemble(members, certs, load_programme())
    assert not d.met and d.groups[0].certificate and d.groups[0].certificate.trust == "untrusted"
    assert "signataire non reconnu" in d.groups[0].refusal_fr and len(lines(d, "member-certificate-refused")) == 16
    assert assemble(members, certs, load_programme(), trust=pki.root_cert).met
    text = ARA.read_text(encoding="utf-8").replace('["witnessed", "auto-attested"]', '["witnessed"]')
    witness_only = tmp_path / "witness-only.toml"
    witness_only.write_text(text.replace("minimum = 3", "minimum = 1"), encoding="utf-8")
    issue(certs / "b", "5.0")  # auto-attested
    d = assemble(read_members(members_csv(grappe(16, versions=("5.0",)))), certs, load_programme(witness_only))
    assert not d.met and "auto-attestée" in d.groups[0].refusal_fr


def test_best_certificate_of_a_version_is_kept(certs: Path) -> None:
    issue(certs / "old", "4.2.1", counting=("mssante",), failing=("dmp",))
    issue(certs / "new", "4.2.1", counting=("mssante", "dmp"))
    d = build(grappe(16, versions=("4.2.1",)), certs)
    assert d.met and d.groups[0].certificate and d.groups[0].certificate.name == "new/certificate.html"
    assert len(d.groups[0].candidates) == 2


def test_names_and_versions_matched_loosely(two_versions: Path) -> None:
    assert version_key(" V4.2.1 ") == version_key("version 4.2.1") == "4.2.1" != version_key("4.2")
    rows = [(*r[:5], "dui  ESSAI", "v" + r[6]) for r in grappe(16)]
    assert build(rows, two_versions).met


def test_bad_inputs_each_on_its_line_and_the_dossier_still_built(two_versions: Path) -> None:
    rows = grappe(17)
    rows[3] = (*rows[3][:3], rows[3][3][:8] + str((int(rows[3][3][8]) + 1) % 10), *rows[3][4:])  # wrong key
    rows[5] = (*rows[5][:3], rows[4][3], *rows[5][4:])  # duplicate of line 6
    (two_versions / "readme.html").write_text("<html><body>pas une attestation</body></html>")
    header = (*HEADER, "Remarque")
    data = members_csv([(*r, "") for r in rows], header=header).decode() + "a;b;c\r\n"
    d = assemble(read_members(data.encode()), two_versions, load_programme())
    assert not d.complete and d.met  # 16 usable establishments remain
    assert [(p.source, p.line, p.key) for p in d.problems] == [
        ("members.csv", 1, "members-unknown-column"),
        ("members.csv", 5, "finess-key"),
        ("members.csv", 7, "members-duplicate"),
        ("members.csv", 19, "members-too-few-cells"),
        ("readme.html", None, "certificate-not-certificate"),
    ]


def test_a_line_naming_its_certificate(two_versions: Path) -> None:
    (two_versions / "readme.html").write_text("<html><body>pas une attestation</body></html>")
    rows = [(*r, "a/certificate.html" if r[6] == "4.2.1" else "./b/certificate.html") for r in grappe(16)]
    rows[0] = (*rows[0][:7], "readme.html")
    rows[1] = (*rows[1][:7], "absent/certificate.html")
    rows[2] = (*rows[2][:7], "b/certificate.html")  # 5.0's certificate on a 4.2.1 line
    rows[9] = (*rows[9][:7], "a/certificate.html")  # 4.2.1's certificate on a 5.0 line
    d = build(rows, two_versions, header=(*HEADER, "Attestation"))
    assert not d.complete
    assert [(p.line, p.key) for p in d.problems if p.source == "members.csv"] == [
        (2, "certificate-not-certificate"),
        (3, "certificate-named-missing"),
        (4, "certificate-named-other-solution"),
        (11, "certificate-named-other-solution"),
    ]
    assert rows[9][6] == "5.0" and rows[2][6] == "4.2.1" and d.met  # the right certificates are found anyway


def test_empty_members_file_gives_a_dossier_not_a_traceback(two_versions: Path) -> None:
    d = assemble(read_members(b""), two_versions, load_programme())
    assert not d.met and not d.complete and d.groups == []
    assert condition(d, "socles")[1] == "aucune version de DUI utilisable dans le fichier des membres"
