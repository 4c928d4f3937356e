"""DMP-C03: the pack runner's neutral results become DMP findings worded from the socle's table:
each SVRL item with the pack's severity, the schematron's name, the rule and its text as written;
a pass for a schematron that reports no error; one finding per problem that kept it from judging."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.formats.schematron.pack import Pack
from conformance.formats.schematron.runner import PackRunner, Problem, Report
from conformance.formats.schematron.svrl import parse_svrl
from conformance.model import Verdict
from conformance.socles.dmp.checks.schematron_pack import findings_of
from tests.formats.schematron.helpers import VOLET, cda
from tests.formats.schematron.test_svrl import REPORT

R = "DMP-C03"
pytestmark = pytest.mark.requirements(R)


def test_findings_name_the_schematron_rule_and_place() -> None:
    found = findings_of(Report("CI-SIS_X_2024.01", parse_svrl(REPORT)))
    first = found[0]
    assert (first.requirement, first.verdict, first.location) == (R, Verdict.FAIL, "/ClinicalDocument/title")
    assert first.message_en == "ANS schematron CI-SIS_X_2024.01, rule Entete_X: [Entete_X] Le titre doit être présent."
    assert first.message_fr.startswith("schématron ANS CI-SIS_X_2024.01, règle Entete_X : [Entete_X]")
    assert [f.verdict for f in found] == [Verdict.FAIL, Verdict.WARN, Verdict.PASS, Verdict.WARN, Verdict.FAIL]
    assert not any("no failed assertion" in f.message_en for f in found)  # errors: no pass summary


def test_warnings_and_information_alone_do_not_fail() -> None:
    only_soft = REPORT.replace(
        '<svrl:successful-report location="/b"><svrl:text>interdit</svrl:text></svrl:successful-report>', ""
    ).replace(
        '<svrl:failed-assert location="/ClinicalDocument/title">',
        '<svrl:failed-assert role="information" location="/ClinicalDocument/title">',
    )
    found = findings_of(Report("S", parse_svrl(only_soft)))
    assert Verdict.FAIL not in {f.verdict for f in found}
    assert found[-1].verdict is Verdict.PASS
    assert found[-1].message_en == "ANS schematron S: no failed assertion (2 rules fired)"
    assert found[-1].message_fr == "schématron ANS S : aucune assertion en échec (2 règles déclenchées)"


PROBLEMS = [
    (Problem("refused", "XML carries a DOCTYPE"), Verdict.FAIL, "refused by the hardened XML parser: XML carries"),
    (
        Problem("code-system", "../etc", "/x/@codeSystem"),
        Verdict.FAIL,
        "codeSystem '../etc' is not an OID or UUID (the pack builds file paths from it)",
    ),
    (Problem("none-applies", "no volet 1.2.3@2024.01"), Verdict.NOT_APPLICABLE, "no ANS schematron applies: no volet"),
    (Problem("saxon-unreadable", "SXXP0003"), Verdict.FAIL, "Saxon cannot read the document: SXXP0003"),
    (
        Problem("not-compiled", "ANS schematron S cannot be compiled with the pack's engine: X", schematron="S"),
        Verdict.FAIL,
        "cannot be compiled with the pack's engine: X (the pack is at fault, not the document)",
    ),
    (
        Problem("saxon-stopped", "I/O error", schematron="S", pack_at_fault=True),
        Verdict.FAIL,
        "ANS schematron S stopped with a Saxon error on this document: I/O error (a file of the pack is missing",
    ),
    (Problem("saxon-stopped", "XPTY0004", schematron="S"), Verdict.FAIL, "stopped with a Saxon error on this document"),
    (
        Problem("include-missing", "include/gone.sch", schematron="S"),
        Verdict.WARN,
        "ANS schematron S: its include include/gone.sch is not in the pack; its rules were not run",
    ),
]


@pytest.mark.parametrize(("problem", "verdict", "text"), PROBLEMS, ids=[p.code for p, _, _ in PROBLEMS])
def test_each_problem_is_one_finding_with_its_reason(problem: Problem, verdict: Verdict, text: str) -> None:
    found = findings_of(problem)
    assert [(f.requirement, f.verdict, f.location) for f in found] == [(R, verdict, problem.location)]
    assert text in found[0].message_en and found[0].message_fr


def test_a_document_through_the_tiny_pack(pack_dir: Path) -> None:
    runner = PackRunner(Pack.open(pack_dir))
    clean = [f for r in runner.run(cda()) for f in findings_of(r)]
    assert [(f.verdict, f.message_en) for f in clean] == [
        (Verdict.PASS, f"ANS schematron {VOLET}: no failed assertion (2 rules fired)")
    ]
    bad = [f for r in runner.run(cda(title=None)) for f in findings_of(r)]
    assert [(f.verdict, f.location, f.message_en) for f in bad] == [
        (
            Verdict.FAIL,
            "/Q{urn:hl7-org:v3}ClinicalDocument[1]",
            f"ANS schematron {VOLET}, rule Entete_TEST: Le titre du document doit être présent.",
        )
    ]
