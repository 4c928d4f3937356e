"""A document through a pack: failing rules fail where they fail, clean documents pass, warnings
warn, and hostile input is a failing problem that never reaches Saxon as it came. The results are
neutral (reports and problems); their wording as findings is the DMP socle's (tests/socles/dmp)."""

from __future__ import annotations

from pathlib import Path

import pytest
import saxonche

from conformance.formats.schematron import compile as compiling
from conformance.formats.schematron.pack import Pack
from conformance.formats.schematron.runner import PackRunner, Problem, Report, Result
from conformance.model import Verdict

from .helpers import VOLET, cda


def _verdicts(results: list[Result]) -> list[Verdict]:
    """What the results weigh: each problem and each reported item, and a clean report passes."""
    out: list[Verdict] = []
    for r in results:
        if isinstance(r, Problem):
            out.append(r.verdict)
        else:
            out.extend(i.verdict for i in r.svrl.items)
            out.extend([] if r.svrl.failures() else [Verdict.PASS])
    return out


def _worst(results: list[Result]) -> Verdict:
    return max(_verdicts(results), key=lambda v: v.rank)


def _problem(results: list[Result]) -> Problem:
    assert len(results) == 1 and isinstance(results[0], Problem), results
    return results[0]


def test_a_clean_document_passes_its_volet_schematron(runner: PackRunner) -> None:
    found = runner.run(cda())
    assert len(found) == 1 and isinstance(found[0], Report)
    assert (found[0].schematron, found[0].svrl.items, found[0].svrl.fired_rules) == (VOLET, [], 2)


def test_a_failed_assert_fails_at_its_location(runner: PackRunner) -> None:
    found = runner.run(cda(title=None))
    assert len(found) == 1 and isinstance(found[0], Report) and _worst(found) is Verdict.FAIL
    fails = found[0].svrl.failures()
    assert len(fails) == 1
    assert fails[0].location == "/Q{urn:hl7-org:v3}ClinicalDocument[1]"
    assert (fails[0].rule_id, fails[0].text) == ("Entete_TEST", "Le titre du document doit être présent.")
    assert Verdict.PASS not in _verdicts(found)


def test_a_report_with_an_id_fails_with_that_id(runner: PackRunner) -> None:
    found = runner.run(cda(title="INTERDIT ici"))
    assert [i.rule_id for r in found if isinstance(r, Report) for i in r.svrl.failures()] == ["TEST-02"]


def test_a_warning_alone_does_not_fail(runner: PackRunner) -> None:
    found = runner.run(cda(language=False))
    assert _worst(found) is Verdict.WARN
    assert _verdicts(found) == [Verdict.WARN, Verdict.PASS]
    assert isinstance(found[0], Report) and "languageCode devrait" in found[0].svrl.items[0].text


def test_profiles_information_passes_and_flag_warns(pack_dir: Path) -> None:
    found = PackRunner(Pack.open(pack_dir), ("profiles",)).run(cda(extra='<setId root="1.2.3"/>'))
    assert sorted(v.value for v in _verdicts(found)) == ["pass", "pass", "warn"]


def test_no_matching_volet_is_not_applicable_with_the_reason(runner: PackRunner) -> None:
    problem = _problem(runner.run(cda(template="1.2.250.1.213.1.1.1.998")))
    assert (problem.code, problem.verdict) == ("none-applies", Verdict.NOT_APPLICABLE)
    assert "1.2.250.1.213.1.1.1.998@2024.01" in problem.detail


def test_a_batch_compiles_each_schematron_once(runner: PackRunner) -> None:
    before = compiling.STATS.compiled
    for doc in (cda(), cda(title=None), cda(language=False), cda()):
        runner.run(doc)
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
        problem = _problem(runner.run(data))
        assert (problem.code, problem.verdict, problem.location) == ("refused", Verdict.FAIL, "/") and problem.detail


