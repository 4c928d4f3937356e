"""DMP-C03: the CDA passes the ANS schematron of its volet, when an official pack is given.

The rules themselves are the ANS TestContenuCDA schematrons (`--schematron-pack DIR`, a clone of
ansforge/TestContenuCDA-3-0), run by `conformance.formats.schematron`; the harness never ships them. The
pack is chosen once by the front door (`conformance validate`, `conformance run`, the pytest
plugin) or, for one check call, by `ctx.extra["schematron_pack"]` (a PackRunner). Without a pack
the requirement is reported not applicable with the reason, never passed.

The runner's neutral result becomes findings here: one per SVRL item (with the pack's severity,
the schematron's name, the rule and its text as written), a pass for a schematron that reports no
error, and one finding per problem that kept a schematron from judging.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.formats.schematron.runner import Problem, Report, Result, runner_for
from conformance.messages import Text, finding
from conformance.model import CheckContext, Finding, Verdict
from conformance.registry import check

from ..messages import M
from .cda_doc import CdaDoc

R = "DMP-C03"


@check("cda", "dmp", R)
def check_volet_schematron(doc: CdaDoc, ctx: CheckContext) -> Iterable[Finding]:
    runner = runner_for(ctx.extra)
    if runner is None:
        return [M.not_applicable(R, "schematron.no-pack", "/")]
    return [f for result in runner.run(doc.data) for f in findings_of(result)]


def findings_of(result: Result) -> list[Finding]:
    """The DMP-C03 findings of one schematron report or problem."""
    if isinstance(result, Problem):
        return [finding(R, result.verdict, problem_text(result), result.location)]
    return report_findings(result)


def report_findings(report: Report) -> list[Finding]:
    """One finding per reported item, plus a pass when nothing in the report is an error."""
    name, svrl = report.schematron, report.svrl
    out = [
        finding(
            R,
            item.verdict,
            M.text("schematron.item", name=name, rule=item.rule_id or "-", text=item.text),
            item.location or "/",
        )
        for item in svrl.items
    ]
    if not svrl.failures():
        out.append(finding(R, Verdict.PASS, M.text("schematron.clean", name=name, fired=svrl.fired_rules), "/"))
    return out


def problem_text(p: Problem) -> Text:
    if p.code == "refused":
        return M.text("schematron.refused", detail=p.detail)
    if p.code == "code-system":
        return M.text("schematron.code-system", value=p.detail)
    if p.code == "none-applies":
        return M.text("schematron.none-applies", reason=p.detail)
    if p.code == "saxon-unreadable":
        return M.text("schematron.saxon-unreadable", detail=p.detail)
    if p.code == "not-compiled":
        return M.text("schematron.not-compiled", detail=p.detail)  # the detail names the schematron
    if p.code == "include-missing":
        return M.text("schematron.include-missing", name=p.schematron, href=p.detail)
    if p.pack_at_fault:
        return M.text("schematron.saxon-stopped-pack", name=p.schematron, detail=p.detail)
    return M.text("schematron.saxon-stopped", name=p.schematron, detail=p.detail)
