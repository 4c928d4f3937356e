"""SVRL items become findings with the pack's severity: errors fail, warnings warn, information passes."""

from __future__ import annotations

from conformance.formats.schematron.svrl import parse_svrl, to_findings
from conformance.model import Verdict

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl" title="t">
  <svrl:active-pattern id="Entete_X"/>
  <svrl:fired-rule context="cda:ClinicalDocument"/>
  <svrl:failed-assert location="/ClinicalDocument/title">
    <svrl:text>
       [Entete_X] Le titre
       doit être présent.
    </svrl:text>
  </svrl:failed-assert>
  <svrl:failed-assert id="X-02" role="warning" location="/ClinicalDocument"><svrl:text>avertissement</svrl:text>
  </svrl:failed-assert>
  <svrl:active-pattern id="P2"/>
  <svrl:fired-rule context="cda:section"/>
  <svrl:successful-report role="info" location="/ClinicalDocument/setId"><svrl:text>note</svrl:text>
  </svrl:successful-report>
  <svrl:successful-report flag="warning" location="/a"><svrl:text>drapeau</svrl:text></svrl:successful-report>
  <svrl:successful-report location="/b"><svrl:text>interdit</svrl:text></svrl:successful-report>
</svrl:schematron-output>
"""


def test_items_keep_their_pattern_id_location_and_text() -> None:
    report = parse_svrl(REPORT)
    assert report.fired_rules == 2
    assert [(i.kind, i.rule_id, i.location, i.verdict) for i in report.items] == [
        ("failed-assert", "Entete_X", "/ClinicalDocument/title", Verdict.FAIL),
        ("failed-assert", "X-02", "/ClinicalDocument", Verdict.WARN),
        ("successful-report", "P2", "/ClinicalDocument/setId", Verdict.PASS),
        ("successful-report", "P2", "/a", Verdict.WARN),
        ("successful-report", "P2", "/b", Verdict.FAIL),
    ]
    assert report.items[0].text == "[Entete_X] Le titre doit être présent."


def test_findings_name_the_schematron_rule_and_place() -> None:
    found = to_findings("CI-SIS_X_2024.01", parse_svrl(REPORT), "DMP-C03", "abc")
    first = found[0]
    assert (first.requirement, first.verdict, first.location, first.evidence) == (
        "DMP-C03",
        Verdict.FAIL,
        "/ClinicalDocument/title",
        "abc",
    )
    assert first.message_en == "ANS schematron CI-SIS_X_2024.01, rule Entete_X: [Entete_X] Le titre doit être présent."
    assert first.message_fr.startswith("schématron ANS CI-SIS_X_2024.01, règle Entete_X : [Entete_X]")
    assert not any("no failed assertion" in f.message_en for f in found)  # errors: no pass summary


def test_warnings_and_information_alone_do_not_fail() -> None:
    only_soft = REPORT.replace(
        '<svrl:successful-report location="/b"><svrl:text>interdit</svrl:text></svrl:successful-report>', ""
    )
    only_soft = only_soft.replace(
        '<svrl:failed-assert location="/ClinicalDocument/title">',
        '<svrl:failed-assert role="information" location="/ClinicalDocument/title">',
    )
    found = to_findings("S", parse_svrl(only_soft), "DMP-C03")
    assert Verdict.FAIL not in {f.verdict for f in found}
    assert found[-1].verdict is Verdict.PASS and "no failed assertion (2 rules fired)" in found[-1].message_en
