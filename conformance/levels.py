"""Levels turn check results into verdicts: a failed PRECONISATION is a warning.

Checks always say "fail" when a rule is broken; whether that fails the DUI depends on the level
the catalog gives the rule (UNSURE facts are PRECONISATION), decided here and only here.
"""

from __future__ import annotations

from dataclasses import replace

from conformance.model import Finding, Level, Verdict
from conformance.requirements import find_requirement


def apply_levels(findings: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    for f in findings:
        req = find_requirement(f.requirement)
        if f.verdict is Verdict.FAIL and req is not None and req.level is Level.PRECONISATION:
            f = replace(f, verdict=Verdict.WARN,
                        message_en=f"{f.message_en} (PRECONISATION: warning)",
                        message_fr=f"{f.message_fr} (PRÉCONISATION : avertissement)")
        out.append(f)
    return out
