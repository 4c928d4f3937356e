"""SVRL items keep the pack's severity: errors fail, warnings warn, information passes. (How the DMP
words them as DMP-C03 findings: tests/socles/dmp/test_schematron_pack.py.)"""

from __future__ import annotations

from conformance.formats.schematron.svrl import parse_svrl
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


def test_warnings_and_information_alone_are_no_failure() -> None:
    only_soft = REPORT.replace(
        '<svrl:successful-report location="/b"><svrl:text>interdit</svrl:text></svrl:successful-report>', ""
    )
    only_soft = only_soft.replace(
        '<svrl:failed-assert location="/ClinicalDocument/title">',
        '<svrl:failed-assert role="information" location="/ClinicalDocument/title">',
    )
    report = parse_svrl(only_soft)
    assert report.failures() == [] and len(report.items) == 4
    assert [i.rule_id for i in parse_svrl(REPORT).failures()] == ["Entete_X", "P2"]
