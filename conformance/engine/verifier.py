"""The `verify` fixture: where a scenario hands artifacts and observations to the checks.

A scenario never asserts by itself: it records findings here, and the engine fails the
scenario when one of the requirements it declares has a failing finding, or has none at all
(a scenario that judges nothing is a defect of the suite, not a pass).

Every judgement is written down as it is made (`conformance.engine.judgement`): the artifact becomes
evidence with its role and capture time, the context the checks read is recorded beside it, and the
capture time is the checks' "now". An observation (facts the scenario saw, `observe`) is an artifact
too, judged by a registered check of the socle. So every verdict of a run can be computed again from
its evidence alone (`conformance verify --rejudge`), and is, the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from conformance.engine.evidence import DUI, HARNESS, JUDGEMENT, OBSERVED, now_iso
from conformance.engine.judge_memo import JudgeMemo
from conformance.engine.judgement import KIND, Judgement, encode_context, encode_meta
from conformance.levels import apply_levels
from conformance.model import Artifact, CheckContext, Finding, Verdict
from conformance.observations import Observation
from conformance.registry import dedupe

if TYPE_CHECKING:
    from conformance.engine.evidence import EvidenceRef
    from conformance.engine.recorder import RunRecorder


def at_capture_time(ctx: CheckContext, at: str) -> CheckContext:
    """`ctx` with the capture time `at` (ISO 8601, the evidence entry's) as the reference time of every
    time-dependent rule (`CheckContext.at`, source "capture"): in a scenario, in its re-judgement and in
    the validation of its evidence alike. An entry without a readable time leaves `ctx` as it is."""
    try:
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return ctx
    return replace(ctx, at=when if when.tzinfo else when.replace(tzinfo=UTC), at_source="capture")


class Verifier:
    """Judges for one scenario. `checks` names whose checks run (default: the scenario's socle);
    `charge`, when set, says the findings are concluded into another requirement (see `sharing`)."""

    def __init__(
        self,
        recorder: RunRecorder,
        nodeid: str,
        socle: str,
        declared: list[str],
        *,
        checks: str | None = None,
        charge: str | None = None,
        memo: JudgeMemo | None = None,
    ) -> None:
        self.recorder = recorder
        self.nodeid = nodeid
        self.socle = socle
        self.declared = declared
        self.checks = checks or socle
        self.charge = {"requirement": charge, "group": uuid.uuid4().hex} if charge else None
        self.findings: list[Finding] = []
        self.binding: set[str] = set()  # requirements an accepted exchange failed (see `exchange`)
        self.memo = memo or JudgeMemo()  # the run's, shared by its scenarios (see `engine.judge_memo`)

    def artifact(
        self,
        art: Artifact,
        ctx: CheckContext | None = None,
        *,
        only_declared: bool = True,
        provoked: tuple[str, ...] = (),
    ) -> list[Finding]:
        """Run every check of the socle registered for `art.kind`; the artifact becomes evidence.

        A scenario judges the requirements it declares (Inferno-style); everything else the checks
        say about the artifact stays reproducible with `conformance validate` on the evidence.
        `art.meta` may carry `evidence_ref` (already recorded), `source_ref` (the exchange it was cut
        from: its role and capture time are inherited) or `role`. `provoked` names the rules the harness
        made the DUI break on purpose (it fed it a deliberately bad input): the evidence validation does
        not count them against the DUI.
        """
        ref = self._evidence(art)
        ctx = at_capture_time(ctx or CheckContext(), ref.time)
        keep = list(self.declared) if only_declared else None
        found: list[Finding] = []
        for node in self.memo.judge(art, ctx, self.checks):  # the artifact and the parts the socle finds in it
            part_ref = ref if node.parent is None else self._part(node.artifact, ref)
            mine = [f for f in node.findings if keep is None or f.requirement in keep]
            found.extend(f if f.evidence else replace(f, evidence=part_ref.sha256) for f in mine)
            judged = [self.charge["requirement"]] if self.charge else sorted({f.requirement for f in mine})
            self.recorder.journal.tag(part_ref, judged if mine else [])
        self._judgement(ref, art, ctx, keep, list(provoked))
        return self.accept(dedupe(found))

    def observe(self, requirement: str, rule: str, facts: Mapping[str, Any], location: str = "") -> list[Finding]:
        """Facts the scenario saw, recorded as an observation and judged by the socle's `rule` judge."""
        art = Observation(rule, requirement, dict(facts), location).artifact(self.checks)
        art.meta["role"] = OBSERVED
        return self.artifact(art, CheckContext(), only_declared=False)

    def exchange(self, art: Artifact, ctx: CheckContext | None = None) -> list[Finding]:
        """Judge what a mock service accepted during this scenario with every check of its kind: each
        failing requirement fails the scenario, declared or not (no scenario passes on an exchange that
        `conformance validate` would fail)."""
        found = self.artifact(art, ctx, only_declared=False)
        self.binding.update(f.requirement for f in found if f.verdict is Verdict.FAIL)
        return found

    def record(self, findings: list[Finding]) -> list[Finding]:
        """Findings the harness made without an artifact (a scenario that died): only failures, replayed
        as recorded, since there is nothing to judge them on."""
        findings = [f for f in findings if f.verdict is Verdict.FAIL]
        if findings:
            ref = self.recorder.journal.record_json(
                KIND,
                "replayed",
                Judgement(
                    self.nodeid,
                    self.socle,
                    self.checks,
                    at=now_iso(),
                    replayed=[f.to_json() for f in findings],
                ).to_json(),
                role=JUDGEMENT,
            )
            findings = [f if f.evidence else replace(f, evidence=ref.sha256) for f in findings]
        return self.accept(findings)

    def accept(self, findings: list[Finding]) -> list[Finding]:
        """Findings backed by a judgement record: catalog levels applied, kept for the scenario."""
        leveled = apply_levels(findings)
        self.findings.extend(leveled)
        self.recorder.add_findings(self.nodeid, leveled)
        return leveled

    def problems(self) -> list[str]:
        """Why the scenario fails: failing findings on declared requirements, or silence."""
        out = [
            f"{f.requirement} FAIL at {f.location or '-'}: {f.message_en}"
            for f in self.findings
            if (f.requirement in self.declared or f.requirement in self.binding) and f.verdict is Verdict.FAIL
        ]
        judged = {f.requirement for f in self.findings}
        out.extend(
            f"{rid}: the scenario produced no finding for this declared requirement"
            for rid in self.declared
            if rid not in judged
        )
        return out

    # -- evidence ----------------------------------------------------------------------------

    def _evidence(self, art: Artifact) -> EvidenceRef:
        ref: EvidenceRef | None = art.meta.get("evidence_ref")
        if ref is not None:
            return ref
        source: EvidenceRef | None = art.meta.get("source_ref")
        role = str(art.meta.get("role") or (source.role if source is not None else DUI))
        return self.recorder.journal.attach(
            art.kind, art.name, art.data, role=role, time=source.time if source is not None else None
        )

    def _part(self, part: Artifact, container: EvidenceRef) -> EvidenceRef:
        """A part the socle found in a judged artifact (a request's CDA, an e-mail's archive): evidence of
        its own, with its container's role and capture time and `part_of` naming the container by its SHA-256.
        It is judged again with its container (the judgement record replays the expansion), never alone."""
        return self.recorder.journal.attach(
            part.kind,
            part.name,
            part.data,
            role=container.role,
            time=container.time,
            meta={"part_of": container.sha256},
        )

    def _judgement(
        self, ref: EvidenceRef, art: Artifact, ctx: CheckContext, keep: list[str] | None, provoked: list[str]
    ) -> None:
        journal = self.recorder.journal

        def part(data: bytes, what: str) -> str:  # bytes the artifact carries beside itself: its role
            return journal.attach("part", f"{ref.label}-part", data, role=ref.role, time=ref.time).sha256

        def given(data: bytes, what: str) -> str:  # what the scenario gave the checks: the harness's
            return journal.attach("context-file" if what == "file" else "part", "context", data, role=HARNESS).sha256

        record = Judgement(
            self.nodeid,
            self.socle,
            self.checks,
            at=ref.time,
            artifact={
                "sha256": ref.sha256,
                "kind": art.kind,
                "name": art.name,
                "meta": encode_meta(art.meta, part),
            },
            context=encode_context(ctx, given),
            keep=keep,
            charge=self.charge,
            provoked=provoked or None,
        )
        journal.record_json(KIND, art.kind, record.to_json(), role=JUDGEMENT)
