"""Requirement levels applied to findings: a failed PRECONISATION is a warning, not a failure.

Checks state facts ("this header is missing") without knowing how binding the rule is; the
catalog says that. Keeping the downgrade in one place means `conformance validate`, the pytest
scenarios and the certificate can never disagree about what a "should" rule costs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from conformance.model import Finding, Level, Verdict
from conformance.requirements import find_requirement


def requirement_level(rid: str) -> Level | None:
    """The catalog level of `rid`, None for ids no installed catalog knows (e.g. HARNESS-*)."""
    try:
        req = find_requirement(rid)
    except Exception:  # a broken third-party catalog must not hide the findings themselves
        return None
    return req.level if req is not None else None


def apply_levels(findings: Iterable[Finding]) -> list[Finding]:
    """Copy of `findings` where every failing PRECONISATION becomes a warning."""
    out: list[Finding] = []
    for f in findings:
        if f.verdict is Verdict.FAIL and requirement_level(f.requirement) is Level.PRECONISATION:
            out.append(
                replace(
                    f,
                    verdict=Verdict.WARN,
                    message_en=f"{f.message_en} (PRECONISATION: warning)",
                    message_fr=f"{f.message_fr} (PRÉCONISATION : avertissement)",
                )
            )
        else:
            out.append(f)
    return out
