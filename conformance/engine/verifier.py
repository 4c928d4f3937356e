"""The `verify` fixture: where a scenario hands artifacts and observations to the checks.

A scenario never asserts by itself: it records findings here, and the engine fails the
scenario when one of the requirements it declares has a failing finding, or has none at all
(a scenario that judges nothing is a defect of the suite, not a pass).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from conformance.levels import apply_levels
from conformance.messages import Text, finding
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.registry import dedupe, judge

if TYPE_CHECKING:
    from conformance.engine.evidence import EvidenceRef
    from conformance.engine.recorder import RunRecorder


class Verifier:
    def __init__(self, recorder: RunRecorder, nodeid: str, socle: str, declared: list[str]) -> None:
        self.recorder = recorder
        self.nodeid = nodeid
        self.socle = socle
        self.declared = declared
        self.findings: list[Finding] = []

    def artifact(self, art: Artifact, ctx: CheckContext | None = None, *, only_declared: bool = True) -> list[Finding]:
        """Run every check of the socle registered for `art.kind`; the artifact becomes evidence.

        A scenario judges the requirements it declares (Inferno-style); everything else the checks
        say about the artifact stays reproducible with `conformance validate` on the evidence.
        """
        ref: EvidenceRef | None = art.meta.get("evidence_ref")
        if ref is None:
            ref = self.recorder.journal.record(art.kind, art.name, art.data)
        ctx = ctx or CheckContext()
        if ctx.at is None:  # time-dependent rules judge against the capture time, as a re-judgement would
            ctx = replace(ctx, at=datetime.fromisoformat(ref.time.replace("Z", "+00:00")), at_source="capture")
        found: list[Finding] = []
        for node in judge(art, ctx, [self.socle]):  # the artifact and the parts the socle finds in it
            part_ref = ref
            if node.parent is not None:  # each part is evidence of its own, linked to its container
                part_ref = self.recorder.journal.record(
                    node.artifact.kind, node.artifact.name, node.artifact.data, meta={"part_of": ref.path}
                )
            mine = [f for f in node.findings if not only_declared or f.requirement in self.declared]
            found.extend(f if f.evidence else replace(f, evidence=part_ref.sha256) for f in mine)
            self.recorder.journal.tag(part_ref, sorted({f.requirement for f in mine}))
        return self.record(dedupe(found))

    def expect(
        self,
        requirement: str,
        ok: bool,
        ko: Text,
        *,
        ok_text: Text | None = None,
        location: str = "",
        evidence: Any = None,
    ) -> Finding:
        """A finding computed by the scenario itself (from the DUI's outcome or the traffic).

        `ko` is the message when `ok` is false, `ok_text` (default: `ko`) when it is true.
        """
        f = finding(requirement, Verdict.PASS if ok else Verdict.FAIL, (ok_text or ko) if ok else ko, location)
        if evidence is not None:
            ref = (
                evidence
                if hasattr(evidence, "sha256")
                else self.recorder.journal.record_json("observation", requirement, evidence)
            )
            self.recorder.journal.tag(ref, [requirement])
            f.evidence = ref.sha256
        self.record([f])
        return f

    def record(self, findings: list[Finding]) -> list[Finding]:
        leveled = apply_levels(findings)
        self.findings.extend(leveled)
        self.recorder.add_findings(self.nodeid, leveled)
        return leveled

    def problems(self) -> list[str]:
        """Why the scenario fails: failing findings on declared requirements, or silence."""
        out = [
            f"{f.requirement} FAIL at {f.location or '-'}: {f.message_en}"
            for f in self.findings
            if f.requirement in self.declared and f.verdict is Verdict.FAIL
        ]
        judged = {f.requirement for f in self.findings}
        out.extend(
            f"{rid}: the scenario produced no finding for this declared requirement"
            for rid in self.declared
            if rid not in judged
        )
        return out
