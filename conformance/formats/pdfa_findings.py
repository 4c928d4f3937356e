"""A PDF/A report as findings of one socle's rule, worded by name from the PDF/A message table.

Three socles judge PDF/A on the PDFs they carry (MSSanté MSS-DOC-03 on message copies, DMP DMP-C05 on N1
bodies, e-prescription EP-28 on the printed ordonnance): the rule is theirs, the words are the same, so the
wording lives once, in `pdfa.toml`, beside the module that finds the problems.
"""

from __future__ import annotations

from conformance.formats.pdfa import PdfaReport, T
from conformance.model import Finding


def pdfa_findings(report: PdfaReport, requirement: str, where: str) -> list[Finding]:
    """One failure per problem (located `where > object path`), or one pass; plus the external verdict."""
    rid = requirement
    if report.refused is not None:
        return [T.fail(rid, "finding.refused", where, reason=report.refused)]
    out = [
        T.fail(rid, "finding.problem", f"{where} > {p.location}", problem=p.text, clause=p.clause)
        for p in report.problems
    ]
    if report.incomplete is not None:
        out.append(T.warn(rid, "finding.incomplete", where, why=report.incomplete))
    if not out:
        out.append(T.passed(rid, "finding.conforms", where, conformance=(report.conformance or "b").lower()))
    ext = report.external
    if ext is not None:
        if ext.valid is True:
            out.append(T.passed(rid, "finding.external-valid", where, tool=ext.tool))
        elif ext.valid is False:
            out.append(T.fail(rid, "finding.external-invalid", where, tool=ext.tool, errors=ext.summary()))
        else:
            out.append(T.warn(rid, "finding.external-failed", where, tool=ext.tool, why=ext.failure))
    return out
