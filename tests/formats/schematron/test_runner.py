"""A document through a pack: failing rules fail where they fail, clean documents pass, warnings
warn, and hostile input is a failing finding that never reaches Saxon as it came."""

from __future__ import annotations

from pathlib import Path

import pytest
import saxonche

from conformance.formats.schematron import compile as compiling
from conformance.formats.schematron.pack import Pack
from conformance.formats.schematron.runner import PackRunner
from conformance.model import Verdict

from .minipack import VOLET, cda

R = "DMP-C03"


def _worst(findings: list) -> Verdict:  # type: ignore[type-arg]
    return max((f.verdict for f in findings), key=lambda v: v.rank)


def test_a_clean_document_passes_its_volet_schematron(runner: PackRunner) -> None:
    found = runner.run(cda(), R, "sha")
    assert [(f.verdict, f.location) for f in found] == [(Verdict.PASS, "/")]
    assert found[0].message_en == f"ANS schematron {VOLET}: no failed assertion (2 rules fired)"
    assert found[0].evidence == "sha"


def test_a_failed_assert_fails_at_its_location(runner: PackRunner) -> None:
    found = runner.run(cda(title=None), R)
    fails = [f for f in found if f.verdict is Verdict.FAIL]
    assert len(fails) == 1 and _worst(found) is Verdict.FAIL
    assert fails[0].location == "/Q{urn:hl7-org:v3}ClinicalDocument[1]"
    assert fails[0].message_en == f"ANS schematron {VOLET}, rule Entete_TEST: Le titre du document doit être présent."
    assert not any(f.verdict is Verdict.PASS for f in found)


def test_a_report_with_an_id_fails_with_that_id(runner: PackRunner) -> None:
    found = runner.run(cda(title="INTERDIT ici"), R)
    assert [f.message_en.split(":")[0] for f in found if f.verdict is Verdict.FAIL] == [
        f"ANS schematron {VOLET}, rule TEST-02"
    ]


def test_a_warning_alone_does_not_fail(runner: PackRunner) -> None:
    found = runner.run(cda(language=False), R)
    assert _worst(found) is Verdict.WARN
    assert [f.verdict for f in found] == [Verdict.WARN, Verdict.PASS]
    assert "languageCode devrait" in found[0].message_fr


def test_profiles_information_passes_and_flag_warns(pack_dir: Path) -> None:
    found = PackRunner(Pack.open(pack_dir), ("profiles",)).run(cda(extra='<setId root="1.2.3"/>'), R)
    assert sorted(f.verdict.value for f in found) == ["pass", "pass", "warn"]


def test_no_matching_volet_is_not_applicable_with_the_reason(runner: PackRunner) -> None:
    found = runner.run(cda(template="1.2.250.1.213.1.1.1.998"), R)
    assert [f.verdict for f in found] == [Verdict.NOT_APPLICABLE]
    assert "1.2.250.1.213.1.1.1.998@2024.01" in found[0].message_en


def test_a_batch_compiles_each_schematron_once(runner: PackRunner) -> None:
    before = compiling.STATS.compiled
    for doc in (cda(), cda(title=None), cda(language=False), cda()):
        runner.run(doc, R)
    assert compiling.STATS.compiled == before + 1


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&x;</title></ClinicalDocument>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol3;</title></ClinicalDocument>"""


def test_hostile_documents_fail_without_reaching_saxon(runner: PackRunner) -> None:
    external_dtd = cda(prolog='<!DOCTYPE ClinicalDocument SYSTEM "file:///etc/passwd">')
    for data in (XXE, LAUGHS, external_dtd, b"<ClinicalDocument", b"x" * (41 * 1024 * 1024)):
        found = runner.run(data, R, "sha")
        assert [(f.requirement, f.verdict, f.location, f.evidence) for f in found] == [(R, Verdict.FAIL, "/", "sha")]
        assert "refused by the hardened XML parser" in found[0].message_en


def test_a_doctype_the_guard_does_not_see_is_never_read(runner: PackRunner, tmp_path: Path) -> None:
    """Past the first 64 KiB the DOCTYPE is not refused, but neither lxml nor Saxon reads it: the
    tree is re-serialised without it (reading this file would be a parse error, not a pass)."""
    trap = tmp_path / "trap.dtd"
    trap.write_text("this is not a DTD", encoding="utf-8")
    late = cda(prolog=f"<!--{'x' * 70000}--><!DOCTYPE ClinicalDocument SYSTEM {trap.as_uri()!r}>")
    assert [f.verdict for f in runner.run(late, R)] == [Verdict.PASS]


def test_a_code_system_that_is_not_a_uid_is_refused(runner: PackRunner) -> None:
    probe = cda(extra='<value code="x" codeSystem="../../../../etc/hosts"/>')
    found = runner.run(probe, R)
    assert [f.verdict for f in found] == [Verdict.FAIL]
    assert found[0].location.endswith("/@codeSystem") and "not an OID or UUID" in found[0].message_en


def test_a_saxon_stop_is_a_failing_finding(pack_dir: Path) -> None:
    sch = pack_dir / "schematrons" / "CI-SIS_STOP_2024.01.sch"
    sch.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><ns prefix="cda" uri="urn:hl7-org:v3"/>'
        '<pattern id="P"><rule context="cda:ClinicalDocument">'
        "<assert test=\"doc('../jeuxDeValeurs/absent.xml')/*\">jeu de valeurs</assert></rule></pattern></schema>",
        encoding="utf-8",
    )
    found = PackRunner(Pack.open(pack_dir), ("CI-SIS_STOP_2024.01",)).run(cda(), R)
    assert [f.verdict for f in found] == [Verdict.FAIL]
    assert "stopped with a Saxon error" in found[0].message_en
    assert "the pack is at fault" in found[0].message_en  # the missing file is the pack's


def test_a_missing_include_warns_and_the_other_rules_still_judge(pack_dir: Path) -> None:
    sch = pack_dir / "schematrons" / f"{VOLET}.sch"
    sch.write_text(
        sch.read_text(encoding="utf-8").replace("<title>", '<include href="include/gone.sch"/><title>'),
        encoding="utf-8",
    )
    runner = PackRunner(Pack.open(pack_dir))
    clean = runner.run(cda(), R)
    assert [f.verdict for f in clean] == [Verdict.WARN, Verdict.PASS]
    assert "include include/gone.sch is not in the pack" in clean[0].message_en
    assert Verdict.FAIL in {f.verdict for f in runner.run(cda(title=None), R)}


def test_a_pack_that_does_not_compile_fails_the_document_with_the_reason(pack_dir: Path) -> None:
    (pack_dir / "schematrons" / "CI-SIS_BROKEN_2024.01.sch").write_text("<schema", encoding="utf-8")
    found = PackRunner(Pack.open(pack_dir), ("CI-SIS_BROKEN_2024.01",)).run(cda(), R)
    assert [f.verdict for f in found] == [Verdict.FAIL]
    assert "cannot be compiled" in found[0].message_en and "pack is at fault" in found[0].message_en


def test_a_document_saxon_cannot_read_is_a_failing_finding(runner: PackRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.formats.schematron import runner as module

    class Refusing:
        def parse_xml(self, **_: object) -> None:
            raise saxonche.PySaxonApiError("SXXP0003 not well-formed")

    monkeypatch.setattr(module, "processor", Refusing)
    found = runner.run(cda(), R)
    assert [f.verdict for f in found] == [Verdict.FAIL] and "Saxon cannot read the document" in found[0].message_en