def test_a_doctype_past_the_quick_scan_is_refused_and_never_read(runner: PackRunner, tmp_path: Path) -> None:
    """Past the first 64 KiB the DOCTYPE is refused for the same reason as at the top (xmlsafe judges the
    parsed document's own DOCTYPE), and nothing reads it: the trap would be a parse error."""
    trap = tmp_path / "trap.dtd"
    trap.write_text("this is not a DTD", encoding="utf-8")
    late = cda(prolog=f"<!--{'x' * 70000}--><!DOCTYPE ClinicalDocument SYSTEM {trap.as_uri()!r}>")
    problem = _problem(runner.run(late))
    assert (problem.code, problem.verdict) == ("refused", Verdict.FAIL) and "external DTD" in problem.detail


def test_a_code_system_that_is_not_a_uid_is_refused(runner: PackRunner) -> None:
    probe = cda(extra='<value code="x" codeSystem="../../../../etc/hosts"/>')
    problem = _problem(runner.run(probe))
    assert (problem.code, problem.verdict, problem.detail) == ("code-system", Verdict.FAIL, "../../../../etc/hosts")
    assert problem.location.endswith("/@codeSystem")


def test_a_saxon_stop_is_a_failing_finding(pack_dir: Path) -> None:
    sch = pack_dir / "schematrons" / "CI-SIS_STOP_2024.01.sch"
    sch.write_text(
        '<schema xmlns="http://purl.oclc.org/dsdl/schematron"><ns prefix="cda" uri="urn:hl7-org:v3"/>'
        '<pattern id="P"><rule context="cda:ClinicalDocument">'
        "<assert test=\"doc('../jeuxDeValeurs/absent.xml')/*\">jeu de valeurs</assert></rule></pattern></schema>",
        encoding="utf-8",
    )
    problem = _problem(PackRunner(Pack.open(pack_dir), ("CI-SIS_STOP_2024.01",)).run(cda()))
    assert (problem.code, problem.verdict, problem.schematron) == ("saxon-stopped", Verdict.FAIL, "CI-SIS_STOP_2024.01")
    assert problem.pack_at_fault  # the missing file is the pack's


def test_a_missing_include_warns_and_the_other_rules_still_judge(pack_dir: Path) -> None:
    sch = pack_dir / "schematrons" / f"{VOLET}.sch"
    sch.write_text(
        sch.read_text(encoding="utf-8").replace("<title>", '<include href="include/gone.sch"/><title>'),
        encoding="utf-8",
    )
    runner = PackRunner(Pack.open(pack_dir))
    clean = runner.run(cda())
    assert _verdicts(clean) == [Verdict.WARN, Verdict.PASS]
    assert isinstance(clean[0], Problem) and (clean[0].code, clean[0].detail) == ("include-missing", "include/gone.sch")
    assert Verdict.FAIL in _verdicts(runner.run(cda(title=None)))


def test_a_pack_that_does_not_compile_fails_the_document_with_the_reason(pack_dir: Path) -> None:
    (pack_dir / "schematrons" / "CI-SIS_BROKEN_2024.01.sch").write_text("<schema", encoding="utf-8")
    problem = _problem(PackRunner(Pack.open(pack_dir), ("CI-SIS_BROKEN_2024.01",)).run(cda()))
    assert (problem.code, problem.verdict, problem.pack_at_fault) == ("not-compiled", Verdict.FAIL, True)
    assert "cannot be compiled" in problem.detail


def test_a_document_saxon_cannot_read_is_a_failing_finding(runner: PackRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.formats.schematron import runner as module

    class Refusing:
        def parse_xml(self, **_: object) -> None:
            raise saxonche.PySaxonApiError("SXXP0003 not well-formed")

    monkeypatch.setattr(module, "processor", Refusing)
    problem = _problem(runner.run(cda()))
    assert (problem.code, problem.verdict) == ("saxon-unreadable", Verdict.FAIL) and "SXXP0003" in problem.detail
